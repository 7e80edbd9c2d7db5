//! The success envelope and the error envelope variants.
//!
//! Every success body is `{"data": {...}, "request_id": "...", "timestamp": "..."}`. Error
//! bodies come in several shapes, depending on which layer of the service produced them:
//!
//! | shape | example |
//! |---|---|
//! | documented | `{"error": {"error_code": "ERR_KEM_005", "message": "..."}, "request_id": "..."}` |
//! | `code` spelling | `{"error": {"code": "ERR_KEM_005", "message": "..."}}` |
//! | framework detail object | `{"detail": {"error_code": "ERR_SIG_022", "message": "..."}}` |
//! | framework detail text | `{"detail": "Not Found"}` |
//!
//! [`ErrorEnvelope`] reads all of them; a body that is not JSON at all is left to the caller.

use serde::{Deserialize, Serialize};

use crate::ErrorCode;

/// The body of every successful response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The endpoint's result.
    pub data: T,
    /// The service's id for this request; quote it when contacting support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The response time, as ISO-8601 UTC text (with or without milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// The body of an error response, in any of the shapes the service has been seen to send.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The documented `error` member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    /// The `detail` member that framework-level errors use instead of `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<ErrorBody>,
    /// The service's id for this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The response time, as ISO-8601 UTC text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl ErrorEnvelope {
    /// Builds the documented shape: `{"error": {"error_code", "message"}, "request_id", "timestamp"}`.
    pub fn new(
        code: ErrorCode,
        message: impl Into<String>,
        request_id: impl Into<String>,
        timestamp: impl Into<String>,
    ) -> Self {
        Self {
            error: Some(ErrorBody::Object(ErrorDetail {
                error_code: Some(code),
                code: None,
                message: Some(message.into()),
            })),
            detail: None,
            request_id: Some(request_id.into()),
            timestamp: Some(timestamp.into()),
        }
    }

    /// Returns the error code from `error`, else from `detail`, under either spelling.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.bodies().find_map(ErrorBody::code)
    }

    /// Returns the human-readable message from `error`, else from `detail`.
    pub fn message(&self) -> Option<&str> {
        self.bodies().find_map(ErrorBody::message)
    }

    fn bodies(&self) -> impl Iterator<Item = &ErrorBody> {
        self.error.iter().chain(self.detail.iter())
    }
}

/// The value of an `error` or `detail` member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorBody {
    /// An object with a code and a message.
    Object(ErrorDetail),
    /// Plain text, as frameworks send for their own errors.
    Text(String),
    /// Any other JSON value, such as a list of validation problems.
    Other(serde_json::Value),
}

impl ErrorBody {
    /// Returns the code of an object body.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            ErrorBody::Object(detail) => detail.code(),
            ErrorBody::Text(_) | ErrorBody::Other(_) => None,
        }
    }

    /// Returns the message of an object body, or the text of a text body.
    pub fn message(&self) -> Option<&str> {
        match self {
            ErrorBody::Object(detail) => detail.message.as_deref(),
            ErrorBody::Text(text) => Some(text),
            ErrorBody::Other(_) => None,
        }
    }
}

/// An error object: a code under `error_code` (or `code`) and a message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The code, as the documented shape spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    /// The code, as one documentation page spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// Text for humans; it may change, so match on the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ErrorDetail {
    /// Returns `error_code`, else `code`.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.error_code.as_ref().or(self.code.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> ErrorEnvelope {
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn documented_shape() {
        let envelope = parse(
            r#"{"error":{"error_code":"ERR_KEM_005","message":"Key version not found"},
                "request_id":"req-1","timestamp":"2026-01-01T00:00:00Z"}"#,
        );
        assert_eq!(envelope.code(), Some(&ErrorCode::Kem005));
        assert_eq!(envelope.message(), Some("Key version not found"));
        assert_eq!(envelope.request_id.as_deref(), Some("req-1"));
    }

    #[test]
    fn code_spelling() {
        let envelope = parse(r#"{"error":{"code":"ERR_AUTH_001","message":"bad key"}}"#);
        assert_eq!(envelope.code(), Some(&ErrorCode::Auth001));
        assert_eq!(envelope.message(), Some("bad key"));
    }

    #[test]
    fn detail_object() {
        let envelope = parse(
            r#"{"detail":{"error_code":"ERR_SIG_022","message":"SLH-DSA off"},"request_id":"r"}"#,
        );
        assert_eq!(envelope.code(), Some(&ErrorCode::Sig022));
        assert_eq!(envelope.message(), Some("SLH-DSA off"));
    }

    #[test]
    fn detail_text() {
        let envelope = parse(r#"{"detail":"Not Found"}"#);
        assert_eq!(envelope.code(), None);
        assert_eq!(envelope.message(), Some("Not Found"));
    }

    #[test]
    fn detail_list() {
        let envelope = parse(r#"{"detail":[{"loc":["body","plaintext"],"msg":"field required"}]}"#);
        assert_eq!(envelope.code(), None);
        assert_eq!(envelope.message(), None);
        assert!(matches!(envelope.detail, Some(ErrorBody::Other(_))));
    }

    #[test]
    fn mistyped_members_fall_back() {
        let envelope = parse(r#"{"error":{"error_code":42,"message":["x"]}}"#);
        assert_eq!(envelope.code(), None);
        assert!(matches!(envelope.error, Some(ErrorBody::Other(_))));
    }

    #[test]
    fn new_serializes_documented_shape() {
        let envelope = ErrorEnvelope::new(ErrorCode::NotFound001, "no key", "req-9", "t");
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "error": {"error_code": "ERR_NOT_FOUND_001", "message": "no key"},
                "request_id": "req-9",
                "timestamp": "t"
            })
        );
    }
}
