//! Request extractors whose every rejection is an [`ApiError`] envelope.
//!
//! axum's own `Json` rejects with plain text, so this module reads bodies itself: it
//! checks the content type, caps the size, parses with a path-tracking deserializer so
//! the message names the offending field, and picks the error code from the endpoint
//! family.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use qpher_types::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use sha2::{Digest, Sha256};

use super::drain::content_length;
use super::error::{ApiError, Group};

/// Largest request body accepted, in bytes: base64 of a 1 MiB plaintext (1,398,104
/// characters) plus 64 KiB for the other fields and the JSON syntax.
pub(crate) const MAX_BODY_BYTES: usize = 1_398_104 + 64 * 1024;

/// A request model and the endpoint family it belongs to.
pub(crate) trait WireRequest: DeserializeOwned {
    /// The family whose error codes apply.
    const GROUP: Group;
}

macro_rules! wire_requests {
    ($group:expr => $($model:ty),* $(,)?) => {
        $(impl WireRequest for $model {
            const GROUP: Group = $group;
        })*
    };
}

wire_requests!(Group::Kem =>
    qpher_types::EncryptRequest,
    qpher_types::DecryptRequest,
    qpher_types::EncapsulateRequest,
    qpher_types::DecapsulateRequest,
    qpher_types::WrapRequest,
    qpher_types::UnwrapRequest,
);
wire_requests!(Group::Signature =>
    qpher_types::SignRequest,
    qpher_types::VerifyRequest,
    qpher_types::SignHashRequest,
    qpher_types::VerifyHashRequest,
);
wire_requests!(Group::Kms =>
    qpher_types::GenerateKeyRequest,
    qpher_types::RotateKeyRequest,
    qpher_types::RetireKeyRequest,
);

/// A JSON request body parsed into `T`.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: WireRequest> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let bytes = read_json_body(&parts.headers, body).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON request body parsed into `T`, with a SHA-256 fingerprint of the method, path
/// and body for idempotency checks.
pub(crate) struct FingerprintedJson<T> {
    pub value: T,
    pub fingerprint: [u8; 32],
}

impl<S: Send + Sync, T: WireRequest> FromRequest<S> for FingerprintedJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let bytes = read_json_body(&parts.headers, body).await?;
        let value = parse_json(&bytes)?;
        Ok(Self {
            value,
            fingerprint: fingerprint(&parts.method, parts.uri.path(), &bytes),
        })
    }
}

fn fingerprint(method: &Method, path: &str, body: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hasher.finalize().into()
}

/// The tenant of the authenticated API key, set by the authentication middleware.
#[derive(Clone, Debug)]
pub(crate) struct TenantId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for TenantId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<TenantId>()
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("missing X-API-Key header"))
    }
}

/// The `Idempotency-Key` header, when present and valid.
#[derive(Clone, Debug)]
pub(crate) struct IdempotencyKey(pub Option<String>);

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        let text = value
            .to_str()
            .ok()
            .filter(|text| {
                !text.is_empty()
                    && text.len() <= MAX_IDEMPOTENCY_KEY_LEN
                    && text.bytes().all(|b| b.is_ascii_graphic())
            })
            .ok_or_else(|| {
                ApiError::bad_request(
                    ErrorCode::Invalid001,
                    format!(
                        "invalid Idempotency-Key header: use 1 to {MAX_IDEMPOTENCY_KEY_LEN} \
                         visible ASCII characters"
                    ),
                )
            })?;
        Ok(Self(Some(text.to_owned())))
    }
}

async fn read_json_body(headers: &HeaderMap, body: Body) -> Result<axum::body::Bytes, ApiError> {
    check_content_type(headers)?;

    // The body drain middleware reads the rest of an oversized body before the 413 is
    // sent, so a client that writes the whole body first still receives it.
    let declared = content_length(headers);
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(body_too_large(declared));
    }

    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|error| {
            let cause = error.into_inner();
            let over_limit = cause.is::<http_body_util::LengthLimitError>()
                || cause
                    .source()
                    .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if over_limit {
                body_too_large(declared)
            } else {
                ApiError::bad_request(
                    ErrorCode::Invalid001,
                    format!("failed to read the request body: {cause}"),
                )
            }
        })
}

/// Returns the 413 error for a body over [`MAX_BODY_BYTES`]; `declared` is the
/// `Content-Length`, when the request has one.
fn body_too_large(declared: Option<u64>) -> ApiError {
    let size = match declared {
        Some(length) => format!("request body of {length} bytes exceeds"),
        None => "request body exceeds".to_owned(),
    };
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Invalid001,
        format!(
            "{size} the limit of {MAX_BODY_BYTES} bytes, which fits a 1 MiB plaintext or \
             message after base64; for larger data, encrypt on the client with \
             encrypt_local, or hash it and use sign-hash"
        ),
    )
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.split(';').next())
        .map(str::trim);

    match media_type {
        Some(media_type) if media_type.eq_ignore_ascii_case("application/json") => Ok(()),
        Some(media_type) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Invalid001,
            format!("unsupported Content-Type {media_type:?}; send application/json"),
        )),
        None => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Invalid001,
            "missing Content-Type header; send application/json",
        )),
    }
}

/// Parses a JSON body, naming the field of any problem in the error message.
pub(crate) fn parse_json<T: WireRequest>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde's derived structs also accept a JSON array, which the API never sends.
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => ApiError::bad_request(
                    ErrorCode::Invalid001,
                    "request body must be a JSON object",
                ),
                Err(error) => ApiError::bad_request(
                    ErrorCode::Invalid001,
                    format!("request body is not valid JSON: {error}"),
                ),
            },
        );
    }

    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| json_error(T::GROUP, error))?;
    deserializer.end().map_err(|error| {
        ApiError::bad_request(
            ErrorCode::Invalid001,
            format!("request body is not valid JSON: {error}"),
        )
    })?;
    Ok(value)
}

fn json_error(group: Group, error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    let detail = without_position(&inner);

    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            ErrorCode::Invalid001,
            format!("request body is not valid JSON: {inner}"),
        ),
        Category::Data if path == "." => {
            if detail.starts_with("missing field") {
                ApiError::bad_request(group.invalid_code(), detail)
            } else {
                ApiError::bad_request(
                    ErrorCode::Invalid001,
                    format!("request body must be a JSON object: {detail}"),
                )
            }
        }
        Category::Data => {
            let message = if detail.contains(&format!("`{path}`")) {
                detail
            } else {
                format!("invalid value in field `{path}`: {detail}")
            };
            ApiError::bad_request(group.field_code(&path), message)
        }
    }
}

/// Returns the message of a serde_json error without its " at line L column C" suffix.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if error.line() == 0 {
        return text;
    }
    match text.rfind(" at line ") {
        Some(index) => text.get(..index).unwrap_or(&text).to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;
    use qpher_types::{EncryptRequest, RetireKeyRequest, VerifyRequest};

    async fn error_of<T: WireRequest + std::fmt::Debug>(body: &str) -> (StatusCode, String) {
        let error = parse_json::<T>(body.as_bytes()).unwrap_err();
        let response = error.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn missing_field_named() {
        let (status, body) = error_of::<EncryptRequest>(r#"{"key_version":1}"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("ERR_KEM_001"), "{body}");
        assert!(body.contains("missing field `plaintext`"), "{body}");
    }

    #[tokio::test]
    async fn bad_base64_named() {
        let (_, body) =
            error_of::<VerifyRequest>(r#"{"message":"aGk=","signature":"!!","key_version":1}"#)
                .await;
        assert!(body.contains("ERR_SIG_002"), "{body}");
        assert!(body.contains("`signature`"), "{body}");
    }

    #[tokio::test]
    async fn mistyped_field_named() {
        let (_, body) =
            error_of::<RetireKeyRequest>(r#"{"algorithm":"Kyber768","key_version":"2"}"#).await;
        assert!(body.contains("ERR_INVALID_001"), "{body}");
        assert!(body.contains("field `key_version`"), "{body}");
        assert!(!body.contains("line 1"), "{body}");
    }

    #[tokio::test]
    async fn syntax_error_and_non_object() {
        let (_, body) = error_of::<EncryptRequest>("{not json").await;
        assert!(body.contains("not valid JSON"), "{body}");
        let (_, body) = error_of::<EncryptRequest>("[1,2]").await;
        assert!(body.contains("must be a JSON object"), "{body}");
        let (_, body) = error_of::<EncryptRequest>(r#"{"plaintext":"","key_version":1} x"#).await;
        assert!(body.contains("not valid JSON"), "{body}");
    }
}
