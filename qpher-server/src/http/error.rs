//! [`ApiError`] and the JSON envelopes of every response.
//!
//! The request id of the request being served sits in a task-local set by the outermost
//! middleware, so any response built while serving it, success or error, carries the id
//! in its body without passing it through every handler.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qpher_types::{Envelope, ErrorCode, ErrorEnvelope};
use serde::Serialize;

use crate::StoreError;
use crate::clock::timestamp_now;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `future` with `request_id` as the id that response envelopes carry.
pub(crate) async fn with_request_id<F: Future>(request_id: String, future: F) -> F::Output {
    REQUEST_ID.scope(request_id, future).await
}

/// Returns the id of the request being served, or a fresh UUID outside of a request.
pub(crate) fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// The endpoint family of a request, which picks the error codes of its failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    /// `/api/v1/kem/...`
    Kem,
    /// `/api/v1/signature/...`
    Signature,
    /// `/api/v1/kms/...`
    Kms,
}

impl Group {
    /// Returns the code for an invalid request of this family.
    pub(crate) fn invalid_code(self) -> ErrorCode {
        match self {
            Group::Kem => ErrorCode::Kem001,
            Group::Signature => ErrorCode::Sig001,
            Group::Kms => ErrorCode::Invalid001,
        }
    }

    /// Returns the code for an invalid value in `field`.
    pub(crate) fn field_code(self, field: &str) -> ErrorCode {
        match (self, field) {
            (Group::Kem, "ciphertext" | "kem_ciphertext") => ErrorCode::Kem003,
            (Group::Kem, "wrapped_key") => ErrorCode::Kem011,
            (Group::Kem, "symmetric_key") => ErrorCode::Kem010,
            (Group::Signature, "signature") => ErrorCode::Sig002,
            (Group::Kms, "algorithm") => ErrorCode::Kms001,
            (group, _) => group.invalid_code(),
        }
    }

    /// Returns the code for an unknown or unsupported algorithm.
    pub(crate) fn algorithm_code(self) -> ErrorCode {
        match self {
            Group::Kms => ErrorCode::Kms001,
            group => group.invalid_code(),
        }
    }

    /// The code for a key version that does not exist.
    pub(crate) fn key_not_found_code(self) -> ErrorCode {
        match self {
            Group::Kem => ErrorCode::Kem005,
            Group::Signature => ErrorCode::Sig003,
            Group::Kms => ErrorCode::NotFound001,
        }
    }
}

/// An error response: status, code and a message for humans.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    /// Creates an error with any status.
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Creates a 400 error.
    pub(crate) fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Creates a 401 `ERR_AUTH_001` error.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Auth001, message)
    }

    /// Creates a 429 `ERR_RATE_LIMIT_001` error with a `Retry-After` of `seconds`.
    pub(crate) fn rate_limited(seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimit001,
                format!("rate limit exceeded; retry after {seconds} s"),
            )
        }
    }

    /// Creates a 500 `ERR_INTERNAL_001` error. The cause is logged, never sent to the client.
    pub(crate) fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal001,
            "internal server error; the server log has the cause",
        )
    }

    /// Maps a store failure for an endpoint of `group`.
    pub(crate) fn from_store(group: Group, error: StoreError) -> Self {
        match error {
            StoreError::NotFound(message) => {
                let code = match group {
                    Group::Kms => ErrorCode::NotFound001,
                    other => other.key_not_found_code(),
                };
                Self::new(StatusCode::NOT_FOUND, code, message)
            }
            StoreError::Conflict(message) => {
                Self::new(StatusCode::CONFLICT, ErrorCode::Conflict001, message)
            }
            StoreError::IdempotencyConflict => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::Conflict001,
                "the Idempotency-Key was already used with a different request body or path",
            ),
            other => Self::internal(other),
        }
    }

    /// Builds the response with an explicit request id.
    pub(crate) fn into_response_with_id(self, request_id: String) -> Response {
        let envelope = ErrorEnvelope::new(self.code, self.message, request_id, timestamp_now());
        let body = serde_json::to_vec(&envelope).unwrap_or_else(|_| {
            br#"{"error":{"error_code":"ERR_INTERNAL_001","message":"internal server error"}}"#
                .to_vec()
        });

        let mut response = json_response(self.status, body);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_response_with_id(current_request_id())
    }
}

/// Builds a response with a JSON body.
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Serializes the success envelope `{"data", "request_id", "timestamp"}`.
pub(crate) fn envelope_body<T: Serialize>(data: T) -> Result<Vec<u8>, ApiError> {
    let envelope = Envelope {
        data,
        request_id: Some(current_request_id()),
        timestamp: Some(timestamp_now()),
    };
    serde_json::to_vec(&envelope).map_err(ApiError::internal)
}

/// Builds a success response with `data` in the envelope.
///
/// NOTE: the serialized body of decrypt, decapsulate and unwrap contains a secret in a
/// buffer that the HTTP stack frees without zeroizing.
pub(crate) fn envelope_response<T: Serialize>(
    status: StatusCode,
    data: T,
) -> Result<Response, ApiError> {
    Ok(json_response(status, envelope_body(data)?))
}
