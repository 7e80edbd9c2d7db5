//! Secrets never reach logs or `Debug` output: the API key, a plaintext, a shared secret and
//! a symmetric key, in their text, base64, hex and byte-list forms.

use httpmock::MockServer;
use qpher_core::ops::{DecapsulateResult, DecryptResult, EncapsulateResult, UnwrapResult};
use qpher_core::{CallIds, Config, LocalEnvelope};
use qpher_tests::{
    Canary, Capture, Flavour, Op, Settings, b64, capture_tracing, error_body, recording_mock, run,
    run_many, secret_forms, success_body,
};
use qpher_types::{
    Algorithm, EncapsulateResponse, EncryptRequest, HashAlgorithm, KeyStatus, SecretBytes,
    WrapRequest,
};
use serde_json::{Value, json};

/// Asserts that no form of any canary secret occurs in `text`.
fn assert_no_secrets(text: &str, context: &str) {
    for (label, secret) in Canary::all() {
        for form in secret_forms(secret) {
            assert!(
                !text.contains(&form),
                "{context}: the {label} appears as {form:?} in:\n{text}"
            );
        }
    }
}

fn key_info() -> Value {
    json!({
        "key_version": 1,
        "algorithm": "Kyber768",
        "status": "active",
        "public_key": "AAEC",
        "created_at": "2026-01-01T00:00:00Z",
    })
}

/// Mounts a success response for every endpoint, with the canary secrets in the responses
/// that carry secrets.
fn mount_canary_routes(server: &MockServer) {
    let shared_secret = b64(Canary::SHARED_SECRET);
    let routes = [
        (
            "/api/v1/kem/encrypt",
            json!({ "ciphertext": "AAEC", "key_version": 1 }),
        ),
        (
            "/api/v1/kem/decrypt",
            json!({ "plaintext": b64(Canary::PLAINTEXT), "key_version": 1 }),
        ),
        (
            "/api/v1/kem/encapsulate",
            json!({ "kem_ciphertext": "AAEC", "shared_secret": shared_secret, "key_version": 1 }),
        ),
        (
            "/api/v1/kem/decapsulate",
            json!({ "shared_secret": shared_secret, "key_version": 1 }),
        ),
        (
            "/api/v1/kem/key/wrap",
            json!({ "wrapped_key": "AAEC", "key_version": 1 }),
        ),
        (
            "/api/v1/kem/key/unwrap",
            json!({ "symmetric_key": b64(Canary::SYMMETRIC_KEY), "key_version": 1 }),
        ),
        (
            "/api/v1/signature/sign",
            json!({ "signature": "AAEC", "key_version": 1 }),
        ),
        (
            "/api/v1/signature/verify",
            json!({ "valid": true, "key_version": 1 }),
        ),
        (
            "/api/v1/signature/sign-hash",
            json!({ "signature": "AAEC", "key_version": 1 }),
        ),
        (
            "/api/v1/signature/verify-hash",
            json!({ "valid": true, "key_version": 1 }),
        ),
        ("/api/v1/kms/keys/generate", key_info()),
        ("/api/v1/kms/keys/active", key_info()),
        ("/api/v1/kms/keys/1", key_info()),
        ("/api/v1/kms/keys/retire", key_info()),
        (
            "/api/v1/kms/keys/rotate",
            json!({ "key_version": 2, "algorithm": "Kyber768", "public_key": "AAEC", "old_key_version": 1 }),
        ),
        (
            "/api/v1/kms/keys",
            json!({ "keys": [key_info()], "total": 1 }),
        ),
    ];
    for (path, data) in routes {
        let body = success_body(data, Some("req-canary")).to_string();
        server.mock(|when, then| {
            when.path(path);
            then.status(200).body(body);
        });
    }
}

/// Returns every operation, with the canary secrets as the secret arguments.
fn canary_ops() -> Vec<Op> {
    vec![
        Op::Encrypt {
            plaintext: Canary::PLAINTEXT.to_vec(),
            key_version: 1,
        },
        Op::EncryptDeterministic {
            plaintext: Canary::PLAINTEXT.to_vec(),
            key_version: 1,
            salt: vec![7; 32],
        },
        Op::Decrypt {
            ciphertext: vec![1, 2, 3],
            key_version: 1,
        },
        Op::Encapsulate { key_version: 1 },
        Op::Decapsulate {
            kem_ciphertext: vec![0, 1, 2],
            key_version: 1,
        },
        Op::Wrap {
            symmetric_key: Canary::SYMMETRIC_KEY.to_vec(),
            key_version: 1,
        },
        Op::Unwrap {
            wrapped_key: vec![0, 1, 2],
            key_version: 1,
        },
        Op::EncryptLocal {
            plaintext: Canary::PLAINTEXT.to_vec(),
            key_version: 1,
        },
        Op::Sign {
            message: b"message".to_vec(),
            key_version: 1,
        },
        Op::Verify {
            message: b"message".to_vec(),
            signature: vec![0, 1, 2],
            key_version: 1,
        },
        Op::SignHash {
            hash: vec![9; 32],
            hash_algorithm: HashAlgorithm::Sha256,
            key_version: 1,
        },
        Op::VerifyHash {
            hash: vec![9; 32],
            hash_algorithm: HashAlgorithm::Sha256,
            signature: vec![0, 1, 2],
            key_version: 1,
        },
        Op::Generate {
            algorithm: Algorithm::Kyber768,
        },
        Op::List,
        Op::ListFiltered {
            algorithm: Some(Algorithm::Kyber768),
            status: Some(KeyStatus::Active),
        },
        Op::GetActive {
            algorithm: Algorithm::Kyber768,
        },
        Op::Get {
            algorithm: Algorithm::Kyber768,
            key_version: 1,
        },
        Op::Rotate {
            algorithm: Algorithm::Kyber768,
        },
        Op::Retire {
            algorithm: Algorithm::Kyber768,
            key_version: 1,
        },
    ]
}

/// Runs encrypt_local and returns its envelope, for decrypt_local.
fn local_envelope(flavour: Flavour, settings: &Settings) -> LocalEnvelope {
    let op = Op::EncryptLocal {
        plaintext: Canary::PLAINTEXT.to_vec(),
        key_version: 1,
    };
    let fields = run(flavour, settings, op).unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
    let bytes = fields["bytes"].as_str().expect("envelope bytes");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, bytes)
        .expect("base64 envelope");
    LocalEnvelope::from_bytes(&bytes, 1, Algorithm::Kyber768).expect("a valid envelope")
}

/// Runs every operation of both clients with the canary secrets, against a server that
/// succeeds and one that keeps failing with 503 (so the retry logs run too), while
/// `capture` records.
fn run_every_operation(capture: &Capture) {
    let server = MockServer::start();
    mount_canary_routes(&server);
    let settings = Settings::new(server.base_url()).api_key(Canary::API_KEY);

    let failing = MockServer::start();
    let body = error_body("ERR_SERVICE_001", "unavailable", "req-down").to_string();
    let (_mock, _recorded) = recording_mock(&failing, 503, &[], body.as_bytes());
    let failing_settings = Settings::new(failing.base_url()).api_key(Canary::API_KEY);

    for flavour in Flavour::ALL {
        let ops = canary_ops();
        let names: Vec<&str> = ops.iter().map(Op::name).collect();
        let outcomes = run_many(flavour, &settings, ops.clone());
        for (name, outcome) in names.iter().zip(&outcomes) {
            assert!(outcome.is_ok(), "{flavour:?} {name}: {outcome:?}");
        }

        let envelope = local_envelope(flavour, &settings);
        let plaintext = run(flavour, &settings, Op::DecryptLocal { envelope })
            .unwrap_or_else(|error| panic!("{flavour:?} decrypt_local: {error}"));
        assert_eq!(
            plaintext["plaintext"],
            b64(Canary::PLAINTEXT),
            "{flavour:?}"
        );

        let failures = run_many(flavour, &failing_settings, ops);
        assert!(failures.iter().all(Result::is_err), "{flavour:?}");
        assert_eq!(
            failing_settings.delays().len(),
            3 * names.len(),
            "{flavour:?}"
        );
    }

    let text = capture.tracing_text();
    for name in ["kem.encrypt", "kem.unwrap", "keys.rotate", "qpher.attempt"] {
        assert!(
            text.contains(name),
            "no span or event mentions {name}:\n{text}"
        );
    }
    assert!(
        text.contains("request_id="),
        "no span records a request id:\n{text}"
    );
}

#[test]
fn tracing_hides_secrets() {
    let capture = capture_tracing();
    run_every_operation(&capture);

    assert_no_secrets(&capture.tracing_text(), "tracing output");
}

#[test]
fn log_records_hide_secrets() {
    let capture = capture_tracing();
    run_every_operation(&capture);

    let text = capture.log_text();
    assert!(
        text.contains("ureq"),
        "no log record from the HTTP library:\n{text}"
    );
    assert_no_secrets(&text, "log records");
}

/// Returns the `Debug` and alternate `Debug` forms of `value`.
fn debug_forms(value: &impl std::fmt::Debug) -> String {
    format!("{value:?}\n{value:#?}")
}

#[test]
fn debug_hides_secrets() {
    let mut texts = Vec::new();
    let base_url = "http://127.0.0.1:9";

    let builder = qpher_async::Client::builder()
        .api_key(Canary::API_KEY)
        .base_url(base_url);
    texts.push(("async builder", debug_forms(&builder)));
    let client = builder.build().expect("an async client");
    texts.push(("async client", debug_forms(&client)));
    texts.push(("async kem", debug_forms(&client.kem())));
    texts.push(("async signatures", debug_forms(&client.signatures())));
    texts.push(("async keys", debug_forms(&client.keys())));

    let builder = qpher_blocking::Client::builder()
        .api_key(Canary::API_KEY)
        .base_url(base_url);
    texts.push(("blocking builder", debug_forms(&builder)));
    let client = builder.build().expect("a blocking client");
    texts.push(("blocking client", debug_forms(&client)));
    texts.push(("blocking kem", debug_forms(&client.kem())));
    texts.push(("blocking signatures", debug_forms(&client.signatures())));
    texts.push(("blocking keys", debug_forms(&client.keys())));

    let config_builder = Config::builder()
        .api_key(Canary::API_KEY)
        .base_url(base_url);
    texts.push(("config builder", debug_forms(&config_builder)));
    let config = config_builder
        .build_with_env(|_| None)
        .expect("a valid config");
    texts.push(("config", debug_forms(&config)));
    texts.push(("api key", debug_forms(config.api_key())));

    let plaintext = SecretBytes::from(Canary::PLAINTEXT);
    let shared_secret = SecretBytes::from(Canary::SHARED_SECRET);
    let symmetric_key = SecretBytes::from(Canary::SYMMETRIC_KEY);
    let decrypted = DecryptResult {
        plaintext: plaintext.clone(),
        key_version: 1,
        algorithm: Algorithm::Kyber768,
        request_id: Some("req-1".to_owned()),
    };
    texts.push(("decrypt result", debug_forms(&decrypted)));
    let encapsulated = EncapsulateResult {
        kem_ciphertext: vec![1, 2, 3],
        shared_secret: shared_secret.clone(),
        key_version: 1,
        algorithm: Algorithm::Kyber768,
        request_id: None,
    };
    texts.push(("encapsulate result", debug_forms(&encapsulated)));
    let decapsulated = DecapsulateResult {
        shared_secret: shared_secret.clone(),
        key_version: 1,
        algorithm: Algorithm::Kyber768,
        request_id: None,
    };
    texts.push(("decapsulate result", debug_forms(&decapsulated)));
    let unwrapped = UnwrapResult {
        symmetric_key: symmetric_key.clone(),
        key_version: 1,
        algorithm: Algorithm::Kyber768,
        request_id: None,
    };
    texts.push(("unwrap result", debug_forms(&unwrapped)));

    let encrypt_request = EncryptRequest {
        plaintext: plaintext.clone(),
        key_version: 1,
        algorithm: None,
        mode: None,
        salt: None,
    };
    texts.push(("encrypt request", debug_forms(&encrypt_request)));
    let wrap_request = WrapRequest {
        symmetric_key,
        key_version: 1,
        algorithm: None,
    };
    texts.push(("wrap request", debug_forms(&wrap_request)));
    let encapsulate_response = EncapsulateResponse {
        kem_ciphertext: vec![1, 2, 3],
        shared_secret,
        key_version: 1,
        algorithm: None,
    };
    texts.push(("encapsulate response", debug_forms(&encapsulate_response)));

    for flavour in Flavour::ALL {
        let server = MockServer::start();
        mount_canary_routes(&server);
        let settings = Settings::new(server.base_url()).api_key(Canary::API_KEY);
        let envelope = local_envelope(flavour, &settings);
        texts.push(("local envelope", debug_forms(&envelope)));

        let rejected = MockServer::start();
        let body = error_body("ERR_AUTH_001", "Invalid API key", "req-auth").to_string();
        let (_mock, _recorded) = recording_mock(&rejected, 401, &[], body.as_bytes());
        let settings = Settings::new(rejected.base_url()).api_key(Canary::API_KEY);
        let op = Op::Encrypt {
            plaintext: Canary::PLAINTEXT.to_vec(),
            key_version: 1,
        };
        let error = run(flavour, &settings, op).expect_err("401 is an error");
        texts.push(("response error", debug_forms(&error)));
        texts.push(("response error display", error.to_string()));

        let refused = Settings::new(qpher_tests::refused_url())
            .api_key(Canary::API_KEY)
            .max_retries(0);
        let op = Op::Wrap {
            symmetric_key: Canary::SYMMETRIC_KEY.to_vec(),
            key_version: 1,
        };
        let error = run(flavour, &refused, op).expect_err("nothing listens");
        texts.push(("transport error", debug_forms(&error)));
        texts.push(("transport error display", error.to_string()));
    }

    assert_eq!(
        format!("{plaintext:?}"),
        "[REDACTED]",
        "the check relies on SecretBytes printing a placeholder"
    );
    for (label, text) in &texts {
        assert_no_secrets(text, label);
    }
}

#[test]
fn call_debug_hides_body() {
    let config = Config::builder()
        .api_key(Canary::API_KEY)
        .base_url("http://127.0.0.1:9")
        .build_with_env(|_| None)
        .expect("a valid config");
    let request = EncryptRequest {
        plaintext: SecretBytes::from(Canary::PLAINTEXT),
        key_version: 1,
        algorithm: None,
        mode: None,
        salt: None,
    };
    let call = qpher_core::Call::new(&config, request, CallIds::from_random([5; 32]))
        .expect("a valid call");

    assert_no_secrets(&debug_forms(&call), "call");
}
