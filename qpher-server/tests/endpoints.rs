//! The KEM, signature and key-management endpoints over HTTP: results, key-status rules
//! and the error code of every failure they report.

mod common;

use common::{b64, start, unb64};
use serde_json::json;
use sha2::{Digest, Sha256, Sha384};

#[tokio::test]
async fn encrypt_decrypt_round_trip() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;

    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"Hello, Quantum World!"), "key_version": version}),
        )
        .await;
    let data = reply.ok();
    common::assert_envelope(&reply);
    assert_eq!(data["key_version"], version);
    assert_eq!(data["algorithm"], "Kyber768");
    let ciphertext = unb64(&data["ciphertext"]);
    // Format byte, KEM ciphertext, IV, 21 bytes of AES ciphertext and the tag.
    assert_eq!(ciphertext.len(), 1 + 1088 + 12 + 21 + 16);
    assert_eq!(ciphertext[0], 0x01);

    let reply = client
        .post(
            "/api/v1/kem/decrypt",
            json!({"ciphertext": b64(&ciphertext), "key_version": version, "algorithm": "Kyber768"}),
        )
        .await;
    assert_eq!(unb64(&reply.ok()["plaintext"]), b"Hello, Quantum World!");
}

#[tokio::test]
async fn standard_mode_is_randomized() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;
    let body = json!({"plaintext": b64(b"same"), "key_version": version, "mode": "standard"});

    let first = client.post("/api/v1/kem/encrypt", body.clone()).await;
    let second = client.post("/api/v1/kem/encrypt", body).await;
    assert_ne!(first.ok()["ciphertext"], second.ok()["ciphertext"]);
}

#[tokio::test]
async fn deterministic_mode_repeats() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;
    let salt = b64(&[42u8; 32]);
    let encrypt = |plaintext: &'static [u8]| {
        let client = client.clone();
        let salt = salt.clone();
        async move {
            let reply = client
                .post(
                    "/api/v1/kem/encrypt",
                    json!({"plaintext": b64(plaintext), "key_version": version,
                           "mode": "deterministic", "salt": salt}),
                )
                .await;
            reply.ok()["ciphertext"].clone()
        }
    };

    let first = encrypt(b"card 4111").await;
    assert_eq!(first, encrypt(b"card 4111").await);
    assert_ne!(first, encrypt(b"card 4112").await);

    let reply = client
        .post(
            "/api/v1/kem/decrypt",
            json!({"ciphertext": first, "key_version": version}),
        )
        .await;
    assert_eq!(unb64(&reply.ok()["plaintext"]), b"card 4111");
}

#[tokio::test]
async fn salt_rules() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;
    let cases = [
        json!({"mode": "deterministic", "salt": b64(&[1u8; 31])}),
        json!({"mode": "deterministic"}),
        json!({"mode": "standard", "salt": b64(&[1u8; 32])}),
        json!({"salt": b64(&[1u8; 32])}),
        json!({"mode": "convergent"}),
    ];
    for extra in cases {
        let mut body = json!({"plaintext": b64(b"x"), "key_version": version});
        for (field, value) in extra.as_object().unwrap() {
            body[field] = value.clone();
        }
        let reply = client.post("/api/v1/kem/encrypt", body).await;
        reply.assert_error(400, "ERR_KEM_001");
    }
}

#[tokio::test]
async fn plaintext_size_limit() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;

    let at_limit = vec![7u8; 1_048_576];
    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(&at_limit), "key_version": version}),
        )
        .await;
    reply.ok();

    let over = vec![7u8; 1_048_577];
    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(&over), "key_version": version}),
        )
        .await;
    reply.assert_error(400, "ERR_KEM_001");
    assert!(reply.message().contains("plaintext"), "{}", reply.message());
    assert!(reply.message().contains("1048576"), "{}", reply.message());

    let reply = client
        .post(
            "/api/v1/signature/sign",
            json!({"message": b64(&over), "key_version": 1}),
        )
        .await;
    reply.assert_error(400, "ERR_SIG_001");
    assert!(reply.message().contains("message"), "{}", reply.message());
}

#[tokio::test]
async fn decrypt_rejects_bad_ciphertexts() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;
    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"secret"), "key_version": version}),
        )
        .await;
    let mut ciphertext = unb64(&reply.ok()["ciphertext"]);
    let last = ciphertext.len() - 1;
    ciphertext[last] ^= 1;

    for bad in [ciphertext.clone(), vec![1u8; 20], Vec::new()] {
        let reply = client
            .post(
                "/api/v1/kem/decrypt",
                json!({"ciphertext": b64(&bad), "key_version": version}),
            )
            .await;
        reply.assert_error(400, "ERR_KEM_003");
    }

    let reply = client
        .post(
            "/api/v1/kem/decrypt",
            json!({"ciphertext": "%%%", "key_version": version}),
        )
        .await;
    reply.assert_error(400, "ERR_KEM_003");
    assert!(
        reply.message().contains("`ciphertext`"),
        "{}",
        reply.message()
    );
}

#[tokio::test]
async fn encapsulate_decapsulate_agree() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;

    let reply = client
        .post("/api/v1/kem/encapsulate", json!({"key_version": version}))
        .await;
    let data = reply.ok();
    let kem_ciphertext = unb64(&data["kem_ciphertext"]);
    let shared_secret = unb64(&data["shared_secret"]);
    assert_eq!(kem_ciphertext.len(), 1088);
    assert_eq!(shared_secret.len(), 32);

    let reply = client
        .post(
            "/api/v1/kem/decapsulate",
            json!({"kem_ciphertext": b64(&kem_ciphertext), "key_version": version}),
        )
        .await;
    assert_eq!(unb64(&reply.ok()["shared_secret"]), shared_secret);

    let reply = client
        .post(
            "/api/v1/kem/decapsulate",
            json!({"kem_ciphertext": b64(&[0u8; 100]), "key_version": version}),
        )
        .await;
    reply.assert_error(400, "ERR_KEM_003");
}

#[tokio::test]
async fn wrap_unwrap_both_paths() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;

    for (wrap_path, unwrap_path) in [
        ("/api/v1/kem/key/wrap", "/api/v1/kem/key/unwrap"),
        ("/api/v1/kem/wrap", "/api/v1/kem/unwrap"),
    ] {
        for length in [16usize, 24, 32, 48, 64] {
            let key: Vec<u8> = (0..length as u8).collect();
            let reply = client
                .post(
                    wrap_path,
                    json!({"symmetric_key": b64(&key), "key_version": version}),
                )
                .await;
            let data = reply.ok();
            assert_eq!(data["wrapping_method"], "KEM-DEM");
            let wrapped = unb64(&data["wrapped_key"]);
            assert_eq!(wrapped[0], 0x02);

            let reply = client
                .post(
                    unwrap_path,
                    json!({"wrapped_key": b64(&wrapped), "key_version": version}),
                )
                .await;
            assert_eq!(unb64(&reply.ok()["symmetric_key"]), key);
        }
    }
}

#[tokio::test]
async fn wrap_errors() {
    let (_server, client) = start().await;
    let version = client.generate("Kyber768").await;

    for length in [0usize, 15, 33, 65] {
        let reply = client
            .post(
                "/api/v1/kem/key/wrap",
                json!({"symmetric_key": b64(&vec![1u8; length]), "key_version": version}),
            )
            .await;
        reply.assert_error(400, "ERR_KEM_010");
    }

    // A ciphertext of encrypt is not a wrapped key, and neither is garbage.
    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(&[5u8; 32]), "key_version": version}),
        )
        .await;
    let ciphertext = reply.ok()["ciphertext"].clone();
    for wrapped in [ciphertext, json!(b64(&[9u8; 40])), json!("!!")] {
        let reply = client
            .post(
                "/api/v1/kem/key/unwrap",
                json!({"wrapped_key": wrapped, "key_version": version}),
            )
            .await;
        reply.assert_error(400, "ERR_KEM_011");
    }
}

#[tokio::test]
async fn sign_verify_round_trip() {
    let (_server, client) = start().await;
    let version = client.generate("Dilithium3").await;

    let reply = client
        .post(
            "/api/v1/signature/sign",
            json!({"message": b64(b"contract"), "key_version": version}),
        )
        .await;
    let data = reply.ok();
    assert_eq!(data["algorithm"], "Dilithium3");
    let signature = unb64(&data["signature"]);
    assert_eq!(signature.len(), 3309);

    let verify = |message: &'static [u8], signature: Vec<u8>| {
        let client = client.clone();
        async move {
            let reply = client
                .post(
                    "/api/v1/signature/verify",
                    json!({"message": b64(message), "signature": b64(&signature),
                           "key_version": version, "algorithm": "Dilithium3"}),
                )
                .await;
            reply.ok()["valid"].as_bool().unwrap()
        }
    };
    assert!(verify(b"contract", signature.clone()).await);
    assert!(!verify(b"contract!", signature.clone()).await);
    assert!(!verify(b"contract", signature[..100].to_vec()).await);

    let reply = client
        .post(
            "/api/v1/signature/verify",
            json!({"message": b64(b"x"), "signature": "not base64!", "key_version": version}),
        )
        .await;
    reply.assert_error(400, "ERR_SIG_002");
}

#[tokio::test]
async fn sign_hash_checks_digest_length() {
    let (_server, client) = start().await;
    let version = client.generate("Dilithium3").await;
    let sha256 = Sha256::digest(b"document").to_vec();
    let sha384 = Sha384::digest(b"document").to_vec();

    let reply = client
        .post(
            "/api/v1/signature/sign-hash",
            json!({"hash": b64(&sha256), "hash_algorithm": "SHA-256", "key_version": version}),
        )
        .await;
    let data = reply.ok();
    assert_eq!(data["signature_type"], "detached");
    assert_eq!(data["hash_algorithm"], "SHA-256");
    let signature = data["signature"].clone();

    let reply = client
        .post(
            "/api/v1/signature/verify-hash",
            json!({"hash": b64(&sha256), "hash_algorithm": "SHA-256",
                   "signature": signature, "key_version": version}),
        )
        .await;
    assert_eq!(reply.ok()["valid"], true);
    assert_eq!(reply.data()["hash_algorithm"], "SHA-256");

    // The digest signature is bound to its hash algorithm and is not a message signature.
    let reply = client
        .post(
            "/api/v1/signature/verify",
            json!({"message": b64(&sha256), "signature": signature, "key_version": version}),
        )
        .await;
    assert_eq!(reply.ok()["valid"], false);

    for (hash, algorithm) in [(&sha384, "SHA-256"), (&sha256, "SHA-512"), (&sha256, "MD5")] {
        for path in [
            "/api/v1/signature/sign-hash",
            "/api/v1/signature/verify-hash",
        ] {
            let reply = client
                .post(
                    path,
                    json!({"hash": b64(hash), "hash_algorithm": algorithm,
                           "signature": b64(&[0u8; 3309]), "key_version": version}),
                )
                .await;
            reply.assert_error(400, "ERR_SIG_001");
        }
    }
}

#[tokio::test]
async fn missing_key_versions() {
    let (_server, client) = start().await;

    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"x"), "key_version": 7}),
        )
        .await;
    reply.assert_error(404, "ERR_KEM_005");

    let reply = client
        .post(
            "/api/v1/signature/sign",
            json!({"message": b64(b"x"), "key_version": 7}),
        )
        .await;
    reply.assert_error(404, "ERR_SIG_003");

    let reply = client.get("/api/v1/kms/keys/7?algorithm=Kyber768").await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");

    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"x"), "key_version": 0}),
        )
        .await;
    reply.assert_error(400, "ERR_KEM_001");
}

#[tokio::test]
async fn unsupported_algorithms() {
    let (_server, client) = start().await;

    for algorithm in ["X-Wing", "Dilithium3", "ML-KEM-1024"] {
        let reply = client
            .post(
                "/api/v1/kem/encrypt",
                json!({"plaintext": b64(b"x"), "key_version": 1, "algorithm": algorithm}),
            )
            .await;
        reply.assert_error(400, "ERR_KEM_001");
    }
    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"x"), "key_version": 1, "algorithm": "X-Wing"}),
        )
        .await;
    assert!(
        reply.message().contains("not supported by this server"),
        "{}",
        reply.message()
    );

    for algorithm in ["Composite-ML-DSA", "SLH-DSA-SHA2-128s", "Kyber768"] {
        let reply = client
            .post(
                "/api/v1/signature/sign",
                json!({"message": b64(b"x"), "key_version": 1, "algorithm": algorithm}),
            )
            .await;
        reply.assert_error(400, "ERR_SIG_001");
    }

    for algorithm in ["X-Wing", "SLH-DSA-SHA2-256s", "RSA"] {
        let reply = client
            .post("/api/v1/kms/keys/generate", json!({"algorithm": algorithm}))
            .await;
        reply.assert_error(400, "ERR_KMS_001");
    }
}

#[tokio::test]
async fn key_lifecycle() {
    let (_server, client) = start().await;

    // Generate: version 1, active, 201.
    let reply = client
        .post(
            "/api/v1/kms/keys/generate",
            json!({"algorithm": "Kyber768"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201);
    let data = reply.data();
    assert_eq!(data["key_version"], 1);
    assert_eq!(data["status"], "active");
    assert_eq!(unb64(&data["public_key"]).len(), 1184);
    assert!(data["created_at"].as_str().unwrap().ends_with('Z'));

    // Generate while a key is active: 409.
    let reply = client
        .post(
            "/api/v1/kms/keys/generate",
            json!({"algorithm": "Kyber768"}),
        )
        .await;
    reply.assert_error(409, "ERR_CONFLICT_001");

    let encrypted = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"v1 data"), "key_version": 1}),
        )
        .await
        .ok()["ciphertext"]
        .clone();

    // Rotate: 2 active, 1 retired.
    let reply = client
        .post("/api/v1/kms/keys/rotate", json!({"algorithm": "Kyber768"}))
        .await;
    let data = reply.ok();
    assert_eq!(data["key_version"], 2);
    assert_eq!(data["old_key_version"], 1);
    assert_eq!(data["algorithm"], "Kyber768");

    let reply = client
        .get("/api/v1/kms/keys/active?algorithm=Kyber768")
        .await;
    assert_eq!(reply.ok()["key_version"], 2);
    let reply = client.get("/api/v1/kms/keys/1?algorithm=Kyber768").await;
    assert_eq!(reply.ok()["status"], "retired");

    // A retired key still decrypts but no longer encrypts, wraps or encapsulates.
    let reply = client
        .post(
            "/api/v1/kem/decrypt",
            json!({"ciphertext": encrypted, "key_version": 1}),
        )
        .await;
    assert_eq!(unb64(&reply.ok()["plaintext"]), b"v1 data");
    for (path, body) in [
        (
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"x"), "key_version": 1}),
        ),
        (
            "/api/v1/kem/key/wrap",
            json!({"symmetric_key": b64(&[1u8; 32]), "key_version": 1}),
        ),
        ("/api/v1/kem/encapsulate", json!({"key_version": 1})),
    ] {
        let reply = client.post(path, body).await;
        reply.assert_error(404, "ERR_NOT_FOUND_001");
        assert!(reply.message().contains("retired"), "{}", reply.message());
    }

    // Retire the active key: no active key is left.
    let reply = client
        .post(
            "/api/v1/kms/keys/retire",
            json!({"algorithm": "Kyber768", "key_version": 2}),
        )
        .await;
    assert_eq!(reply.ok()["status"], "retired");
    let reply = client
        .get("/api/v1/kms/keys/active?algorithm=Kyber768")
        .await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");

    // Retiring a retired key changes nothing.
    let reply = client
        .post(
            "/api/v1/kms/keys/retire",
            json!({"algorithm": "Kyber768", "key_version": 1}),
        )
        .await;
    assert_eq!(reply.ok()["status"], "retired");

    // Rotate with no active key: 404. Retire a missing version: 404.
    let reply = client
        .post("/api/v1/kms/keys/rotate", json!({"algorithm": "Kyber768"}))
        .await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
    let reply = client
        .post(
            "/api/v1/kms/keys/retire",
            json!({"algorithm": "Kyber768", "key_version": 9}),
        )
        .await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");

    // Generate again: the next free number.
    assert_eq!(client.generate("Kyber768").await, 3);
}

#[tokio::test]
async fn retired_signature_key_verifies_only() {
    let (_server, client) = start().await;
    client.generate("Dilithium3").await;
    let signature = client
        .post(
            "/api/v1/signature/sign",
            json!({"message": b64(b"m"), "key_version": 1}),
        )
        .await
        .ok()["signature"]
        .clone();
    client.rotate("Dilithium3").await;

    let reply = client
        .post(
            "/api/v1/signature/verify",
            json!({"message": b64(b"m"), "signature": signature, "key_version": 1}),
        )
        .await;
    assert_eq!(reply.ok()["valid"], true);

    let reply = client
        .post(
            "/api/v1/signature/sign",
            json!({"message": b64(b"m"), "key_version": 1}),
        )
        .await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
    let reply = client
        .post(
            "/api/v1/signature/sign-hash",
            json!({"hash": b64(&[0u8; 32]), "hash_algorithm": "SHA-256", "key_version": 1}),
        )
        .await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
}

#[tokio::test]
async fn list_filters() {
    let (_server, client) = start().await;
    client.generate("Kyber768").await;
    client.rotate("Kyber768").await;
    client.generate("Dilithium3").await;

    let reply = client.get("/api/v1/kms/keys").await;
    let data = reply.ok();
    assert_eq!(data["total"], 3);
    for key in data["keys"].as_array().unwrap() {
        assert!(key["public_key"].as_str().is_some());
        assert!(key.get("private_key").is_none());
    }

    let reply = client.get("/api/v1/kms/keys?algorithm=Kyber768").await;
    assert_eq!(reply.ok()["total"], 2);
    let reply = client
        .get("/api/v1/kms/keys?algorithm=Kyber768&status=retired")
        .await;
    let data = reply.ok();
    assert_eq!(data["total"], 1);
    assert_eq!(data["keys"][0]["key_version"], 1);
    let reply = client.get("/api/v1/kms/keys?status=active").await;
    assert_eq!(reply.ok()["total"], 2);

    let reply = client.get("/api/v1/kms/keys?status=deleted").await;
    reply.assert_error(400, "ERR_INVALID_001");
    let reply = client.get("/api/v1/kms/keys?algorithm=X-Wing").await;
    reply.assert_error(400, "ERR_KMS_001");
    let reply = client.get("/api/v1/kms/keys/active").await;
    reply.assert_error(400, "ERR_KMS_001");
    let reply = client.get("/api/v1/kms/keys/abc?algorithm=Kyber768").await;
    reply.assert_error(400, "ERR_INVALID_001");
    let reply = client.get("/api/v1/kms/keys/0?algorithm=Kyber768").await;
    reply.assert_error(400, "ERR_INVALID_001");
}

#[tokio::test]
async fn archived_key_refuses_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = common::start_with(
        qpher_server::ServerConfig::persistent(dir.path())
            .master_key(qpher_server::MasterKey::from_bytes([3u8; 32])),
    )
    .await;
    client.generate("Kyber768").await;
    let ciphertext = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"x"), "key_version": 1}),
        )
        .await
        .ok()["ciphertext"]
        .clone();
    client.rotate("Kyber768").await;

    let admin = qpher_server::Admin::open(
        dir.path(),
        Some(qpher_server::MasterKey::from_bytes([3u8; 32])),
    )
    .unwrap();
    admin
        .archive_key(None, &qpher_types::Algorithm::Kyber768, 1)
        .unwrap();

    let reply = client
        .post(
            "/api/v1/kem/decrypt",
            json!({"ciphertext": ciphertext, "key_version": 1}),
        )
        .await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
    assert!(reply.message().contains("archived"), "{}", reply.message());
    let reply = client
        .post(
            "/api/v1/kem/decapsulate",
            json!({"kem_ciphertext": b64(&[0u8; 1088]), "key_version": 1}),
        )
        .await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");

    let reply = client.get("/api/v1/kms/keys/1?algorithm=Kyber768").await;
    assert_eq!(reply.ok()["status"], "archived");
    let reply = client
        .post(
            "/api/v1/kms/keys/retire",
            json!({"algorithm": "Kyber768", "key_version": 1}),
        )
        .await;
    reply.assert_error(409, "ERR_CONFLICT_001");

    server.shutdown().await.unwrap();
}
