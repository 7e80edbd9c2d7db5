//! The `qpher-server` binary as a child process: durability across SIGKILL, restart with
//! the same data directory, and the admin commands.

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Client, b64, unb64};
use serde_json::json;

const BINARY: &str = env!("CARGO_BIN_EXE_qpher-server");

/// A child server process, killed on drop.
struct ServerProcess {
    child: Child,
    base_url: String,
    printed_api_key: Option<String>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on a free port and reads its start-up lines.
fn spawn_server(data_dir: &Path) -> ServerProcess {
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env_remove("QPHER_SERVER_MASTER_KEY")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("no output").unwrap();
    let base_url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();

    let mut printed_api_key = None;
    // The key lines follow at once when a key was created. They are read on another thread,
    // so a server that prints nothing more cannot block the test.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    if let Ok(line) = receiver.recv_timeout(Duration::from_millis(500))
        && let Some(key) = line.strip_prefix("api key: ")
    {
        printed_api_key = Some(key.to_owned());
    }

    ServerProcess {
        child,
        base_url,
        printed_api_key,
    }
}

fn read_api_key(data_dir: &Path) -> String {
    std::fs::read_to_string(data_dir.join("api-key"))
        .unwrap()
        .trim()
        .to_owned()
}

/// One key version and a ciphertext made with it, as the client received them.
#[derive(Clone, Debug)]
struct Acknowledged {
    version: u32,
    public_key: serde_json::Value,
    /// The plaintext and ciphertext, when the encrypt response also arrived.
    encrypted: Option<(Vec<u8>, serde_json::Value)>,
}

/// Rotates and encrypts in a loop until a request fails, recording each response received.
async fn churn(client: Client, acknowledged: Arc<Mutex<Vec<Acknowledged>>>) {
    for round in 0u32.. {
        let Ok(response) = client
            .http
            .post(format!("{}/api/v1/kms/keys/rotate", client.base_url))
            .header("x-api-key", &client.api_key)
            .json(&json!({"algorithm": "Kyber768"}))
            .send()
            .await
        else {
            return;
        };
        let Ok(rotated) = response.json::<serde_json::Value>().await else {
            return;
        };
        let version = rotated["data"]["key_version"].as_u64().unwrap() as u32;
        let public_key = rotated["data"]["public_key"].clone();

        let index = {
            let mut acknowledged = acknowledged.lock().unwrap();
            acknowledged.push(Acknowledged {
                version,
                public_key,
                encrypted: None,
            });
            acknowledged.len() - 1
        };

        let plaintext = format!("round {round}").into_bytes();
        let Ok(response) = client
            .http
            .post(format!("{}/api/v1/kem/encrypt", client.base_url))
            .header("x-api-key", &client.api_key)
            .json(&json!({"plaintext": b64(&plaintext), "key_version": version}))
            .send()
            .await
        else {
            return;
        };
        let Ok(encrypted) = response.json::<serde_json::Value>().await else {
            return;
        };
        acknowledged.lock().unwrap()[index].encrypted =
            Some((plaintext, encrypted["data"]["ciphertext"].clone()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = spawn_server(dir.path());
    let api_key = read_api_key(dir.path());
    assert_eq!(server.printed_api_key.as_deref(), Some(api_key.as_str()));

    let client = Client::new(server.base_url.clone(), &api_key);
    client.generate("Kyber768").await;

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let worker = tokio::spawn(churn(client.clone(), acknowledged.clone()));

    // Kill while the loop is running, then let it notice.
    let deadline = Instant::now() + Duration::from_secs(5);
    while acknowledged.lock().unwrap().len() < 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the client loop did not stop")
        .unwrap();

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 5,
        "only {} rounds completed",
        acknowledged.len()
    );

    // Restart on the same directory: the key file still works and no new key is printed.
    let restarted = spawn_server(dir.path());
    assert_eq!(restarted.printed_api_key, None);
    let client = Client::new(restarted.base_url.clone(), &api_key);

    for entry in &acknowledged {
        let reply = client
            .get(&format!(
                "/api/v1/kms/keys/{}?algorithm=Kyber768",
                entry.version
            ))
            .await;
        assert_eq!(
            reply.ok()["public_key"],
            entry.public_key,
            "version {}",
            entry.version
        );

        let Some((plaintext, ciphertext)) = &entry.encrypted else {
            continue;
        };
        let reply = client
            .post(
                "/api/v1/kem/decrypt",
                json!({"ciphertext": ciphertext, "key_version": entry.version}),
            )
            .await;
        assert_eq!(&unb64(&reply.ok()["plaintext"]), plaintext);
    }

    let keys = client.get("/api/v1/kms/keys?status=active").await;
    assert_eq!(keys.ok()["total"], 1);
    drop(restarted);

    let admin = qpher_server::Admin::open(dir.path(), None).unwrap();
    assert_eq!(admin.integrity_check().unwrap(), "ok");
}

#[tokio::test]
async fn data_directory_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_server(dir.path());
    let api_key = read_api_key(dir.path());
    drop(server);

    #[cfg(unix)]
    for name in ["api-key", "master.key"] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }

    let mut database = std::fs::read(dir.path().join("qpher.db")).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("qpher.db-wal")) {
        database.extend_from_slice(&wal);
    }
    assert!(
        !database
            .windows(api_key.len())
            .any(|window| window == api_key.as_bytes()),
        "the API key is stored in clear"
    );
}

#[test]
fn admin_commands() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = Command::new(BINARY)
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("QPHER_SERVER_MASTER_KEY")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };

    let created = run(&["api-key", "create", "--name", "ci"]);
    let api_key = created
        .lines()
        .find_map(|line| line.strip_prefix("api key: "))
        .unwrap()
        .to_owned();
    assert!(api_key.starts_with("qph_"));

    let listed = run(&["api-key", "list"]);
    assert!(listed.contains(&api_key[..8]), "{listed}");
    assert!(!listed.contains(&api_key), "the list shows a whole key");
    assert!(listed.contains("active"), "{listed}");

    run(&["api-key", "revoke", "1"]);
    let listed = run(&["api-key", "list"]);
    assert!(listed.contains("revoked"), "{listed}");

    let output = Command::new(BINARY)
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "key",
            "archive",
            "--algorithm",
            "Kyber768",
            "--version",
            "1",
        ])
        .env_remove("QPHER_SERVER_MASTER_KEY")
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "archiving a missing key succeeded"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("not found"));
}

#[test]
fn log_lines_plain_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("QPHER_SERVER_MASTER_KEY")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut server = ServerProcess {
        child,
        base_url: String::new(),
        printed_api_key: None,
    };

    let mut lines = BufReader::new(stderr).lines();
    let started = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("server started"))
        .expect("no start log line");
    let _ = server.child.kill();

    assert!(!started.contains('\u{1b}'), "ANSI codes in {started:?}");
    let expected = format!("data_dir={}", dir.path().display());
    assert!(started.contains(&expected), "{started:?}");
    assert!(!started.contains("Some("), "{started:?}");
}

#[test]
fn busy_port_creates_no_data_dir() {
    let occupied = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = occupied.local_addr().unwrap().to_string();
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("data");

    let output = Command::new(BINARY)
        .args(["--listen", &address, "--data-dir"])
        .arg(&data_dir)
        .env_remove("QPHER_SERVER_MASTER_KEY")
        .output()
        .unwrap();

    assert!(!output.status.success(), "started on a busy port");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&address), "{stderr}");
    assert!(
        !data_dir.exists(),
        "a failed start created {}",
        data_dir.display()
    );
}
