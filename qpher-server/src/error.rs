//! [`ServerError`], the error of starting, stopping and administering a server.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::StoreError;
use crate::crypto::CryptoError;

/// A failure to start, stop or administer a server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A configuration value is invalid; the message names it.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// The listening socket could not be bound.
    #[error("failed to listen on {addr}: {source}")]
    Bind {
        /// The address that was requested.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file in the data directory could not be read or written.
    #[error("failed to access {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The key store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The server's runtime or task failed.
    #[error("the server runtime failed: {0}")]
    Runtime(String),
}
