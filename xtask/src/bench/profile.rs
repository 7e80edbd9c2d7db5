//! Profiles of missed targets with valgrind's callgrind, summarized by `callgrind_annotate`.
//!
//! Hardware counters are not available to `perf` on every machine (virtual machines often
//! report `instructions` as not supported), while callgrind counts instructions in any
//! environment, so the report uses callgrind. Each profile runs a bounded workload: a
//! fixed number of calls, not a duration, because valgrind slows a program down 20 to 100
//! times.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;

use super::clients::{self, Target};
use super::fixed_server::KEM_DEM_OVERHEAD;
use super::large_call;
use super::load::{self, Budget};
use super::server_cpu::{ServerOp, ServerProcess, Workload};
use crate::workspace;

/// Calls of a profiled client workload.
const CLIENT_CALLS: u64 = 2_000;

/// Calls of each profiled server operation.
const SERVER_CALLS: u64 = 300;

/// Functions listed per profile.
const TOP_ENTRIES: usize = 20;

/// The API key the client workload sends to the fixed server, which checks none.
const FIXED_SERVER_API_KEY: &str = "qph_benchmark_key";

/// Profiles the async and the blocking client sending encrypt calls to the fixed server at
/// `base_url`, each in a child process, and returns the Markdown section.
///
/// # Errors
///
/// Returns an error when valgrind or `callgrind_annotate` fails.
pub(crate) fn client(base_url: &str) -> Result<String, String> {
    let exe = current_exe()?;
    let mut section = String::from("### Clients: one encrypt call of 1 KiB\n\n");
    for flavour in ["async", "blocking"] {
        let output = output_file(&format!("client-{flavour}"));
        let args = ["bench-run", "profile-client", flavour, base_url];
        run_callgrind(&output, &exe, &args)?;
        section.push_str(&format!(
            "`qpher-{flavour}`, {CLIENT_CALLS} sequential calls, the xtask process only (the \
             fixed server runs in the parent process). Exclusive instruction counts:\n\n"
        ));
        section.push_str(&annotate(&output)?);
    }
    Ok(section)
}

/// Sends 1 KiB encrypt calls one after another through one SDK client: the
/// `bench-run profile-client FLAVOUR BASE_URL` child.
///
/// # Errors
///
/// Returns an error for an unknown flavour or a failed call.
pub(crate) fn client_workload(flavour: &str, base_url: &str) -> Result<(), String> {
    let target = Arc::new(Target {
        base_url: base_url.to_owned(),
        api_key: FIXED_SERVER_API_KEY.to_owned(),
        plaintext: large_call::payload(1024),
        ciphertext_len: 1024 + KEM_DEM_OVERHEAD,
    });
    let budget = Budget {
        duration: Duration::from_secs(600),
        max_calls: CLIENT_CALLS,
    };
    match flavour {
        "async" => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|error| format!("failed to start a tokio runtime: {error}"))?;
            let client = clients::async_client(&target)?;
            load::run_in_flight(&runtime, 1, budget, move || {
                let (client, target) = (client.clone(), Arc::clone(&target));
                async move { clients::sdk_async_encrypt(&client, &target).await }
            })?;
        }
        "blocking" => {
            let client = clients::blocking_client(&target)?;
            load::run_on_threads(1, budget, || {
                clients::sdk_blocking_encrypt(&client, &target)
            })?;
        }
        other => {
            return Err(format!(
                "unknown client flavour {other:?}; use async or blocking"
            ));
        }
    }
    Ok(())
}

/// Profiles `qpher-server` under callgrind while qpher-async drives each operation in
/// `ops`, and returns the Markdown section.
///
/// # Errors
///
/// Returns an error when the server, a call, valgrind or `callgrind_annotate` fails.
pub(crate) fn server(binary: &Path, runtime: &Runtime, ops: &[ServerOp]) -> Result<String, String> {
    let mut section = String::from("### qpher-server\n\n");
    for &op in ops {
        let output = output_file(&format!("server-{}", op.name()));
        let wrapper = vec![
            "valgrind".to_owned(),
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}", output.display()),
        ];
        let server = ServerProcess::start(binary, &wrapper)?;
        let workload = Workload::prepare(runtime, &server, large_call::payload(1024))?;
        let budget = Budget {
            duration: Duration::from_secs(600),
            max_calls: SERVER_CALLS,
        };
        workload.drive(runtime, op, 8, budget)?;
        server.terminate()?;

        section.push_str(&format!(
            "`{}`: the server process over its whole life (start-up, two key generations, \
             one encrypt and one sign for the set-up, then {SERVER_CALLS} {} calls of 1 KiB \
             with 8 in flight). Exclusive instruction counts:\n\n",
            op.name(),
            op.name()
        ));
        section.push_str(&annotate(&output)?);
    }
    Ok(section)
}

/// Profiles the 1 MiB request build and response parse of the core and returns the
/// Markdown section.
///
/// # Errors
///
/// Returns an error when valgrind or `callgrind_annotate` fails.
pub(crate) fn codec() -> Result<String, String> {
    let exe = current_exe()?;
    let output = output_file("codec");
    run_callgrind(&output, &exe, &["bench-run", "profile-codec"])?;
    let mut section = String::from(
        "### qpher-core: 1 MiB request build and response parse\n\n20 encrypt requests \
         built and their responses parsed. Exclusive instruction counts:\n\n",
    );
    section.push_str(&annotate(&output)?);
    Ok(section)
}

/// Builds 20 requests of 1 MiB and parses their responses: the `bench-run profile-codec`
/// child.
///
/// # Errors
///
/// Returns the core's error.
pub(crate) fn codec_workload() -> Result<(), String> {
    large_call::core_codec_rate(Budget {
        duration: Duration::from_secs(600),
        max_calls: 20,
    })
    .map(|_| ())
}

fn current_exe() -> Result<PathBuf, String> {
    std::env::current_exe()
        .map_err(|error| format!("failed to find the running xtask binary: {error}"))
}

fn output_file(name: &str) -> PathBuf {
    workspace::target_dir().join(format!("callgrind.{name}.out"))
}

fn run_callgrind(output: &Path, program: &Path, args: &[&str]) -> Result<(), String> {
    println!(
        "  profiling {} {} under callgrind",
        program.display(),
        args.join(" ")
    );
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", output.display()))
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|error| format!("failed to run valgrind: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "valgrind --tool=callgrind {} failed ({status})",
            args.join(" ")
        ))
    }
}

/// Returns the top entries of `callgrind_annotate --inclusive=no` as a Markdown code block.
fn annotate(output: &Path) -> Result<String, String> {
    let annotated = Command::new("callgrind_annotate")
        .arg("--inclusive=no")
        .arg(output)
        .output()
        .map_err(|error| format!("failed to run callgrind_annotate: {error}"))?;
    if !annotated.status.success() {
        return Err(format!(
            "callgrind_annotate {} failed ({})",
            output.display(),
            annotated.status
        ));
    }
    let text = String::from_utf8_lossy(&annotated.stdout);

    let mut lines = text.lines();
    let total = lines
        .by_ref()
        .find(|line| line.contains("PROGRAM TOTALS"))
        .unwrap_or("")
        .trim()
        .to_owned();
    let entries: Vec<&str> = lines
        .skip_while(|line| !line.contains("file:function"))
        .skip(1)
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty() && !line.starts_with("--"))
        .take(TOP_ENTRIES)
        .collect();

    Ok(format!(
        "```text\n{total}\n\n{}\n```\n\n",
        entries.join("\n")
    ))
}
