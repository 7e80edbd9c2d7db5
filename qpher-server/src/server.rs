//! Starting and stopping a server: [`RunningServer`] on the caller's runtime and
//! [`BackgroundServer`] on a runtime of its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

use crate::ServerError;
use crate::config::{
    API_KEY_FILE, DATABASE_FILE, MasterKey, ServerConfig, Storage, create_data_dir,
    resolve_master_key, write_private_file,
};
use crate::http::{AppState, router};
use crate::ratelimit::RateLimiter;
use crate::store::Store;

/// Name of the tenant created on first start.
const BOOTSTRAP_TENANT_NAME: &str = "default";

/// A store opened and provisioned with a tenant and a usable API key.
struct Provisioned {
    store: Store,
    api_key: Zeroizing<String>,
    api_key_created: bool,
    data_dir: Option<PathBuf>,
}

/// Opens the store of `config` and makes sure the first tenant has a usable API key.
///
/// On first start this creates the tenant and a key, which a persistent server writes to
/// the `api-key` file. Later starts read that file back. When the file is missing or its
/// key was revoked, a new key is created for the first tenant.
fn provision(config: &ServerConfig) -> Result<Provisioned, ServerError> {
    let (store, data_dir) = match &config.storage {
        Storage::InMemory => {
            let master_key = match &config.master_key {
                Some(key) => key.clone(),
                None => MasterKey::generate()?,
            };
            (Store::open_in_memory(&master_key)?, None)
        }
        Storage::Persistent(dir) => {
            create_data_dir(dir)?;
            let master_key = resolve_master_key(config.master_key.clone(), dir)?;
            let store = Store::open_file(&dir.join(DATABASE_FILE), &master_key)?;
            (store, Some(dir.clone()))
        }
    };

    if let Some(dir) = &data_dir
        && let Ok(text) = std::fs::read_to_string(dir.join(API_KEY_FILE))
    {
        let api_key = Zeroizing::new(text.trim().to_owned());
        if store.authenticate(&api_key)?.is_some() {
            return Ok(Provisioned {
                store,
                api_key,
                api_key_created: false,
                data_dir,
            });
        }
    }

    let tenant_id = match store.first_tenant()? {
        Some(tenant_id) => tenant_id,
        None => store.create_tenant(BOOTSTRAP_TENANT_NAME)?,
    };
    let (_, api_key) = store.create_api_key(&tenant_id)?;
    if let Some(dir) = &data_dir {
        let mut contents = Zeroizing::new(api_key.as_bytes().to_vec());
        contents.push(b'\n');
        write_private_file(&dir.join(API_KEY_FILE), &contents, false)?;
    }

    Ok(Provisioned {
        store,
        api_key,
        api_key_created: true,
        data_dir,
    })
}

impl ServerConfig {
    /// Binds the listening address, opens the store and starts serving on the current
    /// tokio runtime; returns once the socket is listening.
    ///
    /// The address is bound first, so a start that fails to bind creates no files.
    ///
    /// # Errors
    ///
    /// Returns an error when the configuration is invalid, the data directory or database
    /// cannot be opened, the master key does not match the database, or the address
    /// cannot be bound.
    pub async fn start(self) -> Result<RunningServer, ServerError> {
        self.validate()?;

        // Bind before provisioning, so a start that fails on a busy address leaves no
        // data directory, master key or API key behind.
        let listener =
            TcpListener::bind(self.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: self.listen,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: self.listen,
            source,
        })?;

        let config = self.clone();
        let provisioned = tokio::task::spawn_blocking(move || provision(&config))
            .await
            .map_err(|error| ServerError::Runtime(error.to_string()))??;

        let state = AppState {
            store: provisioned.store.clone(),
            limiter: self.rate_limit.map(|rate| Arc::new(RateLimiter::new(rate))),
        };
        let (shutdown_sender, shutdown_receiver) = oneshot::channel::<()>();
        let app = router(state);
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    // A dropped sender also stops the server.
                    let _ = shutdown_receiver.await;
                })
                .await
        });

        let storage = match &provisioned.data_dir {
            Some(dir) => dir.display().to_string(),
            None => "in-memory".to_owned(),
        };
        tracing::info!(
            target: "qpher_server",
            address = %local_addr,
            data_dir = %storage,
            "server started"
        );
        Ok(RunningServer {
            local_addr,
            api_key: provisioned.api_key,
            api_key_created: provisioned.api_key_created,
            data_dir: provisioned.data_dir,
            store: provisioned.store,
            shutdown: Some(shutdown_sender),
            task: Some(task),
        })
    }

    /// Starts the server on a tokio runtime of its own, on a background thread; returns
    /// once the socket is listening. Dropping the returned handle stops the server.
    ///
    /// # Errors
    ///
    /// Returns the errors of [`ServerConfig::start`], and an error when the runtime or
    /// thread cannot be created.
    pub fn start_background(self) -> Result<BackgroundServer, ServerError> {
        let (ready_sender, ready_receiver) = mpsc::channel();
        let (stop_sender, stop_receiver) = oneshot::channel::<()>();

        let thread = thread::Builder::new()
            .name("qpher-server".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = ready_sender.send(Err(ServerError::Runtime(error.to_string())));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let server = match self.start().await {
                        Ok(server) => server,
                        Err(error) => {
                            let _ = ready_sender.send(Err(error));
                            return;
                        }
                    };
                    let handle = ServerHandle {
                        local_addr: server.local_addr,
                        api_key: server.api_key.clone(),
                        store: server.store.clone(),
                    };
                    if ready_sender.send(Ok(handle)).is_err() {
                        return;
                    }
                    let _ = stop_receiver.await;
                    if let Err(error) = server.shutdown().await {
                        tracing::error!(target: "qpher_server", %error, "server stopped with an error");
                    }
                });
            })
            .map_err(|error| ServerError::Runtime(error.to_string()))?;

        let handle = ready_receiver.recv().map_err(|_| {
            ServerError::Runtime("the server thread exited during start".to_owned())
        })??;
        Ok(BackgroundServer {
            handle,
            stop: Some(stop_sender),
            thread: Some(thread),
        })
    }
}

fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

fn create_tenant_with_key(store: &Store) -> Result<String, ServerError> {
    let tenant_id = store.create_tenant("tenant")?;
    let (_, api_key) = store.create_api_key(&tenant_id)?;
    Ok(api_key.as_str().to_owned())
}

/// A server serving on the runtime that started it.
///
/// Dropping it without [`RunningServer::shutdown`] also signals the server to stop, without
/// waiting for it.
pub struct RunningServer {
    local_addr: SocketAddr,
    api_key: Zeroizing<String>,
    api_key_created: bool,
    data_dir: Option<PathBuf>,
    store: Store,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("local_addr", &self.local_addr)
            .field("api_key", &"[REDACTED]")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// Returns the base URL, such as `http://127.0.0.1:41234`, without a trailing slash.
    pub fn base_url(&self) -> String {
        base_url(self.local_addr)
    }

    /// Returns the API key of the first tenant.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Returns `true` when [`RunningServer::api_key`] was created by this start, so it has
    /// not been shown before.
    pub fn api_key_created(&self) -> bool {
        self.api_key_created
    }

    /// Returns the data directory of a persistent server.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// Returns the bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Creates a new tenant with an API key of its own and returns the key.
    ///
    /// This runs a short SQLite write on the calling thread.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails.
    pub fn create_api_key(&self) -> Result<String, ServerError> {
        create_tenant_with_key(&self.store)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the
    /// server task to end.
    ///
    /// # Errors
    ///
    /// Returns an error when the server task failed.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        let result = task
            .await
            .map_err(|error| ServerError::Runtime(error.to_string()))?
            .map_err(|error| ServerError::Runtime(error.to_string()));
        tracing::info!(target: "qpher_server", address = %self.local_addr, "server stopped");
        result
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
    }
}

/// Address, key and store of a background server, kept on the caller's thread.
struct ServerHandle {
    local_addr: SocketAddr,
    api_key: Zeroizing<String>,
    store: Store,
}

/// A server running on its own tokio runtime on a background thread.
///
/// Dropping it stops the server gracefully and joins the thread.
pub struct BackgroundServer {
    handle: ServerHandle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for BackgroundServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundServer")
            .field("local_addr", &self.handle.local_addr)
            .field("api_key", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl BackgroundServer {
    /// Returns the base URL, such as `http://127.0.0.1:41234`, without a trailing slash.
    pub fn base_url(&self) -> String {
        base_url(self.handle.local_addr)
    }

    /// Returns the API key of the first tenant.
    pub fn api_key(&self) -> &str {
        &self.handle.api_key
    }

    /// Returns the bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.handle.local_addr
    }

    /// Creates a new tenant with an API key of its own and returns the key.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails.
    pub fn create_api_key(&self) -> Result<String, ServerError> {
        create_tenant_with_key(&self.handle.store)
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
