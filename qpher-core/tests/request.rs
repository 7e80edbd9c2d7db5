//! Request building: URL, headers and body bytes, identical on every attempt.

use qpher_core::ops::{GetActiveKey, GetKey};
use qpher_core::types::{
    Algorithm, EncryptMode, EncryptRequest, GenerateKeyRequest, HashAlgorithm, KeyStatus,
    ListKeysQuery, SecretBytes, SignHashRequest,
};
use qpher_core::{Call, CallIds, Config, ErrorKind, USER_AGENT};

fn config(base_url: &str) -> Config {
    Config::builder()
        .api_key("qph_request_test")
        .base_url(base_url)
        .build_with_env(|_| None)
        .unwrap()
}

fn encrypt() -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBytes::from("Hello"),
        key_version: 1,
        algorithm: None,
        mode: Some(EncryptMode::Standard),
        salt: None,
    }
}

#[test]
fn encrypt_request_parts() {
    let mut call = Call::new(
        &config("https://api.qpher.ai"),
        encrypt(),
        CallIds::from_random([0xab; 32]),
    )
    .unwrap();
    let request = call.next_request();

    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri(), "https://api.qpher.ai/api/v1/kem/encrypt");

    let headers = request.headers();
    assert_eq!(headers["x-api-key"], "qph_request_test");
    assert!(headers["x-api-key"].is_sensitive());
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["accept"], "application/json");
    assert_eq!(headers["user-agent"], USER_AGENT);
    assert_eq!(
        headers["x-request-id"],
        "abababab-abab-4bab-abab-abababababab"
    );
    assert!(headers.get("idempotency-key").is_none());

    assert_eq!(
        request.body().as_ref(),
        br#"{"plaintext":"SGVsbG8=","key_version":1,"mode":"standard"}"#
    );
}

#[test]
fn attempts_share_bytes_and_ids() {
    let generate = GenerateKeyRequest {
        algorithm: Algorithm::Kyber768,
    };
    let mut call = Call::new(
        &config("https://api.qpher.ai"),
        generate,
        CallIds::from_random([1; 32]),
    )
    .unwrap();
    let first = call.next_request();
    let second = call.next_request();

    assert_eq!(call.attempts(), 2);
    assert_eq!(first.body(), second.body());
    assert_eq!(
        first.body().as_ptr(),
        second.body().as_ptr(),
        "the body is built once"
    );
    assert_eq!(first.headers(), second.headers());
    assert!(first.headers().get("idempotency-key").is_some());
}

#[test]
fn path_prefix_and_query() {
    let list = ListKeysQuery {
        algorithm: Some(Algorithm::Kyber768),
        status: Some(KeyStatus::Retired),
    };
    let mut call = Call::new(
        &config("https://proxy.example/qpher/"),
        list,
        CallIds::from_random([1; 32]),
    )
    .unwrap();
    let request = call.next_request();
    assert_eq!(request.method(), "GET");
    assert_eq!(
        request.uri(),
        "https://proxy.example/qpher/api/v1/kms/keys?algorithm=Kyber768&status=retired"
    );
    assert!(request.body().is_empty());

    let mut call = Call::new(
        &config("http://127.0.0.1:8787"),
        ListKeysQuery::default(),
        CallIds::from_random([1; 32]),
    )
    .unwrap();
    assert_eq!(
        call.next_request().uri(),
        "http://127.0.0.1:8787/api/v1/kms/keys"
    );
}

#[test]
fn key_paths() {
    let active = GetActiveKey {
        algorithm: Algorithm::Dilithium3,
    };
    let mut call = Call::new(
        &config("https://api.qpher.ai"),
        active,
        CallIds::from_random([1; 32]),
    )
    .unwrap();
    assert_eq!(
        call.next_request().uri(),
        "https://api.qpher.ai/api/v1/kms/keys/active?algorithm=Dilithium3"
    );

    let get = GetKey {
        key_version: 7,
        algorithm: Algorithm::from_wire("New Algo&x=1"),
    };
    let mut call = Call::new(
        &config("https://api.qpher.ai"),
        get,
        CallIds::from_random([1; 32]),
    )
    .unwrap();
    assert_eq!(
        call.next_request().uri(),
        "https://api.qpher.ai/api/v1/kms/keys/7?algorithm=New+Algo%26x%3D1"
    );
}

#[test]
fn invalid_arguments_rejected_before_sending() {
    let ids = || CallIds::from_random([1; 32]);
    let config = config("https://api.qpher.ai");

    let zero_version = EncryptRequest {
        key_version: 0,
        ..encrypt()
    };
    let error = Call::new(&config, zero_version, ids()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert!(error.message().contains("key_version"));

    let wrong_family = EncryptRequest {
        algorithm: Some(Algorithm::Dilithium3),
        ..encrypt()
    };
    let error = Call::new(&config, wrong_family, ids()).unwrap_err();
    assert!(
        error.message().contains("Dilithium3"),
        "{}",
        error.message()
    );

    let no_salt = EncryptRequest {
        mode: Some(EncryptMode::Deterministic),
        ..encrypt()
    };
    let error = Call::new(&config, no_salt, ids()).unwrap_err();
    assert!(error.message().contains("salt"));

    let short_salt = EncryptRequest {
        mode: Some(EncryptMode::Deterministic),
        salt: Some(vec![0; 31]),
        ..encrypt()
    };
    let error = Call::new(&config, short_salt, ids()).unwrap_err();
    assert!(error.message().contains("31 bytes"), "{}", error.message());

    let stray_salt = EncryptRequest {
        salt: Some(vec![0; 32]),
        ..encrypt()
    };
    assert!(Call::new(&config, stray_salt, ids()).is_err());

    let digest = SignHashRequest {
        hash: vec![0; 31],
        hash_algorithm: HashAlgorithm::Sha256,
        key_version: 1,
        algorithm: None,
    };
    let error = Call::new(&config, digest, ids()).unwrap_err();
    assert!(error.message().contains("32 bytes"), "{}", error.message());

    let unknown_algorithm = EncryptRequest {
        algorithm: Some(Algorithm::from_wire("Future-KEM")),
        ..encrypt()
    };
    assert!(Call::new(&config, unknown_algorithm, ids()).is_ok());
}
