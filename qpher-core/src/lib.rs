//! The sans-IO core of the Qpher SDK.
//!
//! This crate turns a call into HTTP request bytes, turns response bytes into a typed result
//! or [`Error`], and decides retries, without doing any IO: it opens no socket, starts no
//! runtime, never sleeps and never reads the clock. Time and randomness come in as
//! arguments. The `qpher-async` (tokio and reqwest) and `qpher-blocking` (ureq) clients
//! are thin drivers of the same [`Call`] state machine, so they behave alike on every wire
//! case.
//!
//! Application code normally uses one of those clients. This crate is for writing a driver
//! over another HTTP stack, or for testing the wire behaviour without a network:
//!
//! ```
//! use std::time::SystemTime;
//!
//! use http::HeaderMap;
//! use qpher_core::{Call, CallIds, Config, Step};
//! use qpher_types::{EncryptMode, EncryptRequest, SecretBytes};
//!
//! let config = Config::builder()
//!     .api_key("qph_example_key")
//!     .base_url("http://127.0.0.1:8787")
//!     .build()?;
//! let request = EncryptRequest {
//!     plaintext: SecretBytes::from("Hello, Quantum World!"),
//!     key_version: 1,
//!     algorithm: None,
//!     mode: Some(EncryptMode::Standard),
//!     salt: None,
//! };
//! let mut call = Call::new(&config, request, CallIds::from_random([7; 32]))?;
//!
//! let http_request = call.next_request();
//! assert_eq!(http_request.uri(), "http://127.0.0.1:8787/api/v1/kem/encrypt");
//! assert_eq!(http_request.headers()["x-request-id"], call.request_id());
//!
//! // The driver would send `http_request`; here the response is canned.
//! let body = br#"{"data":{"ciphertext":"AAEC","key_version":1,"algorithm":"Kyber768"},
//!                 "request_id":"req-1","timestamp":"2026-01-01T00:00:00Z"}"#;
//! let Step::Done(result) = call.handle_response(200, &HeaderMap::new(), body, SystemTime::now(), 0) else {
//!     unreachable!("a 200 response ends the call");
//! };
//! let encrypted = result?;
//! assert_eq!(encrypted.ciphertext, [0, 1, 2]);
//! assert_eq!(encrypted.request_id.as_deref(), Some("req-1"));
//! # Ok::<(), qpher_core::Error>(())
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod api_key;
mod api_macro;
mod call;
mod config;
mod error;
mod ids;
mod json_writer;
pub mod local;
mod operation;
pub mod ops;
mod response;
pub mod retry;
mod transport;

pub use api_key::{API_KEY_PREFIX, ApiKey};
pub use call::{Call, Step};
pub use config::{
    Config, ConfigBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    ENV_API_KEY, ENV_BASE_URL, USER_AGENT,
};
pub use error::{Error, ErrorKind};
pub use ids::CallIds;
pub use local::LocalEnvelope;
pub use operation::Operation;
pub use retry::{RetryClass, RetryPolicy};
pub use transport::{TransportError, TransportErrorKind};

/// The wire models, re-exported so a driver needs only this crate.
pub use qpher_types as types;
