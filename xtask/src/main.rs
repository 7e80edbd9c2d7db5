//! Project chores, run as `cargo xtask <command>`.
//!
//! - `demo [--file PATH]`: starts a local `qpher-server` and runs the main job through both
//!   clients, printing a report.
//! - `interop`: runs the official Python SDK against a local `qpher-server`.

mod api;
mod demo;
mod interop;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  demo [--file PATH]   run the main job on a local qpher-server through both clients
                       (default file: the repository README)
  interop              run the official Python SDK against a local qpher-server";

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();

    let result = match arguments.as_slice() {
        ["demo"] => demo::run(&workspace::root().join("README.md")),
        ["demo", "--file", path] => demo::run(&PathBuf::from(path)),
        ["interop"] => interop::run(),
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
