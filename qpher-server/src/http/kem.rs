//! Handlers of the KEM endpoints under `/api/v1/kem/`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qpher_types::limits::{MAX_PLAINTEXT_LEN, MIN_SALT_LEN, WRAP_KEY_LENGTHS};
use qpher_types::{
    Algorithm, DecapsulateRequest, DecapsulateResponse, DecryptRequest, DecryptResponse,
    EncapsulateRequest, EncapsulateResponse, EncryptMode, EncryptRequest, EncryptResponse,
    ErrorCode, SecretBytes, UnwrapRequest, UnwrapResponse, WrapRequest, WrapResponse,
};

use super::AppState;
use super::error::{ApiError, Group, envelope_response};
use super::extract::{ApiJson, TenantId};
use super::keys::{
    Needs, check_max_len, check_version, crypto_error, crypto_task, load_private, load_public,
    resolve_algorithm,
};
use crate::crypto::{
    self, ENCRYPT_FORMAT_V1, KEM_CIPHERTEXT_LEN, KeyAlgorithm, SealRandomness, WRAP_FORMAT_V1,
};

const GROUP: Group = Group::Kem;

fn kem_algorithm(requested: Option<&Algorithm>) -> Result<KeyAlgorithm, ApiError> {
    resolve_algorithm(requested, KeyAlgorithm::MlKem768, GROUP)
}

/// Checks the mode and salt of an encrypt request; returns `true` for deterministic mode.
fn check_mode(mode: Option<&EncryptMode>, salt: Option<&[u8]>) -> Result<bool, ApiError> {
    match (mode.unwrap_or(&EncryptMode::Standard), salt) {
        (EncryptMode::Standard, None) => Ok(false),
        (EncryptMode::Standard, Some(_)) => Err(ApiError::bad_request(
            ErrorCode::Kem001,
            "salt is only allowed with mode \"deterministic\"",
        )),
        (EncryptMode::Deterministic, Some(salt)) if salt.len() >= MIN_SALT_LEN => Ok(true),
        (EncryptMode::Deterministic, Some(salt)) => Err(ApiError::bad_request(
            ErrorCode::Kem001,
            format!(
                "salt is {} bytes; deterministic mode needs at least {MIN_SALT_LEN}",
                salt.len()
            ),
        )),
        (EncryptMode::Deterministic, None) => Err(ApiError::bad_request(
            ErrorCode::Kem001,
            format!("mode \"deterministic\" needs a salt of at least {MIN_SALT_LEN} bytes"),
        )),
        (other, _) => Err(ApiError::bad_request(
            ErrorCode::Kem001,
            format!(
                "unknown mode {:?}; use \"standard\" or \"deterministic\"",
                other.as_str()
            ),
        )),
    }
}

/// `POST /api/v1/kem/encrypt`
pub(crate) async fn encrypt(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<EncryptRequest>,
) -> Result<Response, ApiError> {
    let algorithm = kem_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;
    check_max_len(
        "plaintext",
        request.plaintext.len(),
        MAX_PLAINTEXT_LEN,
        GROUP,
    )?;
    let deterministic = check_mode(request.mode.as_ref(), request.salt.as_deref())?;

    let key_version = request.key_version;
    let record = load_public(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::Active,
        "encrypt",
    )
    .await?;
    let ciphertext = crypto_task(request.plaintext.len(), move || {
        let randomness = match request.salt.as_deref() {
            Some(salt) if deterministic => SealRandomness::Deterministic { salt },
            _ => SealRandomness::Fresh,
        };
        crypto::kem_dem_seal(
            ENCRYPT_FORMAT_V1,
            &record.public_key,
            key_version,
            request.plaintext.expose_secret(),
            randomness,
        )
        .map_err(ApiError::internal)
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        EncryptResponse {
            ciphertext,
            key_version,
            algorithm: Some(Algorithm::Kyber768),
        },
    )
}

/// `POST /api/v1/kem/decrypt`
pub(crate) async fn decrypt(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<DecryptRequest>,
) -> Result<Response, ApiError> {
    let algorithm = kem_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;

    let key_version = request.key_version;
    let key = load_private(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::ActiveOrRetired,
        "decrypt",
    )
    .await?;
    let plaintext = crypto_task(request.ciphertext.len(), move || {
        crypto::kem_dem_open(
            ENCRYPT_FORMAT_V1,
            &key.private_key,
            key_version,
            &request.ciphertext,
        )
        .map_err(|error| crypto_error(error, ErrorCode::Kem003, "ciphertext"))
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        DecryptResponse {
            plaintext: SecretBytes::from(plaintext),
            key_version,
            algorithm: Some(Algorithm::Kyber768),
        },
    )
}

/// `POST /api/v1/kem/encapsulate`
pub(crate) async fn encapsulate(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<EncapsulateRequest>,
) -> Result<Response, ApiError> {
    let algorithm = kem_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;

    let key_version = request.key_version;
    let record = load_public(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::Active,
        "encapsulate",
    )
    .await?;
    let (kem_ciphertext, shared_secret) = crypto_task(0, move || {
        let randomness = crypto::random_array::<32>().map_err(ApiError::internal)?;
        crypto::ml_kem_encapsulate(&record.public_key, *randomness).map_err(ApiError::internal)
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        EncapsulateResponse {
            kem_ciphertext,
            shared_secret: SecretBytes::from(shared_secret.as_slice()),
            key_version,
            algorithm: Some(Algorithm::Kyber768),
        },
    )
}

/// `POST /api/v1/kem/decapsulate`
pub(crate) async fn decapsulate(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<DecapsulateRequest>,
) -> Result<Response, ApiError> {
    let algorithm = kem_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;
    if request.kem_ciphertext.len() != KEM_CIPHERTEXT_LEN {
        return Err(ApiError::bad_request(
            ErrorCode::Kem003,
            format!(
                "kem_ciphertext is {} bytes; Kyber768 ciphertexts are {KEM_CIPHERTEXT_LEN} bytes",
                request.kem_ciphertext.len()
            ),
        ));
    }

    let key_version = request.key_version;
    let key = load_private(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::ActiveOrRetired,
        "decapsulate",
    )
    .await?;
    let shared_secret = crypto_task(request.kem_ciphertext.len(), move || {
        crypto::ml_kem_decapsulate(&key.private_key, &request.kem_ciphertext)
            .map_err(|error| crypto_error(error, ErrorCode::Kem003, "kem_ciphertext"))
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        DecapsulateResponse {
            shared_secret: SecretBytes::from(shared_secret.as_slice()),
            key_version,
            algorithm: Some(Algorithm::Kyber768),
        },
    )
}

/// `POST /api/v1/kem/key/wrap` and `POST /api/v1/kem/wrap`
pub(crate) async fn wrap(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<WrapRequest>,
) -> Result<Response, ApiError> {
    let algorithm = kem_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;
    if !WRAP_KEY_LENGTHS.contains(&request.symmetric_key.len()) {
        return Err(ApiError::bad_request(
            ErrorCode::Kem010,
            format!(
                "symmetric_key is {} bytes; wrap accepts 16, 24, 32, 48 or 64 bytes",
                request.symmetric_key.len()
            ),
        ));
    }

    let key_version = request.key_version;
    let record = load_public(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::Active,
        "wrap",
    )
    .await?;
    let wrapped_key = crypto_task(request.symmetric_key.len(), move || {
        crypto::kem_dem_seal(
            WRAP_FORMAT_V1,
            &record.public_key,
            key_version,
            request.symmetric_key.expose_secret(),
            SealRandomness::Fresh,
        )
        .map_err(ApiError::internal)
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        WrapResponse {
            wrapped_key,
            key_version,
            algorithm: Some(Algorithm::Kyber768),
            wrapping_method: Some("KEM-DEM".to_owned()),
        },
    )
}

/// `POST /api/v1/kem/key/unwrap` and `POST /api/v1/kem/unwrap`
pub(crate) async fn unwrap(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<UnwrapRequest>,
) -> Result<Response, ApiError> {
    let algorithm = kem_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;

    let key_version = request.key_version;
    let key = load_private(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::ActiveOrRetired,
        "unwrap",
    )
    .await?;
    let symmetric_key = crypto_task(request.wrapped_key.len(), move || {
        crypto::kem_dem_open(
            WRAP_FORMAT_V1,
            &key.private_key,
            key_version,
            &request.wrapped_key,
        )
        .map_err(|error| crypto_error(error, ErrorCode::Kem011, "wrapped_key"))
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        UnwrapResponse {
            symmetric_key: SecretBytes::from(symmetric_key),
            key_version,
            algorithm: Some(Algorithm::Kyber768),
        },
    )
}
