//! Every model against the JSON shapes the API documents, in both directions.

use qpher_types::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Asserts that `value` serializes to exactly `expected` and parses back to itself.
fn assert_wire<T>(value: &T, expected: Value)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let serialized = serde_json::to_value(value).unwrap();
    assert_eq!(serialized, expected);

    let parsed: T = serde_json::from_value(expected).unwrap();
    assert_eq!(&parsed, value);
}

#[test]
fn encrypt_request_standard() {
    let request = EncryptRequest {
        plaintext: SecretBytes::from("Hello, Quantum World!"),
        key_version: 1,
        algorithm: None,
        mode: Some(EncryptMode::Standard),
        salt: None,
    };
    assert_wire(
        &request,
        json!({"plaintext": "SGVsbG8sIFF1YW50dW0gV29ybGQh", "key_version": 1, "mode": "standard"}),
    );
}

#[test]
fn encrypt_request_deterministic() {
    let request = EncryptRequest {
        plaintext: SecretBytes::from(&[0xfb, 0xff][..]),
        key_version: 3,
        algorithm: Some(Algorithm::XWing),
        mode: Some(EncryptMode::Deterministic),
        salt: Some(vec![0; 32]),
    };
    assert_wire(
        &request,
        json!({
            "plaintext": "+/8=",
            "key_version": 3,
            "algorithm": "X-Wing",
            "mode": "deterministic",
            "salt": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        }),
    );
}

#[test]
fn encrypt_response_without_algorithm() {
    let body = json!({"ciphertext": "AAEC", "key_version": 1});
    let parsed: EncryptResponse = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(parsed.algorithm, None);
    assert_wire(&parsed, body);
}

#[test]
fn decrypt_shapes() {
    assert_wire(
        &DecryptRequest {
            ciphertext: vec![1, 2, 3],
            key_version: 2,
            algorithm: Some(Algorithm::Kyber768),
        },
        json!({"ciphertext": "AQID", "key_version": 2, "algorithm": "Kyber768"}),
    );
    assert_wire(
        &DecryptResponse {
            plaintext: SecretBytes::from("hi"),
            key_version: 2,
            algorithm: Some(Algorithm::Kyber768),
        },
        json!({"plaintext": "aGk=", "key_version": 2, "algorithm": "Kyber768"}),
    );
}

#[test]
fn encapsulation_shapes() {
    assert_wire(
        &EncapsulateRequest {
            key_version: 1,
            algorithm: None,
        },
        json!({"key_version": 1}),
    );
    assert_wire(
        &EncapsulateResponse {
            kem_ciphertext: vec![9; 3],
            shared_secret: SecretBytes::new(vec![1; 3]),
            key_version: 1,
            algorithm: Some(Algorithm::Kyber768),
        },
        json!({"kem_ciphertext": "CQkJ", "shared_secret": "AQEB", "key_version": 1, "algorithm": "Kyber768"}),
    );
    assert_wire(
        &DecapsulateRequest {
            kem_ciphertext: vec![9; 3],
            key_version: 1,
            algorithm: Some(Algorithm::XWing),
        },
        json!({"kem_ciphertext": "CQkJ", "key_version": 1, "algorithm": "X-Wing"}),
    );
    assert_wire(
        &DecapsulateResponse {
            shared_secret: SecretBytes::new(vec![1; 3]),
            key_version: 1,
            algorithm: None,
        },
        json!({"shared_secret": "AQEB", "key_version": 1}),
    );
}

#[test]
fn wrap_shapes() {
    assert_wire(
        &WrapRequest {
            symmetric_key: SecretBytes::new(vec![0xaa; 3]),
            key_version: 4,
            algorithm: None,
        },
        json!({"symmetric_key": "qqqq", "key_version": 4}),
    );
    assert_wire(
        &WrapResponse {
            wrapped_key: vec![1, 2],
            key_version: 4,
            algorithm: Some(Algorithm::Kyber768),
            wrapping_method: Some("KEM-DEM".into()),
        },
        json!({"wrapped_key": "AQI=", "key_version": 4, "algorithm": "Kyber768", "wrapping_method": "KEM-DEM"}),
    );
    assert_wire(
        &UnwrapRequest {
            wrapped_key: vec![1, 2],
            key_version: 4,
            algorithm: None,
        },
        json!({"wrapped_key": "AQI=", "key_version": 4}),
    );
    assert_wire(
        &UnwrapResponse {
            symmetric_key: SecretBytes::new(vec![0xaa; 3]),
            key_version: 4,
            algorithm: Some(Algorithm::Kyber768),
        },
        json!({"symmetric_key": "qqqq", "key_version": 4, "algorithm": "Kyber768"}),
    );
}

#[test]
fn signature_shapes() {
    assert_wire(
        &SignRequest {
            message: b"Invoice #12345".to_vec(),
            key_version: 1,
            algorithm: Some(Algorithm::Dilithium3),
        },
        json!({"message": "SW52b2ljZSAjMTIzNDU=", "key_version": 1, "algorithm": "Dilithium3"}),
    );
    assert_wire(
        &SignResponse {
            signature: vec![5; 3],
            key_version: 1,
            algorithm: Some(Algorithm::Dilithium3),
        },
        json!({"signature": "BQUF", "key_version": 1, "algorithm": "Dilithium3"}),
    );
    assert_wire(
        &VerifyRequest {
            message: b"m".to_vec(),
            signature: vec![5; 3],
            key_version: 1,
            algorithm: None,
        },
        json!({"message": "bQ==", "signature": "BQUF", "key_version": 1}),
    );
    assert_wire(
        &VerifyResponse {
            valid: false,
            key_version: 1,
            algorithm: Some(Algorithm::Dilithium3),
        },
        json!({"valid": false, "key_version": 1, "algorithm": "Dilithium3"}),
    );
}

#[test]
fn hash_signature_shapes() {
    assert_wire(
        &SignHashRequest {
            hash: vec![0; 32],
            hash_algorithm: HashAlgorithm::Sha256,
            key_version: 1,
            algorithm: None,
        },
        json!({"hash": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "hash_algorithm": "SHA-256", "key_version": 1}),
    );
    assert_wire(
        &SignHashResponse {
            signature: vec![5; 3],
            key_version: 1,
            algorithm: Some(Algorithm::Dilithium3),
            hash_algorithm: Some(HashAlgorithm::Sha256),
            signature_type: Some("detached".into()),
        },
        json!({
            "signature": "BQUF",
            "key_version": 1,
            "algorithm": "Dilithium3",
            "hash_algorithm": "SHA-256",
            "signature_type": "detached"
        }),
    );
    assert_wire(
        &VerifyHashRequest {
            hash: vec![0; 3],
            hash_algorithm: HashAlgorithm::Sha512,
            signature: vec![5; 3],
            key_version: 2,
            algorithm: Some(Algorithm::CompositeMlDsa),
        },
        json!({
            "hash": "AAAA",
            "hash_algorithm": "SHA-512",
            "signature": "BQUF",
            "key_version": 2,
            "algorithm": "Composite-ML-DSA"
        }),
    );
    assert_wire(
        &VerifyHashResponse {
            valid: true,
            key_version: 2,
            algorithm: None,
            hash_algorithm: Some(HashAlgorithm::Sha512),
        },
        json!({"valid": true, "key_version": 2, "hash_algorithm": "SHA-512"}),
    );
}

fn key_info(version: u32, status: KeyStatus) -> KeyInfo {
    KeyInfo {
        key_version: version,
        algorithm: Algorithm::Kyber768,
        status,
        public_key: vec![1, 2, 3],
        created_at: "2026-01-15T10:30:00Z".into(),
    }
}

#[test]
fn key_shapes() {
    assert_wire(
        &GenerateKeyRequest {
            algorithm: Algorithm::Dilithium3,
        },
        json!({"algorithm": "Dilithium3"}),
    );
    assert_wire(
        &key_info(3, KeyStatus::Active),
        json!({
            "key_version": 3,
            "algorithm": "Kyber768",
            "status": "active",
            "public_key": "AQID",
            "created_at": "2026-01-15T10:30:00Z"
        }),
    );
    assert_wire(
        &ListKeysResponse {
            keys: vec![key_info(2, KeyStatus::Retired)],
            total: 1,
        },
        json!({
            "keys": [{
                "key_version": 2,
                "algorithm": "Kyber768",
                "status": "retired",
                "public_key": "AQID",
                "created_at": "2026-01-15T10:30:00Z"
            }],
            "total": 1
        }),
    );
    assert_wire(
        &RotateKeyRequest {
            algorithm: Algorithm::Kyber768,
        },
        json!({"algorithm": "Kyber768"}),
    );
    assert_wire(
        &RotateKeyResponse {
            key_version: 4,
            algorithm: Algorithm::Kyber768,
            public_key: vec![1],
            old_key_version: 3,
        },
        json!({"key_version": 4, "algorithm": "Kyber768", "public_key": "AQ==", "old_key_version": 3}),
    );
    assert_wire(
        &RetireKeyRequest {
            algorithm: Algorithm::Kyber768,
            key_version: 2,
        },
        json!({"algorithm": "Kyber768", "key_version": 2}),
    );
    assert_wire(&ListKeysQuery::default(), json!({}));
}

#[test]
fn unknown_enum_values_survive() {
    let body = json!({
        "key_version": 1,
        "algorithm": "ML-KEM-1024",
        "status": "destroyed",
        "public_key": "AQID",
        "created_at": "2026-01-15T10:30:00.000Z"
    });
    let parsed: KeyInfo = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(parsed.algorithm.as_str(), "ML-KEM-1024");
    assert_eq!(parsed.status.as_str(), "destroyed");
    assert_eq!(serde_json::to_value(&parsed).unwrap(), body);
}

#[test]
fn success_envelope() {
    let body = json!({
        "data": {"valid": true, "key_version": 1, "algorithm": "Dilithium3"},
        "request_id": "550e8400-e29b-41d4-a716-446655440000",
        "timestamp": "2026-01-15T10:30:00.000Z"
    });
    let envelope: Envelope<VerifyResponse> = serde_json::from_value(body.clone()).unwrap();
    assert!(envelope.data.valid);
    assert_eq!(
        envelope.request_id.as_deref(),
        Some("550e8400-e29b-41d4-a716-446655440000")
    );
    assert_eq!(serde_json::to_value(&envelope).unwrap(), body);
}

#[test]
fn lenient_base64_in_responses() {
    for text in ["+/8=", "+/8", "-_8=", "-_8"] {
        let body = json!({"signature": text, "key_version": 1});
        let parsed: SignResponse = serde_json::from_value(body).unwrap();
        assert_eq!(parsed.signature, [0xfb, 0xff], "{text}");
    }
}

#[test]
fn bad_base64_names_field() {
    let cases = [
        (json!({"signature": "a b", "key_version": 1}), "signature"),
        (json!({"signature": "+_8=", "key_version": 1}), "signature"),
    ];
    for (body, field) in cases {
        let error = serde_json::from_value::<SignResponse>(body).unwrap_err();
        assert!(error.to_string().contains(&format!("`{field}`")), "{error}");
    }

    let body = json!({"plaintext": "###", "key_version": 1});
    let error = serde_json::from_value::<DecryptResponse>(body).unwrap_err();
    assert!(error.to_string().contains("`plaintext`"), "{error}");
    assert!(!error.to_string().contains("###"), "{error}");

    let body =
        json!({"plaintext": "AA==", "key_version": 1, "mode": "deterministic", "salt": "%%"});
    let error = serde_json::from_value::<EncryptRequest>(body).unwrap_err();
    assert!(error.to_string().contains("`salt`"), "{error}");
}

#[test]
fn missing_required_field_rejected() {
    let error =
        serde_json::from_value::<EncryptResponse>(json!({"ciphertext": "AA=="})).unwrap_err();
    assert!(error.to_string().contains("key_version"), "{error}");
}

#[test]
fn secrets_redacted_in_debug() {
    let response = DecryptResponse {
        plaintext: SecretBytes::from("top secret plaintext"),
        key_version: 1,
        algorithm: None,
    };
    let printed = format!("{response:?}");
    assert!(!printed.contains("top secret"), "{printed}");
    assert!(printed.contains("[REDACTED]"), "{printed}");
}
