//! Client configuration: [`Config`] and its [`ConfigBuilder`].
//!
//! Every setting is validated in [`ConfigBuilder::build`], so a built configuration is always
//! usable. Settings left unset fall back to the environment (`QPHER_API_KEY`,
//! `QPHER_BASE_URL`) and then to the documented defaults.

use std::net::IpAddr;
use std::time::Duration;

use url::Url;
use zeroize::Zeroizing;

use crate::retry::RetryPolicy;
use crate::{ApiKey, Error, ErrorKind};

/// The hosted service's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.qpher.ai";

/// Time allowed for one attempt: connecting, sending and reading the whole response.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest response body the client reads: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Environment variable read for the API key when none is given.
pub const ENV_API_KEY: &str = "QPHER_API_KEY";

/// Environment variable read for the base URL when none is given.
pub const ENV_BASE_URL: &str = "QPHER_BASE_URL";

/// The `user-agent` product token: `qpher-rust/<crate version>`.
pub const USER_AGENT: &str = concat!("qpher-rust/", env!("CARGO_PKG_VERSION"));

/// A validated client configuration, shared by the async and blocking clients.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) api_key: ApiKey,
    pub(crate) base_url: Url,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) user_agent: String,
}

impl Config {
    /// Starts a builder with nothing set.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Returns the API key.
    pub fn api_key(&self) -> &ApiKey {
        &self.api_key
    }

    /// Returns the base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// Returns the `scheme://host:port` of the base URL, the only origin that receives the key.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }

    /// Returns the time allowed for one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Returns the retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Returns the largest response body the client reads.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Returns the full `user-agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
}

/// Builder of a [`Config`]; see each setter for its default.
#[derive(Clone, Default)]
pub struct ConfigBuilder {
    api_key: Option<Zeroizing<String>>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    max_response_bytes: Option<usize>,
    user_agent_suffix: Option<String>,
    allow_insecure_http: bool,
}

impl std::fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

impl ConfigBuilder {
    /// Sets the API key. Default: the `QPHER_API_KEY` environment variable.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(Zeroizing::new(api_key.into()));
        self
    }

    /// Sets the base URL. Default: `QPHER_BASE_URL`, else `https://api.qpher.ai`.
    ///
    /// A trailing `/` is removed and a path prefix is kept (`https://proxy.example/qpher`
    /// sends to `https://proxy.example/qpher/api/v1/...`). Plain `http://` is accepted only
    /// for loopback hosts unless [`ConfigBuilder::allow_insecure_http`] is set.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the time allowed for one attempt, covering connect, send and the whole response
    /// body. Default: 30 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets how many times a failed call is retried; 3 (the default) means at most 4
    /// attempts, and 0 disables retries.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry = self.retry.max_retries(max_retries);
        self
    }

    /// Replaces the retry policy (schedule, jitter, lifecycle retries). Call it before
    /// [`ConfigBuilder::max_retries`], which edits the policy set here.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the largest response body the client reads. Default: 16 MiB.
    pub fn max_response_bytes(mut self, max_response_bytes: usize) -> Self {
        self.max_response_bytes = Some(max_response_bytes);
        self
    }

    /// Appends a product token to the `user-agent` header, such as `my-app/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Allows a plain `http://` base URL on a host that is not loopback. Default: off,
    /// because the API key would cross the network in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates every setting, reading unset ones from the process environment.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::Configuration`] that names the invalid setting.
    pub fn build(self) -> Result<Config, Error> {
        self.build_with_env(|name| std::env::var(name).ok())
    }

    /// Validates every setting, reading unset ones through `env` instead of the process
    /// environment.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::Configuration`] that names the invalid setting.
    pub fn build_with_env(self, env: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let api_key = self
            .api_key
            .or_else(|| env(ENV_API_KEY).map(Zeroizing::new))
            .unwrap_or_default();
        let api_key = ApiKey::from_zeroizing(api_key)?;

        let base_url = self
            .base_url
            .or_else(|| env(ENV_BASE_URL).filter(|url| !url.trim().is_empty()))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = parse_base_url(&base_url, self.allow_insecure_http)?;

        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(invalid("timeout must be greater than zero"));
        }

        let max_response_bytes = self
            .max_response_bytes
            .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes == 0 {
            return Err(invalid("max_response_bytes must be greater than zero"));
        }

        self.retry.validate()?;

        let user_agent = match self.user_agent_suffix {
            None => USER_AGENT.to_owned(),
            Some(suffix) => {
                if suffix.is_empty() || suffix.bytes().any(|b| !(b == b' ' || b.is_ascii_graphic()))
                {
                    return Err(invalid(
                        "user_agent_suffix must be non-empty visible ASCII, such as `my-app/1.2`",
                    ));
                }
                format!("{USER_AGENT} {suffix}")
            }
        };

        Ok(Config {
            api_key,
            base_url,
            timeout,
            retry: self.retry,
            max_response_bytes,
            user_agent,
        })
    }
}

fn parse_base_url(text: &str, allow_insecure_http: bool) -> Result<Url, Error> {
    let trimmed = text.trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|error| {
        invalid(&format!(
            "base_url `{trimmed}` is not a valid URL ({error}); expected a URL such as {DEFAULT_BASE_URL}"
        ))
    })?;

    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(&url) => {}
        "http" => {
            return Err(invalid(&format!(
                "base_url `{trimmed}` uses plain http on a host that is not loopback; use https, \
                 or call allow_insecure_http(true) to send the API key unencrypted"
            )));
        }
        other => {
            return Err(invalid(&format!(
                "base_url `{trimmed}` has scheme `{other}`; expected https (or http for loopback)"
            )));
        }
    }

    if url.host().is_none() {
        return Err(invalid(&format!("base_url `{trimmed}` has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "base_url must not contain credentials; pass the API key through api_key",
        ));
    }
    if url.path().trim_end_matches('/').ends_with("/api/v1") {
        return Err(invalid(&format!(
            "base_url `{trimmed}` ends with /api/v1, which the client adds to every path; \
             drop it, as in {DEFAULT_BASE_URL}"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(&format!(
            "base_url `{trimmed}` must not have a query or fragment"
        )));
    }

    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => IpAddr::V4(address).is_loopback(),
        Some(url::Host::Ipv6(address)) => IpAddr::V6(address).is_loopback(),
        None => false,
    }
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorKind::Configuration, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "qph_test_key";

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn build(builder: ConfigBuilder) -> Result<Config, Error> {
        builder.build_with_env(no_env)
    }

    #[test]
    fn defaults() {
        let config = build(Config::builder().api_key(KEY)).unwrap();
        assert_eq!(config.base_url(), "https://api.qpher.ai");
        assert_eq!(config.timeout(), Duration::from_secs(30));
        assert_eq!(config.retry_policy().max_retries_value(), 3);
        assert_eq!(config.max_response_bytes(), 16 * 1024 * 1024);
        assert_eq!(
            config.user_agent(),
            concat!("qpher-rust/", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn env_fallback() {
        let env = |name: &str| match name {
            "QPHER_API_KEY" => Some("qph_from_env".to_owned()),
            "QPHER_BASE_URL" => Some("http://127.0.0.1:8787/".to_owned()),
            _ => None,
        };
        let config = Config::builder().build_with_env(env).unwrap();
        assert_eq!(config.api_key().expose_secret(), "qph_from_env");
        assert_eq!(config.base_url(), "http://127.0.0.1:8787");
    }

    #[test]
    fn explicit_beats_env() {
        let env = |_: &str| Some("qph_from_env".to_owned());
        let config = Config::builder()
            .api_key(KEY)
            .base_url("https://eu.example.com")
            .build_with_env(env)
            .unwrap();
        assert_eq!(config.api_key().expose_secret(), KEY);
        assert_eq!(config.base_url(), "https://eu.example.com");
    }

    #[test]
    fn missing_key_names_setting() {
        let error = build(Config::builder()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Configuration);
        assert!(error.message().contains("api_key"));
        assert!(error.message().contains("QPHER_API_KEY"));
    }

    #[test]
    fn base_url_prefix_kept() {
        let config = build(
            Config::builder()
                .api_key(KEY)
                .base_url("https://proxy.example/qpher//"),
        )
        .unwrap();
        assert_eq!(config.base_url(), "https://proxy.example/qpher");
        assert_eq!(config.origin(), "https://proxy.example");
    }

    #[test]
    fn base_url_rules() {
        let accepted = [
            "http://localhost:8787",
            "http://127.0.0.1:1",
            "http://127.8.9.10",
            "http://[::1]:8787",
            "https://api.qpher.ai/",
        ];
        for url in accepted {
            assert!(
                build(Config::builder().api_key(KEY).base_url(url)).is_ok(),
                "{url}"
            );
        }

        let rejected = [
            "http://api.qpher.ai",
            "http://10.0.0.1",
            "ftp://api.qpher.ai",
            "api.qpher.ai",
            "",
            "https://user:pass@api.qpher.ai",
            "https://api.qpher.ai?x=1",
            "https://api.qpher.ai#frag",
            "https://api.qpher.ai/api/v1",
            "http://127.0.0.1:8787/api/v1/",
        ];
        for url in rejected {
            let error = build(Config::builder().api_key(KEY).base_url(url)).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Configuration, "{url}");
            assert!(
                error.message().contains("base_url"),
                "{url}: {}",
                error.message()
            );
        }
    }

    #[test]
    fn insecure_http_opt_in() {
        let config = build(
            Config::builder()
                .api_key(KEY)
                .base_url("http://qpher.internal:8080")
                .allow_insecure_http(true),
        )
        .unwrap();
        assert_eq!(config.base_url(), "http://qpher.internal:8080");
    }

    #[test]
    fn zero_values_rejected() {
        let error = build(Config::builder().api_key(KEY).timeout(Duration::ZERO)).unwrap_err();
        assert!(error.message().contains("timeout"));

        let error = build(Config::builder().api_key(KEY).max_response_bytes(0)).unwrap_err();
        assert!(error.message().contains("max_response_bytes"));
    }

    #[test]
    fn user_agent_suffix() {
        let config = build(
            Config::builder()
                .api_key(KEY)
                .user_agent_suffix("my-app/1.2"),
        )
        .unwrap();
        assert!(config.user_agent().ends_with(" my-app/1.2"));

        let error = build(
            Config::builder()
                .api_key(KEY)
                .user_agent_suffix("bad\nvalue"),
        )
        .unwrap_err();
        assert!(error.message().contains("user_agent_suffix"));
    }

    #[test]
    fn debug_hides_key() {
        let builder = Config::builder().api_key("qph_very_secret");
        assert!(!format!("{builder:?}").contains("very_secret"));

        let config = build(builder).unwrap();
        assert!(!format!("{config:?}").contains("very_secret"));
    }
}
