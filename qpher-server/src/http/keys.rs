//! Request checks shared by the endpoints: algorithm names, key versions, sizes, and
//! loading a key version with the status its operation needs.

use std::sync::Arc;

use axum::http::StatusCode;
use qpher_types::{Algorithm, ErrorCode, KeyStatus};

use super::error::{ApiError, Group};
use crate::crypto::{CryptoError, KeyAlgorithm};
use crate::store::{KeyRecord, PrivateKeyRecord, Store};

/// Largest input, in bytes, of a cryptographic operation that runs on the async worker
/// itself; see [`crypto_task`].
const INLINE_CRYPTO_MAX_BYTES: usize = 64 * 1024;

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

/// The key-version status an operation requires.
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

/// Loads a key version's public data and checks its status.
///
/// A cached key version is used on the calling task; otherwise the database is read on
/// the blocking thread pool.
pub(crate) async fn load_public(
    store: &Store,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    version: u32,
    group: Group,
    needs: Needs,
    operation: &str,
) -> Result<Arc<KeyRecord>, ApiError> {
    let cached = store
        .cached_public_key(tenant_id, algorithm, version)
        .map_err(|error| ApiError::from_store(group, error))?;
    let record = match cached {
        Some(record) => record,
        None => {
            let store = store.clone();
            let tenant_id = tenant_id.to_owned();
            blocking(move || {
                store
                    .public_key(&tenant_id, algorithm, version)
                    .map_err(|error| ApiError::from_store(group, error))
            })
            .await?
            .ok_or_else(|| not_found(algorithm, version, group))?
        }
    };
    check_status(&record, needs, operation)?;
    Ok(record)
}

/// Loads a key version with its private key and checks its status.
///
/// A cached key version is used on the calling task; otherwise the database is read and
/// the private key opened on the blocking thread pool.
pub(crate) async fn load_private(
    store: &Store,
    tenant_id: &str,
    algorithm: KeyAlgorithm,
    version: u32,
    group: Group,
    needs: Needs,
    operation: &str,
) -> Result<Arc<PrivateKeyRecord>, ApiError> {
    let cached = store
        .cached_private_key(tenant_id, algorithm, version)
        .map_err(|error| ApiError::from_store(group, error))?;
    let key = match cached {
        Some(key) => key,
        None => {
            let store = store.clone();
            let tenant_id = tenant_id.to_owned();
            blocking(move || {
                store
                    .private_key(&tenant_id, algorithm, version)
                    .map_err(|error| ApiError::from_store(group, error))
            })
            .await?
            .ok_or_else(|| not_found(algorithm, version, group))?
        }
    };
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

/// Runs `task` on the blocking thread pool, where SQLite and long computations do not
/// stall the async workers.
pub(crate) async fn blocking<T, F>(task: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(task)
        .await
        .map_err(ApiError::internal)?
}

/// Runs the cryptographic `task` on the calling task when its input is at most
/// [`INLINE_CRYPTO_MAX_BYTES`], and on the blocking thread pool otherwise.
///
/// One ML-KEM or ML-DSA operation takes tens to hundreds of microseconds, less than
/// handing the work to another thread and back costs in wake-ups; hashing and AES-GCM
/// over a large input would hold an async worker for milliseconds.
pub(crate) async fn crypto_task<T, F>(input_len: usize, task: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    if input_len <= INLINE_CRYPTO_MAX_BYTES {
        task()
    } else {
        blocking(task).await
    }
}
