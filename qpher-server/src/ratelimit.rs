//! A per-tenant token bucket for the `--rate-limit` option.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Token buckets, one per tenant, refilled at a fixed rate.
///
/// Each bucket holds up to one second's worth of requests (at least one), so a tenant can
/// send a short burst and then the configured rate.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: f64,
    capacity: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Creates a limiter for `rate` requests per second; `rate` must be positive.
    pub(crate) fn new(rate: f64) -> Self {
        Self {
            rate,
            capacity: rate.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `tenant_id` at time `now`.
    ///
    /// Returns `Err` with the wait until a token is available when the bucket is empty.
    pub(crate) fn check(&self, tenant_id: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(tenant_id.to_owned()).or_insert(Bucket {
            tokens: self.capacity,
            updated: now,
        });

        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.capacity);
        bucket.updated = now;

        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / self.rate;
        Err(Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX))
    }
}

/// Formats a wait as `Retry-After` delta-seconds: whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs();
    let rounded = if wait.subsec_nanos() > 0 {
        seconds.saturating_add(1)
    } else {
        seconds
    };
    rounded.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let limiter = RateLimiter::new(2.0);
        let start = Instant::now();
        assert!(limiter.check("t", start).is_ok());
        assert!(limiter.check("t", start).is_ok());
        let wait = limiter.check("t", start).unwrap_err();
        assert!(wait <= Duration::from_millis(500), "{wait:?}");

        assert!(
            limiter
                .check("t", start + Duration::from_millis(500))
                .is_ok()
        );
    }

    #[test]
    fn tenants_have_separate_buckets() {
        let limiter = RateLimiter::new(1.0);
        let now = Instant::now();
        assert!(limiter.check("a", now).is_ok());
        assert!(limiter.check("a", now).is_err());
        assert!(limiter.check("b", now).is_ok());
    }

    #[test]
    fn slow_rate_waits_seconds() {
        let limiter = RateLimiter::new(0.25);
        let now = Instant::now();
        assert!(limiter.check("t", now).is_ok());
        let wait = limiter.check("t", now).unwrap_err();
        assert_eq!(retry_after_seconds(wait), 4);
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::from_secs(3)), 3);
    }
}
