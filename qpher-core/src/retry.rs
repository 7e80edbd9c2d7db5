//! The retry policy and the per-call retry state machine.
//!
//! Nothing here sleeps or reads the clock: the driver passes the current time and a random
//! number in, and receives the delay to wait before the next attempt, or the decision to
//! stop. Every computation saturates, so no attempt count or header value can overflow.

use std::time::{Duration, SystemTime};

use qpher_types::ErrorCode;

use crate::{Error, ErrorKind};

/// Retries after the first attempt by default: at most 4 attempts in all.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// Delay before the first retry; each later retry doubles it.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(500);

/// Maximum delay between two attempts, and the maximum `Retry-After` the client honours.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(10);

/// How failed calls are retried.
///
/// The schedule is `base_delay × 2^n` capped at `max_delay` (0.5 s, 1 s, 2 s, ... 10 s by
/// default). With jitter on (the default) each delay is drawn between half and all of the
/// schedule's value, so clients that failed together do not retry together. A
/// `Retry-After` header within `max_delay` raises the delay to at least the requested wait.
/// A longer one stops the call with the rate-limit error, which carries the delay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    jitter: bool,
    retry_uncertain_mutations: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: DEFAULT_MAX_RETRIES,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            jitter: true,
            retry_uncertain_mutations: false,
        }
    }
}

impl RetryPolicy {
    /// Returns a policy that never retries.
    pub fn disabled() -> Self {
        Self::default().max_retries(0)
    }

    /// Sets how many retries follow a failed first attempt. Default: 3; 0 disables retries.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the delay before the first retry. Default: 500 ms.
    pub fn base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// Sets the longest delay between attempts and the longest `Retry-After` honoured.
    /// Default: 10 s.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Turns jitter on or off. Default: on; off gives the exact schedule.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Allows retrying generate, rotate and retire after a failure that may have happened
    /// after the service applied the change (502, 504, a timeout, a dropped connection).
    ///
    /// Default: off. Such a retry relies on the service honouring the `idempotency-key`
    /// header, which the client sends with the same value on every attempt.
    pub fn retry_uncertain_mutations(mut self, allow: bool) -> Self {
        self.retry_uncertain_mutations = allow;
        self
    }

    /// Returns the number of retries allowed after the first attempt.
    pub fn max_retries_value(&self) -> u32 {
        self.max_retries
    }

    /// Returns the delay before the first retry.
    pub fn base_delay_value(&self) -> Duration {
        self.base_delay
    }

    /// Returns the longest delay between attempts.
    pub fn max_delay_value(&self) -> Duration {
        self.max_delay
    }

    /// Returns whether delays are jittered.
    pub fn has_jitter(&self) -> bool {
        self.jitter
    }

    /// Returns whether uncertain lifecycle mutations are retried.
    pub fn retries_uncertain_mutations(&self) -> bool {
        self.retry_uncertain_mutations
    }

    /// Returns the schedule's delay before retry number `retry` (0 for the first retry),
    /// without jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.max_delay < self.base_delay {
            return Err(Error::new(
                ErrorKind::Configuration,
                "retry_policy is invalid: max_delay must be at least base_delay",
            ));
        }
        Ok(())
    }
}

/// Draws a delay between half and all of `delay` from `random`, uniformly over `u64`.
pub fn jittered(delay: Duration, random: u64) -> Duration {
    let nanos = delay.as_nanos();
    let half = nanos / 2;
    // 32 bits of randomness are plenty for a delay, and keep the product within u128 even
    // for Duration::MAX.
    let fraction = u128::from(random >> 32);
    let extra = (nanos - half) * fraction / u128::from(u32::MAX);
    duration_from_nanos(half + extra)
}

fn duration_from_nanos(nanos: u128) -> Duration {
    let seconds = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
    let subsec = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    Duration::new(seconds, subsec)
}

/// Parses a `Retry-After` header value: delay-seconds (`120`) or an HTTP date.
///
/// A date in the past means no wait. Values of neither form (`-1`, `1.5`, `abc`) are ignored
/// and return `None`. A number too large for `u64` saturates to [`Duration::MAX`], which is
/// beyond any cap and so stops the call.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();

    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(if seconds == u64::MAX {
            Duration::MAX
        } else {
            Duration::from_secs(seconds)
        });
    }

    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether an operation may be repeated when its outcome is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass {
    /// Reads and cryptographic operations: repeating one changes no stored state.
    Safe,
    /// Key-lifecycle changes (generate, rotate, retire): repeating one after it was applied
    /// could change keys twice, so it is retried only when the request surely was not
    /// processed.
    LifecycleMutation,
}

/// One failed attempt, as input to the retry state machine.
#[derive(Clone, Copy, Debug)]
pub enum Failure<'a> {
    /// The service returned an error status.
    Status {
        /// The HTTP status.
        status: u16,
        /// The error code read from the body, or the synthesized one.
        code: &'a ErrorCode,
        /// The parsed `Retry-After` header.
        retry_after: Option<Duration>,
    },
    /// No usable response arrived.
    Transport(crate::TransportErrorKind),
}

/// The retry decision after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send the same request again.
    Retry(Duration),
    /// Return the error.
    Stop(StopReason),
}

/// The reason the state machine stopped retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The failure is not transient.
    NotRetryable,
    /// Every allowed retry was used.
    Exhausted,
    /// The service asked to wait longer than the policy's `max_delay`.
    RetryAfterTooLong,
    /// A lifecycle mutation may have been applied, so repeating it is unsafe.
    OutcomeUnknown,
}

/// The retry state of one call.
#[derive(Clone, Debug)]
pub struct RetryState {
    policy: RetryPolicy,
    class: RetryClass,
    retries: u32,
}

impl RetryState {
    /// Starts the state of a call of `class` under `policy`.
    pub fn new(policy: RetryPolicy, class: RetryClass) -> Self {
        Self {
            policy,
            class,
            retries: 0,
        }
    }

    /// Returns how many retries were granted so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Decides what follows `failure`; `random` draws the jitter.
    pub fn decide(&mut self, failure: Failure<'_>, random: u64) -> Decision {
        if !is_transient(failure) {
            return Decision::Stop(StopReason::NotRetryable);
        }

        let uncertain = !surely_not_processed(failure);
        if self.class == RetryClass::LifecycleMutation
            && uncertain
            && !self.policy.retry_uncertain_mutations
        {
            return Decision::Stop(StopReason::OutcomeUnknown);
        }

        let retry_after = match failure {
            Failure::Status { retry_after, .. } => retry_after,
            Failure::Transport(_) => None,
        };
        if retry_after.is_some_and(|asked| asked > self.policy.max_delay) {
            return Decision::Stop(StopReason::RetryAfterTooLong);
        }

        if self.retries >= self.policy.max_retries {
            return Decision::Stop(StopReason::Exhausted);
        }

        let scheduled = self.policy.backoff(self.retries);
        let scheduled = if self.policy.jitter {
            jittered(scheduled, random)
        } else {
            scheduled
        };
        let delay = retry_after.map_or(scheduled, |asked| asked.max(scheduled));

        self.retries = self.retries.saturating_add(1);
        Decision::Retry(delay)
    }
}

fn is_transient(failure: Failure<'_>) -> bool {
    match failure {
        Failure::Status { status, code, .. } => {
            matches!(status, 429 | 502 | 503 | 504) && !code.is_permanent()
        }
        Failure::Transport(kind) => kind.is_transient(),
    }
}

/// Returns `true` when the service surely did not act on the request.
fn surely_not_processed(failure: Failure<'_>) -> bool {
    match failure {
        Failure::Status { status, .. } => matches!(status, 429 | 503),
        Failure::Transport(kind) => kind == crate::TransportErrorKind::Connect,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TransportErrorKind;

    fn exact() -> RetryPolicy {
        RetryPolicy::default().jitter(false)
    }

    fn status(status: u16, retry_after: Option<Duration>) -> Failure<'static> {
        Failure::Status {
            status,
            code: &ErrorCode::Internal001,
            retry_after,
        }
    }

    #[test]
    fn schedule_doubles_to_cap() {
        let policy = exact();
        let delays: Vec<f64> = (0..7).map(|n| policy.backoff(n).as_secs_f64()).collect();
        assert_eq!(delays, [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]);
    }

    #[test]
    fn backoff_never_overflows() {
        let policy = exact()
            .max_delay(Duration::MAX)
            .base_delay(Duration::from_secs(u64::MAX / 2));
        for retry in [0, 1, 31, 32, 63, 64, 1000, u32::MAX - 1, u32::MAX] {
            assert!(policy.backoff(retry) <= Duration::MAX);
        }
        assert_eq!(exact().backoff(u32::MAX), DEFAULT_MAX_DELAY);
    }

    #[test]
    fn jitter_stays_in_range() {
        let delay = Duration::from_secs(8);
        assert_eq!(jittered(delay, 0), Duration::from_secs(4));
        assert_eq!(jittered(delay, u64::MAX), delay);
        let middle = jittered(delay, u64::MAX / 2);
        assert!(middle > Duration::from_secs(5));
        assert!(middle < Duration::from_secs(7));
        assert_eq!(jittered(Duration::MAX, u64::MAX), Duration::MAX);
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let cases: [(&str, Option<Duration>); 12] = [
            ("0", Some(Duration::ZERO)),
            ("3", Some(Duration::from_secs(3))),
            (" 7 ", Some(Duration::from_secs(7))),
            ("-1", None),
            ("1.5", None),
            ("abc", None),
            ("", None),
            ("18446744073709551615", Some(Duration::MAX)),
            ("99999999999999999999999999", Some(Duration::MAX)),
            (
                "Sun, 06 Nov 1994 08:49:40 GMT",
                Some(Duration::from_secs(3)),
            ),
            (
                "Sun, 06 Nov 1994 10:49:37 GMT",
                Some(Duration::from_secs(7200)),
            ),
            ("Sat, 05 Nov 1994 08:49:37 GMT", Some(Duration::ZERO)),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now), expected, "{value:?}");
        }
    }

    #[test]
    fn retries_transient_statuses() {
        for code in [429, 502, 503, 504] {
            let mut state = RetryState::new(exact(), RetryClass::Safe);
            assert_eq!(
                state.decide(status(code, None), 0),
                Decision::Retry(Duration::from_millis(500)),
                "status {code}"
            );
        }
        for code in [400, 401, 403, 404, 409, 422, 500, 501] {
            let mut state = RetryState::new(exact(), RetryClass::Safe);
            assert_eq!(
                state.decide(status(code, None), 0),
                Decision::Stop(StopReason::NotRetryable),
                "status {code}"
            );
        }
    }

    #[test]
    fn permanent_code_not_retried() {
        let mut state = RetryState::new(exact(), RetryClass::Safe);
        let failure = Failure::Status {
            status: 503,
            code: &ErrorCode::Sig022,
            retry_after: None,
        };
        assert_eq!(
            state.decide(failure, 0),
            Decision::Stop(StopReason::NotRetryable)
        );
    }

    #[test]
    fn exhausts_after_max_retries() {
        let mut state = RetryState::new(exact(), RetryClass::Safe);
        let delays: Vec<Decision> = (0..4).map(|_| state.decide(status(502, None), 0)).collect();
        assert_eq!(
            delays,
            [
                Decision::Retry(Duration::from_millis(500)),
                Decision::Retry(Duration::from_secs(1)),
                Decision::Retry(Duration::from_secs(2)),
                Decision::Stop(StopReason::Exhausted),
            ]
        );
    }

    #[test]
    fn zero_retries_disables() {
        let mut state = RetryState::new(RetryPolicy::disabled(), RetryClass::Safe);
        assert_eq!(
            state.decide(status(503, None), 0),
            Decision::Stop(StopReason::Exhausted)
        );
    }

    #[test]
    fn retry_after_raises_delay() {
        let mut state = RetryState::new(exact(), RetryClass::Safe);
        let decision = state.decide(status(429, Some(Duration::from_secs(3))), 0);
        assert_eq!(decision, Decision::Retry(Duration::from_secs(3)));
    }

    #[test]
    fn schedule_wins_over_short_retry_after() {
        let mut state = RetryState::new(exact(), RetryClass::Safe);
        let decision = state.decide(status(429, Some(Duration::ZERO)), 0);
        assert_eq!(decision, Decision::Retry(Duration::from_millis(500)));
    }

    #[test]
    fn retry_after_beyond_cap_stops() {
        let mut state = RetryState::new(exact(), RetryClass::Safe);
        let decision = state.decide(status(429, Some(Duration::from_secs(7200))), 0);
        assert_eq!(decision, Decision::Stop(StopReason::RetryAfterTooLong));
    }

    #[test]
    fn jittered_delay_honours_retry_after() {
        let mut state = RetryState::new(RetryPolicy::default(), RetryClass::Safe);
        let decision = state.decide(status(503, Some(Duration::from_secs(2))), 0);
        assert_eq!(decision, Decision::Retry(Duration::from_secs(2)));
    }

    #[test]
    fn transport_failures() {
        for kind in [
            TransportErrorKind::Connect,
            TransportErrorKind::Timeout,
            TransportErrorKind::Io,
        ] {
            let mut state = RetryState::new(exact(), RetryClass::Safe);
            assert!(
                matches!(
                    state.decide(Failure::Transport(kind), 0),
                    Decision::Retry(_)
                ),
                "{kind:?}"
            );
        }

        let mut state = RetryState::new(exact(), RetryClass::Safe);
        let decision = state.decide(Failure::Transport(TransportErrorKind::ResponseTooLarge), 0);
        assert_eq!(decision, Decision::Stop(StopReason::NotRetryable));
    }

    #[test]
    fn mutation_retry_rules() {
        let retried = [
            status(429, None),
            status(503, None),
            Failure::Transport(TransportErrorKind::Connect),
        ];
        for failure in retried {
            let mut state = RetryState::new(exact(), RetryClass::LifecycleMutation);
            assert!(
                matches!(state.decide(failure, 0), Decision::Retry(_)),
                "{failure:?}"
            );
        }

        let uncertain = [
            status(502, None),
            status(504, None),
            Failure::Transport(TransportErrorKind::Timeout),
            Failure::Transport(TransportErrorKind::Io),
        ];
        for failure in uncertain {
            let mut state = RetryState::new(exact(), RetryClass::LifecycleMutation);
            assert_eq!(
                state.decide(failure, 0),
                Decision::Stop(StopReason::OutcomeUnknown),
                "{failure:?}"
            );

            let opted_in = exact().retry_uncertain_mutations(true);
            let mut state = RetryState::new(opted_in, RetryClass::LifecycleMutation);
            assert!(
                matches!(state.decide(failure, 0), Decision::Retry(_)),
                "{failure:?}"
            );
        }
    }

    #[test]
    fn validate_rejects_inverted_delays() {
        let policy = exact().base_delay(Duration::from_secs(20));
        assert!(policy.validate().is_err());
    }
}
