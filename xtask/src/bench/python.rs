//! The official Python SDK as a contender: `xtask/bench/python_encrypt.py` run in the
//! interop virtual environment, timing sequential encrypt calls inside Python so the
//! interpreter's start-up is not counted.

use std::path::Path;
use std::process::{Command, Stdio};

use super::clients::Target;
use super::load::Budget;
use crate::workspace;

/// Sequential encrypt calls the script makes before it starts timing.
const WARM_UP_CALLS: u64 = 20;

/// Runs one timed round of the Python SDK against `target` and returns its calls per
/// second.
///
/// # Errors
///
/// Returns an error when the script fails or prints no rate.
pub(crate) fn encrypt_rate(python: &Path, target: &Target, budget: Budget) -> Result<f64, String> {
    let script = workspace::root().join("xtask/bench/python_encrypt.py");
    let output = Command::new(python)
        .arg(&script)
        .env("QPHER_API_KEY", &target.api_key)
        .env("QPHER_BASE_URL", &target.base_url)
        .env("BENCH_PLAINTEXT_LEN", target.plaintext.len().to_string())
        .env("BENCH_SECONDS", budget.duration.as_secs_f64().to_string())
        .env("BENCH_MAX_CALLS", budget.max_calls.to_string())
        .env("BENCH_WARM_UP_CALLS", WARM_UP_CALLS.to_string())
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("failed to run {}: {error}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }

    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("RATE "))
        .and_then(|rate| rate.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("{} printed no RATE line: {stdout}", script.display()))
}
