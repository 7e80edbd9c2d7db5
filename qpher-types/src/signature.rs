//! Models of the signature endpoints under `/api/v1/signature/`.

use serde::{Deserialize, Serialize};

use crate::{Algorithm, HashAlgorithm};

/// Body of `POST /api/v1/signature/sign`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignRequest {
    /// The message to sign; at most 1 MiB. Sign a digest with sign-hash for larger data.
    #[serde(with = "crate::base64::message")]
    pub message: Vec<u8>,
    /// The key version to sign with; it must be active.
    pub key_version: u32,
    /// `Dilithium3` (the service default), `Composite-ML-DSA` or an SLH-DSA name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a successful sign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignResponse {
    /// The signature; 3309 bytes for Dilithium3 (ML-DSA-65).
    #[serde(with = "crate::base64::signature")]
    pub signature: Vec<u8>,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// Body of `POST /api/v1/signature/verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRequest {
    /// The message that was signed.
    #[serde(with = "crate::base64::message")]
    pub message: Vec<u8>,
    /// The signature to check.
    #[serde(with = "crate::base64::signature")]
    pub signature: Vec<u8>,
    /// The key version that signed (active or retired).
    pub key_version: u32,
    /// The algorithm that signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a verify: a signature that does not match is `valid: false`, not an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResponse {
    /// Whether the signature matches the message and key.
    pub valid: bool,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// Body of `POST /api/v1/signature/sign-hash`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignHashRequest {
    /// The precomputed digest; its length must match `hash_algorithm`.
    #[serde(with = "crate::base64::hash")]
    pub hash: Vec<u8>,
    /// The digest algorithm that produced `hash`.
    pub hash_algorithm: HashAlgorithm,
    /// The key version to sign with; it must be active.
    pub key_version: u32,
    /// The signature algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a successful sign-hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignHashResponse {
    /// The detached signature over the digest.
    #[serde(with = "crate::base64::signature")]
    pub signature: Vec<u8>,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
    /// The digest algorithm, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_algorithm: Option<HashAlgorithm>,
    /// The signature type; the service sends `detached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_type: Option<String>,
}

/// Body of `POST /api/v1/signature/verify-hash`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyHashRequest {
    /// The precomputed digest.
    #[serde(with = "crate::base64::hash")]
    pub hash: Vec<u8>,
    /// The digest algorithm that produced `hash`.
    pub hash_algorithm: HashAlgorithm,
    /// The detached signature to check.
    #[serde(with = "crate::base64::signature")]
    pub signature: Vec<u8>,
    /// The key version that signed (active or retired).
    pub key_version: u32,
    /// The algorithm that signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a verify-hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyHashResponse {
    /// Whether the signature matches the digest and key.
    pub valid: bool,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
    /// The digest algorithm, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_algorithm: Option<HashAlgorithm>,
}
