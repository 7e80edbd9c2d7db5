//! Load loops: a fixed number of requests in flight on tokio, or a fixed number of OS
//! threads, each bounded by a duration and a call count.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

/// How long one measurement runs: until `duration` has passed or `max_calls` calls have
/// completed, whichever comes first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    /// The time limit of the measured part.
    pub(crate) duration: Duration,
    /// The call limit of the measured part.
    pub(crate) max_calls: u64,
}

impl Budget {
    /// Returns a budget for a short warm-up before the measured part: a tenth of the
    /// duration and of the calls, at least one call.
    pub(crate) fn warm_up(self) -> Self {
        Self {
            duration: self.duration / 10,
            max_calls: (self.max_calls / 10).max(1),
        }
    }
}

/// The calls one measurement completed and the wall-clock time they took.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Completed {
    /// The number of calls that returned `Ok`.
    pub(crate) calls: u64,
    /// The time from the start of the first call to the end of the last.
    pub(crate) elapsed: Duration,
}

impl Completed {
    /// Returns the calls per second of wall-clock time.
    pub(crate) fn per_second(self) -> f64 {
        per_second(self.calls, self.elapsed)
    }
}

/// Runs `call` with `in_flight` calls outstanding on `runtime` until `budget` is spent.
///
/// # Errors
///
/// Returns the first error of `call`, once the other tasks have spent the budget.
pub(crate) fn run_in_flight<F, Fut>(
    runtime: &Runtime,
    in_flight: usize,
    budget: Budget,
    call: F,
) -> Result<Completed, String>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let started = Arc::new(AtomicU64::new(0));
    let completed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + budget.duration;
    let start = Instant::now();

    let outcome: Result<(), String> = runtime.block_on(async {
        let mut tasks = Vec::with_capacity(in_flight);
        for _ in 0..in_flight {
            let call = call.clone();
            let started = Arc::clone(&started);
            let completed = Arc::clone(&completed);
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline
                    && started.fetch_add(1, Ordering::Relaxed) < budget.max_calls
                {
                    call().await?;
                    completed.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<(), String>(())
            }));
        }
        for task in tasks {
            task.await
                .map_err(|error| format!("a load task failed: {error}"))??;
        }
        Ok(())
    });
    outcome?;

    Ok(Completed {
        calls: completed.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
    })
}

/// Runs `call` on `threads` OS threads until `budget` is spent.
///
/// # Errors
///
/// Returns the first error of `call`, once the other threads have spent the budget.
pub(crate) fn run_on_threads<F>(
    threads: usize,
    budget: Budget,
    call: F,
) -> Result<Completed, String>
where
    F: Fn() -> Result<(), String> + Sync,
{
    let started = AtomicU64::new(0);
    let completed = AtomicU64::new(0);
    let deadline = Instant::now() + budget.duration;
    let start = Instant::now();

    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    while Instant::now() < deadline
                        && started.fetch_add(1, Ordering::Relaxed) < budget.max_calls
                    {
                        call()?;
                        completed.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err("a load thread panicked".to_owned()))
            })
            .collect()
    });
    for result in results {
        result?;
    }

    Ok(Completed {
        calls: completed.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
    })
}

/// Returns `count / elapsed` in calls per second, 0 for an empty interval.
pub(crate) fn per_second(count: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}
