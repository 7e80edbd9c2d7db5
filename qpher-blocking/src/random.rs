//! Random bytes from the operating system, through `getrandom`: call ids, retry jitter and
//! AES-GCM IVs.
//!
//! Every draw of bytes also fetches eight more in the same system call and keeps them on
//! the thread for the next [`jitter`], so a call that succeeds on its first attempt costs
//! one `getrandom` call, not two. The bytes a caller receives (call ids, IVs) always come
//! straight from the operating system. Only the jitter is kept, and each kept value is used
//! at most once per process (a child made by `fork` may reuse its parent's, which only
//! makes their retry delays alike).

use std::cell::Cell;

use qpher_core::{Error, ErrorKind};

/// Bytes fetched for the jitter alongside each draw.
const JITTER_LEN: usize = 8;

/// The largest draw that also fetches jitter; larger draws fetch none.
const MAX_COMBINED_LEN: usize = 64;

thread_local! {
    /// Jitter fetched by the latest draw on this thread and not used yet.
    static SPARE_JITTER: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Returns `N` random bytes from the operating system.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut buffer = [0u8; MAX_COMBINED_LEN];
    let mut bytes = [0u8; N];

    let Some(combined) = buffer.get_mut(..N + JITTER_LEN) else {
        fill(&mut bytes)?;
        return Ok(bytes);
    };
    fill(combined)?;

    let (drawn, jitter) = combined.split_at(N);
    bytes.copy_from_slice(drawn);
    let mut jitter_bytes = [0u8; JITTER_LEN];
    jitter_bytes.copy_from_slice(jitter);
    SPARE_JITTER.set(Some(u64::from_ne_bytes(jitter_bytes)));
    Ok(bytes)
}

/// Returns a random value for the retry jitter.
///
/// Uses the value the latest draw on this thread fetched, else calls `getrandom`.
/// Jitter only spreads retries out, so when the generator fails this returns `u64::MAX`,
/// which gives the schedule's full delay, instead of failing the call.
pub(crate) fn jitter() -> u64 {
    match SPARE_JITTER.take() {
        Some(jitter) => jitter,
        None => getrandom::u64().unwrap_or(u64::MAX),
    }
}

fn fill(bytes: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(bytes).map_err(|error| {
        Error::new(
            ErrorKind::Configuration,
            format!("the operating system's random number generator failed: {error}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_leaves_one_jitter() {
        let _ = jitter();
        let ids = bytes::<32>().unwrap();
        assert_ne!(ids, [0; 32]);

        assert!(SPARE_JITTER.get().is_some());
        let _ = jitter();
        assert!(SPARE_JITTER.get().is_none());
    }

    #[test]
    fn draws_differ() {
        assert_ne!(bytes::<12>().unwrap(), bytes::<12>().unwrap());
        assert_ne!(bytes::<100>().unwrap(), bytes::<100>().unwrap());
    }
}
