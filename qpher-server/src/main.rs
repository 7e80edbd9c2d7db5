//! The `qpher-server` command: runs the development server, or administers its data
//! directory.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use qpher_server::{API_KEY_FILE, Admin, DEFAULT_LISTEN, ServerConfig, ServerError};
use qpher_types::Algorithm;
use tracing_subscriber::EnvFilter;

/// Local Qpher-compatible development server with ML-KEM-768 and ML-DSA-65.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value_t = DEFAULT_LISTEN)]
    listen: SocketAddr,

    /// Data directory for the database, the master key and the api-key file
    /// [default: the platform data directory].
    #[arg(long, global = true, env = "QPHER_SERVER_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Keep all state in memory and lose it on exit (for tests).
    #[arg(long, conflicts_with = "data_dir")]
    in_memory: bool,

    /// Limit each tenant to this many requests per second; past it the server responds
    /// with 429 ERR_RATE_LIMIT_001 with Retry-After.
    #[arg(long, value_name = "REQUESTS_PER_SECOND")]
    rate_limit: Option<f64>,

    /// Log line format, written to standard error. RUST_LOG sets the level (default info).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage API keys; each created key gets a tenant of its own.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Manage key versions.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Create a tenant with a new API key and print the key once.
    Create {
        /// Name of the new tenant.
        #[arg(long, default_value = "tenant")]
        name: String,
    },
    /// List API keys by id, tenant, prefix and status.
    List,
    /// Revoke an API key by the id that `api-key list` prints.
    Revoke {
        /// The API key id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Archive a key version; an archived key allows no operation.
    Archive {
        /// Algorithm of the key: Kyber768 or Dilithium3.
        #[arg(long)]
        algorithm: String,
        /// Version number of the key.
        #[arg(long)]
        version: u32,
        /// Tenant id [default: the first tenant].
        #[arg(long)]
        tenant: Option<String>,
    },
}

fn default_data_dir() -> Result<PathBuf, ServerError> {
    directories::ProjectDirs::from("ai", "Qpher", "qpher-server")
        .map(|dirs| dirs.data_dir().to_owned())
        .ok_or_else(|| {
            ServerError::InvalidConfig(
                "no home directory found for the default data directory; pass --data-dir"
                    .to_owned(),
            )
        })
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        // Colour codes only help on a terminal, and they clutter a redirected log file.
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);

    let result = match cli.command {
        Some(command) => run_admin(cli.data_dir, command),
        None => run_server(cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("qpher-server: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run_admin(data_dir: Option<PathBuf>, command: Command) -> Result<(), ServerError> {
    let data_dir = match data_dir {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    let admin = Admin::open(&data_dir, None)?;

    match command {
        Command::ApiKey(ApiKeyCommand::Create { name }) => {
            let (tenant_id, api_key) = admin.create_api_key(&name)?;
            println!("tenant: {tenant_id}");
            println!("api key: {api_key}");
        }
        Command::ApiKey(ApiKeyCommand::List) => {
            println!(
                "{:<6} {:<36} {:<10} {:<24} STATUS",
                "ID", "TENANT", "PREFIX", "CREATED"
            );
            for key in admin.api_keys()? {
                let status = match &key.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".to_owned(),
                };
                println!(
                    "{:<6} {:<36} {:<10} {:<24} {status}",
                    key.id, key.tenant_id, key.prefix, key.created_at
                );
            }
        }
        Command::ApiKey(ApiKeyCommand::Revoke { id }) => {
            admin.revoke_api_key(id)?;
            println!("revoked API key {id}");
        }
        Command::Key(KeyCommand::Archive {
            algorithm,
            version,
            tenant,
        }) => {
            admin.archive_key(
                tenant.as_deref(),
                &Algorithm::from_wire(&algorithm),
                version,
            )?;
            println!("archived {algorithm} key version {version}");
        }
    }
    Ok(())
}

fn run_server(cli: Cli) -> Result<(), ServerError> {
    let mut config = if cli.in_memory {
        ServerConfig::in_memory()
    } else {
        let data_dir = match cli.data_dir {
            Some(dir) => dir,
            None => default_data_dir()?,
        };
        ServerConfig::persistent(data_dir)
    };
    config = config.listen(cli.listen);
    if let Some(rate) = cli.rate_limit {
        config = config.rate_limit(rate);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| ServerError::Runtime(error.to_string()))?;
    runtime.block_on(serve(config))
}

async fn serve(config: ServerConfig) -> Result<(), ServerError> {
    let server = config.start().await?;

    // Tools and tests read these lines; keep their shape stable.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", server.base_url());
    if server.api_key_created() {
        let _ = writeln!(stdout, "api key: {}", server.api_key());
        if let Some(dir) = server.data_dir() {
            let _ = writeln!(stdout, "api key file: {}", dir.join(API_KEY_FILE).display());
        }
    }
    let _ = stdout.flush();
    drop(stdout);

    shutdown_signal().await;
    tracing::info!(target: "qpher_server", "shutdown signal received");
    server.shutdown().await
}

/// Waits for SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "failed to listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
