//! Endpoint paths, relative to the base URL.
//!
//! Paths are absolute from the API root; a base URL with a path prefix (such as a proxy
//! mounted at `/qpher`) is joined in front of them.

/// `POST`: server-side KEM-DEM encryption.
pub const KEM_ENCRYPT: &str = "/api/v1/kem/encrypt";
/// `POST`: server-side decryption.
pub const KEM_DECRYPT: &str = "/api/v1/kem/decrypt";
/// `POST`: a fresh shared secret and its KEM ciphertext.
pub const KEM_ENCAPSULATE: &str = "/api/v1/kem/encapsulate";
/// `POST`: the shared secret of a KEM ciphertext.
pub const KEM_DECAPSULATE: &str = "/api/v1/kem/decapsulate";
/// `POST`: wrap a symmetric key.
pub const KEM_WRAP: &str = "/api/v1/kem/key/wrap";
/// `POST`: the wrap path as the API cheatsheet spells it; servers accept both.
pub const KEM_WRAP_SHORT: &str = "/api/v1/kem/wrap";
/// `POST`: unwrap a symmetric key.
pub const KEM_UNWRAP: &str = "/api/v1/kem/key/unwrap";
/// `POST`: the unwrap path in the cheatsheet's spelling; servers accept both.
pub const KEM_UNWRAP_SHORT: &str = "/api/v1/kem/unwrap";
/// `POST`: sign a message.
pub const SIGN: &str = "/api/v1/signature/sign";
/// `POST`: verify a message signature.
pub const VERIFY: &str = "/api/v1/signature/verify";
/// `POST`: sign a precomputed digest.
pub const SIGN_HASH: &str = "/api/v1/signature/sign-hash";
/// `POST`: verify a detached signature over a digest.
pub const VERIFY_HASH: &str = "/api/v1/signature/verify-hash";
/// `GET`: list key versions.
pub const KEYS: &str = "/api/v1/kms/keys";
/// `POST`: generate a key pair.
pub const KEYS_GENERATE: &str = "/api/v1/kms/keys/generate";
/// `GET`: the active key of an algorithm.
pub const KEYS_ACTIVE: &str = "/api/v1/kms/keys/active";
/// `POST`: rotate the active key of an algorithm.
pub const KEYS_ROTATE: &str = "/api/v1/kms/keys/rotate";
/// `POST`: retire a key version.
pub const KEYS_RETIRE: &str = "/api/v1/kms/keys/retire";
/// `GET`: unauthenticated liveness check.
pub const HEALTH: &str = "/health";

/// Returns the path of one key version: `/api/v1/kms/keys/{key_version}`.
pub fn key_version(key_version: u32) -> String {
    format!("{KEYS}/{key_version}")
}
