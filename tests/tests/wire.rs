//! Wire contract of the KEM and signature operations, run through both clients against
//! `httpmock`: method, path, query, headers and JSON body of the request, and the fields of
//! the result. The key-management operations are in `keys.rs`.

use httpmock::MockServer;
use qpher_tests::{
    Flavour, Op, Settings, WireCase, check_all, last_request, recording_mock, run, success_body,
};
use qpher_types::{Algorithm, HashAlgorithm};
use serde_json::{Value, json};

fn kem_cases() -> Vec<WireCase> {
    vec![
        WireCase {
            op: Op::Encrypt {
                plaintext: b"post-quantum payload".to_vec(),
                key_version: 1,
            },
            method: "POST",
            path: "/api/v1/kem/encrypt",
            query: None,
            body: Some(json!({
                "plaintext": "cG9zdC1xdWFudHVtIHBheWxvYWQ=",
                "key_version": 1,
                "mode": "standard",
            })),
            lifecycle: false,
            status: 200,
            data: json!({ "ciphertext": "+/+/AAE=", "key_version": 1, "algorithm": "Kyber768" }),
            expected: json!({ "ciphertext": "+/+/AAE=", "key_version": 1, "algorithm": "Kyber768" }),
        },
        WireCase {
            op: Op::EncryptDeterministic {
                plaintext: b"post-quantum payload".to_vec(),
                key_version: 2,
                salt: vec![0xfb; 32],
            },
            method: "POST",
            path: "/api/v1/kem/encrypt",
            query: None,
            body: Some(json!({
                "plaintext": "cG9zdC1xdWFudHVtIHBheWxvYWQ=",
                "key_version": 2,
                "mode": "deterministic",
                "salt": "+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=",
            })),
            lifecycle: false,
            status: 200,
            data: json!({ "ciphertext": "+/+/AAE=", "key_version": 2 }),
            expected: json!({ "ciphertext": "+/+/AAE=", "key_version": 2, "algorithm": "Kyber768" }),
        },
        WireCase {
            op: Op::Decrypt {
                ciphertext: vec![0xfb, 0xff, 0xfe, 0x10],
                key_version: 1,
            },
            method: "POST",
            path: "/api/v1/kem/decrypt",
            query: None,
            body: Some(json!({ "ciphertext": "+//+EA==", "key_version": 1 })),
            lifecycle: false,
            status: 200,
            data: json!({
                "plaintext": "cG9zdC1xdWFudHVtIHBheWxvYWQ=",
                "key_version": 1,
                "algorithm": "Kyber768",
            }),
            expected: json!({
                "plaintext": "cG9zdC1xdWFudHVtIHBheWxvYWQ=",
                "key_version": 1,
                "algorithm": "Kyber768",
            }),
        },
        WireCase {
            op: Op::Encapsulate { key_version: 3 },
            method: "POST",
            path: "/api/v1/kem/encapsulate",
            query: None,
            body: Some(json!({ "key_version": 3 })),
            lifecycle: false,
            status: 200,
            data: json!({
                "kem_ciphertext": "+Pj4+Pj4+A==",
                "shared_secret": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "key_version": 3,
                "algorithm": "Kyber768",
            }),
            expected: json!({
                "kem_ciphertext": "+Pj4+Pj4+A==",
                "shared_secret": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "key_version": 3,
                "algorithm": "Kyber768",
            }),
        },
        WireCase {
            op: Op::Decapsulate {
                kem_ciphertext: vec![0xf8; 7],
                key_version: 3,
            },
            method: "POST",
            path: "/api/v1/kem/decapsulate",
            query: None,
            body: Some(json!({ "kem_ciphertext": "+Pj4+Pj4+A==", "key_version": 3 })),
            lifecycle: false,
            status: 200,
            data: json!({
                "shared_secret": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "key_version": 3,
                "algorithm": "Kyber768",
            }),
            expected: json!({
                "shared_secret": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "key_version": 3,
                "algorithm": "Kyber768",
            }),
        },
        WireCase {
            op: Op::Wrap {
                symmetric_key: vec![0xff; 32],
                key_version: 1,
            },
            method: "POST",
            path: "/api/v1/kem/key/wrap",
            query: None,
            body: Some(json!({
                "symmetric_key": "//////////////////////////////////////////8=",
                "key_version": 1,
            })),
            lifecycle: false,
            status: 200,
            data: json!({
                "wrapped_key": "/u8=",
                "key_version": 1,
                "algorithm": "Kyber768",
                "wrapping_method": "KEM-DEM",
            }),
            expected: json!({
                "wrapped_key": "/u8=",
                "key_version": 1,
                "algorithm": "Kyber768",
                "wrapping_method": "KEM-DEM",
            }),
        },
        WireCase {
            op: Op::Unwrap {
                wrapped_key: vec![0xfe, 0xef],
                key_version: 1,
            },
            method: "POST",
            path: "/api/v1/kem/key/unwrap",
            query: None,
            body: Some(json!({ "wrapped_key": "/u8=", "key_version": 1 })),
            lifecycle: false,
            status: 200,
            data: json!({
                "symmetric_key": "//////////////////////////////////////////8=",
                "key_version": 1,
                "algorithm": "Kyber768",
            }),
            expected: json!({
                "symmetric_key": "//////////////////////////////////////////8=",
                "key_version": 1,
                "algorithm": "Kyber768",
            }),
        },
    ]
}

fn signature_cases() -> Vec<WireCase> {
    vec![
        WireCase {
            op: Op::Sign {
                message: b"sign me?".to_vec(),
                key_version: 1,
            },
            method: "POST",
            path: "/api/v1/signature/sign",
            query: None,
            body: Some(json!({ "message": "c2lnbiBtZT8=", "key_version": 1 })),
            lifecycle: false,
            status: 200,
            data: json!({ "signature": "+vv8/Q==", "key_version": 1, "algorithm": "Dilithium3" }),
            expected: json!({ "signature": "+vv8/Q==", "key_version": 1, "algorithm": "Dilithium3" }),
        },
        WireCase {
            op: Op::Verify {
                message: b"sign me?".to_vec(),
                signature: vec![0xfa, 0xfb, 0xfc, 0xfd],
                key_version: 1,
            },
            method: "POST",
            path: "/api/v1/signature/verify",
            query: None,
            body: Some(json!({
                "message": "c2lnbiBtZT8=",
                "signature": "+vv8/Q==",
                "key_version": 1,
            })),
            lifecycle: false,
            status: 200,
            data: json!({ "valid": false, "key_version": 1, "algorithm": "Dilithium3" }),
            expected: json!({ "valid": false, "key_version": 1, "algorithm": "Dilithium3" }),
        },
        WireCase {
            op: Op::SignHash {
                hash: vec![0xab; 32],
                hash_algorithm: HashAlgorithm::Sha256,
                key_version: 2,
            },
            method: "POST",
            path: "/api/v1/signature/sign-hash",
            query: None,
            body: Some(json!({
                "hash": "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",
                "hash_algorithm": "SHA-256",
                "key_version": 2,
            })),
            lifecycle: false,
            status: 200,
            data: json!({
                "signature": "//79",
                "key_version": 2,
                "algorithm": "Dilithium3",
                "hash_algorithm": "SHA-256",
                "signature_type": "detached",
            }),
            expected: json!({
                "signature": "//79",
                "key_version": 2,
                "algorithm": "Dilithium3",
                "hash_algorithm": "SHA-256",
                "signature_type": "detached",
            }),
        },
        WireCase {
            op: Op::VerifyHash {
                hash: vec![0xab; 32],
                hash_algorithm: HashAlgorithm::Sha256,
                signature: vec![0xff, 0xfe, 0xfd],
                key_version: 2,
            },
            method: "POST",
            path: "/api/v1/signature/verify-hash",
            query: None,
            body: Some(json!({
                "hash": "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",
                "hash_algorithm": "SHA-256",
                "signature": "//79",
                "key_version": 2,
            })),
            lifecycle: false,
            status: 200,
            data: json!({
                "valid": true,
                "key_version": 2,
                "algorithm": "Dilithium3",
                "hash_algorithm": "SHA-256",
            }),
            expected: json!({
                "valid": true,
                "key_version": 2,
                "algorithm": "Dilithium3",
                "hash_algorithm": "SHA-256",
            }),
        },
    ]
}

#[test]
fn kem_requests() {
    check_all(&kem_cases());
}

#[test]
fn signature_requests() {
    check_all(&signature_cases());
}

#[test]
fn algorithm_sent_when_set() {
    let encrypt = WireCase {
        op: Op::WithAlgorithm {
            algorithm: Algorithm::XWing,
            op: Box::new(Op::Encrypt {
                plaintext: b"post-quantum payload".to_vec(),
                key_version: 1,
            }),
        },
        method: "POST",
        path: "/api/v1/kem/encrypt",
        query: None,
        body: Some(json!({
            "plaintext": "cG9zdC1xdWFudHVtIHBheWxvYWQ=",
            "key_version": 1,
            "algorithm": "X-Wing",
            "mode": "standard",
        })),
        lifecycle: false,
        status: 200,
        data: json!({ "ciphertext": "+/+/AAE=", "key_version": 1 }),
        expected: json!({ "ciphertext": "+/+/AAE=", "key_version": 1, "algorithm": "X-Wing" }),
    };
    let sign = WireCase {
        op: Op::WithAlgorithm {
            algorithm: Algorithm::CompositeMlDsa,
            op: Box::new(Op::Sign {
                message: b"sign me?".to_vec(),
                key_version: 1,
            }),
        },
        method: "POST",
        path: "/api/v1/signature/sign",
        query: None,
        body: Some(json!({
            "message": "c2lnbiBtZT8=",
            "key_version": 1,
            "algorithm": "Composite-ML-DSA",
        })),
        lifecycle: false,
        status: 200,
        data: json!({ "signature": "+vv8/Q==", "key_version": 1 }),
        expected: json!({
            "signature": "+vv8/Q==",
            "key_version": 1,
            "algorithm": "Composite-ML-DSA",
        }),
    };
    check_all(&[encrypt, sign]);
}

/// Runs an encrypt against a server that responds with `body` and `headers`, and returns
/// the result's `request_id`.
fn encrypt_request_id(flavour: Flavour, body: &Value, headers: &[(&str, &str)]) -> Value {
    let server = MockServer::start();
    let (_mock, _recorded) = recording_mock(&server, 200, headers, body.to_string().as_bytes());
    let op = Op::Encrypt {
        plaintext: b"x".to_vec(),
        key_version: 1,
    };
    let fields = run(flavour, &Settings::new(server.base_url()), op)
        .unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
    fields["request_id"].clone()
}

#[test]
fn request_id_from_header() {
    let data = json!({ "ciphertext": "AAEC", "key_version": 1 });
    for flavour in Flavour::ALL {
        let body = success_body(data.clone(), None);
        let headers = [("X-Request-ID", "hdr-7")];
        let request_id = encrypt_request_id(flavour, &body, &headers);
        assert_eq!(request_id, json!("hdr-7"), "{flavour:?}");

        let request_id = encrypt_request_id(flavour, &body, &[]);
        assert_eq!(request_id, Value::Null, "{flavour:?}");

        let body = success_body(data.clone(), Some("req-body"));
        let request_id = encrypt_request_id(flavour, &body, &headers);
        assert_eq!(request_id, json!("req-body"), "{flavour:?}");
    }
}

#[test]
fn base_url_path_prefix() {
    for flavour in Flavour::ALL {
        let server = MockServer::start();
        let body = success_body(json!({ "ciphertext": "AAEC", "key_version": 1 }), None);
        let (mock, recorded) = recording_mock(&server, 200, &[], body.to_string().as_bytes());
        let op = Op::Encrypt {
            plaintext: b"x".to_vec(),
            key_version: 1,
        };

        for base_url in [server.url("/qpher/"), server.url("/qpher")] {
            run(flavour, &Settings::new(base_url.as_str()), op.clone())
                .unwrap_or_else(|error| panic!("{flavour:?} {base_url}: {error}"));
            let request = last_request(&recorded);
            assert_eq!(request.path, "/qpher/api/v1/kem/encrypt", "{flavour:?}");
        }
        assert_eq!(mock.calls(), 2, "{flavour:?}");
    }
}
