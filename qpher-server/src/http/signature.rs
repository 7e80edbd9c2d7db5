//! Handlers of the signature endpoints under `/api/v1/signature/`.
//!
//! `sign` and `verify` use ML-DSA-65 with an empty context string. `sign-hash` and
//! `verify-hash` sign the digest bytes as the message, with the hash algorithm's name
//! (such as `SHA-256`) as the context string, so a digest signature never verifies as a
//! signature of a message with the same bytes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qpher_types::limits::MAX_PLAINTEXT_LEN;
use qpher_types::{
    Algorithm, ErrorCode, HashAlgorithm, SignHashRequest, SignHashResponse, SignRequest,
    SignResponse, VerifyHashRequest, VerifyHashResponse, VerifyRequest, VerifyResponse,
};

use super::AppState;
use super::error::{ApiError, Group, envelope_response};
use super::extract::{ApiJson, TenantId};
use super::keys::{
    Needs, check_max_len, check_version, crypto_task, load_private, load_public, resolve_algorithm,
};
use crate::crypto::{self, KeyAlgorithm};

const GROUP: Group = Group::Signature;

/// Context string of `sign` and `verify`.
const MESSAGE_CONTEXT: &[u8] = b"";

fn signature_algorithm(requested: Option<&Algorithm>) -> Result<KeyAlgorithm, ApiError> {
    resolve_algorithm(requested, KeyAlgorithm::MlDsa65, GROUP)
}

/// Checks a digest against its algorithm and returns the context string for it.
fn check_digest(hash: &[u8], hash_algorithm: &HashAlgorithm) -> Result<&'static [u8], ApiError> {
    let (context, expected): (&'static [u8], usize) = match hash_algorithm {
        HashAlgorithm::Sha256 => (b"SHA-256", 32),
        HashAlgorithm::Sha384 => (b"SHA-384", 48),
        HashAlgorithm::Sha512 => (b"SHA-512", 64),
        other => {
            return Err(ApiError::bad_request(
                ErrorCode::Sig001,
                format!(
                    "unknown hash_algorithm {:?}; use SHA-256, SHA-384 or SHA-512",
                    other.as_str()
                ),
            ));
        }
    };
    if hash.len() != expected {
        return Err(ApiError::bad_request(
            ErrorCode::Sig001,
            format!(
                "hash is {} bytes; a {hash_algorithm} digest is {expected} bytes",
                hash.len()
            ),
        ));
    }
    Ok(context)
}

fn sign_with(private_key: &[u8], message: &[u8], context: &[u8]) -> Result<Vec<u8>, ApiError> {
    let randomness = crypto::random_array::<32>().map_err(ApiError::internal)?;
    crypto::ml_dsa_sign(private_key, message, context, *randomness).map_err(ApiError::internal)
}

/// `POST /api/v1/signature/sign`
pub(crate) async fn sign(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<SignRequest>,
) -> Result<Response, ApiError> {
    let algorithm = signature_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;
    check_max_len("message", request.message.len(), MAX_PLAINTEXT_LEN, GROUP)?;

    let key_version = request.key_version;
    let key = load_private(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::Active,
        "sign",
    )
    .await?;
    let signature = crypto_task(request.message.len(), move || {
        sign_with(&key.private_key, &request.message, MESSAGE_CONTEXT)
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        SignResponse {
            signature,
            key_version,
            algorithm: Some(Algorithm::Dilithium3),
        },
    )
}

/// `POST /api/v1/signature/verify`
pub(crate) async fn verify(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> Result<Response, ApiError> {
    let algorithm = signature_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;
    check_max_len("message", request.message.len(), MAX_PLAINTEXT_LEN, GROUP)?;

    let key_version = request.key_version;
    let record = load_public(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::ActiveOrRetired,
        "verify",
    )
    .await?;
    let valid = crypto_task(request.message.len(), move || {
        Ok(crypto::ml_dsa_verify(
            &record.public_key,
            &request.message,
            MESSAGE_CONTEXT,
            &request.signature,
        ))
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        VerifyResponse {
            valid,
            key_version,
            algorithm: Some(Algorithm::Dilithium3),
        },
    )
}

/// `POST /api/v1/signature/sign-hash`
pub(crate) async fn sign_hash(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<SignHashRequest>,
) -> Result<Response, ApiError> {
    let algorithm = signature_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;
    let context = check_digest(&request.hash, &request.hash_algorithm)?;

    let key_version = request.key_version;
    let hash_algorithm = request.hash_algorithm.clone();
    let key = load_private(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::Active,
        "sign-hash",
    )
    .await?;
    let signature = crypto_task(request.hash.len(), move || {
        sign_with(&key.private_key, &request.hash, context)
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        SignHashResponse {
            signature,
            key_version,
            algorithm: Some(Algorithm::Dilithium3),
            hash_algorithm: Some(hash_algorithm),
            signature_type: Some("detached".to_owned()),
        },
    )
}

/// `POST /api/v1/signature/verify-hash`
pub(crate) async fn verify_hash(
    State(state): State<AppState>,
    TenantId(tenant_id): TenantId,
    ApiJson(request): ApiJson<VerifyHashRequest>,
) -> Result<Response, ApiError> {
    let algorithm = signature_algorithm(request.algorithm.as_ref())?;
    check_version(request.key_version, GROUP)?;
    let context = check_digest(&request.hash, &request.hash_algorithm)?;

    let key_version = request.key_version;
    let hash_algorithm = request.hash_algorithm.clone();
    let record = load_public(
        &state.store,
        &tenant_id,
        algorithm,
        key_version,
        GROUP,
        Needs::ActiveOrRetired,
        "verify-hash",
    )
    .await?;
    let valid = crypto_task(request.hash.len(), move || {
        Ok(crypto::ml_dsa_verify(
            &record.public_key,
            &request.hash,
            context,
            &request.signature,
        ))
    })
    .await?;

    envelope_response(
        StatusCode::OK,
        VerifyHashResponse {
            valid,
            key_version,
            algorithm: Some(Algorithm::Dilithium3),
            hash_algorithm: Some(hash_algorithm),
        },
    )
}
