//! Wire contract of the key-management operations, run through both clients against
//! `httpmock`, and the fresh request id and idempotency key of every call.

use httpmock::MockServer;
use qpher_tests::{
    Flavour, Op, Settings, WireCase, check_all, recording_mock, run_many, success_body,
};
use qpher_types::{Algorithm, KeyStatus};
use serde_json::{Value, json};

fn key_info(version: u32, algorithm: &str, status: &str) -> Value {
    json!({
        "key_version": version,
        "algorithm": algorithm,
        "status": status,
        "public_key": "/AA/",
        "created_at": "2026-01-01T10:30:00.000Z",
    })
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
fn key_requests() {
    check_all(&key_cases());
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
