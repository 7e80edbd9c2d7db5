//! Signature operations: sign, verify, sign-hash and verify-hash.

use qpher_types::{
    Algorithm, HashAlgorithm, SignHashRequest, SignHashResponse, SignRequest, SignResponse,
    VerifyHashRequest, VerifyHashResponse, VerifyRequest, VerifyResponse, paths,
};

use super::{PostParts, post_operation};
use crate::json_writer::Member;
use crate::operation::check_version_and_family;
use crate::{Error, ErrorKind, RetryClass};

/// Returns the algorithm a response names, else the one requested, else the service default.
fn signature_algorithm(response: Option<Algorithm>, request: Option<&Algorithm>) -> Algorithm {
    response
        .or_else(|| request.cloned())
        .unwrap_or(Algorithm::Dilithium3)
}

/// Rejects a digest whose length does not match its known hash algorithm.
fn check_digest(hash: &[u8], hash_algorithm: &HashAlgorithm) -> Result<(), Error> {
    match hash_algorithm.digest_len() {
        Some(expected) if expected != hash.len() => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "hash is {} bytes but a {hash_algorithm} digest is {expected} bytes; pass the raw digest, not its hex or base64 text",
                hash.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// Result of a sign call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignResult {
    /// The signature.
    pub signature: Vec<u8>,
    /// The key version that signed.
    pub key_version: u32,
    /// The algorithm that signed.
    pub algorithm: Algorithm,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<SignResponse, SignResult> for SignRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), false)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64("message", &self.message)),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: SignResponse, request_id: Option<String>) -> SignResult {
        SignResult {
            signature: data.signature,
            key_version: data.key_version,
            algorithm: signature_algorithm(data.algorithm, self.algorithm.as_ref()),
            request_id,
        }
    }
}

post_operation!(
    SignRequest,
    SignResponse,
    SignResult,
    "signature.sign",
    paths::SIGN,
    RetryClass::Safe
);

/// Result of a verify call: a signature that does not match is `valid == false`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyResult {
    /// Whether the signature matches the message and key.
    pub valid: bool,
    /// The key version used.
    pub key_version: u32,
    /// The algorithm used.
    pub algorithm: Algorithm,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<VerifyResponse, VerifyResult> for VerifyRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), false)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64("message", &self.message)),
            Some(Member::base64("signature", &self.signature)),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: VerifyResponse, request_id: Option<String>) -> VerifyResult {
        VerifyResult {
            valid: data.valid,
            key_version: data.key_version,
            algorithm: signature_algorithm(data.algorithm, self.algorithm.as_ref()),
            request_id,
        }
    }
}

post_operation!(
    VerifyRequest,
    VerifyResponse,
    VerifyResult,
    "signature.verify",
    paths::VERIFY,
    RetryClass::Safe
);

/// Result of a sign-hash call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignHashResult {
    /// The detached signature over the digest.
    pub signature: Vec<u8>,
    /// The key version that signed.
    pub key_version: u32,
    /// The algorithm that signed.
    pub algorithm: Algorithm,
    /// The digest algorithm.
    pub hash_algorithm: HashAlgorithm,
    /// The signature type, such as `detached`.
    pub signature_type: Option<String>,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<SignHashResponse, SignHashResult> for SignHashRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), false)?;
        check_digest(&self.hash, &self.hash_algorithm)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64("hash", &self.hash)),
            Some(Member::text("hash_algorithm", self.hash_algorithm.as_str())),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: SignHashResponse, request_id: Option<String>) -> SignHashResult {
        SignHashResult {
            signature: data.signature,
            key_version: data.key_version,
            algorithm: signature_algorithm(data.algorithm, self.algorithm.as_ref()),
            hash_algorithm: data
                .hash_algorithm
                .unwrap_or_else(|| self.hash_algorithm.clone()),
            signature_type: data.signature_type,
            request_id,
        }
    }
}

post_operation!(
    SignHashRequest,
    SignHashResponse,
    SignHashResult,
    "signature.sign_hash",
    paths::SIGN_HASH,
    RetryClass::Safe
);

/// Result of a verify-hash call: a signature that does not match is `valid == false`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyHashResult {
    /// Whether the signature matches the digest and key.
    pub valid: bool,
    /// The key version used.
    pub key_version: u32,
    /// The algorithm used.
    pub algorithm: Algorithm,
    /// The digest algorithm.
    pub hash_algorithm: HashAlgorithm,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl PostParts<VerifyHashResponse, VerifyHashResult> for VerifyHashRequest {
    fn check(&self) -> Result<(), Error> {
        check_version_and_family(self.key_version, self.algorithm.as_ref(), false)?;
        check_digest(&self.hash, &self.hash_algorithm)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Some(Member::base64("hash", &self.hash)),
            Some(Member::text("hash_algorithm", self.hash_algorithm.as_str())),
            Some(Member::base64("signature", &self.signature)),
            Some(Member::unsigned("key_version", self.key_version)),
            Member::algorithm(self.algorithm.as_ref()),
        ]
        .into_iter()
        .flatten()
    }

    fn result(&self, data: VerifyHashResponse, request_id: Option<String>) -> VerifyHashResult {
        VerifyHashResult {
            valid: data.valid,
            key_version: data.key_version,
            algorithm: signature_algorithm(data.algorithm, self.algorithm.as_ref()),
            hash_algorithm: data
                .hash_algorithm
                .unwrap_or_else(|| self.hash_algorithm.clone()),
            request_id,
        }
    }
}

post_operation!(
    VerifyHashRequest,
    VerifyHashResponse,
    VerifyHashResult,
    "signature.verify_hash",
    paths::VERIFY_HASH,
    RetryClass::Safe
);
