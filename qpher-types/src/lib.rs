//! Wire models of the Qpher post-quantum cryptography API.
//!
//! This crate contains the exact JSON shapes of every endpoint, the error envelopes and the
//! error codes, with serde only: no HTTP, no IO. The Qpher clients use it to talk to the
//! service, and servers that proxy or emulate Qpher use the same types, so every model
//! both serializes and deserializes.
//!
//! Conventions of the wire, kept by every model:
//! - Binary fields are `Vec<u8>` (or [`SecretBytes`] for secrets) in Rust and standard,
//!   padded base64 on the wire. Decoding also accepts the URL-safe alphabet and missing
//!   padding, and names the field when the text is not base64.
//! - Optional fields are left out when absent, never sent as `null`.
//! - `key_version` is required on every operation: there is no implicit "latest" key.
//! - String enums ([`Algorithm`], [`KeyStatus`], [`ErrorCode`], ...) keep a value they do not
//!   know as `Other`, so a newer server never breaks an older client.
//!
//! ```
//! use qpher_types::{Algorithm, EncryptRequest, Envelope, EncryptResponse, SecretBytes};
//!
//! let request = EncryptRequest {
//!     plaintext: SecretBytes::from("Hello, Quantum World!"),
//!     key_version: 1,
//!     algorithm: Some(Algorithm::Kyber768),
//!     mode: None,
//!     salt: None,
//! };
//! let json = serde_json::to_string(&request)?;
//! assert_eq!(
//!     json,
//!     r#"{"plaintext":"SGVsbG8sIFF1YW50dW0gV29ybGQh","key_version":1,"algorithm":"Kyber768"}"#
//! );
//!
//! let body = r#"{"data":{"ciphertext":"AAEC","key_version":1,"algorithm":"Kyber768"},
//!                "request_id":"req-1","timestamp":"2026-01-01T00:00:00Z"}"#;
//! let response: Envelope<EncryptResponse> = serde_json::from_str(body)?;
//! assert_eq!(response.data.ciphertext, [0, 1, 2]);
//! # Ok::<(), serde_json::Error>(())
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod base64;
mod enums;
mod envelope;
mod error_code;
mod kem;
mod kms;
pub mod paths;
mod secret;
mod signature;

pub use enums::{Algorithm, EncryptMode, HashAlgorithm, KeyStatus, Unrecognized};
pub use envelope::{Envelope, ErrorBody, ErrorDetail, ErrorEnvelope};
pub use error_code::ErrorCode;
pub use kem::{
    DecapsulateRequest, DecapsulateResponse, DecryptRequest, DecryptResponse, EncapsulateRequest,
    EncapsulateResponse, EncryptRequest, EncryptResponse, UnwrapRequest, UnwrapResponse,
    WrapRequest, WrapResponse,
};
pub use kms::{
    GenerateKeyRequest, KeyInfo, KeyQuery, ListKeysQuery, ListKeysResponse, RetireKeyRequest,
    RotateKeyRequest, RotateKeyResponse,
};
pub use secret::SecretBytes;
pub use signature::{
    SignHashRequest, SignHashResponse, SignRequest, SignResponse, VerifyHashRequest,
    VerifyHashResponse, VerifyRequest, VerifyResponse,
};

/// Limits the service documents for request contents.
pub mod limits {
    /// Largest plaintext accepted by encrypt, and largest message accepted by sign: 1 MiB
    /// before base64 encoding.
    pub const MAX_PLAINTEXT_LEN: usize = 1_048_576;

    /// Shortest salt accepted in deterministic encryption mode, in bytes.
    pub const MIN_SALT_LEN: usize = 32;

    /// Symmetric key lengths, in bytes, that wrap accepts.
    pub const WRAP_KEY_LENGTHS: [usize; 5] = [16, 24, 32, 48, 64];
}
