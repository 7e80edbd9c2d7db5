//! Client-side envelope encryption through both clients: `encrypt_local` then
//! `decrypt_local`, the official Python SDK's byte layout, and tampered envelopes.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use httpmock::MockServer;
use qpher_core::{ErrorKind, LocalEnvelope};
use qpher_tests::{
    Flavour, Op, Recorded, Settings, b64, last_request, recording_route, secret_forms, success_body,
};
use qpher_types::Algorithm;
use serde_json::{Value, json};

const SHARED_SECRET: [u8; 32] = *b"local-envelope-shared-secret-32b";

fn kem_ciphertext() -> Vec<u8> {
    (0..1088u32).map(|i| (i % 251) as u8).collect()
}

/// Mounts a success response with `data` on `path` and returns its recorded requests.
fn mount(server: &MockServer, path: &str, data: Value, request_id: &str) -> Recorded {
    let body = success_body(data, Some(request_id)).to_string();
    let (_mock, recorded) = recording_route(server, path, 200, &[], body.as_bytes());
    recorded
}

/// A server whose encapsulate returns `kem_ciphertext()` with [`SHARED_SECRET`], and whose
/// decapsulate returns `decapsulated`.
struct KemServer {
    server: MockServer,
    encapsulate: Recorded,
    decapsulate: Recorded,
}

impl KemServer {
    fn start(decapsulated: &[u8]) -> Self {
        let server = MockServer::start();
        let encapsulate = mount(
            &server,
            "/api/v1/kem/encapsulate",
            json!({
                "kem_ciphertext": b64(kem_ciphertext()),
                "shared_secret": b64(SHARED_SECRET),
                "key_version": 1,
                "algorithm": "Kyber768",
            }),
            "req-encapsulate",
        );
        let decapsulate = mount(
            &server,
            "/api/v1/kem/decapsulate",
            json!({ "shared_secret": b64(decapsulated), "key_version": 1, "algorithm": "Kyber768" }),
            "req-decapsulate",
        );
        Self {
            server,
            encapsulate,
            decapsulate,
        }
    }

    fn settings(&self) -> Settings {
        Settings::new(self.server.base_url())
    }
}

fn encrypt_local(flavour: Flavour, settings: &Settings, plaintext: &[u8]) -> Value {
    let op = Op::EncryptLocal {
        plaintext: plaintext.to_vec(),
        key_version: 1,
    };
    qpher_tests::run(flavour, settings, op).unwrap_or_else(|error| panic!("{flavour:?}: {error}"))
}

fn decode(fields: &Value, name: &str) -> Vec<u8> {
    let text = fields[name].as_str().unwrap_or_else(|| panic!("no {name}"));
    STANDARD.decode(text).expect("base64")
}

fn decrypt_local(flavour: Flavour, settings: &Settings, envelope: LocalEnvelope) -> Vec<u8> {
    let fields = qpher_tests::run(flavour, settings, Op::DecryptLocal { envelope })
        .unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
    decode(&fields, "plaintext")
}

fn open(iv: &[u8], aes_ciphertext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(&SHARED_SECRET).unwrap();
    let payload = Payload {
        msg: aes_ciphertext,
        aad,
    };
    cipher
        .decrypt(Nonce::from_slice(iv), payload)
        .expect("the envelope opens with the shared secret")
}

#[test]
fn round_trip() {
    let plaintexts: [&[u8]; 3] = [b"local envelope plaintext", b"", &[0xff; 5000]];
    for flavour in Flavour::ALL {
        for plaintext in plaintexts {
            let context = format!("{flavour:?} {} bytes", plaintext.len());
            let kem = KemServer::start(&SHARED_SECRET);
            let settings = kem.settings();

            let fields = encrypt_local(flavour, &settings, plaintext);
            assert_eq!(fields["key_version"], 1, "{context}");
            assert_eq!(fields["algorithm"], "Kyber768", "{context}");
            assert_eq!(fields["request_id"], "req-encapsulate", "{context}");

            let bytes = decode(&fields, "bytes");
            let envelope = LocalEnvelope::from_bytes(&bytes, 1, Algorithm::Kyber768).unwrap();
            let decrypted = decrypt_local(flavour, &settings, envelope);
            assert_eq!(decrypted, plaintext, "{context}");
        }
    }
}

#[test]
fn envelope_layout() {
    let plaintext = b"layout check";
    for flavour in Flavour::ALL {
        let kem = KemServer::start(&SHARED_SECRET);
        let fields = encrypt_local(flavour, &kem.settings(), plaintext);

        let bytes = decode(&fields, "bytes");
        let kem_ciphertext = kem_ciphertext();
        let (length, rest) = bytes.split_at(2);
        assert_eq!(length, [0x04, 0x40], "{flavour:?}: 1088 as big-endian u16");
        let (kem_part, rest) = rest.split_at(kem_ciphertext.len());
        assert_eq!(kem_part, kem_ciphertext, "{flavour:?}");
        let (iv, aes_ciphertext) = rest.split_at(12);
        assert_eq!(aes_ciphertext.len(), plaintext.len() + 16, "{flavour:?}");
        assert_eq!(iv, decode(&fields, "iv"), "{flavour:?}");
        assert_eq!(
            aes_ciphertext,
            decode(&fields, "aes_ciphertext"),
            "{flavour:?}"
        );

        let opened = open(iv, aes_ciphertext, &kem_ciphertext);
        assert_eq!(opened, plaintext, "{flavour:?}");
    }
}

#[test]
fn plaintext_stays_local() {
    let plaintext = b"this plaintext never leaves the client";
    for flavour in Flavour::ALL {
        let kem = KemServer::start(&SHARED_SECRET);
        let settings = kem.settings();
        let fields = encrypt_local(flavour, &settings, plaintext);
        let bytes = decode(&fields, "bytes");
        let envelope = LocalEnvelope::from_bytes(&bytes, 1, Algorithm::Kyber768).unwrap();
        decrypt_local(flavour, &settings, envelope);

        let request = last_request(&kem.encapsulate);
        assert_eq!(request.json(), json!({ "key_version": 1 }), "{flavour:?}");
        let request = last_request(&kem.decapsulate);
        let body = request.json();
        assert_eq!(body["kem_ciphertext"], b64(kem_ciphertext()), "{flavour:?}");
        assert_eq!(body["key_version"], 1, "{flavour:?}");
        if let Some(algorithm) = body.get("algorithm") {
            assert_eq!(algorithm, "Kyber768", "{flavour:?}");
        }

        for recorded in [&kem.encapsulate, &kem.decapsulate] {
            let text = String::from_utf8_lossy(&last_request(recorded).body).into_owned();
            for form in secret_forms(plaintext) {
                assert!(!text.contains(&form), "{flavour:?}: {text}");
            }
        }
    }
}

#[test]
fn fresh_iv_per_call() {
    for flavour in Flavour::ALL {
        let kem = KemServer::start(&SHARED_SECRET);
        let first = encrypt_local(flavour, &kem.settings(), b"same input");
        let second = encrypt_local(flavour, &kem.settings(), b"same input");
        assert_ne!(first["iv"], second["iv"], "{flavour:?}");
        assert_ne!(
            first["aes_ciphertext"], second["aes_ciphertext"],
            "{flavour:?}"
        );
    }
}

/// Builds an envelope the way the official Python SDK's `to_bytes` lays it out, sealing
/// with the `aes-gcm` crate directly.
fn python_envelope(plaintext: &[u8], iv: [u8; 12]) -> Vec<u8> {
    let kem_ciphertext = kem_ciphertext();
    let cipher = Aes256Gcm::new_from_slice(&SHARED_SECRET).unwrap();
    let payload = Payload {
        msg: plaintext,
        aad: &kem_ciphertext,
    };
    let sealed = cipher.encrypt(Nonce::from_slice(&iv), payload).unwrap();

    let length = u16::try_from(kem_ciphertext.len()).unwrap();
    let mut bytes = length.to_be_bytes().to_vec();
    bytes.extend_from_slice(&kem_ciphertext);
    bytes.extend_from_slice(&iv);
    bytes.extend_from_slice(&sealed);
    bytes
}

#[test]
fn python_layout_decrypts() {
    let plaintext = b"sealed by the Python SDK layout";
    let bytes = python_envelope(plaintext, *b"python-iv-12");
    for flavour in Flavour::ALL {
        let kem = KemServer::start(&SHARED_SECRET);
        let envelope = LocalEnvelope::from_bytes(&bytes, 3, Algorithm::Kyber768).unwrap();
        assert_eq!(envelope.iv, *b"python-iv-12", "{flavour:?}");

        let decrypted = decrypt_local(flavour, &kem.settings(), envelope);

        assert_eq!(decrypted, plaintext, "{flavour:?}");
        let request = last_request(&kem.decapsulate).json();
        assert_eq!(request["key_version"], 3, "{flavour:?}");
        assert_eq!(
            request["kem_ciphertext"],
            b64(kem_ciphertext()),
            "{flavour:?}"
        );
    }
}

#[test]
fn tampered_envelope_rejected() {
    let bytes = python_envelope(b"do not alter", [7; 12]);
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;

    for flavour in Flavour::ALL {
        let cases = [
            ("tampered tag", tampered.clone(), SHARED_SECRET),
            ("wrong shared secret", bytes.clone(), [9; 32]),
        ];
        for (label, bytes, decapsulated) in cases {
            let kem = KemServer::start(&decapsulated);
            let envelope = LocalEnvelope::from_bytes(&bytes, 1, Algorithm::Kyber768).unwrap();
            let op = Op::DecryptLocal { envelope };

            let error =
                qpher_tests::run(flavour, &kem.settings(), op).expect_err("authentication fails");

            assert_eq!(
                error.kind(),
                ErrorKind::InvalidArgument,
                "{flavour:?} {label}"
            );
        }
    }
}
