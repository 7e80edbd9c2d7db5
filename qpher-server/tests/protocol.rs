//! Cross-cutting HTTP behaviour: authentication, envelopes and request ids, malformed
//! requests, tenant isolation, idempotent replay, the rate limit and concurrent rotation.

mod common;

use std::collections::BTreeSet;

use common::{Client, b64, start, start_with};
use qpher_server::ServerConfig;
use serde_json::json;

#[tokio::test]
async fn health_needs_no_key() {
    let (_server, client) = start().await;
    let reply = client
        .send(client.http.get(format!("{}/health", client.base_url)))
        .await;
    assert_eq!(reply.ok()["status"], "ok");
    common::assert_envelope(&reply);
}

#[tokio::test]
async fn authentication_failures() {
    let (server, client) = start().await;
    assert!(server.api_key().starts_with("qph_"));
    assert_eq!(server.api_key().len(), 36);

    let reply = client
        .send(
            client
                .http
                .get(format!("{}/api/v1/kms/keys", client.base_url)),
        )
        .await;
    reply.assert_error(401, "ERR_AUTH_001");

    let reply = client.with_key("qph_wrong").get("/api/v1/kms/keys").await;
    reply.assert_error(401, "ERR_AUTH_001");

    // An unknown route is still behind authentication, like the hosted gateway.
    let reply = client.with_key("").get("/api/v1/nothing").await;
    reply.assert_error(401, "ERR_AUTH_001");

    // The header name is case-insensitive.
    for name in ["X-API-Key", "X-Api-Key", "x-api-key"] {
        let reply = client
            .send(
                client
                    .http
                    .get(format!("{}/api/v1/kms/keys", client.base_url))
                    .header(name, server.api_key()),
            )
            .await;
        reply.ok();
    }
}

#[tokio::test]
async fn request_id_echo_and_generation() {
    let (_server, client) = start().await;

    let reply = client
        .send(
            client
                .http
                .get(format!("{}/api/v1/kms/keys", client.base_url))
                .header("x-api-key", &client.api_key)
                .header("x-request-id", "req-123"),
        )
        .await;
    assert_eq!(reply.body["request_id"], "req-123");
    assert_eq!(reply.headers["x-request-id"], "req-123");

    // An error response echoes it too.
    let reply = client
        .send(
            client
                .http
                .get(format!("{}/api/v1/kms/keys", client.base_url))
                .header("x-request-id", "req-456"),
        )
        .await;
    assert_eq!(reply.body["request_id"], "req-456");

    // Too long or unprintable ids are replaced by a UUID.
    for bad in ["x".repeat(200), "has space".to_owned()] {
        let reply = client
            .send(
                client
                    .http
                    .get(format!("{}/api/v1/kms/keys", client.base_url))
                    .header("x-api-key", &client.api_key)
                    .header("x-request-id", bad.as_str()),
            )
            .await;
        let id = reply.body["request_id"].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
}

#[tokio::test]
async fn malformed_requests_get_envelopes() {
    let (_server, client) = start().await;
    let url = format!("{}/api/v1/kem/encrypt", client.base_url);
    let post = || client.http.post(&url).header("x-api-key", &client.api_key);

    // Not JSON.
    let reply = client
        .send(
            post()
                .header("content-type", "application/json")
                .body("plaintext=abc"),
        )
        .await;
    reply.assert_error(400, "ERR_INVALID_001");
    assert!(
        reply.message().contains("not valid JSON"),
        "{}",
        reply.message()
    );

    // Truncated JSON.
    let reply = client
        .send(
            post()
                .header("content-type", "application/json")
                .body("{\"plaintext\": "),
        )
        .await;
    reply.assert_error(400, "ERR_INVALID_001");

    // A JSON value that is not an object.
    let reply = client
        .send(post().header("content-type", "application/json").body("[]"))
        .await;
    reply.assert_error(400, "ERR_INVALID_001");

    // Missing and mistyped fields name the field.
    let reply = client
        .post("/api/v1/kem/encrypt", json!({"key_version": 1}))
        .await;
    reply.assert_error(400, "ERR_KEM_001");
    assert!(
        reply.message().contains("`plaintext`"),
        "{}",
        reply.message()
    );
    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"x"), "key_version": "one"}),
        )
        .await;
    reply.assert_error(400, "ERR_KEM_001");
    assert!(
        reply.message().contains("`key_version`"),
        "{}",
        reply.message()
    );
    let reply = client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": "***", "key_version": 1}),
        )
        .await;
    reply.assert_error(400, "ERR_KEM_001");
    assert!(
        reply.message().contains("`plaintext`"),
        "{}",
        reply.message()
    );
    let reply = client
        .post(
            "/api/v1/kms/keys/retire",
            json!({"algorithm": "Kyber768", "key_version": -1}),
        )
        .await;
    reply.assert_error(400, "ERR_INVALID_001");
    assert!(
        reply.message().contains("`key_version`"),
        "{}",
        reply.message()
    );

    // Missing and wrong content types.
    let reply = client.send(post().body("{}")).await;
    reply.assert_error(415, "ERR_INVALID_001");
    let reply = client
        .send(post().header("content-type", "text/plain").body("{}"))
        .await;
    reply.assert_error(415, "ERR_INVALID_001");
    let reply = client
        .send(
            post()
                .header("content-type", "application/json; charset=utf-8")
                .body(r#"{"key_version": 1}"#),
        )
        .await;
    reply.assert_error(400, "ERR_KEM_001");

    // Oversized body.
    let reply = client
        .send(
            post()
                .header("content-type", "application/json")
                .body(vec![b' '; 2 * 1024 * 1024]),
        )
        .await;
    reply.assert_error(413, "ERR_INVALID_001");
}

#[tokio::test]
async fn unknown_route_and_method() {
    let (_server, client) = start().await;

    let reply = client.get("/api/v1/unknown").await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
    let reply = client.post("/api/v2/kem/encrypt", json!({})).await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");

    let reply = client.get("/api/v1/kem/encrypt").await;
    reply.assert_error(405, "ERR_INVALID_001");
    let reply = client
        .send(
            client
                .http
                .delete(format!("{}/api/v1/kms/keys", client.base_url))
                .header("x-api-key", &client.api_key),
        )
        .await;
    reply.assert_error(405, "ERR_INVALID_001");
}

#[tokio::test]
async fn tenants_are_isolated() {
    let (server, alice) = start().await;
    let bob = alice.with_key(&server.create_api_key().unwrap());

    alice.generate("Kyber768").await;
    let ciphertext = alice
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"alice only"), "key_version": 1}),
        )
        .await
        .ok()["ciphertext"]
        .clone();

    // Bob lists no keys and cannot use Alice's version 1.
    assert_eq!(bob.get("/api/v1/kms/keys").await.ok()["total"], 0);
    let reply = bob
        .post(
            "/api/v1/kem/decrypt",
            json!({"ciphertext": ciphertext, "key_version": 1}),
        )
        .await;
    reply.assert_error(404, "ERR_KEM_005");

    // Bob's own version 1 is a different key that cannot open Alice's ciphertext.
    let bob_key = bob.generate("Kyber768").await;
    assert_eq!(bob_key, 1);
    let alice_public = alice
        .get("/api/v1/kms/keys/1?algorithm=Kyber768")
        .await
        .ok()["public_key"]
        .clone();
    let bob_public =
        bob.get("/api/v1/kms/keys/1?algorithm=Kyber768").await.ok()["public_key"].clone();
    assert_ne!(alice_public, bob_public);
    let reply = bob
        .post(
            "/api/v1/kem/decrypt",
            json!({"ciphertext": ciphertext, "key_version": 1}),
        )
        .await;
    reply.assert_error(400, "ERR_KEM_003");
    assert_eq!(alice.get("/api/v1/kms/keys").await.ok()["total"], 1);
}

#[tokio::test]
async fn idempotent_replay_and_conflict() {
    let (server, client) = start().await;
    let post = |key: &str, path: &str, body: serde_json::Value| {
        let client = client.clone();
        let key = key.to_owned();
        let url = format!("{}{path}", client.base_url);
        async move {
            client
                .send(
                    client
                        .http
                        .post(url)
                        .header("x-api-key", &client.api_key)
                        .header("idempotency-key", key)
                        .json(&body),
                )
                .await
        }
    };
    let generate = json!({"algorithm": "Kyber768"});

    let first = post("gen-1", "/api/v1/kms/keys/generate", generate.clone()).await;
    assert_eq!(first.status.as_u16(), 201);
    let replay = post("gen-1", "/api/v1/kms/keys/generate", generate.clone()).await;
    assert_eq!(replay.status.as_u16(), 201);
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(client.get("/api/v1/kms/keys").await.ok()["total"], 1);

    // Rotate twice with one key: one rotation happens.
    let rotate = json!({"algorithm": "Kyber768"});
    let first = post("rot-1", "/api/v1/kms/keys/rotate", rotate.clone()).await;
    let replay = post("rot-1", "/api/v1/kms/keys/rotate", rotate.clone()).await;
    assert_eq!(first.ok()["key_version"], 2);
    assert_eq!(replay.body, first.body);
    assert_eq!(client.get("/api/v1/kms/keys").await.ok()["total"], 2);

    // The same key with another body or path conflicts.
    let reply = post(
        "rot-1",
        "/api/v1/kms/keys/rotate",
        json!({"algorithm": "Dilithium3"}),
    )
    .await;
    reply.assert_error(409, "ERR_CONFLICT_001");
    let reply = post("rot-1", "/api/v1/kms/keys/generate", rotate.clone()).await;
    reply.assert_error(409, "ERR_CONFLICT_001");

    // Keys are per tenant: another tenant may reuse the name.
    let other = client.with_key(&server.create_api_key().unwrap());
    let reply = other
        .send(
            other
                .http
                .post(format!("{}/api/v1/kms/keys/generate", other.base_url))
                .header("x-api-key", &other.api_key)
                .header("idempotency-key", "gen-1")
                .json(&generate),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201);
    assert!(reply.headers.get("idempotent-replayed").is_none());

    // A failed request is not stored: the retry runs again.
    let retire = json!({"algorithm": "Kyber768", "key_version": 5});
    let reply = post("ret-1", "/api/v1/kms/keys/retire", retire.clone()).await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
    let reply = post("ret-1", "/api/v1/kms/keys/retire", retire).await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");

    let reply = post("bad key with spaces", "/api/v1/kms/keys/rotate", rotate).await;
    reply.assert_error(400, "ERR_INVALID_001");
}

#[tokio::test]
async fn rate_limit_sends_retry_after() {
    let (_server, client) = start_with(ServerConfig::in_memory().rate_limit(2.0)).await;

    let mut limited = None;
    for _ in 0..10 {
        let reply = client.get("/api/v1/kms/keys").await;
        if reply.status.as_u16() == 429 {
            limited = Some(reply);
            break;
        }
        reply.ok();
    }
    let reply = limited.expect("no request was rate limited");
    reply.assert_error(429, "ERR_RATE_LIMIT_001");
    let retry_after: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1).contains(&retry_after), "{retry_after}");

    // Health is not rate limited, and waiting restores the budget.
    let health = client
        .send(client.http.get(format!("{}/health", client.base_url)))
        .await;
    health.ok();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    client.get("/api/v1/kms/keys").await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_rotations_stay_consistent() {
    let (_server, client) = start().await;
    client.generate("Dilithium3").await;

    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let client: Client = client.clone();
            tokio::spawn(async move { client.rotate("Dilithium3").await })
        })
        .collect();
    let mut versions = BTreeSet::new();
    for task in tasks {
        assert!(
            versions.insert(task.await.unwrap()),
            "a version was returned twice"
        );
    }
    assert_eq!(versions, (2..=65).collect::<BTreeSet<u32>>());

    let data = client
        .get("/api/v1/kms/keys?algorithm=Dilithium3")
        .await
        .ok()
        .clone();
    assert_eq!(data["total"], 65);
    let active: Vec<_> = data["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|key| key["status"] == "active")
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["key_version"], 65);
}

#[test]
fn background_server_serves_and_stops() {
    let server = ServerConfig::in_memory()
        .listen("127.0.0.1:0".parse().unwrap())
        .start_background()
        .unwrap();
    let base_url = server.base_url();
    assert!(base_url.starts_with("http://127.0.0.1:"));
    assert!(!base_url.ends_with('/'));
    assert_eq!(
        server.local_addr().port(),
        base_url.rsplit(':').next().unwrap().parse::<u16>().unwrap()
    );
    let other_key = server.create_api_key().unwrap();
    assert_ne!(other_key, server.api_key());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Client::new(base_url.clone(), server.api_key());
        client.generate("Kyber768").await;
        client
            .with_key(&other_key)
            .get("/api/v1/kms/keys")
            .await
            .ok();
    });

    drop(server);
    let refused = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{base_url}/health"))
            .send()
            .await
            .is_err()
    });
    assert!(refused, "the server still answers after drop");
}
