//! Asynchronous Rust client for the Qpher post-quantum cryptography API: ML-KEM-768
//! (Kyber768) encryption, ML-DSA-65 (Dilithium3) signatures and versioned keys.
//!
//! ```no_run
//! use qpher_async::{Algorithm, Client};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), qpher_async::Error> {
//!     // Reads QPHER_API_KEY, and QPHER_BASE_URL when set.
//!     let client = Client::from_env()?;
//!
//!     // Encrypt and decrypt with the active Kyber768 key. Store the key version with the
//!     // ciphertext: decryption needs the same version, even after a rotation.
//!     let key = client.keys().get_active(Algorithm::Kyber768).await?;
//!     let encrypted = client
//!         .kem()
//!         .encrypt(b"Hello, Quantum World!".to_vec(), key.key_version)
//!         .await?;
//!     let decrypted = client
//!         .kem()
//!         .decrypt(&encrypted.ciphertext, encrypted.key_version)
//!         .await?;
//!     assert_eq!(decrypted.plaintext.expose_secret(), b"Hello, Quantum World!");
//!
//!     // Sign and verify with the active Dilithium3 key; a changed message does not verify.
//!     let key = client.keys().get_active(Algorithm::Dilithium3).await?;
//!     let signed = client.signatures().sign(b"invoice 42", key.key_version).await?;
//!     let verified = client
//!         .signatures()
//!         .verify(b"invoice 42", &signed.signature, signed.key_version)
//!         .await?;
//!     assert!(verified.valid);
//!     let tampered = client
//!         .signatures()
//!         .verify(b"invoice 43", &signed.signature, signed.key_version)
//!         .await?;
//!     assert!(!tampered.valid);
//!     Ok(())
//! }
//! ```
//!
//! # Behaviour
//!
//! - **Retries.** Rate limits (429), 502, 503, 504, timeouts and connection failures are
//!   retried up to 3 times with exponential backoff and jitter, honouring `Retry-After`.
//!   Key generation, rotation and retirement carry an `idempotency-key` and are not
//!   repeated when the first attempt may have taken effect; see
//!   [`Error::is_outcome_unknown`].
//! - **Timeouts.** Each attempt, from connecting to the last byte of the body, must finish
//!   within the configured timeout (30 seconds by default).
//! - **Redirects** are never followed: a 3xx response is an [`ErrorKind::Redirect`] error
//!   that names its target, so the API key is only ever sent to the configured origin.
//! - **Secrets.** Plaintexts, shared secrets and unwrapped keys are [`SecretBytes`]:
//!   zeroized on drop and redacted in `Debug`. The API key is sent as a sensitive header
//!   and is never logged.
//! - **Logging** goes through `tracing` under the target `qpher`: a `qpher.call` span per
//!   call (operation, request id) and a `qpher.attempt` span per attempt (attempt number,
//!   status, latency, retry delay), with events at debug level.
//! - **TLS** is rustls with its aws-lc-rs provider and the Mozilla root certificates; no
//!   OpenSSL. The key exchange offers the hybrid post-quantum X25519MLKEM768 first, with
//!   classical groups such as X25519 as fallbacks. Add a root with
//!   [`ClientBuilder::add_root_certificate_pem`].
//!
//! The blocking client in the `qpher-blocking` crate has the same methods.

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod builder;
mod client;
mod random;
mod transport;

pub use builder::{ClientBuilder, SleepFuture};
pub use client::{Client, Kem, Keys, Signatures};
pub use qpher_core::ops::{
    DecapsulateResult, DecryptResult, EncapsulateResult, EncryptResult, Key, KeyList, RotateResult,
    SignHashResult, SignResult, UnwrapResult, VerifyHashResult, VerifyResult, WrapResult,
};
pub use qpher_core::{Error, ErrorKind, LocalEnvelope, RetryPolicy};
pub use qpher_types::{
    Algorithm, EncryptMode, ErrorCode, HashAlgorithm, KeyInfo, KeyStatus, SecretBytes,
};
