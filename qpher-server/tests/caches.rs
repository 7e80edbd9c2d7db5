//! The in-memory caches of API keys and key versions: every change of a key's state is
//! seen on the next request, whether it came through the API or through the admin
//! commands on another connection to the same database.

mod common;

use common::{Client, b64};
use qpher_server::{Admin, MasterKey, RunningServer, ServerConfig};
use serde_json::json;

const MASTER_KEY: [u8; 32] = [7u8; 32];

async fn start_persistent(dir: &std::path::Path) -> (RunningServer, Client) {
    common::start_with(ServerConfig::persistent(dir).master_key(MasterKey::from_bytes(MASTER_KEY)))
        .await
}

fn open_admin(dir: &std::path::Path) -> Admin {
    Admin::open(dir, Some(MasterKey::from_bytes(MASTER_KEY))).unwrap()
}

async fn encrypt(client: &Client, version: u32) -> common::Reply {
    client
        .post(
            "/api/v1/kem/encrypt",
            json!({"plaintext": b64(b"cached"), "key_version": version}),
        )
        .await
}

#[tokio::test]
async fn revoked_api_key_rejected_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = start_persistent(dir.path()).await;
    let admin = open_admin(dir.path());
    let (other_tenant, other_key) = admin.create_api_key("other").unwrap();
    let other = client.with_key(&other_key);

    // Two requests, so the second one is served from the cache.
    other.get("/api/v1/kms/keys").await.ok();
    other.get("/api/v1/kms/keys").await.ok();

    let id = admin
        .api_keys()
        .unwrap()
        .into_iter()
        .find(|key| key.tenant_id == other_tenant)
        .unwrap()
        .id;
    admin.revoke_api_key(id).unwrap();

    let reply = other.get("/api/v1/kms/keys").await;
    reply.assert_error(401, "ERR_AUTH_001");
    // The server's own key is still accepted.
    client.get("/api/v1/kms/keys").await.ok();

    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn retired_key_rejects_encrypt() {
    let (_server, client) = common::start().await;
    let version = client.generate("Kyber768").await;
    let ciphertext = encrypt(&client, version).await.ok()["ciphertext"].clone();
    let decrypt = json!({"ciphertext": ciphertext, "key_version": version});
    client
        .post("/api/v1/kem/decrypt", decrypt.clone())
        .await
        .ok();

    client
        .post(
            "/api/v1/kms/keys/retire",
            json!({"algorithm": "Kyber768", "key_version": version}),
        )
        .await
        .ok();

    let reply = encrypt(&client, version).await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
    assert!(reply.message().contains("retired"), "{}", reply.message());
    client.post("/api/v1/kem/decrypt", decrypt).await.ok();
}

#[tokio::test]
async fn rotated_key_rejects_sign() {
    let (_server, client) = common::start().await;
    let old = client.generate("Dilithium3").await;
    let sign = json!({"message": b64(b"m"), "key_version": old});
    client
        .post("/api/v1/signature/sign", sign.clone())
        .await
        .ok();

    let new = client.rotate("Dilithium3").await;

    let reply = client.post("/api/v1/signature/sign", sign).await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
    let reply = client
        .post(
            "/api/v1/signature/sign",
            json!({"message": b64(b"m"), "key_version": new}),
        )
        .await;
    reply.ok();
}

#[tokio::test]
async fn archived_key_rejects_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client) = start_persistent(dir.path()).await;
    let version = client.generate("Kyber768").await;
    let ciphertext = encrypt(&client, version).await.ok()["ciphertext"].clone();
    let decrypt = json!({"ciphertext": ciphertext, "key_version": version});
    // Two decrypts, so the second one uses the cached private key.
    client
        .post("/api/v1/kem/decrypt", decrypt.clone())
        .await
        .ok();
    client
        .post("/api/v1/kem/decrypt", decrypt.clone())
        .await
        .ok();

    open_admin(dir.path())
        .archive_key(None, &qpher_types::Algorithm::Kyber768, version)
        .unwrap();

    let reply = client.post("/api/v1/kem/decrypt", decrypt).await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");
    assert!(reply.message().contains("archived"), "{}", reply.message());
    let reply = encrypt(&client, version).await;
    reply.assert_error(404, "ERR_NOT_FOUND_001");

    server.shutdown().await.unwrap();
}
