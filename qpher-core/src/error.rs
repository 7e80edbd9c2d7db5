//! [`Error`], the one error type of every Qpher client call, and its [`ErrorKind`].

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use qpher_types::ErrorCode;

/// The category of an [`Error`], following the official SDKs' error classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400 or 422: the service rejected the request's contents.
    Validation,
    /// 401: the API key is missing, invalid or inactive.
    Authentication,
    /// 403: not allowed for the plan, by policy, or over a quota.
    Forbidden,
    /// 404: the key version or resource does not exist or is not usable.
    NotFound,
    /// 409: the request conflicts with the current state.
    Conflict,
    /// 429: too many requests.
    RateLimit,
    /// 500, 502 or another 5xx status not listed here.
    Server,
    /// 503, or the connection failed before a response arrived.
    Connection,
    /// 504, or no complete response arrived within the configured timeout.
    Timeout,
    /// Another 4xx status the SDK has no specific kind for (405, 413, ...).
    Rejected,
    /// A 3xx response: the client never follows redirects.
    Redirect,
    /// A response that is not the documented JSON.
    MalformedResponse,
    /// A response body larger than the configured size cap.
    ResponseTooLarge,
    /// An argument the SDK rejected before sending anything.
    InvalidArgument,
    /// An invalid client setting, reported when the client is built.
    Configuration,
}

impl ErrorKind {
    /// Maps an HTTP error status to its kind.
    pub fn from_status(status: u16) -> Self {
        match status {
            300..=399 => ErrorKind::Redirect,
            400 | 422 => ErrorKind::Validation,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimit,
            503 => ErrorKind::Connection,
            504 => ErrorKind::Timeout,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Rejected,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ErrorKind::Validation => "request rejected as invalid",
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::Forbidden => "request forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "request conflicts with the current state",
            ErrorKind::RateLimit => "rate limit exceeded",
            ErrorKind::Server => "server error",
            ErrorKind::Connection => "connection failed",
            ErrorKind::Timeout => "request timed out",
            ErrorKind::Rejected => "request rejected",
            ErrorKind::Redirect => "unexpected redirect",
            ErrorKind::MalformedResponse => "malformed response",
            ErrorKind::ResponseTooLarge => "response too large",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Configuration => "invalid client configuration",
        }
    }
}

/// The error of every Qpher client call.
///
/// It carries the [`ErrorKind`], the service's error code (or one the SDK synthesized, such
/// as `ERR_UNKNOWN_502` or `ERR_SERVICE_001`), the message, the HTTP status, the request id,
/// the `Retry-After` delay and the underlying cause in [`std::error::Error::source`].
/// `Display` never includes the API key or a request body.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    code: ErrorCode,
    message: String,
    status: Option<u16>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    outcome_unknown: bool,
    attempts: u32,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    /// Creates an error of `kind` with `message` and the code that kind implies.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let code = match kind {
            ErrorKind::Connection => ErrorCode::Service001,
            ErrorKind::Timeout => ErrorCode::Timeout001,
            ErrorKind::MalformedResponse => ErrorCode::Parse001,
            ErrorKind::Validation | ErrorKind::InvalidArgument | ErrorKind::Configuration => {
                ErrorCode::Invalid001
            }
            _ => ErrorCode::Internal001,
        };

        Self {
            inner: Box::new(Inner {
                kind,
                code,
                message: message.into(),
                status: None,
                request_id: None,
                retry_after: None,
                outcome_unknown: false,
                attempts: 0,
                source: None,
            }),
        }
    }

    /// Creates the error for an HTTP error response.
    pub fn from_response(
        status: u16,
        code: ErrorCode,
        message: impl Into<String>,
        request_id: Option<String>,
    ) -> Self {
        let mut error = Self::new(ErrorKind::from_status(status), message);
        error.inner.code = code;
        error.inner.status = Some(status);
        error.inner.request_id = request_id;
        error
    }

    /// Replaces the error code.
    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.inner.code = code;
        self
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.inner.request_id = request_id;
        self
    }

    /// Sets the cause.
    pub fn with_source(mut self, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn mark_outcome_unknown(mut self) -> Self {
        self.inner.outcome_unknown = true;
        self
    }

    /// Returns the category of the error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Returns the service's error code, or the one the SDK synthesized.
    pub fn error_code(&self) -> &ErrorCode {
        &self.inner.code
    }

    /// Returns the human-readable message; match on [`Error::error_code`] instead.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Returns the HTTP status of the error response.
    ///
    /// When no response arrived, this is the status the official SDKs report for the
    /// failure: 503 for a connection failure and 504 for a timeout. A response over the size
    /// cap and errors raised before sending have none.
    pub fn status_code(&self) -> Option<u16> {
        self.inner.status
    }

    /// Returns the request id from the response body or its `X-Request-ID` header, or, when
    /// no response arrived, the id the client sent.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// Returns how long the service asked the client to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Returns how many attempts were made before this error was returned.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Returns `true` when the failure is transient: a later call may succeed.
    ///
    /// Rate limits, 502, 503, 504, timeouts and connection failures are transient, except
    /// codes that a retry can never fix (`ERR_SIG_022`).
    pub fn is_retryable(&self) -> bool {
        if self.inner.code.is_permanent() {
            return false;
        }

        match self.inner.kind {
            ErrorKind::RateLimit | ErrorKind::Connection | ErrorKind::Timeout => true,
            ErrorKind::Server => self.inner.status == Some(502),
            _ => false,
        }
    }

    /// Returns `true` when a key-lifecycle change (generate, rotate, retire) may or may not
    /// have happened, because the request was sent but no definite response arrived.
    ///
    /// List the keys to see the current state before trying again.
    pub fn is_outcome_unknown(&self) -> bool {
        self.inner.outcome_unknown
    }

    /// Returns `true` for [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// Returns `true` for [`ErrorKind::NotFound`].
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::NotFound
    }

    /// Returns `true` for [`ErrorKind::RateLimit`].
    pub fn is_rate_limit(&self) -> bool {
        self.inner.kind == ErrorKind::RateLimit
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(f, "{}: {}", inner.kind.describe(), inner.message)?;
        if inner.outcome_unknown {
            f.write_str(
                "; the outcome is unknown, so the change may have been applied: \
                 list the keys before trying again",
            )?;
        }

        write!(f, " (code {}", inner.code)?;
        if let Some(status) = inner.status {
            write!(f, ", status {status}")?;
        }
        if let Some(request_id) = &inner.request_id {
            write!(f, ", request id {request_id}")?;
        }
        if let Some(retry_after) = inner.retry_after {
            write!(f, ", retry after {:.1} s", retry_after.as_secs_f64())?;
        }
        if inner.attempts > 1 {
            write!(f, ", after {} attempts", inner.attempts)?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Error")
            .field("kind", &inner.kind)
            .field("code", &inner.code.as_str())
            .field("message", &inner.message)
            .field("status", &inner.status)
            .field("request_id", &inner.request_id)
            .field("retry_after", &inner.retry_after)
            .field("outcome_unknown", &inner.outcome_unknown)
            .field("attempts", &inner.attempts)
            .field("source", &inner.source)
            .finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_kinds() {
        let cases = [
            (301, ErrorKind::Redirect),
            (400, ErrorKind::Validation),
            (401, ErrorKind::Authentication),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (405, ErrorKind::Rejected),
            (409, ErrorKind::Conflict),
            (413, ErrorKind::Rejected),
            (422, ErrorKind::Validation),
            (429, ErrorKind::RateLimit),
            (500, ErrorKind::Server),
            (502, ErrorKind::Server),
            (503, ErrorKind::Connection),
            (504, ErrorKind::Timeout),
            (599, ErrorKind::Server),
        ];
        for (status, kind) in cases {
            assert_eq!(ErrorKind::from_status(status), kind, "status {status}");
        }
    }

    #[test]
    fn display_names_code_status_and_id() {
        let error = Error::from_response(
            404,
            ErrorCode::Kem005,
            "Key version 9 not found",
            Some("req-1".into()),
        );
        assert_eq!(
            error.to_string(),
            "not found: Key version 9 not found (code ERR_KEM_005, status 404, request id req-1)"
        );
    }

    #[test]
    fn retryable_by_kind_and_code() {
        let retryable = |status, code| Error::from_response(status, code, "m", None).is_retryable();
        assert!(retryable(429, ErrorCode::Rate001));
        assert!(retryable(502, ErrorCode::unknown_for_status(502)));
        assert!(retryable(503, ErrorCode::Service001));
        assert!(retryable(504, ErrorCode::Timeout001));
        assert!(!retryable(503, ErrorCode::Sig022));
        assert!(!retryable(500, ErrorCode::Internal001));
        assert!(!retryable(400, ErrorCode::Invalid001));
    }

    #[test]
    fn source_is_kept() {
        let cause = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let error = Error::new(ErrorKind::Connection, "could not connect").with_source(cause);
        let source = StdError::source(&error).unwrap();
        assert_eq!(source.to_string(), "refused");
    }
}
