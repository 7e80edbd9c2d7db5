//! Request checks shared by the endpoints: algorithm names, key versions, sizes, and
//! loading a key version with the status its operation needs.

use axum::http::StatusCode;
use qpher_types::{Algorithm, ErrorCode, KeyStatus};

use super::error::{ApiError, Group};
use crate::crypto::{CryptoError, KeyAlgorithm};
use crate::store::{KeyRecord, PrivateKeyRecord, Store};

/// Maps the `algorithm` of a request to the one algorithm its endpoint family implements.
pub(crate) fn resolve_algorithm(
    requested: Option<&Algorithm>,
    expected: KeyAlgorithm,
    group: Group,
) -> Result<KeyAlgorithm, ApiError> {
    let Some(requested) = requested else {
        return Ok(expected);
    };
    match KeyAlgorithm::from_wire_name(requested.as_str()) {
        Some(algorithm) if algorithm == expected => Ok(algorithm),
        Some(other) => Err(ApiError::bad_request(
            group.algorithm_code(),
            format!(
                "algorithm {} cannot be used here; use {}",
                other.wire_name(),
                expected.wire_name()
            ),
        )),
        None => Err(unsupported_algorithm(requested, group)),
    }
}

/// Maps the `algorithm` of a key-management request to an implemented algorithm.
pub(crate) fn resolve_kms_algorithm(requested: &Algorithm) -> Result<KeyAlgorithm, ApiError> {
    KeyAlgorithm::from_wire_name(requested.as_str())
        .ok_or_else(|| unsupported_algorithm(requested, Group::Kms))
}

fn unsupported_algorithm(requested: &Algorithm, group: Group) -> ApiError {
    let message = if requested.is_known() {
        format!(
            "algorithm {requested} is not supported by this server; it implements Kyber768 \
             (ML-KEM-768) and Dilithium3 (ML-DSA-65)"
        )
    } else {
        format!(
            "unknown algorithm {:?}; use Kyber768 or Dilithium3",
            requested.as_str()
        )
    };
    ApiError::bad_request(group.algorithm_code(), message)
}

/// Rejects version 0, which no key has: versions count from 1.
pub(crate) fn check_version(key_version: u32, group: Group) -> Result<(), ApiError> {
    if key_version == 0 {
        return Err(ApiError::bad_request(
            group.invalid_code(),
            "key_version must be at least 1",
        ));
    }
    Ok(())
}

/// Rejects a binary field longer than `max` bytes, naming the field and the limit.
pub(crate) fn check_max_len(
    field: &str,
    len: usize,
    max: usize,
    group: Group,
) -> Result<(), ApiError> {
    if len > max {
        return Err(ApiError::bad_request(
            group.invalid_code(),
            format!("{field} is {len} bytes; the limit is {max} bytes (1 MiB) before base64"),
        ));
    }
    Ok(())
}

/// What an operation needs of a key version's status.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Needs {
    /// Only an active key: encrypt, sign, sign-hash, wrap, encapsulate.
    Active,
    /// An active or retired key: decrypt, verify, verify-hash, unwrap, decapsulate.
    ActiveOrRetired,
}

fn check_status(record: &KeyRecord, needs: Needs, operation: &str) -> Result<(), ApiError> {
    let allowed = matches!(
        (&record.status, needs),
        (KeyStatus::Active, _) | (KeyStatus::Retired, Needs::ActiveOrRetired)
    );
    if allowed {
        return Ok(());
    }

    let requirement = match needs {
        Needs::Active => "an active key",
        Needs::ActiveOrRetired => "an active or retired key",
    };
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound001,
        format!(
            "key version {} of {} is {}; {operation} needs {requirement}",
            record.version,
            record.algorithm.wire_name(),
            record.status
        ),
    ))
}

fn not_found(algorithm: KeyAlgorithm, version: u32, group: Group) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        group.key_not_found_code(),
        format!(
            "key version {version} of {} not found",
            algorithm.wire_name()
        ),
    )
}

/// Loads a key version's public data and checks its status; runs on a blocking thread.
pub(crate) fn load_public(
    store: &Store,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    version: u32,
    group: Group,
    needs: Needs,
    operation: &str,
) -> Result<KeyRecord, ApiError> {
    let record = store
        .key(tenant_id, algorithm, version)
        .map_err(|error| ApiError::from_store(group, error))?
        .ok_or_else(|| not_found(algorithm, version, group))?;
    check_status(&record, needs, operation)?;
    Ok(record)
}

/// Loads a key version with its private key and checks its status; runs on a blocking
/// thread.
pub(crate) fn load_private(
    store: &Store,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    version: u32,
    group: Group,
    needs: Needs,
    operation: &str,
) -> Result<PrivateKeyRecord, ApiError> {
    let key = store
        .private_key(tenant_id, algorithm, version)
        .map_err(|error| ApiError::from_store(group, error))?
        .ok_or_else(|| not_found(algorithm, version, group))?;
    check_status(&key.record, needs, operation)?;
    Ok(key)
}

/// Maps a failed cryptographic operation: a bad ciphertext or blob is the caller's
/// `invalid_code`, anything else an internal error.
pub(crate) fn crypto_error(error: CryptoError, invalid_code: ErrorCode, what: &str) -> ApiError {
    match error {
        CryptoError::InvalidCiphertext => ApiError::bad_request(
            invalid_code,
            format!("{what} is malformed or was not made with this key version"),
        ),
        other => ApiError::internal(other),
    }
}

/// Runs `task` on the blocking thread pool, where SQLite and the lattice arithmetic do
/// not stall the async workers.
pub(crate) async fn blocking<T, F>(task: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(task)
        .await
        .map_err(ApiError::internal)?
}
