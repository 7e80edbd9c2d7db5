//! End-to-end error paths: what both clients return when `qpher-server`, running in process
//! on 127.0.0.1, rejects a request, and what they reject before sending.
//!
//! Each test starts its own server, and each flavour works as a tenant of its own.

mod common;

use std::time::Duration;

use common::{
    assert_service_error, async_client, blocking_client, bytes, call, call_error, flip_bit,
    generate, new_tenant, settings, start_persistent, start_server, version,
};
use qpher_core::{ErrorKind, LocalEnvelope};
use qpher_server::{Admin, BackgroundServer, ServerConfig};
use qpher_tests::{Error, Flavour, Op, Settings};
use qpher_types::{Algorithm, EncryptMode, EncryptRequest, HashAlgorithm, KeyStatus, SecretBytes};

/// The service's plaintext and message limit for server-side operations.
const MAX_PLAINTEXT_LEN: usize = 1024 * 1024;
/// A key version that no test generates.
const UNKNOWN_VERSION: u32 = 99;

/// Asserts an error raised before sending: no status and no request id.
fn assert_rejected_before_sending(context: &str, error: &Error) {
    assert_eq!(
        error.kind(),
        ErrorKind::InvalidArgument,
        "{context}: kind of {error}"
    );
    assert_eq!(
        error.error_code().as_str(),
        "ERR_INVALID_001",
        "{context}: code of {error}"
    );
    assert_eq!(error.status_code(), None, "{context}: status of {error}");
    assert_eq!(error.request_id(), None, "{context}: request id of {error}");
}

/// Encrypts `plaintext` under `key_version` and returns the ciphertext.
fn encrypt(flavour: Flavour, settings: &Settings, plaintext: &[u8], key_version: u32) -> Vec<u8> {
    let encrypted = call(
        flavour,
        settings,
        Op::Encrypt {
            plaintext: plaintext.to_vec(),
            key_version,
        },
    );
    bytes(&encrypted, "ciphertext")
}

/// Signs `message` with `key_version` and returns the signature.
fn sign(flavour: Flavour, settings: &Settings, message: &[u8], key_version: u32) -> Vec<u8> {
    let signed = call(
        flavour,
        settings,
        Op::Sign {
            message: message.to_vec(),
            key_version,
        },
    );
    bytes(&signed, "signature")
}

#[test]
fn unknown_key_version() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let kem_version = generate(flavour, &settings, Algorithm::Kyber768);
        let signature_version = generate(flavour, &settings, Algorithm::Dilithium3);
        let ciphertext = encrypt(flavour, &settings, b"data", kem_version);
        let signature = sign(flavour, &settings, b"message", signature_version);

        let cases = [
            (
                Op::Encrypt {
                    plaintext: b"data".to_vec(),
                    key_version: UNKNOWN_VERSION,
                },
                "ERR_KEM_005",
            ),
            (
                Op::Decrypt {
                    ciphertext,
                    key_version: UNKNOWN_VERSION,
                },
                "ERR_KEM_005",
            ),
            (
                Op::Encapsulate {
                    key_version: UNKNOWN_VERSION,
                },
                "ERR_KEM_005",
            ),
            (
                Op::Wrap {
                    symmetric_key: vec![1; 32],
                    key_version: UNKNOWN_VERSION,
                },
                "ERR_KEM_005",
            ),
            (
                Op::Sign {
                    message: b"message".to_vec(),
                    key_version: UNKNOWN_VERSION,
                },
                "ERR_SIG_003",
            ),
            (
                Op::Verify {
                    message: b"message".to_vec(),
                    signature,
                    key_version: UNKNOWN_VERSION,
                },
                "ERR_SIG_003",
            ),
            (
                Op::Get {
                    algorithm: Algorithm::Kyber768,
                    key_version: UNKNOWN_VERSION,
                },
                "ERR_NOT_FOUND_001",
            ),
            (
                Op::Retire {
                    algorithm: Algorithm::Dilithium3,
                    key_version: UNKNOWN_VERSION,
                },
                "ERR_NOT_FOUND_001",
            ),
        ];
        for (op, code) in cases {
            let context = format!("{flavour:?} {}", op.name());
            let error = call_error(flavour, &settings, op);
            assert_service_error(&context, &error, ErrorKind::NotFound, code, 404);
        }
    }
}

#[test]
fn retired_key_encrypt() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let old_version = generate(flavour, &settings, Algorithm::Kyber768);
        call(
            flavour,
            &settings,
            Op::Rotate {
                algorithm: Algorithm::Kyber768,
            },
        );

        let cases = [
            Op::Encrypt {
                plaintext: b"data".to_vec(),
                key_version: old_version,
            },
            Op::EncryptDeterministic {
                plaintext: b"data".to_vec(),
                key_version: old_version,
                salt: vec![3; 32],
            },
            Op::Encapsulate {
                key_version: old_version,
            },
            Op::Wrap {
                symmetric_key: vec![1; 32],
                key_version: old_version,
            },
            Op::EncryptLocal {
                plaintext: b"data".to_vec(),
                key_version: old_version,
            },
        ];
        for op in cases {
            let context = format!("{flavour:?} {} with a retired key", op.name());
            let error = call_error(flavour, &settings, op);
            assert_service_error(
                &context,
                &error,
                ErrorKind::NotFound,
                "ERR_NOT_FOUND_001",
                404,
            );
            assert!(
                error.message().contains("retired"),
                "{context}: message {:?}",
                error.message()
            );
        }
    }
}

#[test]
fn retired_key_sign() {
    let server = start_server();
    let digest = [0x42; 32];

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Dilithium3);
        let signature = sign(flavour, &settings, b"signed while active", key_version);
        call(
            flavour,
            &settings,
            Op::Retire {
                algorithm: Algorithm::Dilithium3,
                key_version,
            },
        );

        let cases = [
            Op::Sign {
                message: b"message".to_vec(),
                key_version,
            },
            Op::SignHash {
                hash: digest.to_vec(),
                hash_algorithm: HashAlgorithm::Sha256,
                key_version,
            },
        ];
        for op in cases {
            let context = format!("{flavour:?} {} with a retired key", op.name());
            let error = call_error(flavour, &settings, op);
            assert_service_error(
                &context,
                &error,
                ErrorKind::NotFound,
                "ERR_NOT_FOUND_001",
                404,
            );
            assert!(
                error.message().contains("retired"),
                "{context}: message {:?}",
                error.message()
            );
        }

        let verified = call(
            flavour,
            &settings,
            Op::Verify {
                message: b"signed while active".to_vec(),
                signature,
                key_version,
            },
        );
        assert_eq!(
            verified["valid"], true,
            "{flavour:?}: a retired key still verifies"
        );
    }
}

#[test]
fn wrong_api_key() {
    let server = start_server();
    let settings = settings(&server, "qph_not_a_key_of_this_server_0001");
    let cases = [
        Op::List,
        Op::Generate {
            algorithm: Algorithm::Kyber768,
        },
        Op::Encrypt {
            plaintext: b"data".to_vec(),
            key_version: 1,
        },
    ];

    for flavour in Flavour::ALL {
        for op in cases.clone() {
            let context = format!("{flavour:?} {}", op.name());
            let error = call_error(flavour, &settings, op);
            assert_service_error(
                &context,
                &error,
                ErrorKind::Authentication,
                "ERR_AUTH_001",
                401,
            );
        }
    }
}

#[test]
fn plaintext_over_limit() {
    let server = start_server();
    let oversized = vec![0x61; MAX_PLAINTEXT_LEN + 1];

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let kem_version = generate(flavour, &settings, Algorithm::Kyber768);
        let signature_version = generate(flavour, &settings, Algorithm::Dilithium3);

        let cases = [
            (
                Op::Encrypt {
                    plaintext: oversized.clone(),
                    key_version: kem_version,
                },
                "ERR_KEM_001",
            ),
            (
                Op::Sign {
                    message: oversized.clone(),
                    key_version: signature_version,
                },
                "ERR_SIG_001",
            ),
        ];
        for (op, code) in cases {
            let context = format!("{flavour:?} {} of 1 MiB + 1 byte", op.name());
            let error = call_error(flavour, &settings, op);
            assert_service_error(&context, &error, ErrorKind::Validation, code, 400);
        }
    }
}

#[test]
fn deterministic_without_salt() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let api_key = server
            .create_api_key()
            .expect("the server creates a tenant");
        let settings = settings(&server, &api_key);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        // `encrypt_deterministic` takes a salt argument, so a request without one goes
        // through `execute`.
        let request = EncryptRequest {
            plaintext: SecretBytes::new(b"data".to_vec()),
            key_version,
            algorithm: None,
            mode: Some(EncryptMode::Deterministic),
            salt: None,
        };
        let outcome = match flavour {
            Flavour::Async => {
                let client = async_client(&server, &api_key);
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime starts");
                runtime.block_on(client.execute(request)).map(|_| ())
            }
            Flavour::Blocking => {
                let client = blocking_client(&server, &api_key);
                client.execute(request).map(|_| ())
            }
        };
        let error = outcome.expect_err("deterministic mode without a salt was accepted");
        assert_rejected_before_sending(&format!("{flavour:?} no salt"), &error);

        for salt in [Vec::new(), vec![9; 31]] {
            let context = format!("{flavour:?} {}-byte salt", salt.len());
            let error = call_error(
                flavour,
                &settings,
                Op::EncryptDeterministic {
                    plaintext: b"data".to_vec(),
                    key_version,
                    salt,
                },
            );
            assert_rejected_before_sending(&context, &error);
        }
    }
}

#[test]
fn invalid_arguments_not_sent() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Dilithium3);

        let cases = [
            Op::Encrypt {
                plaintext: b"data".to_vec(),
                key_version: 0,
            },
            Op::Get {
                algorithm: Algorithm::Kyber768,
                key_version: 0,
            },
            // A hex digest where the raw 32 bytes belong.
            Op::SignHash {
                hash: vec![b'a'; 64],
                hash_algorithm: HashAlgorithm::Sha256,
                key_version,
            },
            // A KEM algorithm on a signature operation.
            Op::WithAlgorithm {
                algorithm: Algorithm::Kyber768,
                op: Box::new(Op::Sign {
                    message: b"message".to_vec(),
                    key_version,
                }),
            },
        ];
        for op in cases {
            let context = format!("{flavour:?} {}", op.name());
            let error = call_error(flavour, &settings, op);
            assert_rejected_before_sending(&context, &error);
        }
    }
}

#[test]
fn tampered_ciphertext() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);
        let ciphertext = encrypt(flavour, &settings, b"authenticated data", key_version);
        let last = ciphertext.len() - 1;

        let cases = [
            ("KEM ciphertext", flip_bit(&ciphertext, 10)),
            ("AES-GCM tag", flip_bit(&ciphertext, last)),
            ("truncated", ciphertext[..last].to_vec()),
        ];
        for (case, tampered) in cases {
            let context = format!("{flavour:?} decrypt, {case}");
            let error = call_error(
                flavour,
                &settings,
                Op::Decrypt {
                    ciphertext: tampered,
                    key_version,
                },
            );
            assert_service_error(&context, &error, ErrorKind::Validation, "ERR_KEM_003", 400);
        }
    }
}

#[test]
fn tampered_wrapped_key() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);
        let wrapped = call(
            flavour,
            &settings,
            Op::Wrap {
                symmetric_key: vec![5; 32],
                key_version,
            },
        );
        let wrapped_key = bytes(&wrapped, "wrapped_key");
        let last = wrapped_key.len() - 1;

        let error = call_error(
            flavour,
            &settings,
            Op::Unwrap {
                wrapped_key: flip_bit(&wrapped_key, last),
                key_version,
            },
        );
        assert_service_error(
            &format!("{flavour:?} unwrap"),
            &error,
            ErrorKind::Validation,
            "ERR_KEM_011",
            400,
        );
    }
}

#[test]
fn tampered_local_envelope() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);
        let sealed = call(
            flavour,
            &settings,
            Op::EncryptLocal {
                plaintext: b"sealed on the client".to_vec(),
                key_version,
            },
        );
        let mut envelope =
            LocalEnvelope::from_bytes(&bytes(&sealed, "bytes"), key_version, Algorithm::Kyber768)
                .expect("the envelope parses");
        let last = envelope.aes_ciphertext.len() - 1;
        envelope.aes_ciphertext = flip_bit(&envelope.aes_ciphertext, last);

        // The service decapsulates, then AES-GCM fails on this machine.
        let error = call_error(flavour, &settings, Op::DecryptLocal { envelope });
        assert_eq!(
            error.kind(),
            ErrorKind::InvalidArgument,
            "{flavour:?}: kind of {error}"
        );
        assert_eq!(
            error.error_code().as_str(),
            "ERR_INVALID_001",
            "{flavour:?}: code of {error}"
        );
        assert_eq!(error.status_code(), None, "{flavour:?}: status of {error}");
    }
}

#[test]
fn wrap_invalid_length() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        for len in [0, 15, 20, 33, 65] {
            let context = format!("{flavour:?} wrap of {len} bytes");
            let error = call_error(
                flavour,
                &settings,
                Op::Wrap {
                    symmetric_key: vec![1; len],
                    key_version,
                },
            );
            assert_service_error(&context, &error, ErrorKind::Validation, "ERR_KEM_010", 400);
        }
    }
}

#[test]
fn generate_while_active() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        generate(flavour, &settings, Algorithm::Kyber768);

        let error = call_error(
            flavour,
            &settings,
            Op::Generate {
                algorithm: Algorithm::Kyber768,
            },
        );
        assert_service_error(
            &format!("{flavour:?} second generate"),
            &error,
            ErrorKind::Conflict,
            "ERR_CONFLICT_001",
            409,
        );

        let listed = call(flavour, &settings, Op::List);
        assert_eq!(listed["total"], 1, "{flavour:?}: keys after the conflict");
    }
}

#[test]
fn rotate_without_active() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);

        let error = call_error(
            flavour,
            &settings,
            Op::Rotate {
                algorithm: Algorithm::Kyber768,
            },
        );
        assert_service_error(
            &format!("{flavour:?} rotate"),
            &error,
            ErrorKind::NotFound,
            "ERR_NOT_FOUND_001",
            404,
        );
    }
}

#[test]
fn tenant_isolation() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let owner = new_tenant(&server);
        let other = new_tenant(&server);
        let kem_version = generate(flavour, &owner, Algorithm::Kyber768);
        let signature_version = generate(flavour, &owner, Algorithm::Dilithium3);
        let ciphertext = encrypt(flavour, &owner, b"owner's data", kem_version);
        let signature = sign(flavour, &owner, b"owner's message", signature_version);

        let cases = [
            (
                Op::Decrypt {
                    ciphertext: ciphertext.clone(),
                    key_version: kem_version,
                },
                "ERR_KEM_005",
            ),
            (
                Op::Encrypt {
                    plaintext: b"data".to_vec(),
                    key_version: kem_version,
                },
                "ERR_KEM_005",
            ),
            (
                Op::Verify {
                    message: b"owner's message".to_vec(),
                    signature,
                    key_version: signature_version,
                },
                "ERR_SIG_003",
            ),
            (
                Op::Get {
                    algorithm: Algorithm::Kyber768,
                    key_version: kem_version,
                },
                "ERR_NOT_FOUND_001",
            ),
            (
                Op::GetActive {
                    algorithm: Algorithm::Dilithium3,
                },
                "ERR_NOT_FOUND_001",
            ),
            (
                Op::Retire {
                    algorithm: Algorithm::Kyber768,
                    key_version: kem_version,
                },
                "ERR_NOT_FOUND_001",
            ),
            (
                Op::Rotate {
                    algorithm: Algorithm::Kyber768,
                },
                "ERR_NOT_FOUND_001",
            ),
        ];
        for (op, code) in cases {
            let context = format!("{flavour:?} {} by another tenant", op.name());
            let error = call_error(flavour, &other, op);
            assert_service_error(&context, &error, ErrorKind::NotFound, code, 404);
        }

        let listed = call(flavour, &other, Op::List);
        assert_eq!(listed["total"], 0, "{flavour:?}: other tenant's list");

        // Versions count per tenant, so the other tenant's first key is also version 1,
        // but it cannot open the owner's ciphertext.
        let other_version = generate(flavour, &other, Algorithm::Kyber768);
        assert_eq!(other_version, kem_version, "{flavour:?}");
        let error = call_error(
            flavour,
            &other,
            Op::Decrypt {
                ciphertext: ciphertext.clone(),
                key_version: other_version,
            },
        );
        assert_service_error(
            &format!("{flavour:?} decrypt with the other tenant's key"),
            &error,
            ErrorKind::Validation,
            "ERR_KEM_003",
            400,
        );

        let active = call(
            flavour,
            &owner,
            Op::GetActive {
                algorithm: Algorithm::Kyber768,
            },
        );
        assert_eq!(
            version(&active, "key_version"),
            kem_version,
            "{flavour:?}: owner's key after the other tenant's calls"
        );
        assert_eq!(active["status"], "active", "{flavour:?}");
    }
}

#[test]
fn unsupported_algorithm() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        let cases = [
            (
                Op::Generate {
                    algorithm: Algorithm::XWing,
                },
                "ERR_KMS_001",
            ),
            (
                Op::WithAlgorithm {
                    algorithm: Algorithm::XWing,
                    op: Box::new(Op::Encrypt {
                        plaintext: b"data".to_vec(),
                        key_version,
                    }),
                },
                "ERR_KEM_001",
            ),
        ];
        for (op, code) in cases {
            let context = format!("{flavour:?} {} with X-Wing", op.name());
            let error = call_error(flavour, &settings, op);
            assert_service_error(&context, &error, ErrorKind::Validation, code, 400);
        }
    }
}

/// Starts a server that allows each tenant `rate` requests per second, with a burst of
/// one request when `rate` is at most 1.
fn start_rate_limited_server(rate: f64) -> BackgroundServer {
    let address = "127.0.0.1:0".parse().expect("a valid socket address");
    ServerConfig::in_memory()
        .listen(address)
        .rate_limit(rate)
        .start_background()
        .expect("the server starts")
}

#[test]
fn rate_limit_retry_after() {
    // One request per 5 s, so every retry below comes long before the next token.
    let server = start_rate_limited_server(0.2);

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        call(flavour, &settings, Op::List);

        // The harness records each retry delay instead of sleeping.
        let error = call_error(flavour, &settings, Op::List);
        let context = format!("{flavour:?} list over the limit");
        assert_service_error(
            &context,
            &error,
            ErrorKind::RateLimit,
            "ERR_RATE_LIMIT_001",
            429,
        );
        assert_eq!(
            error.attempts(),
            4,
            "{context}: first attempt and 3 retries"
        );

        // The server rounds the wait for the next token up to whole seconds: 5 s, or 4 s
        // when this machine stalled for over a second between the two calls.
        let retry_after = error
            .retry_after()
            .unwrap_or_else(|| panic!("{context}: no Retry-After in {error:?}"));
        assert!(
            (Duration::from_secs(4)..=Duration::from_secs(5)).contains(&retry_after),
            "{context}: Retry-After {retry_after:?}"
        );

        // Retry-After only falls over time, so every delay must be at least the last one.
        let delays = settings.delays();
        assert_eq!(delays.len(), 3, "{context}: {delays:?}");
        assert!(
            delays.iter().all(|delay| *delay >= retry_after),
            "{context}: a delay is shorter than Retry-After: {delays:?}"
        );
    }
}

#[test]
fn rate_limit_recovers() {
    // One request per second, so the retry waits about 1 s.
    let server = start_rate_limited_server(1.0);

    for flavour in Flavour::ALL {
        let api_key = server
            .create_api_key()
            .expect("the server creates a tenant");

        // Real clients sleep for Retry-After, so the second call succeeds on a retry.
        let (first, second) = match flavour {
            Flavour::Async => {
                let client = async_client(&server, &api_key);
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime starts");
                runtime.block_on(async {
                    let first = client.keys().list().await;
                    let second = client.keys().list().await;
                    (first.map(|list| list.total), second.map(|list| list.total))
                })
            }
            Flavour::Blocking => {
                let client = blocking_client(&server, &api_key);
                let first = client.keys().list();
                let second = client.keys().list();
                (first.map(|list| list.total), second.map(|list| list.total))
            }
        };

        assert_eq!(
            first.map_err(|error| error.to_string()),
            Ok(0),
            "{flavour:?}: first call"
        );
        assert_eq!(
            second.map_err(|error| error.to_string()),
            Ok(0),
            "{flavour:?}: call after Retry-After"
        );
    }
}

#[test]
fn revoked_api_key() {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let server = start_persistent(data_dir.path());
    let admin = Admin::open(data_dir.path(), None).expect("the admin opens the data directory");

    for flavour in Flavour::ALL {
        let (tenant_id, api_key) = admin
            .create_api_key("revoked")
            .expect("the admin creates a tenant");
        let settings = settings(&server, &api_key);
        call(flavour, &settings, Op::List);

        let key_id = admin
            .api_keys()
            .expect("the admin lists API keys")
            .into_iter()
            .find(|info| info.tenant_id == tenant_id)
            .expect("the new tenant's API key is listed")
            .id;
        admin
            .revoke_api_key(key_id)
            .expect("the admin revokes the key");

        let error = call_error(flavour, &settings, Op::List);
        assert_service_error(
            &format!("{flavour:?} list with a revoked key"),
            &error,
            ErrorKind::Authentication,
            "ERR_AUTH_001",
            401,
        );
    }
}

#[test]
fn archived_key_rejected() {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let server = start_persistent(data_dir.path());
    let admin = Admin::open(data_dir.path(), None).expect("the admin opens the data directory");

    for flavour in Flavour::ALL {
        let (tenant_id, api_key) = admin
            .create_api_key("archived")
            .expect("the admin creates a tenant");
        let settings = settings(&server, &api_key);
        let old_version = generate(flavour, &settings, Algorithm::Kyber768);
        let ciphertext = encrypt(flavour, &settings, b"archived later", old_version);
        call(
            flavour,
            &settings,
            Op::Rotate {
                algorithm: Algorithm::Kyber768,
            },
        );
        admin
            .archive_key(Some(&tenant_id), &Algorithm::Kyber768, old_version)
            .expect("the admin archives the old version");

        let error = call_error(
            flavour,
            &settings,
            Op::Decrypt {
                ciphertext,
                key_version: old_version,
            },
        );
        let context = format!("{flavour:?} decrypt with an archived key");
        assert_service_error(
            &context,
            &error,
            ErrorKind::NotFound,
            "ERR_NOT_FOUND_001",
            404,
        );
        assert!(
            error.message().contains("archived"),
            "{context}: message {:?}",
            error.message()
        );

        let error = call_error(
            flavour,
            &settings,
            Op::Retire {
                algorithm: Algorithm::Kyber768,
                key_version: old_version,
            },
        );
        assert_service_error(
            &format!("{flavour:?} retire an archived key"),
            &error,
            ErrorKind::Conflict,
            "ERR_CONFLICT_001",
            409,
        );

        let fetched = call(
            flavour,
            &settings,
            Op::Get {
                algorithm: Algorithm::Kyber768,
                key_version: old_version,
            },
        );
        assert_eq!(fetched["status"], "archived", "{flavour:?} get");

        let listed = call(
            flavour,
            &settings,
            Op::ListFiltered {
                algorithm: None,
                status: Some(KeyStatus::Archived),
            },
        );
        assert_eq!(listed["total"], 1, "{flavour:?} list archived");
        assert_eq!(
            listed["keys"][0]["key_version"], old_version,
            "{flavour:?} list archived"
        );
    }
}
