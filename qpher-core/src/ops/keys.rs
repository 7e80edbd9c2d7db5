//! Key-management operations: generate, list, get the active key, get a version, rotate
//! and retire.

use std::borrow::Cow;

use http::Method;
use qpher_types::{
    Algorithm, GenerateKeyRequest, KeyInfo, KeyStatus, ListKeysQuery, ListKeysResponse,
    RetireKeyRequest, RotateKeyRequest, RotateKeyResponse, paths,
};

use super::{PostParts, post_operation};
use crate::json_writer::Member;
use crate::operation::{check_key_version, sealed::Sealed};
use crate::{Error, ErrorKind, Operation, RetryClass};

/// One key version with the request id of the response that returned it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The version number.
    pub key_version: u32,
    /// The algorithm of the key pair.
    pub algorithm: Algorithm,
    /// The lifecycle status.
    pub status: KeyStatus,
    /// The public key.
    pub public_key: Vec<u8>,
    /// When the version was created, as ISO-8601 UTC text.
    pub created_at: String,
    /// The service's request id.
    pub request_id: Option<String>,
}

impl Key {
    fn new(info: KeyInfo, request_id: Option<String>) -> Self {
        Self {
            key_version: info.key_version,
            algorithm: info.algorithm,
            status: info.status,
            public_key: info.public_key,
            created_at: info.created_at,
            request_id,
        }
    }
}

/// Result of listing keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyList {
    /// The matching key versions.
    pub keys: Vec<KeyInfo>,
    /// The number of matching key versions.
    pub total: u64,
    /// The service's request id.
    pub request_id: Option<String>,
}

/// Result of a rotation: the new active version and the retired one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotateResult {
    /// The new active version.
    pub key_version: u32,
    /// The algorithm of the key pair.
    pub algorithm: Algorithm,
    /// The new public key.
    pub public_key: Vec<u8>,
    /// The version that was active before and is now retired.
    pub old_key_version: u32,
    /// The service's request id.
    pub request_id: Option<String>,
}

/// Rejects algorithms that have no stored keys: SLH-DSA keys are not managed through KMS.
fn check_kms_algorithm(algorithm: &Algorithm) -> Result<(), Error> {
    match algorithm {
        Algorithm::SlhDsaSha2_128s
        | Algorithm::SlhDsaSha2_128f
        | Algorithm::SlhDsaSha2_192s
        | Algorithm::SlhDsaSha2_256s => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "algorithm {algorithm} has no managed keys; key management covers Kyber768, X-Wing, Dilithium3 and Composite-ML-DSA"
            ),
        )),
        _ => Ok(()),
    }
}

impl PostParts<KeyInfo, Key> for GenerateKeyRequest {
    fn check(&self) -> Result<(), Error> {
        check_kms_algorithm(&self.algorithm)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [Member::text("algorithm", self.algorithm.as_str())].into_iter()
    }

    fn result(&self, data: KeyInfo, request_id: Option<String>) -> Key {
        Key::new(data, request_id)
    }
}

post_operation!(
    GenerateKeyRequest,
    KeyInfo,
    Key,
    "keys.generate",
    paths::KEYS_GENERATE,
    RetryClass::LifecycleMutation
);

impl PostParts<RotateKeyResponse, RotateResult> for RotateKeyRequest {
    fn check(&self) -> Result<(), Error> {
        check_kms_algorithm(&self.algorithm)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [Member::text("algorithm", self.algorithm.as_str())].into_iter()
    }

    fn result(&self, data: RotateKeyResponse, request_id: Option<String>) -> RotateResult {
        RotateResult {
            key_version: data.key_version,
            algorithm: data.algorithm,
            public_key: data.public_key,
            old_key_version: data.old_key_version,
            request_id,
        }
    }
}

post_operation!(
    RotateKeyRequest,
    RotateKeyResponse,
    RotateResult,
    "keys.rotate",
    paths::KEYS_ROTATE,
    RetryClass::LifecycleMutation
);

impl PostParts<KeyInfo, Key> for RetireKeyRequest {
    fn check(&self) -> Result<(), Error> {
        check_key_version(self.key_version)?;
        check_kms_algorithm(&self.algorithm)
    }

    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone {
        [
            Member::text("algorithm", self.algorithm.as_str()),
            Member::unsigned("key_version", self.key_version),
        ]
        .into_iter()
    }

    fn result(&self, data: KeyInfo, request_id: Option<String>) -> Key {
        Key::new(data, request_id)
    }
}

post_operation!(
    RetireKeyRequest,
    KeyInfo,
    Key,
    "keys.retire",
    paths::KEYS_RETIRE,
    RetryClass::LifecycleMutation
);

impl Sealed for ListKeysQuery {}

impl Operation for ListKeysQuery {
    type Output = KeyList;
    type Data = ListKeysResponse;
    const NAME: &'static str = "keys.list";
    const METHOD: Method = Method::GET;
    const CLASS: RetryClass = RetryClass::Safe;

    fn path(&self) -> Cow<'static, str> {
        Cow::Borrowed(paths::KEYS)
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let algorithm = self
            .algorithm
            .as_ref()
            .map(|a| ("algorithm", a.to_string()));
        let status = self.status.as_ref().map(|s| ("status", s.to_string()));
        algorithm.into_iter().chain(status).collect()
    }

    fn finish(&self, data: ListKeysResponse, request_id: Option<String>) -> KeyList {
        KeyList {
            keys: data.keys,
            total: data.total,
            request_id,
        }
    }
}

/// `GET /api/v1/kms/keys/active`: the active key of an algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetActiveKey {
    /// The algorithm whose active key is returned.
    pub algorithm: Algorithm,
}

impl Sealed for GetActiveKey {}

impl Operation for GetActiveKey {
    type Output = Key;
    type Data = KeyInfo;
    const NAME: &'static str = "keys.get_active";
    const METHOD: Method = Method::GET;
    const CLASS: RetryClass = RetryClass::Safe;

    fn path(&self) -> Cow<'static, str> {
        Cow::Borrowed(paths::KEYS_ACTIVE)
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![("algorithm", self.algorithm.to_string())]
    }

    fn finish(&self, data: KeyInfo, request_id: Option<String>) -> Key {
        Key::new(data, request_id)
    }
}

/// `GET /api/v1/kms/keys/{key_version}`: one key version of an algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetKey {
    /// The version to return.
    pub key_version: u32,
    /// The algorithm of the key.
    pub algorithm: Algorithm,
}

impl Sealed for GetKey {}

impl Operation for GetKey {
    type Output = Key;
    type Data = KeyInfo;
    const NAME: &'static str = "keys.get";
    const METHOD: Method = Method::GET;
    const CLASS: RetryClass = RetryClass::Safe;

    fn path(&self) -> Cow<'static, str> {
        Cow::Owned(paths::key_version(self.key_version))
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![("algorithm", self.algorithm.to_string())]
    }

    fn validate(&self) -> Result<(), Error> {
        check_key_version(self.key_version)
    }

    fn finish(&self, data: KeyInfo, request_id: Option<String>) -> Key {
        Key::new(data, request_id)
    }
}
