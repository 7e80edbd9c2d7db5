//! [`ClientBuilder`]: the settings of a [`Client`], validated by the core's `ConfigBuilder`,
//! plus the ureq-specific ones (extra root certificates, the sleep hook).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use qpher_core::{Config, ConfigBuilder, Error, ErrorKind};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::Client;

/// A shared sleep hook.
pub(crate) type SleepFn = Arc<dyn Fn(Duration) + Send + Sync>;

/// Builder of a [`Client`]; see each setter for its default.
///
/// ```no_run
/// use std::time::Duration;
///
/// use qpher_blocking::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("qph_example_key")
///     .base_url("http://127.0.0.1:8787")
///     .timeout(Duration::from_secs(10))
///     .retry_policy(RetryPolicy::default().jitter(false))
///     .max_retries(2)
///     .build()?;
/// # Ok::<(), qpher_blocking::Error>(())
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

    /// Replaces the sleep between attempts, which is `std::thread::sleep` by default.
    /// Tests use it to record the retry delays without waiting.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    ///
    /// let delays = Arc::new(Mutex::new(Vec::<Duration>::new()));
    /// let recorded = Arc::clone(&delays);
    /// let builder = qpher_blocking::Client::builder().sleep_impl(move |delay| {
    ///     recorded.lock().unwrap().push(delay);
    /// });
    /// ```
    pub fn sleep_impl(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
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
        let agent = agent(&config, &self.root_certificates)?;
        Ok(Client::from_parts(config, agent, self.sleep))
    }
}

/// Builds the ureq agent: no redirects, status codes returned as responses, one deadline
/// per attempt, and rustls with the Mozilla roots plus the extra ones.
///
/// TLS uses rustls' aws-lc-rs provider, whose key exchange groups start with the hybrid
/// X25519MLKEM768, and classical groups such as X25519 are the fallbacks. The provider is
/// passed to this agent only. Installing it as rustls' process-wide default would change the TLS of
/// every other rustls user in the application.
fn agent(config: &Config, root_certificates: &[Vec<u8>]) -> Result<ureq::Agent, Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(provider);
    if !root_certificates.is_empty() {
        tls = tls.root_certs(root_certs(root_certificates)?);
    }

    let agent_config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(config.timeout()))
        .tls_config(tls.build())
        .build();
    Ok(agent_config.into())
}

/// Returns the Mozilla roots followed by every certificate in `root_certificates`.
///
/// ureq uses either its built-in roots or a given list, so adding a root means giving the
/// whole list. The built-in part comes from `webpki-root-certs`, the same Mozilla set.
fn root_certs(root_certificates: &[Vec<u8>]) -> Result<RootCerts, Error> {
    let mut certificates: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();

    for pem in root_certificates {
        let before = certificates.len();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(PemItem::Certificate(certificate)) => certificates.push(certificate),
                Ok(_) => {}
                Err(error) => {
                    return Err(Error::new(
                        ErrorKind::Configuration,
                        "add_root_certificate_pem: the input is not valid PEM",
                    )
                    .with_source(error));
                }
            }
        }
        if certificates.len() == before {
            return Err(Error::new(
                ErrorKind::Configuration,
                "add_root_certificate_pem: the input holds no CERTIFICATE block",
            ));
        }
    }

    Ok(RootCerts::from(certificates))
}
