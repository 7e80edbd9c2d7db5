//! Models of the key-management endpoints under `/api/v1/kms/keys`.

use serde::{Deserialize, Serialize};

use crate::{Algorithm, KeyStatus};

/// One key version: only public material is ever returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// The version number, from 1, counted per tenant and algorithm.
    pub key_version: u32,
    /// The algorithm of the key pair.
    pub algorithm: Algorithm,
    /// The lifecycle status.
    pub status: KeyStatus,
    /// The public key.
    #[serde(with = "crate::base64::public_key")]
    pub public_key: Vec<u8>,
    /// When the version was created, as ISO-8601 UTC text.
    pub created_at: String,
}

/// Body of `POST /api/v1/kms/keys/generate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateKeyRequest {
    /// The algorithm of the new key pair.
    pub algorithm: Algorithm,
}

/// Query of `GET /api/v1/kms/keys`; absent filters are left out of the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListKeysQuery {
    /// Only keys of this algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
    /// Only keys in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<KeyStatus>,
}

/// `data` of `GET /api/v1/kms/keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListKeysResponse {
    /// The matching key versions.
    pub keys: Vec<KeyInfo>,
    /// The number of matching key versions.
    pub total: u64,
}

/// Query of `GET /api/v1/kms/keys/active` and `GET /api/v1/kms/keys/{key_version}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyQuery {
    /// The algorithm of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// Body of `POST /api/v1/kms/keys/rotate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotateKeyRequest {
    /// The algorithm whose active key is rotated.
    pub algorithm: Algorithm,
}

/// `data` of a successful rotate: the new active version and the one it replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotateKeyResponse {
    /// The new active version.
    pub key_version: u32,
    /// The algorithm of the key pair.
    pub algorithm: Algorithm,
    /// The new public key.
    #[serde(with = "crate::base64::public_key")]
    pub public_key: Vec<u8>,
    /// The version that was active before and is now retired.
    pub old_key_version: u32,
}

/// Body of `POST /api/v1/kms/keys/retire`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetireKeyRequest {
    /// The algorithm of the key.
    pub algorithm: Algorithm,
    /// The version to retire.
    pub key_version: u32,
}
