//! Request bodies written by the core against `serde_json::to_vec` of the same model.
//!
//! The core writes POST bodies with its own JSON writer, and servers read them with the
//! serde models, so every operation must produce exactly the bytes serde would.

use proptest::prelude::*;
use qpher_core::Operation;
use qpher_core::types::{
    Algorithm, DecapsulateRequest, DecryptRequest, EncapsulateRequest, EncryptMode, EncryptRequest,
    GenerateKeyRequest, HashAlgorithm, RetireKeyRequest, RotateKeyRequest, SecretBytes,
    SignHashRequest, SignRequest, UnwrapRequest, VerifyHashRequest, VerifyRequest, WrapRequest,
};
use serde::Serialize;

/// Writes `operation`'s body into a buffer of `body_size_hint` bytes, checks the buffer
/// was never reallocated, and compares the bytes with serde's.
fn assert_body_matches_serde<O: Operation + Serialize>(operation: &O) {
    let mut body = Vec::with_capacity(operation.body_size_hint());
    let pointer = body.as_ptr();
    let capacity = body.capacity();

    assert!(operation.write_body(&mut body).unwrap());
    assert_eq!(
        String::from_utf8_lossy(&body),
        String::from_utf8_lossy(&serde_json::to_vec(operation).unwrap()),
        "{}",
        O::NAME
    );
    assert_eq!(body.as_ptr(), pointer, "{} reallocated its body", O::NAME);
    assert_eq!(body.capacity(), capacity, "{} grew its body", O::NAME);
}

/// Names that need escaping in JSON: quotes, backslashes, control characters, non-ASCII.
const ODD_NAMES: [&str; 6] = [
    "",
    "ML-KEM-1024",
    "quote\"inside",
    "back\\slash",
    "line\nbreak\u{1}\u{1f}\u{7f}",
    "näme ✓ \u{2028}",
];

fn odd_algorithms() -> impl Iterator<Item = Option<Algorithm>> {
    ODD_NAMES
        .iter()
        .map(|name| Some(Algorithm::from_wire(name)))
        .chain([None, Some(Algorithm::Kyber768), Some(Algorithm::Dilithium3)])
}

#[test]
fn kem_bodies_match_serde() {
    for algorithm in odd_algorithms() {
        for payload in [&b""[..], b"Hello", b"\x00\xff\xfe"] {
            assert_body_matches_serde(&EncryptRequest {
                plaintext: SecretBytes::from(payload),
                key_version: 1,
                algorithm: algorithm.clone(),
                mode: Some(EncryptMode::Standard),
                salt: None,
            });
            assert_body_matches_serde(&EncryptRequest {
                plaintext: SecretBytes::from(payload),
                key_version: u32::MAX,
                algorithm: algorithm.clone(),
                mode: Some(EncryptMode::Deterministic),
                salt: Some(vec![0xab; 32]),
            });
            assert_body_matches_serde(&EncryptRequest {
                plaintext: SecretBytes::from(payload),
                key_version: 0,
                algorithm: algorithm.clone(),
                mode: None,
                salt: Some(Vec::new()),
            });
            assert_body_matches_serde(&DecryptRequest {
                ciphertext: payload.to_vec(),
                key_version: 2,
                algorithm: algorithm.clone(),
            });
            assert_body_matches_serde(&EncapsulateRequest {
                key_version: 3,
                algorithm: algorithm.clone(),
            });
            assert_body_matches_serde(&DecapsulateRequest {
                kem_ciphertext: payload.to_vec(),
                key_version: 4,
                algorithm: algorithm.clone(),
            });
            assert_body_matches_serde(&WrapRequest {
                symmetric_key: SecretBytes::from(payload),
                key_version: 5,
                algorithm: algorithm.clone(),
            });
            assert_body_matches_serde(&UnwrapRequest {
                wrapped_key: payload.to_vec(),
                key_version: 6,
                algorithm: algorithm.clone(),
            });
        }
    }
}

#[test]
fn unknown_mode_is_escaped() {
    for name in ODD_NAMES {
        assert_body_matches_serde(&EncryptRequest {
            plaintext: SecretBytes::from("x"),
            key_version: 1,
            algorithm: None,
            mode: Some(EncryptMode::from_wire(name)),
            salt: None,
        });
    }
}

#[test]
fn signature_bodies_match_serde() {
    for algorithm in odd_algorithms() {
        for name in ODD_NAMES.iter().chain(&["SHA-256"]) {
            let hash_algorithm = HashAlgorithm::from_wire(name);
            for payload in [&b""[..], b"Hello", b"\x00\xff\xfe"] {
                assert_body_matches_serde(&SignRequest {
                    message: payload.to_vec(),
                    key_version: 1,
                    algorithm: algorithm.clone(),
                });
                assert_body_matches_serde(&VerifyRequest {
                    message: payload.to_vec(),
                    signature: vec![9; 17],
                    key_version: 2,
                    algorithm: algorithm.clone(),
                });
                assert_body_matches_serde(&SignHashRequest {
                    hash: payload.to_vec(),
                    hash_algorithm: hash_algorithm.clone(),
                    key_version: 3,
                    algorithm: algorithm.clone(),
                });
                assert_body_matches_serde(&VerifyHashRequest {
                    hash: payload.to_vec(),
                    hash_algorithm: hash_algorithm.clone(),
                    signature: Vec::new(),
                    key_version: 4,
                    algorithm: algorithm.clone(),
                });
            }
        }
    }
}

#[test]
fn key_bodies_match_serde() {
    for algorithm in odd_algorithms().flatten() {
        assert_body_matches_serde(&GenerateKeyRequest {
            algorithm: algorithm.clone(),
        });
        assert_body_matches_serde(&RotateKeyRequest {
            algorithm: algorithm.clone(),
        });
        assert_body_matches_serde(&RetireKeyRequest {
            algorithm,
            key_version: 12_345,
        });
    }
}

fn algorithm() -> impl Strategy<Value = Option<Algorithm>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(Algorithm::KNOWN).prop_map(Some),
        any::<String>().prop_map(|name| Some(Algorithm::from_wire(&name))),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..200)
}

proptest! {
    #[test]
    fn random_encrypt_matches_serde(
        plaintext in bytes(),
        key_version in any::<u32>(),
        algorithm in algorithm(),
        mode in proptest::option::of(any::<String>()),
        salt in proptest::option::of(bytes()),
    ) {
        assert_body_matches_serde(&EncryptRequest {
            plaintext: SecretBytes::from(plaintext),
            key_version,
            algorithm,
            mode: mode.map(|mode| EncryptMode::from_wire(&mode)),
            salt,
        });
    }

    #[test]
    fn random_verify_hash_matches_serde(
        hash in bytes(),
        hash_algorithm in any::<String>(),
        signature in bytes(),
        key_version in any::<u32>(),
        algorithm in algorithm(),
    ) {
        assert_body_matches_serde(&VerifyHashRequest {
            hash,
            hash_algorithm: HashAlgorithm::from_wire(&hash_algorithm),
            signature,
            key_version,
            algorithm,
        });
    }

    #[test]
    fn random_retire_matches_serde(name in any::<String>(), key_version in any::<u32>()) {
        assert_body_matches_serde(&RetireKeyRequest {
            algorithm: Algorithm::from_wire(&name),
            key_version,
        });
    }
}
