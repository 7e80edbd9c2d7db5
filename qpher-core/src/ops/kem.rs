//! KEM operations: encrypt, decrypt, encapsulate, decapsulate, wrap and unwrap.

use qpher_types::limits::MIN_SALT_LEN;
use qpher_types::{
    Algorithm, DecapsulateRequest, DecapsulateResponse, DecryptRequest, DecryptResponse,
    EncapsulateRequest, EncapsulateResponse, EncryptMode, EncryptRequest, EncryptResponse,
    SecretBytes, UnwrapRequest, UnwrapResponse, WrapRequest, WrapResponse, paths,
};

use super::{PostParts, post_operation};
use crate::json_writer::Member;
use crate::operation::check_version_and_family;
use crate::{Error, ErrorKind, RetryClass};

/// Returns the algorithm a response names, else the one requested, else the service default.
fn kem_algorithm(response: Option<Algorithm>, request: Option<&Algorithm>) -> Algorithm {
    response
        .or_else(|| request.cloned())
        .unwrap_or(Algorithm::Kyber768)
}

/// Result of an encrypt call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptResult {
    /// The opaque ciphertext; store it with `key_version`.
    pub ciphertext: Vec<u8>,
    /// The key version that encrypted.
    pub key_version: u32,
    /// The algorithm that encrypted.
    pub algorithm: Algorithm,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<EncryptResponse, EncryptResult> for EncryptRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), true)?;

        let deterministic = self.mode == Some(EncryptMode::Deterministic);
        match (&self.salt, deterministic) {
            (None, true) => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "salt is required in deterministic mode: pass at least {MIN_SALT_LEN} bytes"
                ),
            )),
            (Some(salt), true) if salt.len() < MIN_SALT_LEN => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "salt is {} bytes; deterministic mode needs at least {MIN_SALT_LEN}",
                    salt.len()
                ),
            )),
            (Some(_), false) => Err(Error::new(
                ErrorKind::InvalidArgument,
                "salt is only used in deterministic mode; drop it or choose deterministic mode",
            )),
            _ => Ok(()),
        }
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64("plaintext", self.plaintext.expose_secret())),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
            self.mode
                .as_ref()
                .map(|mode| Member::text("mode", mode.as_str())),
            self.salt
                .as_deref()
                .map(|salt| Member::base64("salt", salt)),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: EncryptResponse, request_id: Option<String>) -> EncryptResult {
        EncryptResult {
            ciphertext: data.ciphertext,
            key_version: data.key_version,
            algorithm: kem_algorithm(data.algorithm, self.algorithm.as_ref()),
            request_id,
        }
    }
}

post_operation!(
    EncryptRequest,
    EncryptResponse,
    EncryptResult,
    "kem.encrypt",
    paths::KEM_ENCRYPT,
    RetryClass::Safe
);

/// Result of a decrypt call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecryptResult {
    /// The recovered plaintext.
    pub plaintext: SecretBytes,
    /// The key version that decrypted.
    pub key_version: u32,
    /// The algorithm that decrypted.
    pub algorithm: Algorithm,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<DecryptResponse, DecryptResult> for DecryptRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), true)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64("ciphertext", &self.ciphertext)),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: DecryptResponse, request_id: Option<String>) -> DecryptResult {
        DecryptResult {
            plaintext: data.plaintext,
            key_version: data.key_version,
            algorithm: kem_algorithm(data.algorithm, self.algorithm.as_ref()),
            request_id,
        }
    }
}

post_operation!(
    DecryptRequest,
    DecryptResponse,
    DecryptResult,
    "kem.decrypt",
    paths::KEM_DECRYPT,
    RetryClass::Safe
);

/// Result of an encapsulate call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncapsulateResult {
    /// The KEM ciphertext to keep; decapsulating it recovers the shared secret.
    pub kem_ciphertext: Vec<u8>,
    /// The 32-byte shared secret.
    pub shared_secret: SecretBytes,
    /// The key version encapsulated to.
    pub key_version: u32,
    /// The algorithm used.
    pub algorithm: Algorithm,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<EncapsulateResponse, EncapsulateResult> for EncapsulateRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), true)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: EncapsulateResponse, request_id: Option<String>) -> EncapsulateResult {
        EncapsulateResult {
            kem_ciphertext: data.kem_ciphertext,
            shared_secret: data.shared_secret,
            key_version: data.key_version,
            algorithm: kem_algorithm(data.algorithm, self.algorithm.as_ref()),
            request_id,
        }
    }
}

post_operation!(
    EncapsulateRequest,
    EncapsulateResponse,
    EncapsulateResult,
    "kem.encapsulate",
    paths::KEM_ENCAPSULATE,
    RetryClass::Safe
);

/// Result of a decapsulate call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecapsulateResult {
    /// The 32-byte shared secret.
    pub shared_secret: SecretBytes,
    /// The key version used.
    pub key_version: u32,
    /// The algorithm used.
    pub algorithm: Algorithm,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<DecapsulateResponse, DecapsulateResult> for DecapsulateRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), true)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64("kem_ciphertext", &self.kem_ciphertext)),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: DecapsulateResponse, request_id: Option<String>) -> DecapsulateResult {
        DecapsulateResult {
            shared_secret: data.shared_secret,
            key_version: data.key_version,
            algorithm: kem_algorithm(data.algorithm, self.algorithm.as_ref()),
            request_id,
        }
    }
}

post_operation!(
    DecapsulateRequest,
    DecapsulateResponse,
    DecapsulateResult,
    "kem.decapsulate",
    paths::KEM_DECAPSULATE,
    RetryClass::Safe
);

/// Result of a key wrap call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrapResult {
    /// The opaque wrapped key; store it with `key_version`.
    pub wrapped_key: Vec<u8>,
    /// The key version that wrapped.
    pub key_version: u32,
    /// The algorithm that wrapped.
    pub algorithm: Algorithm,
    /// The wrapping method, such as `KEM-DEM`.
    pub wrapping_method: Option<String>,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<WrapResponse, WrapResult> for WrapRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), true)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64(
                "symmetric_key",
                self.symmetric_key.expose_secret(),
            )),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: WrapResponse, request_id: Option<String>) -> WrapResult {
        WrapResult {
            wrapped_key: data.wrapped_key,
            key_version: data.key_version,
            algorithm: kem_algorithm(data.algorithm, self.algorithm.as_ref()),
            wrapping_method: data.wrapping_method,
            request_id,
        }
    }
}

post_operation!(
    WrapRequest,
    WrapResponse,
    WrapResult,
    "kem.wrap",
    paths::KEM_WRAP,
    RetryClass::Safe
);

/// Result of a key unwrap call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnwrapResult {
    /// The recovered symmetric key.
    pub symmetric_key: SecretBytes,
    /// The key version that unwrapped.
    pub key_version: u32,
    /// The algorithm that unwrapped.
    pub algorithm: Algorithm,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<UnwrapResponse, UnwrapResult> for UnwrapRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), true)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64("wrapped_key", &self.wrapped_key)),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: UnwrapResponse, request_id: Option<String>) -> UnwrapResult {
        UnwrapResult {
            symmetric_key: data.symmetric_key,
            key_version: data.key_version,
            algorithm: kem_algorithm(data.algorithm, self.algorithm.as_ref()),
            request_id,
        }
    }
}

post_operation!(
    UnwrapRequest,
    UnwrapResponse,
    UnwrapResult,
    "kem.unwrap",
    paths::KEM_UNWRAP,
    RetryClass::Safe
);
