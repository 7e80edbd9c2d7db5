//! `cargo xtask bench [--quick]`: the SDK clients against raw HTTP libraries and the Python
//! SDK, `qpher-server` against its crypto library, and the 1 MiB call.
//!
//! `bench` builds `qpher-server` and xtask in release mode and runs `bench-run` in the
//! release binary, which measures every contender in one process. Contenders of one
//! comparison alternate within each round, so a slow phase of the machine hits all of them.
//! The full run writes `BENCHMARKS.md`; `--quick` is a smoke test that checks every
//! contender produced a positive figure and writes `target/bench-quick.md`.

mod clients;
mod fixed_server;
mod large_call;
mod load;
mod profile;
mod python;
mod report;
mod server_cpu;
mod stats;
mod suite;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::interop;
use crate::workspace;

/// Parses `[--quick]`.
fn parse_quick(options: &[&str]) -> Result<bool, String> {
    match options {
        [] => Ok(false),
        ["--quick"] => Ok(true),
        _ => Err(format!(
            "unknown bench options {options:?}; usage: cargo xtask bench [--quick]"
        )),
    }
}

/// Builds the release binaries and runs `bench-run` in the release xtask.
///
/// # Errors
///
/// Returns an error when an option is unknown, a build fails or the run fails.
pub(crate) fn run(options: &[&str]) -> Result<(), String> {
    let quick = parse_quick(options)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    println!("building qpher-server and xtask in release mode");
    interop::run_command(Command::new(&cargo).current_dir(workspace::root()).args([
        "build",
        "--release",
        "--package",
        "qpher-server",
        "--bin",
        "qpher-server",
        "--package",
        "xtask",
    ]))?;

    let mut command = Command::new(&cargo);
    command
        .current_dir(workspace::root())
        .args(["run", "--release", "--quiet", "--package", "xtask", "--"])
        .arg("bench-run");
    if quick {
        command.arg("--quick");
    }
    interop::run_command(&mut command)
}

/// Runs the benchmarks in this (release) process: `bench-run [--quick]`, or the child
/// roles `bench-run memory`, `bench-run profile-client` and `bench-run profile-codec`.
///
/// # Errors
///
/// Returns an error when this is a debug build, an option is unknown, a contender fails,
/// or the quick run finds a contender without a positive figure.
pub(crate) fn run_release(options: &[&str]) -> Result<(), String> {
    match options {
        ["memory"] => return large_call::memory_child(),
        ["profile-codec"] => return profile::codec_workload(),
        ["profile-client", flavour, base_url] => {
            return profile::client_workload(flavour, base_url);
        }
        _ => {}
    }

    if cfg!(debug_assertions) {
        return Err(
            "bench-run measures a debug build; run `cargo xtask bench`, which builds in \
             release mode"
                .to_owned(),
        );
    }
    let quick = parse_quick(options)?;
    let settings = if quick {
        Settings::quick()
    } else {
        Settings::full()
    };

    let started = Instant::now();
    let outcome = suite::run(&settings, &server_binary()?)?;
    println!(
        "benchmarks finished in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let path = if quick {
        workspace::target_dir().join("bench-quick.md")
    } else {
        workspace::root().join("BENCHMARKS.md")
    };
    std::fs::write(&path, &outcome.markdown)
        .map_err(|error| format!("failed to write {}: {error}", path.display()))?;
    println!("wrote {}", path.display());

    if quick {
        let failed: Vec<&str> = outcome
            .rows
            .iter()
            .filter(|row| !row.samples.all_positive())
            .map(|row| row.name.as_str())
            .collect();
        if !failed.is_empty() {
            return Err(format!(
                "these contenders produced no positive figure: {}",
                failed.join(", ")
            ));
        }
        println!(
            "bench --quick passed: {} contenders ran and produced positive figures",
            outcome.rows.len()
        );
    }
    Ok(())
}

/// Returns the release `qpher-server` binary next to this binary.
fn server_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe()
        .map_err(|error| format!("failed to find the running xtask binary: {error}"))?;
    let binary = exe.with_file_name("qpher-server");
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!(
            "{} is missing; run `cargo xtask bench`, which builds it",
            binary.display()
        ))
    }
}

/// Rounds, durations and call limits of one run.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// Whether this is the quick smoke test.
    pub(crate) quick: bool,
    /// Rounds of every comparison; contenders alternate within a round.
    pub(crate) rounds: usize,
    /// One measurement of a Rust client against the fixed server.
    pub(crate) client: load::Budget,
    /// One measurement of the Python SDK.
    pub(crate) python: load::Budget,
    /// One measurement of a `qpher-server` operation.
    pub(crate) server: load::Budget,
    /// One measurement of a bare crypto operation.
    pub(crate) crypto: load::Budget,
    /// One measurement of the 1 MiB request build and parse, and of base64.
    pub(crate) codec: load::Budget,
    /// 1 MiB end-to-end calls per round.
    pub(crate) large_calls: usize,
}

impl Settings {
    fn full() -> Self {
        Self {
            quick: false,
            rounds: 5,
            client: budget(2.0, 2_000_000),
            python: budget(3.0, 200_000),
            server: budget(3.0, 1_000_000),
            crypto: budget(1.0, 1_000_000),
            codec: budget(1.0, 100_000),
            large_calls: 3,
        }
    }

    fn quick() -> Self {
        Self {
            quick: true,
            rounds: 2,
            client: budget(0.25, 100_000),
            python: budget(0.5, 10_000),
            server: budget(0.4, 100_000),
            crypto: budget(0.2, 100_000),
            codec: budget(0.2, 1_000),
            large_calls: 1,
        }
    }
}

fn budget(seconds: f64, max_calls: u64) -> load::Budget {
    load::Budget {
        duration: Duration::from_secs_f64(seconds),
        max_calls,
    }
}
