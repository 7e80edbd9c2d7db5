//! One benchmark run: every section in order, then the ratios and the report.

use std::path::Path;
use std::sync::Arc;

use tokio::runtime::Runtime;

use super::clients::{self, Target};
use super::fixed_server::{FixedServer, KEM_DEM_OVERHEAD};
use super::large_call::{self, LARGE_PAYLOAD};
use super::load::{self, Budget};
use super::report::{self, Machine, Ratio, Report, Row};
use super::server_cpu::{ServerOp, ServerProcess, Workload};
use super::stats::{ClockTicks, Samples};
use super::{Settings, profile, python};
use crate::interop;

/// The plaintext of the throughput sections: 1 KiB.
const PLAINTEXT_LEN: usize = 1024;

/// Calls in flight for the high-concurrency contenders.
const MANY_IN_FLIGHT: usize = 64;

/// Threads of the threaded blocking contenders.
const THREADS: usize = 4;

/// The API key the fixed server receives; it checks none.
const FIXED_SERVER_API_KEY: &str = "qph_benchmark_key";

/// The rows of a finished run and its Markdown report.
pub(crate) struct Outcome {
    /// Every contender.
    pub(crate) rows: Vec<Row>,
    /// The rendered report.
    pub(crate) markdown: String,
}

/// One contender of a comparison: its name and how to measure one round.
struct Contender<'a> {
    name: String,
    measure: Box<dyn Fn() -> Result<f64, String> + 'a>,
    samples: Samples,
}

impl<'a> Contender<'a> {
    fn new(name: impl Into<String>, measure: impl Fn() -> Result<f64, String> + 'a) -> Self {
        Self {
            name: name.into(),
            measure: Box::new(measure),
            samples: Samples::default(),
        }
    }
}

/// Measures every contender once per round, reversing the order on odd rounds so no
/// contender always runs first.
fn alternate(rounds: usize, contenders: &mut [Contender<'_>]) -> Result<(), String> {
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..contenders.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            if let Some(contender) = contenders.get_mut(index) {
                let value = (contender.measure)()
                    .map_err(|error| format!("{}: {error}", contender.name))?;
                println!("  round {}: {} {value:.1}", round + 1, contender.name);
                contender.samples.push(value);
            }
        }
    }
    Ok(())
}

/// Takes the samples of the contender called `name`.
fn take(contenders: &mut [Contender<'_>], name: &str) -> Samples {
    contenders
        .iter_mut()
        .find(|contender| contender.name == name)
        .map(|contender| std::mem::take(&mut contender.samples))
        .unwrap_or_default()
}

/// Warms up, then measures `call` with `in_flight` calls outstanding; returns calls/s.
fn measure_in_flight<F, Fut>(
    runtime: &Runtime,
    in_flight: usize,
    budget: Budget,
    call: F,
) -> Result<f64, String>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    load::run_in_flight(runtime, in_flight, budget.warm_up(), call.clone())?;
    Ok(load::run_in_flight(runtime, in_flight, budget, call)?.per_second())
}

/// Warms up, then measures `call` on `threads` threads; returns calls/s.
fn measure_on_threads(
    threads: usize,
    budget: Budget,
    call: impl Fn() -> Result<(), String> + Sync,
) -> Result<f64, String> {
    load::run_on_threads(threads, budget.warm_up(), &call)?;
    Ok(load::run_on_threads(threads, budget, &call)?.per_second())
}

/// Runs every section and renders the report.
///
/// # Errors
///
/// Returns the first failed contender, server or profile.
pub(crate) fn run(settings: &Settings, server_binary: &Path) -> Result<Outcome, String> {
    let load_at_start = report::load_average();
    let python = interop::install_sdk()?;
    let machine = Machine::read(&python);
    let workers = (machine.cores / 2).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|error| format!("failed to start a tokio runtime: {error}"))?;

    let mut rows = Vec::new();
    let mut ratios = Vec::new();
    let mut profiles = Vec::new();

    println!("== clients against the fixed server");
    let fixed = FixedServer::start(workers, PLAINTEXT_LEN)?;
    let target = Arc::new(Target {
        base_url: fixed.base_url(),
        api_key: FIXED_SERVER_API_KEY.to_owned(),
        plaintext: large_call::payload(PLAINTEXT_LEN),
        ciphertext_len: PLAINTEXT_LEN + KEM_DEM_OVERHEAD,
    });
    let clients = client_section(settings, &runtime, &python, &target)?;
    let section = "fixed server, encrypt 1 KiB";
    let [
        async_1,
        reqwest_1,
        async_64,
        reqwest_64,
        blocking_1,
        ureq_1,
        blocking_4,
        ureq_4,
        py,
    ] = clients;
    let ratio = |name: &str, numerator: &Samples, denominator: &Samples, target: f64| Ratio {
        name: name.to_owned(),
        value: numerator.median() / denominator.median(),
        target,
        upper_bound: false,
    };
    ratios.push(ratio(
        "qpher-async / reqwest, 1 in flight",
        &async_1,
        &reqwest_1,
        0.95,
    ));
    ratios.push(ratio(
        "qpher-async / reqwest, 64 in flight",
        &async_64,
        &reqwest_64,
        0.95,
    ));
    ratios.push(ratio(
        "qpher-blocking / ureq, sequential",
        &blocking_1,
        &ureq_1,
        0.95,
    ));
    ratios.push(ratio(
        "qpher-blocking / ureq, 4 threads",
        &blocking_4,
        &ureq_4,
        0.95,
    ));
    ratios.push(ratio(
        "qpher-async sequential / Python SDK",
        &async_1,
        &py,
        10.0,
    ));
    ratios.push(ratio(
        "qpher-blocking sequential / Python SDK",
        &blocking_1,
        &py,
        10.0,
    ));
    ratios.push(ratio(
        "qpher-async 64 in flight / Python SDK sequential",
        &async_64,
        &py,
        25.0,
    ));
    let client_missed = ratios.iter().any(|ratio| !ratio.met());
    if client_missed && !settings.quick {
        profiles.push(profile::client(&fixed.base_url())?);
    }
    let python_name = format!(
        "Python SDK {}, sequential",
        interop::PYTHON_SDK.replace("==", " ")
    );
    for (name, samples) in [
        ("qpher-async, 1 in flight", async_1),
        ("reqwest by hand, 1 in flight", reqwest_1),
        ("qpher-async, 64 in flight", async_64),
        ("reqwest by hand, 64 in flight", reqwest_64),
        ("qpher-blocking, sequential", blocking_1),
        ("ureq by hand, sequential", ureq_1),
        ("qpher-blocking, 4 threads", blocking_4),
        ("ureq by hand, 4 threads", ureq_4),
        (python_name.as_str(), py),
    ] {
        rows.push(Row {
            section,
            name: name.to_owned(),
            unit: "requests/s",
            samples,
        });
    }
    drop(fixed);

    println!("== qpher-server against its crypto library");
    let server = ServerProcess::start(server_binary, &[])?;
    let ticks = ClockTicks::read();
    let workload = Workload::prepare(&runtime, &server, large_call::payload(PLAINTEXT_LEN))?;
    let mut server_rates = vec![Samples::default(); ServerOp::ALL.len()];
    let mut crypto_rates = vec![Samples::default(); ServerOp::ALL.len()];
    let mut system_shares = vec![Samples::default(); ServerOp::ALL.len()];
    let mut latencies = Samples::default();
    let mut memory = Samples::default();
    for round in 0..settings.rounds {
        for (index, op) in ServerOp::ALL.into_iter().enumerate() {
            let rate = workload.server_rate(
                &runtime,
                &server,
                ticks,
                op,
                MANY_IN_FLIGHT,
                settings.server,
            )?;
            let bare = workload.crypto_rate(op, settings.crypto)?;
            println!(
                "  round {}: {} server {:.1} ({:.0} % system), crypto {bare:.1}",
                round + 1,
                op.name(),
                rate.per_cpu_second,
                rate.system_percent
            );
            if let (Some(served), Some(crypto), Some(system)) = (
                server_rates.get_mut(index),
                crypto_rates.get_mut(index),
                system_shares.get_mut(index),
            ) {
                served.push(rate.per_cpu_second);
                crypto.push(bare);
                system.push(rate.system_percent);
            }
        }

        let key_version = workload.kem_version();
        for latency in large_call::end_to_end_latencies(
            &runtime,
            workload.client(),
            key_version,
            settings.large_calls,
        )? {
            latencies.push(latency);
        }
        let growth =
            large_call::peak_memory_growth(server.base_url(), server.api_key(), key_version)?;
        memory.push(growth as f64 / LARGE_PAYLOAD as f64);
        println!(
            "  round {}: 1 MiB call peak memory {growth} bytes",
            round + 1
        );
    }
    drop(server);

    let mut server_missed = Vec::new();
    for (index, op) in ServerOp::ALL.into_iter().enumerate() {
        let served = server_rates.get(index).cloned().unwrap_or_default();
        let bare = crypto_rates.get(index).cloned().unwrap_or_default();
        let system = system_shares.get(index).cloned().unwrap_or_default();
        let target = match op {
            ServerOp::Encrypt | ServerOp::Decrypt => 0.5,
            ServerOp::Sign | ServerOp::Verify => 0.8,
        };
        let ratio = ratio(
            &format!(
                "qpher-server {} per server CPU-second / bare {}",
                op.name(),
                op.crypto_call()
            ),
            &served,
            &bare,
            target,
        );
        if !ratio.met() {
            server_missed.push(op);
        }
        ratios.push(ratio);
        rows.push(Row {
            section: "qpher-server, 1 KiB, 64 in flight",
            name: format!("{} through qpher-async", op.name()),
            unit: "requests per server CPU-second",
            samples: served,
        });
        rows.push(Row {
            section: "qpher-server, 1 KiB, 64 in flight",
            name: format!("{}: share of server CPU time in the kernel", op.name()),
            unit: "% (stime / (utime + stime))",
            samples: system,
        });
        rows.push(Row {
            section: "crypto library, 1 KiB, one thread",
            name: format!("{} ({})", op.crypto_call(), op.name()),
            unit: "operations per CPU-second",
            samples: bare,
        });
    }
    if !server_missed.is_empty() && !settings.quick {
        profiles.push(profile::server(server_binary, &runtime, &server_missed)?);
    }

    println!("== the 1 MiB call");
    let mut codec = [
        Contender::new("core", || large_call::core_codec_rate(settings.codec)),
        Contender::new("base64", || large_call::base64_codec_rate(settings.codec)),
    ];
    alternate(settings.rounds, &mut codec)?;
    let core_rate = take(&mut codec, "core");
    let base64_rate = take(&mut codec, "base64");
    let codec_ratio = ratio(
        "core 1 MiB request build + response parse / base64 encode + decode",
        &core_rate,
        &base64_rate,
        0.5,
    );
    let memory_ratio = Ratio {
        name: "peak memory of a 1 MiB encrypt call / payload".to_owned(),
        value: memory.median(),
        target: 3.0,
        upper_bound: true,
    };
    if !codec_ratio.met() && !settings.quick {
        profiles.push(profile::codec()?);
    }
    ratios.push(codec_ratio);
    ratios.push(memory_ratio);
    let mebibytes = |samples: Samples| {
        let mut scaled = Samples::default();
        for value in samples.values() {
            scaled.push(value / LARGE_PAYLOAD as f64);
        }
        scaled
    };
    rows.push(Row {
        section: "1 MiB encrypt",
        name: "qpher-core: Call::new + next_request + handle_response".to_owned(),
        unit: "MiB/s of plaintext",
        samples: mebibytes(core_rate),
    });
    rows.push(Row {
        section: "1 MiB encrypt",
        name: "base64 crate: encode + decode".to_owned(),
        unit: "MiB/s of plaintext",
        samples: mebibytes(base64_rate),
    });
    rows.push(Row {
        section: "1 MiB encrypt",
        name: "qpher-async against qpher-server, end to end".to_owned(),
        unit: "ms per call",
        samples: latencies,
    });
    rows.push(Row {
        section: "1 MiB encrypt",
        name: "qpher-async peak memory beyond the baseline".to_owned(),
        unit: "× payload (1 MiB)",
        samples: memory,
    });

    let load_at_end = report::load_average();
    let method = method_lines(settings, workers, ticks);
    let command = if settings.quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let markdown = Report {
        command,
        machine: &machine,
        load: (load_at_start, load_at_end),
        method: &method,
        rows: &rows,
        ratios: &ratios,
        profiles: &profiles,
    }
    .render();
    Ok(Outcome { rows, markdown })
}

/// Measures the eight Rust client contenders and the Python SDK, alternating, and returns
/// their samples in the order of the destructuring in [`run`].
fn client_section(
    settings: &Settings,
    runtime: &Runtime,
    python: &Path,
    target: &Arc<Target>,
) -> Result<[Samples; 9], String> {
    let sdk_async = clients::async_client(target)?;
    let raw_reqwest = clients::raw_reqwest_client()?;
    let sdk_blocking = clients::blocking_client(target)?;
    let raw_ureq = clients::raw_ureq_agent();
    let budget = settings.client;

    let async_call = {
        let (client, target) = (sdk_async.clone(), Arc::clone(target));
        move || {
            let (client, target) = (client.clone(), Arc::clone(&target));
            async move { clients::sdk_async_encrypt(&client, &target).await }
        }
    };
    let reqwest_call = {
        let (client, target) = (raw_reqwest.clone(), Arc::clone(target));
        move || {
            let (client, target) = (client.clone(), Arc::clone(&target));
            async move { clients::raw_reqwest_encrypt(&client, &target).await }
        }
    };
    let blocking_call = || clients::sdk_blocking_encrypt(&sdk_blocking, target);
    let ureq_call = || clients::raw_ureq_encrypt(&raw_ureq, target);

    let mut contenders = [
        Contender::new("async-1", || {
            measure_in_flight(runtime, 1, budget, async_call.clone())
        }),
        Contender::new("reqwest-1", || {
            measure_in_flight(runtime, 1, budget, reqwest_call.clone())
        }),
        Contender::new("async-64", || {
            measure_in_flight(runtime, MANY_IN_FLIGHT, budget, async_call.clone())
        }),
        Contender::new("reqwest-64", || {
            measure_in_flight(runtime, MANY_IN_FLIGHT, budget, reqwest_call.clone())
        }),
        Contender::new("blocking-1", || {
            measure_on_threads(1, budget, blocking_call)
        }),
        Contender::new("ureq-1", || measure_on_threads(1, budget, ureq_call)),
        Contender::new("blocking-4", || {
            measure_on_threads(THREADS, budget, blocking_call)
        }),
        Contender::new("ureq-4", || measure_on_threads(THREADS, budget, ureq_call)),
        Contender::new("python", || {
            python::encrypt_rate(python, target, settings.python)
        }),
    ];
    alternate(settings.rounds, &mut contenders)?;

    Ok([
        "async-1",
        "reqwest-1",
        "async-64",
        "reqwest-64",
        "blocking-1",
        "ureq-1",
        "blocking-4",
        "ureq-4",
        "python",
    ]
    .map(|name| take(&mut contenders, name)))
}

/// Describes how this run measured, for the report.
fn method_lines(settings: &Settings, workers: usize, ticks: ClockTicks) -> Vec<String> {
    let seconds = |budget: Budget| budget.duration.as_secs_f64();
    let mut lines = vec![
        format!(
            "Every comparison ran {} rounds in this one process; within a round the \
             contenders alternate, in reverse order on odd rounds, and each measurement \
             follows a warm-up of a tenth of its length.",
            settings.rounds
        ),
        format!(
            "Clients: {PLAINTEXT_LEN}-byte encrypt calls for {:.2} s per measurement against \
             an axum server on 127.0.0.1 that reads each request body and returns a fixed \
             valid response ({} bytes of ciphertext). The server and the async clients each \
             run a tokio runtime with `worker_threads` set to {workers}. The raw reqwest and ureq \
             contenders send the SDK's JSON body and headers with the SDK's client settings \
             and decode the ciphertext from the response.",
            seconds(settings.client),
            PLAINTEXT_LEN + KEM_DEM_OVERHEAD
        ),
        format!(
            "Python SDK: `xtask/bench/python_encrypt.py` in the interop virtual environment \
             times sequential encrypt calls for {:.2} s after 20 warm-up calls; the \
             interpreter's start-up is not counted.",
            seconds(settings.python)
        ),
        format!(
            "qpher-server: the release binary with `--in-memory --listen 127.0.0.1:0` as a \
             child process, default logging (info) to a discarded standard error, driven by \
             qpher-async with {MANY_IN_FLIGHT} calls in flight for {:.2} s per measurement. \
             Its CPU time is utime + stime of `/proc/<pid>/stat` at {} ticks per second{}.",
            seconds(settings.server),
            ticks.per_second,
            if ticks.assumed {
                " (assumed: `getconf CLK_TCK` failed)"
            } else {
                " (from `getconf CLK_TCK`)"
            }
        ),
        format!(
            "Crypto library: the `qpher_server::crypto` functions the handlers call, on one \
             thread for {:.2} s per measurement, timed with that thread's CPU clock \
             (`/proc/thread-self/schedstat`). Encrypt and decrypt are a KEM-DEM seal and \
             open (ML-KEM-768, HKDF-SHA256, AES-256-GCM) of 1 KiB; sign draws 32 random \
             bytes as the server does.",
            seconds(settings.crypto)
        ),
        format!(
            "1 MiB call: the core's request build and response parse are timed without the \
             plaintext copy into the request model, {:.2} s per measurement. End to end is \
             {} sequential qpher-async calls per round against the qpher-server above. Peak \
             memory runs one call in a child process (`xtask bench-run memory`) after a \
             warm-up call, resets VmHWM through `/proc/self/clear_refs`, and reports VmHWM \
             after the call minus VmRSS before it; the 1 MiB plaintext is in the baseline.",
            seconds(settings.codec),
            settings.large_calls
        ),
    ];
    if settings.quick {
        lines.push("This is the quick smoke test: its figures are not comparable.".to_owned());
    }
    lines
}
