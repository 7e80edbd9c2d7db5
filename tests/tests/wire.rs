//! Wire contract of every operation, run through both clients against `httpmock`: method,
//! path, query, headers and JSON body of the request, and the fields of the result.

use httpmock::MockServer;
use qpher_tests::{
    API_KEY, Flavour, Op, RecordedRequest, Settings, is_uuid, last_request, recording_mock, run,
    run_many, success_body,
};
use qpher_types::{Algorithm, HashAlgorithm, KeyStatus};
use serde_json::{Value, json};

const USER_AGENT: &str = concat!("qpher-rust/", env!("CARGO_PKG_VERSION"));

/// One operation's request and response on the wire.
struct WireCase {
    op: Op,
    method: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    /// The exact JSON body; `None` means the request has no body.
    body: Option<Value>,
    /// Whether the operation changes keys, so it sends an `idempotency-key`.
    lifecycle: bool,
    status: u16,
    data: Value,
    /// The result's fields, without `request_id`.
    expected: Value,
}

fn key_info(version: u32, algorithm: &str, status: &str) -> Value {
    json!({
        "key_version": version,
        "algorithm": algorithm,
        "status": status,
        "public_key": "/AA/",
        "created_at": "2026-01-01T10:30:00.000Z",
    })
}

/// Checks the headers every request carries.
fn check_headers(request: &RecordedRequest, lifecycle: bool, context: &str) {
    assert_eq!(request.header("x-api-key"), Some(API_KEY), "{context}");
    assert_eq!(
        request.header("content-type"),
        Some("application/json"),
        "{context}"
    );
    assert_eq!(
        request.header("accept"),
        Some("application/json"),
        "{context}"
    );
    assert_eq!(request.header("user-agent"), Some(USER_AGENT), "{context}");
    assert_eq!(request.header("authorization"), None, "{context}");

    let request_id = request
        .header("x-request-id")
        .unwrap_or_else(|| panic!("{context}: no x-request-id"));
    assert!(is_uuid(request_id), "{context}: x-request-id {request_id}");

    let idempotency_key = request.header("idempotency-key");
    if lifecycle {
        let key = idempotency_key.unwrap_or_else(|| panic!("{context}: no idempotency-key"));
        assert!(is_uuid(key), "{context}: idempotency-key {key}");
        assert_ne!(key, request_id, "{context}");
    } else {
        assert_eq!(idempotency_key, None, "{context}");
    }
}

/// Runs `case` through `flavour` and checks the request and the result.
fn check_case(case: &WireCase, flavour: Flavour) {
    let context = format!("{flavour:?} {}", case.op.name());
    let server = MockServer::start();
    let request_id = format!("req-{}", case.op.name());
    let body = success_body(case.data.clone(), Some(&request_id)).to_string();
    let headers = [
        ("content-type", "application/json"),
        ("x-request-id", "hdr-not-used"),
    ];
    let (mock, recorded) = recording_mock(&server, case.status, &headers, body.as_bytes());

    let outcome = run(flavour, &Settings::new(server.base_url()), case.op.clone());

    let mut expected = case.expected.clone();
    expected["request_id"] = json!(request_id);
    let fields = outcome.unwrap_or_else(|error| panic!("{context}: {error}"));
    assert_eq!(fields, expected, "{context}");
    assert_eq!(mock.calls(), 1, "{context}");

    let request = last_request(&recorded);
    assert_eq!(request.method, case.method, "{context}");
    assert_eq!(request.path, case.path, "{context}");
    assert_eq!(request.query.as_deref(), case.query, "{context}");
    check_headers(&request, case.lifecycle, &context);

    match &case.body {
        Some(body) => {
            assert_eq!(request.json(), *body, "{context}");
            let text = String::from_utf8_lossy(&request.body);
            assert!(!text.contains("null"), "{context}: {text}");
        }
        None => assert!(
            request.body.is_empty(),
            "{context}: body {:?}",
            request.body
        ),
    }
}

fn check_all(cases: &[WireCase]) {
    for flavour in Flavour::ALL {
        for case in cases {
            check_case(case, flavour);
        }
    }
}

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

fn key_list_case(
    algorithm: Option<Algorithm>,
    status: Option<KeyStatus>,
    query: Option<&'static str>,
) -> WireCase {
    let keys = json!([
        key_info(2, "Kyber768", "active"),
        key_info(1, "Kyber768", "retired")
    ]);
    let op = if algorithm.is_none() && status.is_none() {
        Op::List
    } else {
        Op::ListFiltered { algorithm, status }
    };
    WireCase {
        op,
        method: "GET",
        path: "/api/v1/kms/keys",
        query,
        body: None,
        lifecycle: false,
        status: 200,
        data: json!({ "keys": keys, "total": 2 }),
        expected: json!({ "keys": keys, "total": 2 }),
    }
}

fn key_cases() -> Vec<WireCase> {
    vec![
        WireCase {
            op: Op::Generate {
                algorithm: Algorithm::Kyber768,
            },
            method: "POST",
            path: "/api/v1/kms/keys/generate",
            query: None,
            body: Some(json!({ "algorithm": "Kyber768" })),
            lifecycle: true,
            status: 201,
            data: key_info(1, "Kyber768", "active"),
            expected: key_info(1, "Kyber768", "active"),
        },
        key_list_case(None, None, None),
        key_list_case(
            Some(Algorithm::Dilithium3),
            None,
            Some("algorithm=Dilithium3"),
        ),
        key_list_case(None, Some(KeyStatus::Retired), Some("status=retired")),
        key_list_case(
            Some(Algorithm::Kyber768),
            Some(KeyStatus::Active),
            Some("algorithm=Kyber768&status=active"),
        ),
        WireCase {
            op: Op::GetActive {
                algorithm: Algorithm::Kyber768,
            },
            method: "GET",
            path: "/api/v1/kms/keys/active",
            query: Some("algorithm=Kyber768"),
            body: None,
            lifecycle: false,
            status: 200,
            data: key_info(2, "Kyber768", "active"),
            expected: key_info(2, "Kyber768", "active"),
        },
        WireCase {
            op: Op::Get {
                algorithm: Algorithm::Dilithium3,
                key_version: 3,
            },
            method: "GET",
            path: "/api/v1/kms/keys/3",
            query: Some("algorithm=Dilithium3"),
            body: None,
            lifecycle: false,
            status: 200,
            data: key_info(3, "Dilithium3", "archived"),
            expected: key_info(3, "Dilithium3", "archived"),
        },
        WireCase {
            op: Op::Rotate {
                algorithm: Algorithm::Kyber768,
            },
            method: "POST",
            path: "/api/v1/kms/keys/rotate",
            query: None,
            body: Some(json!({ "algorithm": "Kyber768" })),
            lifecycle: true,
            status: 200,
            data: json!({
                "key_version": 4,
                "algorithm": "Kyber768",
                "public_key": "/AA/",
                "old_key_version": 3,
            }),
            expected: json!({
                "key_version": 4,
                "algorithm": "Kyber768",
                "public_key": "/AA/",
                "old_key_version": 3,
            }),
        },
        WireCase {
            op: Op::Retire {
                algorithm: Algorithm::Kyber768,
                key_version: 3,
            },
            method: "POST",
            path: "/api/v1/kms/keys/retire",
            query: None,
            body: Some(json!({ "algorithm": "Kyber768", "key_version": 3 })),
            lifecycle: true,
            status: 200,
            data: key_info(3, "Kyber768", "retired"),
            expected: key_info(3, "Kyber768", "retired"),
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
fn key_requests() {
    check_all(&key_cases());
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

/// Runs an encrypt against a server answering `body` with `headers`, returning the
/// result's `request_id`.
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
fn ids_fresh_per_call() {
    for flavour in Flavour::ALL {
        let server = MockServer::start();
        let body = success_body(key_info(1, "Kyber768", "active"), Some("req-1"));
        let (mock, recorded) = recording_mock(&server, 200, &[], body.to_string().as_bytes());
        let generate = Op::Generate {
            algorithm: Algorithm::Kyber768,
        };

        let outcomes = run_many(
            flavour,
            &Settings::new(server.base_url()),
            vec![generate.clone(), generate],
        );
        assert!(outcomes.iter().all(Result::is_ok), "{flavour:?}");
        assert_eq!(mock.calls(), 2, "{flavour:?}");

        let requests = recorded.lock().unwrap().clone();
        let first = requests.first().unwrap();
        let second = requests.last().unwrap();
        assert_ne!(
            first.header("x-request-id"),
            second.header("x-request-id"),
            "{flavour:?}"
        );
        assert_ne!(
            first.header("idempotency-key"),
            second.header("idempotency-key"),
            "{flavour:?}"
        );
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
