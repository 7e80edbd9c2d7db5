//! `qpher-server` requests per server CPU-second, next to the crypto library's own
//! operations per CPU-second.
//!
//! The server runs as a child process (the release binary, `--in-memory`), so its CPU time
//! is read from `/proc/<pid>/stat` apart from the client's. The bare crypto rate calls the
//! functions the server's handlers call (`qpher_server::crypto`) on one thread of this
//! process, timed with that thread's CPU clock.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use qpher_async::Algorithm;
use qpher_server::crypto::{self, ENCRYPT_FORMAT_V1, KeyPair, SealRandomness};
use tokio::runtime::Runtime;

use super::load::{self, Budget};
use super::stats::{self, ClockTicks};

/// The context string of the server's `sign` and `verify`.
const MESSAGE_CONTEXT: &[u8] = b"";

/// The four server operations the benchmark drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServerOp {
    /// `kem.encrypt`, KEM-DEM seal.
    Encrypt,
    /// `kem.decrypt`, KEM-DEM open.
    Decrypt,
    /// `signature.sign`, ML-DSA-65 sign.
    Sign,
    /// `signature.verify`, ML-DSA-65 verify.
    Verify,
}

impl ServerOp {
    /// Every operation, in report order.
    pub(crate) const ALL: [ServerOp; 4] = [
        ServerOp::Encrypt,
        ServerOp::Decrypt,
        ServerOp::Sign,
        ServerOp::Verify,
    ];

    /// Returns the operation's name in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ServerOp::Encrypt => "encrypt",
            ServerOp::Decrypt => "decrypt",
            ServerOp::Sign => "sign",
            ServerOp::Verify => "verify",
        }
    }

    /// Returns the crypto call the server makes for this operation, for reports.
    pub(crate) fn crypto_call(self) -> &'static str {
        match self {
            ServerOp::Encrypt => "kem_dem_seal",
            ServerOp::Decrypt => "kem_dem_open",
            ServerOp::Sign => "ml_dsa_sign",
            ServerOp::Verify => "ml_dsa_verify",
        }
    }
}

/// A `qpher-server` child process; dropping it kills the process and reaps it.
pub(crate) struct ServerProcess {
    child: Child,
    base_url: String,
    api_key: String,
}

impl ServerProcess {
    /// Starts `binary --in-memory --listen 127.0.0.1:0` and reads the base URL and the API
    /// key from the first lines of its standard output. `wrapper` runs the binary under
    /// another program, such as valgrind, when it is not empty.
    ///
    /// # Errors
    ///
    /// Returns an error when the process cannot start or exits before printing both lines.
    pub(crate) fn start(binary: &Path, wrapper: &[String]) -> Result<Self, String> {
        let mut command = match wrapper.split_first() {
            Some((program, arguments)) => {
                let mut command = Command::new(program);
                command.args(arguments).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        let mut child = command
            .args(["--in-memory", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("failed to start {}: {error}", binary.display()))?;

        let stdout = child
            .stdout
            .take()
            .ok_or("the server's standard output is not piped")?;
        let mut base_url = None;
        let mut api_key = None;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ") {
                base_url = Some(url.trim().to_owned());
            } else if let Some(key) = line.strip_prefix("api key: ") {
                api_key = Some(key.trim().to_owned());
            }
            if base_url.is_some() && api_key.is_some() {
                break;
            }
        }

        let mut server = Self {
            child,
            base_url: String::new(),
            api_key: String::new(),
        };
        match (base_url, api_key) {
            (Some(base_url), Some(api_key)) => {
                server.base_url = base_url;
                server.api_key = api_key;
                Ok(server)
            }
            _ => Err(format!(
                "{} exited before printing its address and API key",
                binary.display()
            )),
        }
    }

    /// Returns the server's base URL.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Returns the API key of the server's first tenant.
    pub(crate) fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Returns the process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the process to stop with SIGTERM, through the `kill` command, and waits for it.
    pub(crate) fn terminate(mut self) -> Result<(), String> {
        let pid = self.pid().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .map_err(|error| format!("failed to run kill: {error}"))?;
        if !sent.success() {
            return Err(format!("kill -TERM {pid} failed ({sent})"));
        }
        self.child
            .wait()
            .map_err(|error| format!("failed to wait for the server: {error}"))?;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One measurement of the server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ServerRate {
    /// Completed calls per second of the server's CPU time.
    pub(crate) per_cpu_second: f64,
    /// The share of that CPU time spent in the kernel (`stime`), in percent.
    pub(crate) system_percent: f64,
}

/// The inputs of every operation, against the server and for the bare crypto calls.
pub(crate) struct Workload {
    client: qpher_async::Client,
    payload: Arc<Vec<u8>>,
    kem_version: u32,
    dsa_version: u32,
    server_ciphertext: Arc<Vec<u8>>,
    server_signature: Arc<Vec<u8>>,
    kem_keys: KeyPair,
    dsa_keys: KeyPair,
    local_ciphertext: Vec<u8>,
    local_signature: Vec<u8>,
}

impl Workload {
    /// Generates a Kyber768 and a Dilithium3 key on the server and locally, and makes one
    /// ciphertext and one signature of `payload` with each for decrypt and verify.
    ///
    /// # Errors
    ///
    /// Returns the first failed call.
    pub(crate) fn prepare(
        runtime: &Runtime,
        server: &ServerProcess,
        payload: Vec<u8>,
    ) -> Result<Self, String> {
        let client = qpher_async::Client::builder()
            .api_key(server.api_key())
            .base_url(server.base_url())
            .build()
            .map_err(|error| format!("failed to build the async client: {error}"))?;
        let fail =
            |step: &'static str| move |error: qpher_async::Error| format!("{step} failed: {error}");

        let (kem_version, dsa_version, server_ciphertext, server_signature) =
            runtime.block_on(async {
                let kem = client.keys().generate(Algorithm::Kyber768).await;
                let kem = kem.map_err(fail("generate Kyber768"))?;
                let dsa = client.keys().generate(Algorithm::Dilithium3).await;
                let dsa = dsa.map_err(fail("generate Dilithium3"))?;
                let encrypted = client
                    .kem()
                    .encrypt(payload.as_slice(), kem.key_version)
                    .await
                    .map_err(fail("encrypt"))?;
                let signed = client
                    .signatures()
                    .sign(&payload, dsa.key_version)
                    .await
                    .map_err(fail("sign"))?;
                Ok::<_, String>((
                    kem.key_version,
                    dsa.key_version,
                    encrypted.ciphertext,
                    signed.signature,
                ))
            })?;

        let crypto_error = |error: crypto::CryptoError| format!("local crypto failed: {error}");
        let kem_keys = crypto::ml_kem_generate().map_err(crypto_error)?;
        let dsa_keys = crypto::ml_dsa_generate().map_err(crypto_error)?;
        let local_ciphertext = crypto::kem_dem_seal(
            ENCRYPT_FORMAT_V1,
            &kem_keys.public_key,
            1,
            &payload,
            SealRandomness::Fresh,
        )
        .map_err(crypto_error)?;
        let randomness = crypto::random_array::<32>().map_err(crypto_error)?;
        let local_signature = crypto::ml_dsa_sign(
            &dsa_keys.private_key,
            &payload,
            MESSAGE_CONTEXT,
            *randomness,
        )
        .map_err(crypto_error)?;

        Ok(Self {
            client,
            payload: Arc::new(payload),
            kem_version,
            dsa_version,
            server_ciphertext: Arc::new(server_ciphertext),
            server_signature: Arc::new(server_signature),
            kem_keys,
            dsa_keys,
            local_ciphertext,
            local_signature,
        })
    }

    /// Returns the async client the workload uses.
    pub(crate) fn client(&self) -> &qpher_async::Client {
        &self.client
    }

    /// Returns the server's Kyber768 key version.
    pub(crate) fn kem_version(&self) -> u32 {
        self.kem_version
    }

    /// Drives `op` against the server with `in_flight` calls outstanding and measures the
    /// server's CPU time (user plus system) meanwhile.
    ///
    /// # Errors
    ///
    /// Returns the first failed call, and an error when the server's CPU time cannot be
    /// read or did not advance.
    pub(crate) fn server_rate(
        &self,
        runtime: &Runtime,
        server: &ServerProcess,
        ticks: ClockTicks,
        op: ServerOp,
        in_flight: usize,
        budget: Budget,
    ) -> Result<ServerRate, String> {
        self.drive(runtime, op, in_flight, budget.warm_up())?;

        let before = stats::process_cpu_ticks(server.pid())?;
        let completed = self.drive(runtime, op, in_flight, budget)?;
        let used = stats::process_cpu_ticks(server.pid())?.since(before);

        let cpu_seconds = used.total() as f64 / ticks.per_second as f64;
        if cpu_seconds <= 0.0 {
            return Err(format!(
                "the server used no measurable CPU time for {} calls of {}",
                completed.calls,
                op.name()
            ));
        }
        Ok(ServerRate {
            per_cpu_second: completed.calls as f64 / cpu_seconds,
            system_percent: used.system as f64 / used.total() as f64 * 100.0,
        })
    }

    /// Drives `op` against the server with `in_flight` calls outstanding until `budget` is
    /// spent.
    ///
    /// # Errors
    ///
    /// Returns the first failed call.
    pub(crate) fn drive(
        &self,
        runtime: &Runtime,
        op: ServerOp,
        in_flight: usize,
        budget: Budget,
    ) -> Result<load::Completed, String> {
        let client = self.client.clone();
        let payload = Arc::clone(&self.payload);
        let ciphertext = Arc::clone(&self.server_ciphertext);
        let signature = Arc::clone(&self.server_signature);
        let (kem_version, dsa_version) = (self.kem_version, self.dsa_version);

        load::run_in_flight(runtime, in_flight, budget, move || {
            let client = client.clone();
            let payload = Arc::clone(&payload);
            let ciphertext = Arc::clone(&ciphertext);
            let signature = Arc::clone(&signature);
            async move {
                let failed = |error: qpher_async::Error| format!("{} failed: {error}", op.name());
                match op {
                    ServerOp::Encrypt => {
                        client
                            .kem()
                            .encrypt(payload.as_slice(), kem_version)
                            .await
                            .map_err(failed)?;
                    }
                    ServerOp::Decrypt => {
                        client
                            .kem()
                            .decrypt(ciphertext.as_slice(), kem_version)
                            .await
                            .map_err(failed)?;
                    }
                    ServerOp::Sign => {
                        client
                            .signatures()
                            .sign(payload.as_slice(), dsa_version)
                            .await
                            .map_err(failed)?;
                    }
                    ServerOp::Verify => {
                        let verified = client
                            .signatures()
                            .verify(payload.as_slice(), signature.as_slice(), dsa_version)
                            .await
                            .map_err(failed)?;
                        if !verified.valid {
                            return Err("the server reported a valid signature invalid".into());
                        }
                    }
                }
                Ok(())
            }
        })
    }

    /// Runs the crypto call of `op` on the current thread until `budget` is spent and
    /// returns the operations per second of this thread's CPU time.
    ///
    /// # Errors
    ///
    /// Returns the first failed operation, and an error when the thread's CPU clock cannot
    /// be read.
    pub(crate) fn crypto_rate(&self, op: ServerOp, budget: Budget) -> Result<f64, String> {
        self.crypto_loop(op, budget.warm_up())?;

        let before = stats::thread_cpu_time()?;
        let operations = self.crypto_loop(op, budget)?;
        let used = stats::thread_cpu_time()?.saturating_sub(before);
        Ok(load::per_second(operations, used))
    }

    fn crypto_loop(&self, op: ServerOp, budget: Budget) -> Result<u64, String> {
        let failed = |error: crypto::CryptoError| format!("{} failed: {error}", op.crypto_call());
        let deadline = std::time::Instant::now() + budget.duration;
        let mut operations = 0;
        while operations < budget.max_calls && std::time::Instant::now() < deadline {
            match op {
                ServerOp::Encrypt => {
                    crypto::kem_dem_seal(
                        ENCRYPT_FORMAT_V1,
                        &self.kem_keys.public_key,
                        1,
                        &self.payload,
                        SealRandomness::Fresh,
                    )
                    .map_err(failed)?;
                }
                ServerOp::Decrypt => {
                    crypto::kem_dem_open(
                        ENCRYPT_FORMAT_V1,
                        &self.kem_keys.private_key,
                        1,
                        &self.local_ciphertext,
                    )
                    .map_err(failed)?;
                }
                ServerOp::Sign => {
                    let randomness = crypto::random_array::<32>().map_err(failed)?;
                    crypto::ml_dsa_sign(
                        &self.dsa_keys.private_key,
                        &self.payload,
                        MESSAGE_CONTEXT,
                        *randomness,
                    )
                    .map_err(failed)?;
                }
                ServerOp::Verify => {
                    let valid = crypto::ml_dsa_verify(
                        &self.dsa_keys.public_key,
                        &self.payload,
                        MESSAGE_CONTEXT,
                        &self.local_signature,
                    );
                    if !valid {
                        return Err("ml_dsa_verify rejected a valid signature".to_owned());
                    }
                }
            }
            operations += 1;
        }
        Ok(operations)
    }
}
