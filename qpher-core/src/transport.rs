//! [`TransportError`]: how a driver reports an attempt that produced no usable response.

use std::error::Error as StdError;
use std::fmt;

/// The stage at which an attempt failed without a usable response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, DNS failure, TLS handshake), so the
    /// request surely did not reach the service.
    Connect,
    /// Connecting, sending or reading the whole response took longer than the timeout.
    Timeout,
    /// The connection failed after the request may have been sent (reset, closed early,
    /// malformed HTTP).
    Io,
    /// The response body was larger than the configured cap; reading stopped there.
    ResponseTooLarge,
}

impl TransportErrorKind {
    /// Returns `true` when another attempt may succeed.
    pub fn is_transient(self) -> bool {
        !matches!(self, TransportErrorKind::ResponseTooLarge)
    }
}

/// A failed attempt as reported by a driver, with the HTTP library's error as its source.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl TransportError {
    /// Creates an error of `kind` caused by `source`.
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }

    /// Creates an error of `kind` with no underlying cause.
    pub fn from_kind(kind: TransportErrorKind) -> Self {
        Self { kind, source: None }
    }

    /// Returns where the attempt failed.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    pub(crate) fn into_source(self) -> Option<Box<dyn StdError + Send + Sync>> {
        self.source
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self.kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "connection failed",
            TransportErrorKind::ResponseTooLarge => "response body too large",
        };
        f.write_str(text)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}
