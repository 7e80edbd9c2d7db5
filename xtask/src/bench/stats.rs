//! Samples of one contender across rounds, and the CPU clocks the benchmarks read.

use std::time::Duration;

/// The values one contender produced, one per round.
#[derive(Clone, Debug, Default)]
pub(crate) struct Samples(Vec<f64>);

impl Samples {
    /// Appends the value of one round.
    pub(crate) fn push(&mut self, value: f64) {
        self.0.push(value);
    }

    /// Returns the recorded values in round order.
    pub(crate) fn values(&self) -> &[f64] {
        &self.0
    }

    /// Returns the number of rounds recorded.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Returns the median, the mean of the two middle values for an even count, or 0
    /// when nothing was recorded.
    pub(crate) fn median(&self) -> f64 {
        let sorted = self.sorted();
        let count = sorted.len();
        if count == 0 {
            return 0.0;
        }
        let upper = sorted.get(count / 2).copied().unwrap_or(0.0);
        if count % 2 == 1 {
            upper
        } else {
            let lower = sorted.get(count / 2 - 1).copied().unwrap_or(0.0);
            (lower + upper) / 2.0
        }
    }

    /// Returns the smallest value, or 0 when nothing was recorded.
    pub(crate) fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(0.0)
    }

    /// Returns the largest value, or 0 when nothing was recorded.
    pub(crate) fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(0.0)
    }

    /// Returns `true` when at least one round ran and every value is positive and finite.
    pub(crate) fn all_positive(&self) -> bool {
        !self.0.is_empty() && self.0.iter().all(|value| value.is_finite() && *value > 0.0)
    }

    fn sorted(&self) -> Vec<f64> {
        let mut sorted = self.0.clone();
        sorted.sort_by(f64::total_cmp);
        sorted
    }
}

/// Returns the CPU time the calling thread has used, from the first field of
/// `/proc/thread-self/schedstat` (nanoseconds on a CPU).
///
/// # Errors
///
/// Returns an error when the file is missing (a kernel without scheduler statistics) or
/// does not start with a number.
pub(crate) fn thread_cpu_time() -> Result<Duration, String> {
    let path = "/proc/thread-self/schedstat";
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("failed to read {path}: {error}"))?;
    let nanos = text
        .split_whitespace()
        .next()
        .and_then(|field| field.parse::<u64>().ok())
        .ok_or_else(|| format!("{path} does not start with a CPU time in nanoseconds"))?;
    Ok(Duration::from_nanos(nanos))
}

/// The CPU time of a process in clock ticks.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CpuTicks {
    /// Time in user mode, `utime`.
    pub(crate) user: u64,
    /// Time in the kernel on the process's behalf, `stime`.
    pub(crate) system: u64,
}

impl CpuTicks {
    /// Returns the ticks spent between `earlier` and `self`.
    pub(crate) fn since(self, earlier: CpuTicks) -> CpuTicks {
        CpuTicks {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }

    /// Returns user plus system ticks.
    pub(crate) fn total(self) -> u64 {
        self.user + self.system
    }
}

/// Returns the CPU time of process `pid`, all threads included: fields 14 (`utime`) and
/// 15 (`stime`) of `/proc/<pid>/stat`.
///
/// # Errors
///
/// Returns an error when the process is gone or the file has an unexpected shape.
pub(crate) fn process_cpu_ticks(pid: u32) -> Result<CpuTicks, String> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("failed to read {path}: {error}"))?;
    // The command name (field 2) is in parentheses and may contain spaces, so the fields
    // are counted from the last closing parenthesis, after which field 3 starts.
    let after_name = text
        .rfind(')')
        .and_then(|index| text.get(index + 1..))
        .ok_or_else(|| format!("{path} has no command name in parentheses"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |number: usize| -> Result<u64, String> {
        fields
            .get(number - 3)
            .and_then(|value| value.parse::<u64>().ok())
            .ok_or_else(|| format!("{path} has no numeric field {number}"))
    };
    Ok(CpuTicks {
        user: field(14)?,
        system: field(15)?,
    })
}

/// Clock ticks per second for [`process_cpu_ticks`], from `getconf CLK_TCK`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClockTicks {
    /// Ticks per second.
    pub(crate) per_second: u64,
    /// Whether `getconf` failed and the usual Linux value 100 is assumed.
    pub(crate) assumed: bool,
}

impl ClockTicks {
    /// Reads the tick rate, assuming 100 when `getconf CLK_TCK` fails.
    pub(crate) fn read() -> Self {
        let reported = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|ticks| *ticks > 0);
        match reported {
            Some(per_second) => Self {
                per_second,
                assumed: false,
            },
            None => Self {
                per_second: 100,
                assumed: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_and_even() {
        let mut samples = Samples::default();
        for value in [3.0, 1.0, 2.0] {
            samples.push(value);
        }
        assert_eq!(samples.median(), 2.0);
        samples.push(10.0);
        assert_eq!(samples.median(), 2.5);
        assert_eq!(samples.min(), 1.0);
        assert_eq!(samples.max(), 10.0);
    }

    #[test]
    fn empty_samples_are_not_positive() {
        assert!(!Samples::default().all_positive());
        assert_eq!(Samples::default().median(), 0.0);
    }

    #[test]
    fn own_process_ticks_read() {
        assert!(process_cpu_ticks(std::process::id()).is_ok());
    }
}
