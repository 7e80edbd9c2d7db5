//! Handlers of the key-management endpoints under `/api/v1/kms/keys`.
//!
//! Generate, rotate and retire honour the `Idempotency-Key` header: their responses hold
//! only public data, so they can be stored and replayed. Other endpoints ignore it.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use qpher_types::{
    Algorithm, Envelope, ErrorCode, GenerateKeyRequest, KeyInfo, KeyQuery, ListKeysQuery,
    ListKeysResponse, RetireKeyRequest, RotateKeyRequest, RotateKeyResponse,
};
use serde::Serialize;

use super::AppState;
use super::error::{ApiError, Group, current_request_id, envelope_response, json_response};
use super::extract::{FingerprintedJson, IdempotencyKey, TenantId};
use super::keys::{blocking, check_version, resolve_kms_algorithm};
use crate::clock::timestamp_now;
use crate::crypto::KeyAlgorithm;
use crate::store::{
    IdempotencyRequest, KeyRecord, Lifecycle, LifecycleResult, Outcome, StoredResponse,
};

const GROUP: Group = Group::Kms;

fn key_info(record: &KeyRecord) -> KeyInfo {
    KeyInfo {
        key_version: record.version,
        algorithm: Algorithm::from_wire(record.algorithm.wire_name()),
        status: record.status.clone(),
        public_key: record.public_key.clone(),
        created_at: record.created_at.clone(),
    }
}

/// Serializes an envelope with an explicit request id, for code off the request's task.
fn stored_envelope<T: Serialize>(status: StatusCode, data: T, request_id: &str) -> StoredResponse {
    let envelope = Envelope {
        data,
        request_id: Some(request_id.to_owned()),
        timestamp: Some(timestamp_now()),
    };
    match serde_json::to_vec(&envelope) {
        Ok(body) => StoredResponse {
            status: status.as_u16(),
            body,
        },
        Err(error) => {
            tracing::error!(%error, "failed to serialize a key-management response");
            StoredResponse {
                status: StatusCode::INTERNAL_SERVER_ERROR.as_u16(),
                body: br#"{"error":{"error_code":"ERR_INTERNAL_001","message":"internal server error"}}"#
                    .to_vec(),
            }
        }
    }
}

fn render(result: &LifecycleResult, request_id: &str) -> StoredResponse {
    match result {
        LifecycleResult::Generated(record) => {
            stored_envelope(StatusCode::CREATED, key_info(record), request_id)
        }
        LifecycleResult::Rotated { new, old_version } => stored_envelope(
            StatusCode::OK,
            RotateKeyResponse {
                key_version: new.version,
                algorithm: Algorithm::from_wire(new.algorithm.wire_name()),
                public_key: new.public_key.clone(),
                old_key_version: *old_version,
            },
            request_id,
        ),
        LifecycleResult::Retired(record) => {
            stored_envelope(StatusCode::OK, key_info(record), request_id)
        }
    }
}

/// Runs a lifecycle mutation, with idempotent replay when the request has a key.
async fn run_lifecycle(
    state: AppState,
    tenant_id: String,
    idempotency_key: Option<String>,
    fingerprint: [u8; 32],
    make_operation: impl FnOnce() -> Result<Lifecycle, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let request_id = current_request_id();
    let store = state.store.clone();

    let outcome = blocking(move || {
        let operation = make_operation()?;
        let idempotency = idempotency_key.map(|key| IdempotencyRequest { key, fingerprint });
        store
            .run_lifecycle(&tenant_id, operation, idempotency.as_ref(), |result| {
                render(result, &request_id)
            })
            .map_err(|error| ApiError::from_store(GROUP, error))
    })
    .await?;

    let (stored, replayed) = match outcome {
        Outcome::Executed(stored) => (stored, false),
        Outcome::Replayed(stored) => (stored, true),
    };
    let status = StatusCode::from_u16(stored.status).map_err(ApiError::internal)?;
    let mut response = json_response(status, stored.body);
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// `POST /api/v1/kms/keys/generate`
pub(crate) async fn generate(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    request: FingerprintedJson<GenerateKeyRequest>,
) -> Result<Response, ApiError> {
    let algorithm = resolve_kms_algorithm(&request.value.algorithm)?;
    run_lifecycle(
        state,
        tenant_id,
        idempotency_key,
        request.fingerprint,
        move || {
            let pair = algorithm.generate().map_err(ApiError::internal)?;
            Ok(Lifecycle::Generate(algorithm, pair))
        },
    )
    .await
}

/// `POST /api/v1/kms/keys/rotate`
pub(crate) async fn rotate(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    request: FingerprintedJson<RotateKeyRequest>,
) -> Result<Response, ApiError> {
    let algorithm = resolve_kms_algorithm(&request.value.algorithm)?;
    run_lifecycle(
        state,
        tenant_id,
        idempotency_key,
        request.fingerprint,
        move || {
            let pair = algorithm.generate().map_err(ApiError::internal)?;
            Ok(Lifecycle::Rotate(algorithm, pair))
        },
    )
    .await
}

/// `POST /api/v1/kms/keys/retire`
pub(crate) async fn retire(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    request: FingerprintedJson<RetireKeyRequest>,
) -> Result<Response, ApiError> {
    let algorithm = resolve_kms_algorithm(&request.value.algorithm)?;
    let version = request.value.key_version;
    check_version(version, GROUP)?;
    run_lifecycle(
        state,
        tenant_id,
        idempotency_key,
        request.fingerprint,
        move || Ok(Lifecycle::Retire(algorithm, version)),
    )
    .await
}

fn query_error(rejection: QueryRejection) -> ApiError {
    ApiError::bad_request(
        ErrorCode::Invalid001,
        format!("invalid query string: {}", rejection.body_text()),
    )
}

fn required_algorithm(query: &KeyQuery) -> Result<KeyAlgorithm, ApiError> {
    let algorithm = query.algorithm.as_ref().ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::Kms001,
            "missing query parameter algorithm (Kyber768 or Dilithium3)",
        )
    })?;
    resolve_kms_algorithm(algorithm)
}

/// `GET /api/v1/kms/keys`
pub(crate) async fn list(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    query: Result<Query<ListKeysQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(query_error)?;
    let algorithm = query
        .algorithm
        .as_ref()
        .map(resolve_kms_algorithm)
        .transpose()?;
    let status = match &query.status {
        None => None,
        Some(status) if status.is_known() => Some(status.as_str().to_owned()),
        Some(status) => {
            return Err(ApiError::bad_request(
                ErrorCode::Invalid001,
                format!(
                    "unknown status {:?}; use active, retired or archived",
                    status.as_str()
                ),
            ));
        }
    };

    let store = state.store.clone();
    let records = blocking(move || {
        store
            .list_keys(&tenant_id, algorithm, status.as_deref())
            .map_err(|error| ApiError::from_store(GROUP, error))
    })
    .await?;

    let keys: Vec<KeyInfo> = records.iter().map(key_info).collect();
    envelope_response(
        StatusCode::OK,
        ListKeysResponse {
            total: keys.len() as u64,
            keys,
        },
    )
}

/// `GET /api/v1/kms/keys/active`
pub(crate) async fn active(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(query_error)?;
    let algorithm = required_algorithm(&query)?;

    let store = state.store.clone();
    let record = blocking(move || {
        store
            .active_key(&tenant_id, algorithm)
            .map_err(|error| ApiError::from_store(GROUP, error))
    })
    .await?
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound001,
            format!(
                "{} has no active key; generate one first",
                algorithm.wire_name()
            ),
        )
    })?;

    envelope_response(StatusCode::OK, key_info(&record))
}

/// `GET /api/v1/kms/keys/{key_version}`
pub(crate) async fn get(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    Path(key_version): Path<String>,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let version = key_version
        .parse::<u32>()
        .ok()
        .filter(|&version| version >= 1)
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::Invalid001,
                format!("key_version {key_version:?} in the path must be a positive integer"),
            )
        })?;
    let Query(query) = query.map_err(query_error)?;
    let algorithm = required_algorithm(&query)?;

    let store = state.store.clone();
    let record = blocking(move || {
        store
            .key(&tenant_id, algorithm, version)
            .map_err(|error| ApiError::from_store(GROUP, error))
    })
    .await?
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound001,
            format!(
                "key version {version} of {} not found",
                algorithm.wire_name()
            ),
        )
    })?;

    envelope_response(StatusCode::OK, key_info(&record))
}
