//! A local, Qpher-compatible development server with real post-quantum cryptography.
//!
//! It serves the KEM, signature and key-management endpoints of the Qpher API with
//! ML-KEM-768 (`Kyber768`) and ML-DSA-65 (`Dilithium3`), keeps versioned keys in SQLite
//! with private keys sealed under a master key, and responds in the documented JSON
//! envelopes. Use it as the peer of SDK tests, or run the `qpher-server` binary for local
//! development. It is a development server: there is no HSM, and in persistent mode the
//! master key lives on disk next to the database unless it is given in the environment.
//!
//! Start one in process on a free port:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = qpher_server::ServerConfig::in_memory()
//!     .listen("127.0.0.1:0".parse()?)
//!     .start()
//!     .await?;
//! let base_url = server.base_url(); // such as "http://127.0.0.1:41234"
//! let api_key = server.api_key(); // "qph_" and 32 letters and digits
//! # let _ = (base_url, api_key);
//! server.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Or from blocking code, on a runtime of its own that stops when the handle is dropped:
//!
//! ```no_run
//! # fn run() -> Result<(), qpher_server::ServerError> {
//! let server = qpher_server::ServerConfig::in_memory()
//!     .listen(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
//!     .start_background()?;
//! let other_tenant_key = server.create_api_key()?;
//! # let _ = other_tenant_key;
//! # Ok(())
//! # }
//! ```

#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod admin;
mod clock;
mod config;
pub mod crypto;
mod error;
mod http;
mod ratelimit;
mod server;
mod store;

pub use admin::{Admin, TenantInfo};
pub use config::{
    API_KEY_FILE, DATABASE_FILE, DEFAULT_LISTEN, MASTER_KEY_ENV, MASTER_KEY_FILE, MasterKey,
    ServerConfig,
};
pub use error::ServerError;
pub use server::{BackgroundServer, RunningServer};
pub use store::{ApiKeyInfo, StoreError};
