//! Models of the KEM endpoints under `/api/v1/kem/`.

use serde::{Deserialize, Serialize};

use crate::{Algorithm, EncryptMode, SecretBytes};

/// Body of `POST /api/v1/kem/encrypt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptRequest {
    /// The data to encrypt; at most 1 MiB (1,048,576 bytes) before encoding.
    #[serde(with = "crate::base64::plaintext")]
    pub plaintext: SecretBytes,
    /// The key version to encrypt under; it must be active.
    pub key_version: u32,
    /// `Kyber768` (the service default) or `X-Wing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
    /// `standard` (the service default) or `deterministic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<EncryptMode>,
    /// At least 32 bytes; required in deterministic mode and not allowed otherwise.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::base64::salt"
    )]
    pub salt: Option<Vec<u8>>,
}

/// `data` of a successful encrypt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptResponse {
    /// The opaque ciphertext: KEM ciphertext, IV, AES-GCM ciphertext and tag.
    #[serde(with = "crate::base64::ciphertext")]
    pub ciphertext: Vec<u8>,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used; some service versions omit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// Body of `POST /api/v1/kem/decrypt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecryptRequest {
    /// A ciphertext returned by encrypt.
    #[serde(with = "crate::base64::ciphertext")]
    pub ciphertext: Vec<u8>,
    /// The exact key version the ciphertext was made with (active or retired).
    pub key_version: u32,
    /// The algorithm the ciphertext was made with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a successful decrypt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecryptResponse {
    /// The recovered plaintext.
    #[serde(with = "crate::base64::plaintext")]
    pub plaintext: SecretBytes,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// Body of `POST /api/v1/kem/encapsulate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncapsulateRequest {
    /// The key version to encapsulate to; it must be active.
    pub key_version: u32,
    /// `Kyber768` (the service default) or `X-Wing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a successful encapsulate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncapsulateResponse {
    /// The KEM ciphertext to store or send; 1088 bytes for Kyber768.
    #[serde(with = "crate::base64::kem_ciphertext")]
    pub kem_ciphertext: Vec<u8>,
    /// The 32-byte shared secret, usable directly as an AES-256 key.
    #[serde(with = "crate::base64::shared_secret")]
    pub shared_secret: SecretBytes,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// Body of `POST /api/v1/kem/decapsulate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecapsulateRequest {
    /// A KEM ciphertext returned by encapsulate.
    #[serde(with = "crate::base64::kem_ciphertext")]
    pub kem_ciphertext: Vec<u8>,
    /// The key version the KEM ciphertext was made for.
    pub key_version: u32,
    /// The algorithm the KEM ciphertext was made with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a successful decapsulate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecapsulateResponse {
    /// The 32-byte shared secret.
    #[serde(with = "crate::base64::shared_secret")]
    pub shared_secret: SecretBytes,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// Body of `POST /api/v1/kem/key/wrap`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapRequest {
    /// The symmetric key to wrap: 16, 24, 32, 48 or 64 bytes.
    #[serde(with = "crate::base64::symmetric_key")]
    pub symmetric_key: SecretBytes,
    /// The key version to wrap under; it must be active.
    pub key_version: u32,
    /// `Kyber768` (the service default) or `X-Wing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a successful wrap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapResponse {
    /// The opaque wrapped key.
    #[serde(with = "crate::base64::wrapped_key")]
    pub wrapped_key: Vec<u8>,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
    /// The wrapping method; the service sends `KEM-DEM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapping_method: Option<String>,
}

/// Body of `POST /api/v1/kem/key/unwrap`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnwrapRequest {
    /// A wrapped key returned by wrap.
    #[serde(with = "crate::base64::wrapped_key")]
    pub wrapped_key: Vec<u8>,
    /// The key version the key was wrapped under (active or retired).
    pub key_version: u32,
    /// The algorithm the key was wrapped with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}

/// `data` of a successful unwrap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnwrapResponse {
    /// The recovered symmetric key.
    #[serde(with = "crate::base64::symmetric_key")]
    pub symmetric_key: SecretBytes,
    /// The key version that was used.
    pub key_version: u32,
    /// The algorithm that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Algorithm>,
}
