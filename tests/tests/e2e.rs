//! End-to-end tests: every KEM, signature and key-management operation of both clients
//! against `qpher-server` in process on 127.0.0.1, with real ML-KEM-768 and ML-DSA-65.
//!
//! Each test starts its own server, and each flavour works as a tenant of its own, so the
//! two flavours start from the same empty state.

mod common;

use std::collections::HashSet;

use common::{
    assert_request_id, assert_service_error, async_client, blocking_client, bytes, call,
    call_error, flip_bit, generate, new_tenant, settings, start_persistent, start_server, version,
};
use qpher_core::{ErrorKind, LocalEnvelope};
use qpher_tests::{Flavour, Op};
use qpher_types::{Algorithm, HashAlgorithm, KeyStatus};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// ML-KEM-768 encapsulation key size (FIPS 203).
const KYBER768_PUBLIC_KEY_LEN: usize = 1184;
/// ML-KEM-768 ciphertext size (FIPS 203).
const KYBER768_CIPHERTEXT_LEN: usize = 1088;
/// ML-DSA-65 public key size (FIPS 204).
const DILITHIUM3_PUBLIC_KEY_LEN: usize = 1952;
/// ML-DSA-65 signature size (FIPS 204).
const DILITHIUM3_SIGNATURE_LEN: usize = 3309;
/// The service's plaintext limit for server-side encryption.
const MAX_PLAINTEXT_LEN: usize = 1024 * 1024;
/// Number of calls in flight at once in the concurrency tests.
const CONCURRENT_CALLS: usize = 32;

const MESSAGE: &[u8] = b"Invoice #12345: $1,000.00";
const TAMPERED_MESSAGE: &[u8] = b"Invoice #12345: $9,000.00";

fn kyber_op(op: Op) -> Op {
    Op::WithAlgorithm {
        algorithm: Algorithm::Kyber768,
        op: Box::new(op),
    }
}

#[test]
fn encrypt_round_trip() {
    let server = start_server();
    let plaintext = b"Hello, Quantum World!".to_vec();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        let encrypted = call(
            flavour,
            &settings,
            Op::Encrypt {
                plaintext: plaintext.clone(),
                key_version,
            },
        );
        assert_eq!(encrypted["key_version"], key_version, "{flavour:?}");
        assert_eq!(encrypted["algorithm"], "Kyber768", "{flavour:?}");
        assert_request_id(
            &format!("{flavour:?} encrypt"),
            encrypted["request_id"].as_str(),
        );
        let ciphertext = bytes(&encrypted, "ciphertext");
        assert!(ciphertext.len() > plaintext.len(), "{flavour:?}");

        let decrypted = call(
            flavour,
            &settings,
            Op::Decrypt {
                ciphertext,
                key_version,
            },
        );
        assert_eq!(bytes(&decrypted, "plaintext"), plaintext, "{flavour:?}");
        assert_eq!(decrypted["key_version"], key_version, "{flavour:?}");
        assert_eq!(decrypted["algorithm"], "Kyber768", "{flavour:?}");
        assert_request_id(
            &format!("{flavour:?} decrypt"),
            decrypted["request_id"].as_str(),
        );
    }
}

#[test]
fn encrypt_empty_plaintext() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        let encrypted = call(
            flavour,
            &settings,
            Op::Encrypt {
                plaintext: Vec::new(),
                key_version,
            },
        );
        let decrypted = call(
            flavour,
            &settings,
            Op::Decrypt {
                ciphertext: bytes(&encrypted, "ciphertext"),
                key_version,
            },
        );
        assert_eq!(bytes(&decrypted, "plaintext"), b"", "{flavour:?}");
    }
}

#[test]
fn encrypt_standard_randomized() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);
        let encrypt = || Op::Encrypt {
            plaintext: b"same plaintext".to_vec(),
            key_version,
        };

        let first = call(flavour, &settings, encrypt());
        let second = call(flavour, &settings, encrypt());
        assert_ne!(
            bytes(&first, "ciphertext"),
            bytes(&second, "ciphertext"),
            "{flavour:?}"
        );
    }
}

#[test]
fn encrypt_deterministic_repeats() {
    let server = start_server();
    let plaintext = b"customer-4711@example.com".to_vec();
    let salt = vec![0x5a; 32];

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);
        let encrypt = |plaintext: &[u8], salt: &[u8]| {
            let fields = call(
                flavour,
                &settings,
                Op::EncryptDeterministic {
                    plaintext: plaintext.to_vec(),
                    key_version,
                    salt: salt.to_vec(),
                },
            );
            bytes(&fields, "ciphertext")
        };

        let first = encrypt(&plaintext, &salt);
        let second = encrypt(&plaintext, &salt);
        assert_eq!(first, second, "{flavour:?}: same plaintext and salt");

        let other_salt = encrypt(&plaintext, &[0xa5; 48]);
        assert_ne!(first, other_salt, "{flavour:?}: another salt");

        let other_plaintext = encrypt(b"customer-4712@example.com", &salt);
        assert_ne!(first, other_plaintext, "{flavour:?}: another plaintext");

        let decrypted = call(
            flavour,
            &settings,
            Op::Decrypt {
                ciphertext: first,
                key_version,
            },
        );
        assert_eq!(bytes(&decrypted, "plaintext"), plaintext, "{flavour:?}");
    }
}

#[test]
fn encrypt_max_plaintext() {
    let server = start_server();
    let plaintext: Vec<u8> = (0..MAX_PLAINTEXT_LEN).map(|i| (i % 253) as u8).collect();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        let encrypted = call(
            flavour,
            &settings,
            Op::Encrypt {
                plaintext: plaintext.clone(),
                key_version,
            },
        );
        let decrypted = call(
            flavour,
            &settings,
            Op::Decrypt {
                ciphertext: bytes(&encrypted, "ciphertext"),
                key_version,
            },
        );
        assert!(
            bytes(&decrypted, "plaintext") == plaintext,
            "{flavour:?}: the 1 MiB plaintext did not round-trip"
        );
    }
}

#[test]
fn encapsulate_decapsulate_agree() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        let encapsulated = call(flavour, &settings, Op::Encapsulate { key_version });
        let kem_ciphertext = bytes(&encapsulated, "kem_ciphertext");
        let shared_secret = bytes(&encapsulated, "shared_secret");
        assert_eq!(kem_ciphertext.len(), KYBER768_CIPHERTEXT_LEN, "{flavour:?}");
        assert_eq!(shared_secret.len(), 32, "{flavour:?}");
        assert_eq!(encapsulated["key_version"], key_version, "{flavour:?}");

        let decapsulated = call(
            flavour,
            &settings,
            Op::Decapsulate {
                kem_ciphertext,
                key_version,
            },
        );
        assert_eq!(
            bytes(&decapsulated, "shared_secret"),
            shared_secret,
            "{flavour:?}"
        );

        let again = call(flavour, &settings, Op::Encapsulate { key_version });
        assert_ne!(
            bytes(&again, "shared_secret"),
            shared_secret,
            "{flavour:?}: a second encapsulation reused the secret"
        );
    }
}

#[test]
fn wrap_round_trip() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        for len in [16, 24, 32, 48, 64] {
            let context = format!("{flavour:?} {len}-byte key");
            let symmetric_key: Vec<u8> = (0..len).map(|i| (i as u8) ^ 0xa5).collect();

            let wrapped = call(
                flavour,
                &settings,
                Op::Wrap {
                    symmetric_key: symmetric_key.clone(),
                    key_version,
                },
            );
            assert_eq!(wrapped["key_version"], key_version, "{context}");
            let wrapped_key = bytes(&wrapped, "wrapped_key");
            assert!(wrapped_key.len() > len, "{context}");

            let unwrapped = call(
                flavour,
                &settings,
                Op::Unwrap {
                    wrapped_key,
                    key_version,
                },
            );
            assert_eq!(
                bytes(&unwrapped, "symmetric_key"),
                symmetric_key,
                "{context}"
            );
        }
    }
}

#[test]
fn encrypt_local_round_trip() {
    let server = start_server();
    let small = b"a local secret".to_vec();
    // Over the 1 MiB limit of server-side encryption, and not a multiple of the AES block.
    let large: Vec<u8> = (0..MAX_PLAINTEXT_LEN + 4099)
        .map(|i| (i % 241) as u8)
        .collect();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        for plaintext in [&small, &large] {
            let context = format!("{flavour:?} {} bytes", plaintext.len());
            let sealed = call(
                flavour,
                &settings,
                Op::EncryptLocal {
                    plaintext: plaintext.clone(),
                    key_version,
                },
            );
            assert_eq!(sealed["key_version"], key_version, "{context}");
            assert_eq!(sealed["algorithm"], "Kyber768", "{context}");
            assert_eq!(
                bytes(&sealed, "aes_ciphertext").len(),
                plaintext.len() + 16,
                "{context}: ciphertext and tag"
            );

            let envelope = LocalEnvelope::from_bytes(
                &bytes(&sealed, "bytes"),
                key_version,
                Algorithm::Kyber768,
            )
            .unwrap_or_else(|error| panic!("{context}: {error}"));
            let opened = call(flavour, &settings, Op::DecryptLocal { envelope });
            assert!(
                bytes(&opened, "plaintext") == *plaintext,
                "{context}: the plaintext did not round-trip"
            );
        }
    }
}

#[test]
fn kem_with_algorithm() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);

        let encrypted = call(
            flavour,
            &settings,
            kyber_op(Op::Encrypt {
                plaintext: b"explicit algorithm".to_vec(),
                key_version,
            }),
        );
        assert_eq!(encrypted["algorithm"], "Kyber768", "{flavour:?} encrypt");
        let decrypted = call(
            flavour,
            &settings,
            kyber_op(Op::Decrypt {
                ciphertext: bytes(&encrypted, "ciphertext"),
                key_version,
            }),
        );
        assert_eq!(
            bytes(&decrypted, "plaintext"),
            b"explicit algorithm",
            "{flavour:?} decrypt"
        );

        let encapsulated = call(
            flavour,
            &settings,
            kyber_op(Op::Encapsulate { key_version }),
        );
        assert_eq!(
            encapsulated["algorithm"], "Kyber768",
            "{flavour:?} encapsulate"
        );
        let decapsulated = call(
            flavour,
            &settings,
            kyber_op(Op::Decapsulate {
                kem_ciphertext: bytes(&encapsulated, "kem_ciphertext"),
                key_version,
            }),
        );
        assert_eq!(
            bytes(&decapsulated, "shared_secret"),
            bytes(&encapsulated, "shared_secret"),
            "{flavour:?} decapsulate"
        );

        let wrapped = call(
            flavour,
            &settings,
            kyber_op(Op::Wrap {
                symmetric_key: vec![7; 32],
                key_version,
            }),
        );
        let unwrapped = call(
            flavour,
            &settings,
            kyber_op(Op::Unwrap {
                wrapped_key: bytes(&wrapped, "wrapped_key"),
                key_version,
            }),
        );
        assert_eq!(
            bytes(&unwrapped, "symmetric_key"),
            vec![7; 32],
            "{flavour:?} unwrap"
        );
    }
}

#[test]
fn sign_verify_round_trip() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Dilithium3);

        let signed = call(
            flavour,
            &settings,
            Op::Sign {
                message: MESSAGE.to_vec(),
                key_version,
            },
        );
        assert_eq!(signed["algorithm"], "Dilithium3", "{flavour:?}");
        assert_eq!(signed["key_version"], key_version, "{flavour:?}");
        let signature = bytes(&signed, "signature");
        assert_eq!(signature.len(), DILITHIUM3_SIGNATURE_LEN, "{flavour:?}");

        let verify = |message: &[u8], signature: &[u8]| {
            call(
                flavour,
                &settings,
                Op::Verify {
                    message: message.to_vec(),
                    signature: signature.to_vec(),
                    key_version,
                },
            )
        };

        let valid = verify(MESSAGE, &signature);
        assert_eq!(valid["valid"], true, "{flavour:?}: original message");
        assert_request_id(&format!("{flavour:?} verify"), valid["request_id"].as_str());

        let tampered = verify(TAMPERED_MESSAGE, &signature);
        assert_eq!(tampered["valid"], false, "{flavour:?}: tampered message");

        let altered = verify(MESSAGE, &flip_bit(&signature, 100));
        assert_eq!(altered["valid"], false, "{flavour:?}: altered signature");

        let truncated = verify(MESSAGE, &signature[..signature.len() - 1]);
        assert_eq!(
            truncated["valid"], false,
            "{flavour:?}: truncated signature"
        );
    }
}

#[test]
fn sign_hash_digests() {
    let server = start_server();
    let cases = [
        (
            HashAlgorithm::Sha256,
            Sha256::digest(MESSAGE).to_vec(),
            Sha256::digest(TAMPERED_MESSAGE).to_vec(),
        ),
        (
            HashAlgorithm::Sha384,
            Sha384::digest(MESSAGE).to_vec(),
            Sha384::digest(TAMPERED_MESSAGE).to_vec(),
        ),
        (
            HashAlgorithm::Sha512,
            Sha512::digest(MESSAGE).to_vec(),
            Sha512::digest(TAMPERED_MESSAGE).to_vec(),
        ),
    ];

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Dilithium3);

        for (hash_algorithm, digest, other_digest) in &cases {
            let context = format!("{flavour:?} {hash_algorithm}");
            let signed = call(
                flavour,
                &settings,
                Op::SignHash {
                    hash: digest.clone(),
                    hash_algorithm: hash_algorithm.clone(),
                    key_version,
                },
            );
            assert_eq!(
                signed["hash_algorithm"],
                hash_algorithm.as_str(),
                "{context}"
            );
            assert_eq!(signed["key_version"], key_version, "{context}");
            let signature = bytes(&signed, "signature");

            let verify = |hash: &[u8]| {
                call(
                    flavour,
                    &settings,
                    Op::VerifyHash {
                        hash: hash.to_vec(),
                        hash_algorithm: hash_algorithm.clone(),
                        signature: signature.clone(),
                        key_version,
                    },
                )
            };
            let valid = verify(digest);
            assert_eq!(valid["valid"], true, "{context}: signed digest");
            assert_eq!(
                valid["hash_algorithm"],
                hash_algorithm.as_str(),
                "{context}"
            );

            let tampered = verify(other_digest);
            assert_eq!(tampered["valid"], false, "{context}: other digest");
        }
    }
}

#[test]
fn signatures_with_algorithm() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Dilithium3);
        let dilithium_op = |op: Op| Op::WithAlgorithm {
            algorithm: Algorithm::Dilithium3,
            op: Box::new(op),
        };

        let signed = call(
            flavour,
            &settings,
            dilithium_op(Op::Sign {
                message: MESSAGE.to_vec(),
                key_version,
            }),
        );
        assert_eq!(signed["algorithm"], "Dilithium3", "{flavour:?}");

        let verified = call(
            flavour,
            &settings,
            dilithium_op(Op::Verify {
                message: MESSAGE.to_vec(),
                signature: bytes(&signed, "signature"),
                key_version,
            }),
        );
        assert_eq!(verified["valid"], true, "{flavour:?}");
    }
}

#[test]
fn keys_generate_get() {
    let server = start_server();
    let cases = [
        (Algorithm::Kyber768, KYBER768_PUBLIC_KEY_LEN),
        (Algorithm::Dilithium3, DILITHIUM3_PUBLIC_KEY_LEN),
    ];

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);

        for (algorithm, public_key_len) in &cases {
            let context = format!("{flavour:?} {algorithm}");
            let generated = call(
                flavour,
                &settings,
                Op::Generate {
                    algorithm: algorithm.clone(),
                },
            );
            assert_eq!(generated["key_version"], 1, "{context}");
            assert_eq!(generated["status"], "active", "{context}");
            assert_eq!(generated["algorithm"], algorithm.as_str(), "{context}");
            assert_ne!(generated["created_at"], "", "{context}");
            let public_key = bytes(&generated, "public_key");
            assert_eq!(public_key.len(), *public_key_len, "{context}");

            let fetched = call(
                flavour,
                &settings,
                Op::Get {
                    algorithm: algorithm.clone(),
                    key_version: 1,
                },
            );
            assert_eq!(bytes(&fetched, "public_key"), public_key, "{context} get");
            assert_eq!(fetched["status"], "active", "{context} get");
            assert_eq!(
                fetched["created_at"], generated["created_at"],
                "{context} get"
            );

            let active = call(
                flavour,
                &settings,
                Op::GetActive {
                    algorithm: algorithm.clone(),
                },
            );
            assert_eq!(active["key_version"], 1, "{context} get_active");
            assert_eq!(
                bytes(&active, "public_key"),
                public_key,
                "{context} get_active"
            );
        }
    }
}

#[test]
fn keys_list_filters() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        generate(flavour, &settings, Algorithm::Kyber768);
        generate(flavour, &settings, Algorithm::Dilithium3);
        call(
            flavour,
            &settings,
            Op::Rotate {
                algorithm: Algorithm::Kyber768,
            },
        );
        // Kyber768 v1 is now retired, Kyber768 v2 active and Dilithium3 v1 active.

        let all = call(flavour, &settings, Op::List);
        assert_eq!(all["total"], 3, "{flavour:?} list");
        assert_eq!(all["keys"].as_array().map(Vec::len), Some(3), "{flavour:?}");

        let cases = [
            (
                Some(Algorithm::Kyber768),
                None,
                vec![("Kyber768", 1), ("Kyber768", 2)],
            ),
            (Some(Algorithm::Dilithium3), None, vec![("Dilithium3", 1)]),
            (None, Some(KeyStatus::Retired), vec![("Kyber768", 1)]),
            (
                None,
                Some(KeyStatus::Active),
                vec![("Dilithium3", 1), ("Kyber768", 2)],
            ),
            (
                Some(Algorithm::Kyber768),
                Some(KeyStatus::Active),
                vec![("Kyber768", 2)],
            ),
            (None, Some(KeyStatus::Archived), vec![]),
        ];
        for (algorithm, status, expected) in cases {
            let context = format!("{flavour:?} list {algorithm:?} {status:?}");
            let listed = call(flavour, &settings, Op::ListFiltered { algorithm, status });
            let mut found: Vec<(String, u64)> = listed["keys"]
                .as_array()
                .unwrap_or_else(|| panic!("{context}: no keys array"))
                .iter()
                .map(|key| {
                    let algorithm = key["algorithm"].as_str().unwrap_or_default().to_owned();
                    (algorithm, key["key_version"].as_u64().unwrap_or_default())
                })
                .collect();
            found.sort();
            let expected: Vec<(String, u64)> = expected
                .into_iter()
                .map(|(algorithm, version)| (algorithm.to_owned(), version))
                .collect();
            assert_eq!(found, expected, "{context}");
            assert_eq!(listed["total"], expected.len(), "{context}: total");
        }
    }
}

#[test]
fn rotate_keeps_old_version() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let old_version = generate(flavour, &settings, Algorithm::Kyber768);
        let encrypted = call(
            flavour,
            &settings,
            Op::Encrypt {
                plaintext: b"before rotation".to_vec(),
                key_version: old_version,
            },
        );

        let rotated = call(
            flavour,
            &settings,
            Op::Rotate {
                algorithm: Algorithm::Kyber768,
            },
        );
        let new_version = version(&rotated, "key_version");
        assert_eq!(new_version, old_version + 1, "{flavour:?}");
        assert_eq!(rotated["old_key_version"], old_version, "{flavour:?}");
        assert_eq!(
            bytes(&rotated, "public_key").len(),
            KYBER768_PUBLIC_KEY_LEN,
            "{flavour:?}"
        );

        let old = call(
            flavour,
            &settings,
            Op::Get {
                algorithm: Algorithm::Kyber768,
                key_version: old_version,
            },
        );
        assert_eq!(old["status"], "retired", "{flavour:?}: old version");

        let active = call(
            flavour,
            &settings,
            Op::GetActive {
                algorithm: Algorithm::Kyber768,
            },
        );
        assert_eq!(active["key_version"], new_version, "{flavour:?}");

        let decrypted = call(
            flavour,
            &settings,
            Op::Decrypt {
                ciphertext: bytes(&encrypted, "ciphertext"),
                key_version: old_version,
            },
        );
        assert_eq!(
            bytes(&decrypted, "plaintext"),
            b"before rotation",
            "{flavour:?}: retired version decrypts"
        );
    }
}

#[test]
fn rotate_signature_key() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let old_version = generate(flavour, &settings, Algorithm::Dilithium3);
        let signed = call(
            flavour,
            &settings,
            Op::Sign {
                message: MESSAGE.to_vec(),
                key_version: old_version,
            },
        );

        let rotated = call(
            flavour,
            &settings,
            Op::Rotate {
                algorithm: Algorithm::Dilithium3,
            },
        );
        assert_eq!(rotated["old_key_version"], old_version, "{flavour:?}");

        let verified = call(
            flavour,
            &settings,
            Op::Verify {
                message: MESSAGE.to_vec(),
                signature: bytes(&signed, "signature"),
                key_version: old_version,
            },
        );
        assert_eq!(
            verified["valid"], true,
            "{flavour:?}: retired version verifies"
        );
    }
}

#[test]
fn retire_key() {
    let server = start_server();

    for flavour in Flavour::ALL {
        let settings = new_tenant(&server);
        let key_version = generate(flavour, &settings, Algorithm::Kyber768);
        let retire = || Op::Retire {
            algorithm: Algorithm::Kyber768,
            key_version,
        };

        let retired = call(flavour, &settings, retire());
        assert_eq!(retired["status"], "retired", "{flavour:?}");
        assert_eq!(retired["key_version"], key_version, "{flavour:?}");

        let fetched = call(
            flavour,
            &settings,
            Op::Get {
                algorithm: Algorithm::Kyber768,
                key_version,
            },
        );
        assert_eq!(fetched["status"], "retired", "{flavour:?} get");

        let again = call(flavour, &settings, retire());
        assert_eq!(again["status"], "retired", "{flavour:?}: retired twice");

        let error = call_error(
            flavour,
            &settings,
            Op::GetActive {
                algorithm: Algorithm::Kyber768,
            },
        );
        assert_service_error(
            &format!("{flavour:?} get_active without an active key"),
            &error,
            ErrorKind::NotFound,
            "ERR_NOT_FOUND_001",
            404,
        );

        let next = generate(flavour, &settings, Algorithm::Kyber768);
        assert_eq!(next, key_version + 1, "{flavour:?}: generate after retire");
    }
}

#[test]
fn keys_survive_restart() {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let plaintext = b"kept across restarts".to_vec();

    // Per flavour: its API key, the key's public key, and a ciphertext made before restart.
    let mut tenants = Vec::new();
    {
        let server = start_persistent(data_dir.path());
        for flavour in Flavour::ALL {
            let api_key = server
                .create_api_key()
                .expect("the server creates a tenant");
            let settings = settings(&server, &api_key);
            let generated = call(
                flavour,
                &settings,
                Op::Generate {
                    algorithm: Algorithm::Kyber768,
                },
            );
            let encrypted = call(
                flavour,
                &settings,
                Op::Encrypt {
                    plaintext: plaintext.clone(),
                    key_version: version(&generated, "key_version"),
                },
            );
            tenants.push((
                flavour,
                api_key,
                bytes(&generated, "public_key"),
                bytes(&encrypted, "ciphertext"),
            ));
        }
        // Dropping the server stops it and joins its thread.
    }

    let server = start_persistent(data_dir.path());
    for (flavour, api_key, public_key, ciphertext) in tenants {
        let settings = settings(&server, &api_key);

        let active = call(
            flavour,
            &settings,
            Op::GetActive {
                algorithm: Algorithm::Kyber768,
            },
        );
        assert_eq!(active["key_version"], 1, "{flavour:?}");
        assert_eq!(bytes(&active, "public_key"), public_key, "{flavour:?}");

        let decrypted = call(
            flavour,
            &settings,
            Op::Decrypt {
                ciphertext,
                key_version: 1,
            },
        );
        assert_eq!(bytes(&decrypted, "plaintext"), plaintext, "{flavour:?}");
    }
}

/// Generates a Kyber768 key and checks an encrypt and decrypt round trip, blocking.
fn blocking_round_trip(client: &qpher_blocking::Client) {
    let key = client
        .keys()
        .generate(Algorithm::Kyber768)
        .expect("generate");
    let encrypted = client
        .kem()
        .encrypt(b"from a runtime thread", key.key_version)
        .expect("encrypt");
    let decrypted = client
        .kem()
        .decrypt(&encrypted.ciphertext, key.key_version)
        .expect("decrypt");
    assert_eq!(
        decrypted.plaintext.expose_secret(),
        b"from a runtime thread"
    );
}

#[tokio::test]
async fn blocking_in_spawn_blocking() {
    let server = start_server();
    let client = blocking_client(&server, &server.create_api_key().expect("a tenant"));

    tokio::task::spawn_blocking(move || blocking_round_trip(&client))
        .await
        .expect("the blocking task completes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_on_runtime_thread() {
    let server = start_server();
    let client = blocking_client(&server, &server.create_api_key().expect("a tenant"));

    // The client's documentation allows calls on a thread that runs a runtime. The server
    // runs on a runtime of its own, so blocking this worker does not stall the server.
    blocking_round_trip(&client);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_concurrent_calls() {
    let server = start_server();
    let client = async_client(&server, &server.create_api_key().expect("a tenant"));
    let key = client
        .keys()
        .generate(Algorithm::Kyber768)
        .await
        .expect("generate");

    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..CONCURRENT_CALLS {
        let client = client.clone();
        let key_version = key.key_version;
        tasks.spawn(async move {
            let plaintext = format!("concurrent message {index}");
            let encrypted = client
                .kem()
                .encrypt(plaintext.as_str(), key_version)
                .await?;
            let decrypted = client
                .kem()
                .decrypt(&encrypted.ciphertext, key_version)
                .await?;
            Ok::<_, qpher_async::Error>((plaintext, decrypted, encrypted.request_id))
        });
    }

    let mut request_ids = HashSet::new();
    while let Some(joined) = tasks.join_next().await {
        let (plaintext, decrypted, request_id) = joined
            .expect("the task completes")
            .unwrap_or_else(|error| panic!("concurrent call: {error}"));
        assert_eq!(decrypted.plaintext.expose_secret(), plaintext.as_bytes());
        request_ids.insert(request_id.expect("a request id"));
    }
    assert_eq!(request_ids.len(), CONCURRENT_CALLS, "distinct request ids");
}

#[test]
fn blocking_concurrent_calls() {
    let server = start_server();
    let client = blocking_client(&server, &server.create_api_key().expect("a tenant"));
    let key = client
        .keys()
        .generate(Algorithm::Kyber768)
        .expect("generate");

    let results: Vec<_> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..CONCURRENT_CALLS)
            .map(|index| {
                let client = &client;
                let key_version = key.key_version;
                scope.spawn(move || {
                    let plaintext = format!("concurrent message {index}");
                    let encrypted = client.kem().encrypt(plaintext.as_str(), key_version)?;
                    let decrypted = client.kem().decrypt(&encrypted.ciphertext, key_version)?;
                    Ok::<_, qpher_blocking::Error>((plaintext, decrypted, encrypted.request_id))
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("the thread completes"))
            .collect()
    });

    let mut request_ids = HashSet::new();
    for result in results {
        let (plaintext, decrypted, request_id) =
            result.unwrap_or_else(|error| panic!("concurrent call: {error}"));
        assert_eq!(decrypted.plaintext.expose_secret(), plaintext.as_bytes());
        request_ids.insert(request_id.expect("a request id"));
    }
    assert_eq!(request_ids.len(), CONCURRENT_CALLS, "distinct request ids");
}
