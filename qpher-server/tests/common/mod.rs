//! Helpers shared by the HTTP-level tests: an in-process server and a small JSON client.

#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use qpher_server::{RunningServer, ServerConfig};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// A response: status, headers and the JSON body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Returns the `data` member of a success envelope.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Returns the error code of an error envelope.
    pub fn code(&self) -> &str {
        self.body["error"]["error_code"].as_str().unwrap_or("")
    }

    /// Returns the error message of an error envelope.
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    /// Asserts a success status and returns `data`.
    pub fn ok(&self) -> &Value {
        assert!(self.status.is_success(), "{} {}", self.status, self.body);
        self.data()
    }

    /// Asserts an error status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.code(), code, "{}", self.body);
        assert_envelope(self);
    }
}

/// Asserts the envelope members every response has.
pub fn assert_envelope(reply: &Reply) {
    let request_id = reply.body["request_id"].as_str().expect("request_id");
    assert!(!request_id.is_empty());
    let header = reply.headers["x-request-id"].to_str().unwrap();
    assert_eq!(header, request_id);
    let timestamp = reply.body["timestamp"].as_str().expect("timestamp");
    assert!(timestamp.ends_with('Z'), "{timestamp}");
    assert_eq!(
        reply.headers["content-type"].to_str().unwrap(),
        "application/json"
    );
}

/// A JSON client for one API key.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base_url: String,
    pub api_key: String,
}

impl Client {
    pub fn new(base_url: String, api_key: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url,
            api_key: api_key.to_owned(),
        }
    }

    /// Returns the same server with another API key.
    pub fn with_key(&self, api_key: &str) -> Self {
        Self {
            api_key: api_key.to_owned(),
            ..self.clone()
        }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request failed");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("body is not JSON ({error}): {text:?}"));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(
            self.http
                .post(format!("{}{path}", self.base_url))
                .header("x-api-key", &self.api_key)
                .json(&body),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(
            self.http
                .get(format!("{}{path}", self.base_url))
                .header("x-api-key", &self.api_key),
        )
        .await
    }

    /// Generates a key and returns its version.
    pub async fn generate(&self, algorithm: &str) -> u32 {
        let reply = self
            .post("/api/v1/kms/keys/generate", json!({"algorithm": algorithm}))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.data()["key_version"].as_u64().unwrap() as u32
    }

    /// Rotates a key and returns the new version.
    pub async fn rotate(&self, algorithm: &str) -> u32 {
        let reply = self
            .post("/api/v1/kms/keys/rotate", json!({"algorithm": algorithm}))
            .await;
        reply.ok()["key_version"].as_u64().unwrap() as u32
    }
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn unb64(value: &Value) -> Vec<u8> {
    STANDARD
        .decode(value.as_str().expect("base64 string"))
        .unwrap()
}

/// Starts an in-memory server on a free port and returns it with a client.
pub async fn start() -> (RunningServer, Client) {
    start_with(ServerConfig::in_memory()).await
}

pub async fn start_with(config: ServerConfig) -> (RunningServer, Client) {
    let server = config
        .listen("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    let client = Client::new(server.base_url(), server.api_key());
    (server, client)
}
