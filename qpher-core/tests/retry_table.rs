//! The retry state machine over a table of (attempt, outcome, header) cases, driven
//! through [`Call`] as a driver would drive it, with a fixed clock and no jitter.

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use qpher_core::types::{Algorithm, DecryptRequest, ErrorCode, RotateKeyRequest};
use qpher_core::{
    Call, CallIds, Config, ErrorKind, Operation, RetryPolicy, Step, TransportError,
    TransportErrorKind,
};

/// 2026-01-01T00:00:00Z, the fixed "now" of every case.
fn now() -> SystemTime {
    httpdate::parse_http_date("Thu, 01 Jan 2026 00:00:00 GMT").unwrap()
}

fn config(policy: RetryPolicy) -> Config {
    Config::builder()
        .api_key("qph_retry_table")
        .base_url("http://127.0.0.1:1")
        .retry_policy(policy)
        .build_with_env(|_| None)
        .unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Outcome {
    Status(u16, Option<&'static str>),
    Transport(TransportErrorKind),
}

#[derive(Debug, PartialEq)]
enum Expect {
    Retry(Duration),
    Fail(ErrorKind),
}

fn run<O: Operation>(
    operation: O,
    policy: RetryPolicy,
    outcome: Outcome,
    attempt: u32,
) -> (Step<O::Output>, u32) {
    let mut call = Call::new(&config(policy), operation, CallIds::from_random([5; 32])).unwrap();
    let mut last = None;
    for _ in 0..attempt {
        let _ = call.next_request();
        let step = apply(&mut call, outcome);
        let done = matches!(step, Step::Done(_));
        last = Some(step);
        if done {
            break;
        }
    }
    (last.unwrap(), call.attempts())
}

fn apply<O: Operation>(call: &mut Call<O>, outcome: Outcome) -> Step<O::Output> {
    match outcome {
        Outcome::Status(status, retry_after) => {
            let mut headers = HeaderMap::new();
            if let Some(value) = retry_after {
                headers.insert("retry-after", value.parse().unwrap());
            }
            call.handle_response(status, &headers, b"{}", now(), 0)
        }
        Outcome::Transport(kind) => call.handle_transport_error(TransportError::from_kind(kind), 0),
    }
}

fn summarize<T>(step: Step<T>) -> Expect {
    match step {
        Step::Retry { delay, .. } => Expect::Retry(delay),
        Step::Done(Ok(_)) => panic!("no case succeeds"),
        Step::Done(Err(error)) => Expect::Fail(error.kind()),
    }
}

fn decrypt() -> DecryptRequest {
    DecryptRequest {
        ciphertext: vec![1],
        key_version: 1,
        algorithm: None,
    }
}

const MS: fn(u64) -> Duration = Duration::from_millis;
const S: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn safe_operation_table() {
    use Expect::*;
    use Outcome::*;
    use TransportErrorKind::*;

    let policy = RetryPolicy::default().jitter(false);
    let cases: Vec<(u32, Outcome, Expect)> = vec![
        (1, Status(429, None), Retry(MS(500))),
        (2, Status(429, None), Retry(S(1))),
        (3, Status(502, None), Retry(S(2))),
        (4, Status(503, None), Fail(ErrorKind::Connection)),
        (4, Status(504, None), Fail(ErrorKind::Timeout)),
        (1, Status(500, None), Fail(ErrorKind::Server)),
        (1, Status(400, None), Fail(ErrorKind::Validation)),
        (1, Status(429, Some("0")), Retry(MS(500))),
        (1, Status(429, Some("-1")), Retry(MS(500))),
        (1, Status(429, Some("1.5")), Retry(MS(500))),
        (1, Status(429, Some("abc")), Retry(MS(500))),
        (1, Status(429, Some("3")), Retry(S(3))),
        (2, Status(503, Some("3")), Retry(S(3))),
        (3, Status(503, Some("1")), Retry(S(2))),
        (1, Status(429, Some("10")), Retry(S(10))),
        (1, Status(429, Some("11")), Fail(ErrorKind::RateLimit)),
        (
            1,
            Status(429, Some("Thu, 01 Jan 2026 00:00:04 GMT")),
            Retry(S(4)),
        ),
        (
            1,
            Status(429, Some("Wed, 31 Dec 2025 23:00:00 GMT")),
            Retry(MS(500)),
        ),
        (
            1,
            Status(429, Some("Thu, 01 Jan 2026 02:00:00 GMT")),
            Fail(ErrorKind::RateLimit),
        ),
        (
            1,
            Status(429, Some("18446744073709551616")),
            Fail(ErrorKind::RateLimit),
        ),
        (
            1,
            Status(429, Some("99999999999999999999999999999999")),
            Fail(ErrorKind::RateLimit),
        ),
        (1, Transport(Connect), Retry(MS(500))),
        (2, Transport(Timeout), Retry(S(1))),
        (1, Transport(Io), Retry(MS(500))),
        (4, Transport(Io), Fail(ErrorKind::Connection)),
        (
            1,
            Transport(ResponseTooLarge),
            Fail(ErrorKind::ResponseTooLarge),
        ),
    ];

    for (attempt, outcome, expected) in cases {
        let (step, _) = run(decrypt(), policy.clone(), outcome, attempt);
        assert_eq!(summarize(step), expected, "attempt {attempt}, {outcome:?}");
    }
}

#[test]
fn retry_after_beyond_cap_carries_delay() {
    let outcome = Outcome::Status(429, Some("Thu, 01 Jan 2026 02:00:00 GMT"));
    let (step, attempts) = run(decrypt(), RetryPolicy::default(), outcome, 1);
    let Step::Done(Err(error)) = step else {
        panic!("expected the call to stop");
    };
    assert_eq!(attempts, 1);
    assert_eq!(error.retry_after(), Some(S(7200)));
    assert!(error.is_rate_limit());
}

#[test]
fn permanent_code_stops() {
    let policy = RetryPolicy::default().jitter(false);
    let mut call = Call::new(&config(policy), decrypt(), CallIds::from_random([1; 32])).unwrap();
    let _ = call.next_request();
    let body = br#"{"detail":{"error_code":"ERR_SIG_022","message":"SLH-DSA is disabled"}}"#;
    let Step::Done(Err(error)) = call.handle_response(503, &HeaderMap::new(), body, now(), 0)
    else {
        panic!("ERR_SIG_022 must not be retried");
    };
    assert_eq!(error.error_code(), &ErrorCode::Sig022);
    assert!(!error.is_retryable());
}

#[test]
fn mutation_table() {
    use Outcome::*;
    use TransportErrorKind::*;

    let rotate = || RotateKeyRequest {
        algorithm: Algorithm::Kyber768,
    };
    let policy = RetryPolicy::default().jitter(false);

    for outcome in [Status(429, None), Status(503, None), Transport(Connect)] {
        let (step, _) = run(rotate(), policy.clone(), outcome, 1);
        assert_eq!(summarize(step), Expect::Retry(MS(500)), "{outcome:?}");
    }

    for outcome in [
        Status(502, None),
        Status(504, None),
        Transport(Timeout),
        Transport(Io),
    ] {
        let (step, attempts) = run(rotate(), policy.clone(), outcome, 1);
        let Step::Done(Err(error)) = step else {
            panic!("{outcome:?} must stop a rotation");
        };
        assert_eq!(attempts, 1);
        assert!(error.is_outcome_unknown(), "{outcome:?}");
        assert!(error.to_string().contains("outcome is unknown"), "{error}");
    }

    let opted_in = policy.retry_uncertain_mutations(true);
    let (step, _) = run(rotate(), opted_in, Status(502, None), 1);
    assert_eq!(summarize(step), Expect::Retry(MS(500)));
}

#[test]
fn attempts_counted_in_error() {
    let policy = RetryPolicy::default().jitter(false).max_retries(2);
    let (step, attempts) = run(decrypt(), policy, Outcome::Status(502, None), 10);
    let Step::Done(Err(error)) = step else {
        panic!("expected exhaustion");
    };
    assert_eq!(attempts, 3);
    assert_eq!(error.attempts(), 3);
}

#[test]
fn backoff_at_huge_attempt_counts() {
    let policy = RetryPolicy::default().jitter(false);
    for retry in (0..=u32::MAX)
        .step_by(65_537)
        .chain([u32::MAX - 1, u32::MAX])
    {
        let delay = policy.backoff(retry);
        assert!(delay <= S(10), "retry {retry}");
        assert!(delay >= MS(500), "retry {retry}");
    }

    let extreme = RetryPolicy::default()
        .base_delay(Duration::MAX)
        .max_delay(Duration::MAX);
    for retry in [0, 1, 64, u32::MAX] {
        assert_eq!(extreme.backoff(retry), Duration::MAX);
    }
}

#[test]
fn jitter_within_half_and_full() {
    for random in [0, 1, u64::MAX / 3, u64::MAX] {
        let policy = RetryPolicy::default();
        let mut call =
            Call::new(&config(policy), decrypt(), CallIds::from_random([1; 32])).unwrap();
        let _ = call.next_request();

        let Step::Retry { delay, .. } =
            call.handle_response(502, &HeaderMap::new(), b"", now(), random)
        else {
            panic!("502 is retried");
        };
        assert!(
            delay >= MS(250) && delay <= MS(500),
            "random {random}: {delay:?}"
        );
    }
}
