//! [`ClientBuilder`]: the settings of a [`Client`], validated by the core's `ConfigBuilder`,
//! plus the reqwest-specific ones (extra root certificates, the sleep hook).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use qpher_core::{Config, ConfigBuilder, Error, ErrorKind};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::Client;

/// The future returned by a [`ClientBuilder::sleep_impl`] hook.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A shared sleep hook.
pub(crate) type SleepFn = Arc<dyn Fn(Duration) -> SleepFuture + Send + Sync>;

/// Builder of a [`Client`]; see each setter for its default.
///
/// ```no_run
/// use std::time::Duration;
///
/// use qpher_async::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("qph_example_key")
///     .base_url("http://127.0.0.1:8787")
///     .timeout(Duration::from_secs(10))
///     .retry_policy(RetryPolicy::default().jitter(false))
///     .max_retries(2)
///     .build()?;
/// # Ok::<(), qpher_async::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ClientBuilder {
    config: ConfigBuilder,
    root_certificates: Vec<Vec<u8>>,
    sleep: Option<SleepFn>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("root_certificates", &self.root_certificates.len())
            .field("sleep_impl", &self.sleep.as_ref().map(|_| "custom"))
            .finish()
    }
}

qpher_core::config_setters!(ClientBuilder);

impl ClientBuilder {
    /// Trusts the root certificates in `pem` (one or more PEM `CERTIFICATE` blocks) in
    /// addition to the built-in Mozilla roots, for example a TLS-intercepting proxy's CA.
    /// Checked in [`ClientBuilder::build`].
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Replaces the sleep between attempts, which is `tokio::time::sleep` by default.
    /// Tests use it to record the retry delays without waiting.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    ///
    /// let delays = Arc::new(Mutex::new(Vec::<Duration>::new()));
    /// let recorded = Arc::clone(&delays);
    /// let builder = qpher_async::Client::builder().sleep_impl(move |delay| {
    ///     recorded.lock().unwrap().push(delay);
    ///     Box::pin(async {})
    /// });
    /// ```
    pub fn sleep_impl(
        mut self,
        sleep: impl Fn(Duration) -> SleepFuture + Send + Sync + 'static,
    ) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    /// Validates every setting, reading unset ones from the environment, and builds the
    /// client with its connection pool.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::Configuration`] that names the invalid setting.
    pub fn build(self) -> Result<Client, Error> {
        let config = self.config.build()?;
        let http = http_client(&config, &self.root_certificates)?;
        Ok(Client::from_parts(config, http, self.sleep))
    }
}

/// Builds the reqwest client: no redirects, a connect timeout, and the TLS settings of
/// [`tls_config`]. The whole-attempt timeout is applied per request.
fn http_client(config: &Config, root_certificates: &[Vec<u8>]) -> Result<reqwest::Client, Error> {
    let tls = tls_config(root_certificates)?;

    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.timeout())
        .use_preconfigured_tls(tls)
        .build()
        .map_err(|error| {
            Error::new(
                ErrorKind::Configuration,
                "the reqwest HTTP client could not be built",
            )
            .with_source(error)
        })
}

/// Builds the rustls client configuration with the aws-lc-rs provider and the Mozilla
/// roots plus the extra ones. The provider's key exchange groups start with the hybrid
/// X25519MLKEM768, and classical groups such as X25519 are the fallbacks.
///
/// The provider is passed to this configuration only. Installing it as rustls' process-wide
/// default would change the TLS of every other rustls user in the application.
fn tls_config(root_certificates: &[Vec<u8>]) -> Result<rustls::ClientConfig, Error> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in root_certificates {
        add_pem_roots(&mut roots, pem)?;
    }

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| {
            Error::new(
                ErrorKind::Configuration,
                "the TLS configuration could not be built with the aws-lc-rs provider",
            )
            .with_source(error)
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();

    // reqwest 0.12 sets ALPN only on a configuration it builds itself, so offer HTTP/2 and
    // HTTP/1.1 here as it would.
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

/// Adds every PEM `CERTIFICATE` block in `pem` to `roots` as a trust anchor.
fn add_pem_roots(roots: &mut rustls::RootCertStore, pem: &[u8]) -> Result<(), Error> {
    let mut added = 0_usize;
    for certificate in CertificateDer::pem_slice_iter(pem) {
        let certificate = certificate.map_err(|error| {
            Error::new(
                ErrorKind::Configuration,
                "add_root_certificate_pem: the input is not valid PEM",
            )
            .with_source(error)
        })?;
        roots.add(certificate).map_err(|error| {
            Error::new(
                ErrorKind::Configuration,
                "add_root_certificate_pem: a CERTIFICATE block is not a valid X.509 certificate",
            )
            .with_source(error)
        })?;
        added += 1;
    }

    if added == 0 {
        return Err(Error::new(
            ErrorKind::Configuration,
            "add_root_certificate_pem: the input holds no CERTIFICATE block",
        ));
    }
    Ok(())
}
