//! Project chores, run as `cargo xtask <command>`.
//!
//! - `demo [--file PATH]`: starts a local `qpher-server` and runs the main job through both
//!   clients, printing a report.
//! - `interop`: runs the official Python SDK against a local `qpher-server`.
//! - `bench [--quick]`: measures the clients, the server and the core in release mode and
//!   writes `BENCHMARKS.md`.

mod api;
mod bench;
mod demo;
mod interop;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  demo [--file PATH]   run the main job on a local qpher-server through both clients
                       (default file: the repository README)
  interop              run the official Python SDK against a local qpher-server
  bench [--quick]      build in release mode and benchmark the clients, qpher-server and
                       the core; writes BENCHMARKS.md, or with --quick runs a short smoke
                       test and writes target/bench-quick.md instead";

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();

    let result = match arguments.as_slice() {
        ["demo"] => demo::run(&workspace::root().join("README.md")),
        ["demo", "--file", path] => demo::run(&PathBuf::from(path)),
        ["interop"] => interop::run(),
        ["bench", options @ ..] => bench::run(options),
        ["bench-run", options @ ..] => bench::run_release(options),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
