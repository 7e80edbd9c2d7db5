//! [`ServerConfig`], the builder of a server, and [`MasterKey`], the key that seals
//! private keys at rest.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize, Zeroizing};

use crate::ServerError;
use crate::crypto::random_array;

/// The address `qpher-server` listens on when none is given: `127.0.0.1:8787`.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8787));

/// Environment variable containing the master key as base64 of 32 bytes.
pub const MASTER_KEY_ENV: &str = "QPHER_SERVER_MASTER_KEY";

/// File name of the master key inside the data directory.
pub const MASTER_KEY_FILE: &str = "master.key";

/// File name of the bootstrap API key inside the data directory.
pub const API_KEY_FILE: &str = "api-key";

/// File name of the SQLite database inside the data directory.
pub const DATABASE_FILE: &str = "qpher.db";

/// The 32-byte key that seals private keys and keys the API-key hashes.
///
/// `Debug` prints `[REDACTED]` and the bytes are zeroized on drop.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// Wraps 32 key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Parses standard base64 of exactly 32 bytes; surrounding whitespace is ignored.
    ///
    /// # Errors
    ///
    /// Returns [`ServerError::InvalidConfig`] when the text is not base64 or does not
    /// decode to 32 bytes. The message never repeats the text.
    pub fn from_base64(text: &str) -> Result<Self, ServerError> {
        let mut decoded = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| {
            ServerError::InvalidConfig("the master key is not valid base64".to_owned())
        })?);
        let bytes: [u8; 32] = decoded.as_slice().try_into().map_err(|_| {
            ServerError::InvalidConfig(format!(
                "the master key must be 32 bytes, found {}",
                decoded.len()
            ))
        })?;
        decoded.zeroize();
        Ok(Self::from_bytes(bytes))
    }

    /// Generates a random master key.
    ///
    /// # Errors
    ///
    /// Returns an error when the system random number generator fails.
    pub fn generate() -> Result<Self, ServerError> {
        let bytes = random_array::<32>()?;
        Ok(Self(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_slice()))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

/// The location of the server's state.
#[derive(Clone, Debug)]
pub(crate) enum Storage {
    /// A SQLite database in memory, lost when the server stops.
    InMemory,
    /// A data directory holding the database, the master key and the API-key file.
    Persistent(PathBuf),
}

/// Configuration of a server, built step by step and consumed by `start`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let server = qpher_server::ServerConfig::in_memory()
///     .listen("127.0.0.1:0".parse()?)
///     .start()
///     .await?;
/// println!("{} {}", server.base_url(), server.api_key());
/// server.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub(crate) storage: Storage,
    pub(crate) listen: SocketAddr,
    pub(crate) rate_limit: Option<f64>,
    pub(crate) master_key: Option<MasterKey>,
}

impl ServerConfig {
    /// Configures a server whose state lives in memory, with a random master key unless one is set.
    pub fn in_memory() -> Self {
        Self {
            storage: Storage::InMemory,
            listen: DEFAULT_LISTEN,
            rate_limit: None,
            master_key: None,
        }
    }

    /// Configures a server whose state lives in `data_dir`, created on first start.
    ///
    /// The master key comes from [`ServerConfig::master_key`], else from the
    /// `QPHER_SERVER_MASTER_KEY` environment variable, else from the `master.key` file in
    /// the data directory, which is created on first start.
    pub fn persistent(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            storage: Storage::Persistent(data_dir.into()),
            ..Self::in_memory()
        }
    }

    /// Sets the address to bind; port 0 picks a free port. The default is
    /// [`DEFAULT_LISTEN`].
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Limits each tenant to `requests_per_second` authenticated requests, with a burst of
    /// one second's worth. Requests past it get 429 `ERR_RATE_LIMIT_001` and `Retry-After`.
    pub fn rate_limit(mut self, requests_per_second: f64) -> Self {
        self.rate_limit = Some(requests_per_second);
        self
    }

    /// Sets the master key, overriding the environment and the key file.
    pub fn master_key(mut self, key: MasterKey) -> Self {
        self.master_key = Some(key);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ServerError> {
        if let Some(rate) = self.rate_limit
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err(ServerError::InvalidConfig(format!(
                "rate_limit must be a positive number of requests per second, found {rate}"
            )));
        }
        Ok(())
    }
}

/// Resolves the master key of a data directory: the explicit key, then the environment
/// variable, then the key file, which is created when none of them exists.
pub(crate) fn resolve_master_key(
    explicit: Option<MasterKey>,
    data_dir: &Path,
) -> Result<MasterKey, ServerError> {
    if let Some(key) = explicit {
        return Ok(key);
    }

    if let Ok(text) = std::env::var(MASTER_KEY_ENV) {
        let text = Zeroizing::new(text);
        return MasterKey::from_base64(&text)
            .map_err(|error| ServerError::InvalidConfig(format!("{MASTER_KEY_ENV}: {error}")));
    }

    let path = data_dir.join(MASTER_KEY_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            MasterKey::from_base64(&text)
                .map_err(|error| ServerError::InvalidConfig(format!("{}: {error}", path.display())))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate()?;
            let mut text = key.to_base64();
            text.push('\n');
            write_private_file(&path, text.as_bytes(), true)?;
            Ok(key)
        }
        Err(source) => Err(ServerError::Io { path, source }),
    }
}

/// Creates a data directory readable only by its owner (mode 0700 on Unix).
pub(crate) fn create_data_dir(path: &Path) -> Result<(), ServerError> {
    let io_error = |source| ServerError::Io {
        path: path.to_owned(),
        source,
    };
    if path.is_dir() {
        return Ok(());
    }

    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(path).map_err(io_error)
}

/// Writes a file readable only by its owner (mode 0600 on Unix) and syncs it to disk.
///
/// With `create_new` the call fails if the file exists; otherwise the file is replaced.
pub(crate) fn write_private_file(
    path: &Path,
    contents: &[u8],
    create_new: bool,
) -> Result<(), ServerError> {
    let io_error = |source| ServerError::Io {
        path: path.to_owned(),
        source,
    };

    let mut options = fs::OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }

    let mut file = options.open(path).map_err(io_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(io_error)?;
    }
    file.write_all(contents).map_err(io_error)?;
    file.sync_all().map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_key_debug_is_redacted() {
        let key = MasterKey::from_bytes([9u8; 32]);
        assert_eq!(format!("{key:?}"), "MasterKey([REDACTED])");
    }

    #[test]
    fn master_key_base64_round_trip() {
        let key = MasterKey::generate().unwrap();
        let parsed = MasterKey::from_base64(&format!("{}\n", *key.to_base64())).unwrap();
        assert_eq!(parsed.bytes(), key.bytes());
    }

    #[test]
    fn master_key_rejects_bad_text() {
        assert!(MasterKey::from_base64("not base64!").is_err());
        assert!(MasterKey::from_base64("AAAA").is_err());
    }

    #[test]
    fn rate_limit_must_be_positive() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                ServerConfig::in_memory()
                    .rate_limit(rate)
                    .validate()
                    .is_err()
            );
        }
        assert!(ServerConfig::in_memory().rate_limit(0.5).validate().is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;

        let dir = tempfile::tempdir().unwrap();
        let key = resolve_master_key(None, dir.path());
        // The environment variable, when set by the caller, takes precedence.
        if std::env::var(MASTER_KEY_ENV).is_ok() {
            return;
        }
        let key = key.unwrap();
        let mode = fs::metadata(dir.path().join(MASTER_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        let again = resolve_master_key(None, dir.path()).unwrap();
        assert_eq!(again.bytes(), key.bytes());
    }
}
