//! Reading responses: the success envelope, the error envelopes and bodies that are
//! neither.

use http::HeaderMap;
use qpher_types::{Envelope, ErrorCode, ErrorEnvelope};
use serde::de::DeserializeOwned;

use crate::{Error, ErrorKind};

/// Maximum excerpt of a non-JSON error body kept in an error message, in characters.
const BODY_EXCERPT_CHARS: usize = 200;

/// Returns the `X-Request-ID` response header, when it is valid text.
pub(crate) fn header_request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// Parses a 2xx body into its `data` and the request id (body first, then header).
pub(crate) fn parse_success<T: DeserializeOwned>(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(T, Option<String>), Error> {
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(envelope) => {
            let request_id = envelope.request_id.or_else(|| header_request_id(headers));
            Ok((envelope.data, request_id))
        }
        Err(error) => {
            let code = if error.to_string().contains("invalid base64") {
                ErrorCode::Parse002
            } else {
                ErrorCode::Parse001
            };
            let message = format!(
                "the {status} response is not the documented JSON envelope ({error}); \
                 check that base_url points at the Qpher API"
            );
            Err(Error::new(ErrorKind::MalformedResponse, message)
                .with_code(code)
                .with_status(status)
                .with_request_id(header_request_id(headers))
                .with_source(error))
        }
    }
}

/// Builds the error for a status of 400 or more from any body, JSON or not.
pub(crate) fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let envelope = serde_json::from_slice::<ErrorEnvelope>(body).ok();

    let code = envelope
        .as_ref()
        .and_then(ErrorEnvelope::code)
        .cloned()
        .unwrap_or_else(|| ErrorCode::unknown_for_status(status));

    let message = envelope
        .as_ref()
        .and_then(ErrorEnvelope::message)
        .map(|message| excerpt(message.as_bytes()))
        .unwrap_or_else(|| fallback_message(status, body));

    let request_id = envelope
        .and_then(|envelope| envelope.request_id)
        .or_else(|| header_request_id(headers));

    Error::from_response(status, code, message, request_id)
}

/// Describes a body without a readable message.
fn fallback_message(status: u16, body: &[u8]) -> String {
    let text = excerpt(body);
    if text.is_empty() {
        format!("HTTP {status} with an empty body")
    } else {
        format!("HTTP {status}: {text}")
    }
}

/// Returns up to [`BODY_EXCERPT_CHARS`] characters of `body` on one line, control
/// characters replaced, so a hostile or binary body cannot garble logs.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text
        .trim()
        .chars()
        .take(BODY_EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.trim().chars().count() > BODY_EXCERPT_CHARS {
        excerpt.push_str("...");
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_for(status: u16, body: &str) -> Error {
        parse_error(status, &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn envelope_variants() {
        let cases = [
            (
                r#"{"error":{"error_code":"ERR_KEM_005","message":"m1"},"request_id":"r1"}"#,
                "ERR_KEM_005",
                "m1",
                Some("r1"),
            ),
            (
                r#"{"error":{"code":"ERR_AUTH_001","message":"m2"},"request_id":"r2"}"#,
                "ERR_AUTH_001",
                "m2",
                Some("r2"),
            ),
            (
                r#"{"detail":{"error_code":"ERR_SIG_022","message":"m3"},"request_id":"r3"}"#,
                "ERR_SIG_022",
                "m3",
                Some("r3"),
            ),
            (
                r#"{"detail":"Not Found"}"#,
                "ERR_UNKNOWN_404",
                "Not Found",
                None,
            ),
            (
                r#"{"detail":[{"msg":"field required"}]}"#,
                "ERR_UNKNOWN_404",
                "HTTP 404: {\"detail\":[{\"msg\":\"field required\"}]}",
                None,
            ),
            (
                "<html>Bad Gateway</html>",
                "ERR_UNKNOWN_404",
                "HTTP 404: <html>Bad Gateway</html>",
                None,
            ),
            ("", "ERR_UNKNOWN_404", "HTTP 404 with an empty body", None),
            ("[1,2]", "ERR_UNKNOWN_404", "HTTP 404: [1,2]", None),
            (
                r#"{"error":{"error_code":"ERR_NEW_777"}}"#,
                "ERR_NEW_777",
                "HTTP 404: {\"error\":{\"error_code\":\"ERR_NEW_777\"}}",
                None,
            ),
        ];
        for (body, code, message, request_id) in cases {
            let error = error_for(404, body);
            assert_eq!(error.error_code().as_str(), code, "{body}");
            assert_eq!(error.message(), message, "{body}");
            assert_eq!(error.request_id(), request_id, "{body}");
            assert_eq!(error.status_code(), Some(404), "{body}");
        }
    }

    #[test]
    fn header_request_id_fallback() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "hdr-1".parse().unwrap());
        let error = parse_error(502, &headers, b"bad gateway");
        assert_eq!(error.request_id(), Some("hdr-1"));

        let error = parse_error(
            404,
            &headers,
            br#"{"error":{"error_code":"ERR_KEM_005"},"request_id":"body-1"}"#,
        );
        assert_eq!(error.request_id(), Some("body-1"));
    }

    #[test]
    fn long_body_is_cut() {
        let body = "x".repeat(1000);
        let error = error_for(500, &body);
        assert_eq!(error.message().len(), "HTTP 500: ".len() + 200 + 3);
    }

    #[test]
    fn control_characters_replaced() {
        let error = error_for(500, "line1\nline2\u{1b}[31m");
        assert_eq!(error.message(), "HTTP 500: line1 line2 [31m");
    }

    #[test]
    fn success_bad_base64_is_parse_002() {
        let body = br#"{"data":{"ciphertext":"!!","key_version":1},"request_id":"r"}"#;
        let error = parse_success::<qpher_types::EncryptResponse>(200, &HeaderMap::new(), body)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MalformedResponse);
        assert_eq!(error.error_code(), &ErrorCode::Parse002);
        assert!(error.message().contains("ciphertext"));
    }

    #[test]
    fn success_not_json_is_parse_001() {
        let error =
            parse_success::<qpher_types::EncryptResponse>(200, &HeaderMap::new(), b"<html>")
                .unwrap_err();
        assert_eq!(error.error_code(), &ErrorCode::Parse001);
        assert_eq!(error.status_code(), Some(200));
    }
}
