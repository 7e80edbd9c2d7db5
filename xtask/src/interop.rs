//! `cargo xtask interop`: the official Python SDK against a local `qpher-server`.
//!
//! The pinned `qpher` package from PyPI is installed into a virtual environment under the
//! target directory. The script `xtask/interop/interop.py` runs the product documentation's
//! examples unchanged, then the rest of the API. It also prints an envelope made by the
//! Python `encrypt_local`, which both Rust clients must decrypt.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use qpher_async::{Algorithm, LocalEnvelope};
use qpher_server::ServerConfig;

use crate::api;
use crate::workspace::{self, LOOPBACK_ANY_PORT, ScratchDir};

/// The official Python SDK release the server is checked against.
pub(crate) const PYTHON_SDK: &str = "qpher==1.4.0";

/// Plaintext sealed by the Python script's `encrypt_local`, repeated `LOCAL_REPEAT` times.
const LOCAL_PLAINTEXT: &[u8] = b"local data";
const LOCAL_REPEAT: usize = 1000;

/// Runs the interop check.
///
/// # Errors
///
/// Returns a description of the failed installation, script or check.
pub(crate) fn run() -> Result<(), String> {
    let python = install_sdk()?;

    let data_dir = ScratchDir::new("qpher-interop")
        .map_err(|error| format!("failed to create a temporary directory: {error}"))?;
    let server = ServerConfig::persistent(data_dir.path())
        .listen(LOOPBACK_ANY_PORT)
        .start_background()
        .map_err(|error| format!("failed to start qpher-server: {error}"))?;
    println!("qpher-server listening on {}", server.base_url());

    let script = workspace::root().join("xtask/interop/interop.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .env("QPHER_API_KEY", server.api_key())
        .env("QPHER_BASE_URL", server.base_url())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("failed to run {}: {error}", script.display()))?;

    let mut envelope_hex = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match line.strip_prefix("ENVELOPE ") {
                Some(hex) => envelope_hex = Some(hex.to_owned()),
                None => println!("{line}"),
            }
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("failed to wait for the Python script: {error}"))?;
    if !status.success() {
        return Err(format!("the Python SDK run failed ({status})"));
    }

    let envelope_hex = envelope_hex.ok_or("the Python script printed no envelope")?;
    let envelope_bytes = decode_hex(&envelope_hex)?;
    let active = 1;
    let expected = LOCAL_PLAINTEXT.repeat(LOCAL_REPEAT);

    // The Python run used the first tenant's key, so both clients use that key here.
    for client in api::both(&server.base_url(), server.api_key(), server.api_key())? {
        let envelope = LocalEnvelope::from_bytes(&envelope_bytes, active, Algorithm::Kyber768)
            .map_err(|error| format!("the Python envelope does not parse: {error}"))?;
        let plaintext = client.decrypt_local(&envelope).map_err(|error| {
            format!(
                "{} client: decrypt_local of the Python envelope failed: {error}",
                client.flavour()
            )
        })?;
        if plaintext.expose_secret() != expected.as_slice() {
            return Err(format!(
                "{} client: the Python envelope decrypted to different bytes",
                client.flavour()
            ));
        }
        println!(
            "ok      {} client decrypts the Python SDK's envelope",
            client.flavour()
        );
    }

    println!("interop passed");
    Ok(())
}

/// Creates the virtual environment and installs the pinned SDK unless it is already there.
/// Returns the environment's Python interpreter.
pub(crate) fn install_sdk() -> Result<PathBuf, String> {
    let venv = workspace::target_dir().join("interop-venv");
    let python = venv.join("bin/python");

    if !python.exists() {
        println!("creating a virtual environment in {}", venv.display());
        run_command(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }

    let installed = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('qpher'))",
        ])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default();
    let pinned = PYTHON_SDK.trim_start_matches("qpher==");
    if installed != pinned {
        println!("installing {PYTHON_SDK}");
        run_command(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            PYTHON_SDK,
        ]))?;
    }

    Ok(python)
}

pub(crate) fn run_command(command: &mut Command) -> Result<(), String> {
    let description = format!("{command:?}");
    let status = command
        .status()
        .map_err(|error| format!("failed to run {description}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{description} failed ({status})"))
    }
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits = text.trim().as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err("the envelope hex has an odd number of digits".to_owned());
    }

    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair)
                .map_err(|_| "the envelope hex is not ASCII".to_owned())?;
            u8::from_str_radix(pair, 16)
                .map_err(|_| format!("the envelope hex has an invalid digit pair `{pair}`"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(decode_hex("00ff10").unwrap(), vec![0x00, 0xff, 0x10]);
        assert_eq!(decode_hex("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn hex_rejects_bad_text() {
        let odd = decode_hex("abc").unwrap_err();
        assert!(odd.contains("odd number"), "{odd}");

        let invalid = decode_hex("zz").unwrap_err();
        assert!(invalid.contains("`zz`"), "{invalid}");
    }
}
