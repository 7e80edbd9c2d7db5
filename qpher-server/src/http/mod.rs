//! The HTTP layer: routes, middleware and handlers.
//!
//! Middleware, from the outside in:
//! 1. body drain: reads and discards a request body the handler left unread, within
//!    bounds, so a client still writing the body receives the response;
//! 2. request context: assigns the request id, turns any non-JSON error into the error
//!    envelope, sets `X-Request-ID`, and logs one line per request;
//! 3. panic catcher: a handler panic becomes a 500 instead of a dropped connection;
//! 4. authentication and rate limit: every path but `/health` needs a valid `x-api-key`.

mod drain;
mod error;
mod extract;
mod kem;
mod keys;
mod kms;
mod signature;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qpher_types::{ErrorCode, paths};
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use zeroize::Zeroizing;

pub(crate) use error::ApiError;
use error::{envelope_response, with_request_id};
use extract::TenantId;

use crate::ratelimit::{RateLimiter, retry_after_seconds};
use crate::store::Store;

/// Maximum length of a client-supplied `X-Request-ID` that is echoed. Longer ones are
/// replaced by a new UUID.
const MAX_REQUEST_ID_LEN: usize = 128;

/// State shared by every handler.
#[derive(Clone)]
pub(crate) struct AppState {
    pub store: Store,
    pub limiter: Option<Arc<RateLimiter>>,
}

/// Builds the router with every endpoint and middleware.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route(paths::HEALTH, get(health))
        .route(paths::KEM_ENCRYPT, post(kem::encrypt))
        .route(paths::KEM_DECRYPT, post(kem::decrypt))
        .route(paths::KEM_ENCAPSULATE, post(kem::encapsulate))
        .route(paths::KEM_DECAPSULATE, post(kem::decapsulate))
        .route(paths::KEM_WRAP, post(kem::wrap))
        .route(paths::KEM_WRAP_SHORT, post(kem::wrap))
        .route(paths::KEM_UNWRAP, post(kem::unwrap))
        .route(paths::KEM_UNWRAP_SHORT, post(kem::unwrap))
        .route(paths::SIGN, post(signature::sign))
        .route(paths::VERIFY, post(signature::verify))
        .route(paths::SIGN_HASH, post(signature::sign_hash))
        .route(paths::VERIFY_HASH, post(signature::verify_hash))
        .route(paths::KEYS, get(kms::list))
        .route(paths::KEYS_GENERATE, post(kms::generate))
        .route(paths::KEYS_ACTIVE, get(kms::active))
        .route(paths::KEYS_ROTATE, post(kms::rotate))
        .route(paths::KEYS_RETIRE, post(kms::retire))
        .route("/api/v1/kms/keys/{key_version}", get(kms::get))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(request_context))
        .layer(middleware::from_fn(drain::drain_unread_body))
        .with_state(state)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// `GET /health`: unauthenticated liveness check.
async fn health() -> Result<Response, ApiError> {
    envelope_response(
        StatusCode::OK,
        Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
        },
    )
}

async fn route_not_found(method: Method, request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound001,
        format!("no route for {method} {}", request.uri().path()),
    )
}

async fn method_not_allowed(method: Method, request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Invalid001,
        format!(
            "method {method} is not allowed for {}",
            request.uri().path()
        ),
    )
}

/// Returns the client's `X-Request-ID` when it is short and printable.
fn client_request_id(request: &Request) -> Option<String> {
    let text = request.headers().get("x-request-id")?.to_str().ok()?;
    let valid = !text.is_empty()
        && text.len() <= MAX_REQUEST_ID_LEN
        && text.bytes().all(|b| b.is_ascii_graphic());
    valid.then(|| text.to_owned())
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

/// Middleware inside the body drain: request id, error envelope of last resort, and the
/// access log.
async fn request_context(request: Request, next: Next) -> Response {
    let request_id =
        client_request_id(&request).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();

    let mut response = with_request_id(request_id.clone(), next.run(request)).await;

    if response.status().as_u16() >= 400 && !is_json(&response) {
        let status = response.status();
        let code = match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound001,
            status if status.is_server_error() => ErrorCode::Internal001,
            _ => ErrorCode::Invalid001,
        };
        let message = format!(
            "{} for {method} {path}",
            status.canonical_reason().unwrap_or("request failed")
        );
        let allow = response.headers().get(header::ALLOW).cloned();
        let tenant = response.extensions().get::<TenantId>().cloned();
        response = ApiError::new(status, code, message).into_response_with_id(request_id.clone());
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        if let Some(tenant) = tenant {
            response.extensions_mut().insert(tenant);
        }
    }

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }

    let tenant_id = response
        .extensions()
        .get::<TenantId>()
        .map_or("-", |tenant| tenant.0.as_str());
    tracing::info!(
        target: "qpher_server::request",
        request_id = %request_id,
        tenant_id = %tenant_id,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// Checks the API key and the tenant's rate limit; `/health` passes through.
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if request.uri().path() == paths::HEALTH {
        return next.run(request).await;
    }

    let Some(value) = request.headers().get("x-api-key") else {
        return ApiError::unauthorized("missing X-API-Key header").into_response();
    };
    let Ok(api_key) = value.to_str() else {
        return ApiError::unauthorized("invalid or revoked API key").into_response();
    };

    let tenant = match state.store.cached_tenant(api_key) {
        Ok(Some(tenant)) => TenantId(tenant),
        Ok(None) => {
            // Not cached yet, or revoked: ask the database on a blocking thread.
            let api_key = Zeroizing::new(api_key.to_owned());
            let store = state.store.clone();
            match tokio::task::spawn_blocking(move || store.authenticate(&api_key)).await {
                Ok(Ok(Some(tenant))) => TenantId(tenant),
                Ok(Ok(None)) => {
                    return ApiError::unauthorized("invalid or revoked API key").into_response();
                }
                Ok(Err(error)) => return ApiError::internal(error).into_response(),
                Err(error) => return ApiError::internal(error).into_response(),
            }
        }
        Err(error) => return ApiError::internal(error).into_response(),
    };

    if let Some(limiter) = &state.limiter
        && let Err(wait) = limiter.check(&tenant.0, Instant::now())
    {
        let mut response = ApiError::rate_limited(retry_after_seconds(wait)).into_response();
        response.extensions_mut().insert(tenant);
        return response;
    }

    request.extensions_mut().insert(tenant.clone());
    let mut response = next.run(request).await;
    response.extensions_mut().insert(tenant);
    response
}
