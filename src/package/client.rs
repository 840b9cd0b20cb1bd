//! A signed HTTP client for the FaceID API (feature `paas`): ureq over rustls,
//! configurable endpoint and region, timeouts, and retries with backoff only where a
//! retry is safe (rate limiting, 5xx, connection reset). Secrets and payloads never
//! appear in errors or `Debug` output.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::request::{Api, LivenessRequest};
use super::response::{parse_liveness, parse_string_field, ApiError, LivenessResult};
use super::sign::{sign, Credentials, SignInput};
use crate::error::{Error, ErrorKind, Result};

/// Client settings.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Base URL, e.g. `https://faceid.tencentcloudapi.com`.
    pub endpoint: String,
    /// `X-TC-Region`, if any.
    pub region: Option<String>,
    /// Credentials.
    pub credentials: Credentials,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Retries after the first attempt (only for retryable failures).
    pub max_retries: u32,
    /// First backoff; doubles per retry.
    pub backoff: Duration,
    /// Extra trusted root certificates (PEM), e.g. for a test server; `None` uses the
    /// bundled Mozilla roots.
    pub root_pem: Option<Vec<u8>>,
    /// Clock override (Unix seconds) for reproducible signatures.
    pub fixed_timestamp: Option<i64>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// Defaults with explicit credentials.
    pub fn new(credentials: Credentials) -> Self {
        ClientConfig {
            endpoint: "https://faceid.tencentcloudapi.com".into(),
            region: None,
            credentials,
            timeout: Duration::from_secs(30),
            max_retries: 3,
            backoff: Duration::from_millis(250),
            root_pem: None,
            fixed_timestamp: None,
        }
    }

    /// Defaults with credentials from the environment (`TENCENTCLOUD_SECRET_ID`,
    /// `TENCENTCLOUD_SECRET_KEY`, optional token) and `TENCENTCLOUD_REGION`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when the credentials are not set.
    pub fn from_env() -> Result<Self> {
        let creds = Credentials::from_env().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (or pass credentials)",
            )
        })?;
        let mut c = ClientConfig::new(creds);
        c.region = std::env::var("TENCENTCLOUD_REGION").ok().filter(|s| !s.is_empty());
        Ok(c)
    }
}

/// The client.
#[derive(Debug)]
pub struct Client {
    config: ClientConfig,
    agent: ureq::Agent,
    host: String,
}

enum Attempt {
    Done(Vec<u8>),
    Retry(Error),
    Fail(Error),
}

impl Client {
    /// # Errors
    /// [`ErrorKind::Config`] for a malformed endpoint or root certificate.
    pub fn new(config: ClientConfig) -> Result<Client> {
        let host = config
            .endpoint
            .strip_prefix("https://")
            .or_else(|| config.endpoint.strip_prefix("http://"))
            .map(|h| h.trim_end_matches('/').to_string())
            .filter(|h| !h.is_empty() && !h.contains('/'))
            .ok_or_else(|| {
                Error::new(ErrorKind::Config, format!("endpoint must be http(s)://host[:port]: {}", config.endpoint))
            })?;
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = &config.root_pem {
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(pem)
                .filter_map(|i| match i {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Error::new(ErrorKind::Config, "root_pem holds no certificate"));
            }
            tls = tls.root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .tls_config(tls.build())
            .build()
            .new_agent();
        Ok(Client { config, agent, host })
    }

    fn attempt(&self, action: &str, body: &[u8]) -> Attempt {
        let ts = self
            .config
            .fixed_timestamp
            .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0));
        let content_type = "application/json; charset=utf-8";
        let sig = sign(
            &self.config.credentials,
            &SignInput {
                service: "faceid",
                headers: &[("content-type", content_type), ("host", &self.host)],
                timestamp: ts,
                body,
            },
        );
        let url = format!("{}/", self.config.endpoint.trim_end_matches('/'));
        let mut req = self
            .agent
            .post(&url)
            .header("Authorization", &sig.authorization)
            .header("Content-Type", content_type)
            .header("Host", &self.host)
            .header("X-TC-Action", action)
            .header("X-TC-Timestamp", &ts.to_string())
            .header("X-TC-Version", "2018-03-01");
        if let Some(r) = &self.config.region {
            req = req.header("X-TC-Region", r);
        }
        if let Some(t) = &self.config.credentials.token {
            req = req.header("X-TC-Token", t.expose());
        }
        match req.send(body) {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let bytes = match resp.body_mut().with_config().limit(64 << 20).read_to_vec() {
                    Ok(b) => b,
                    Err(e) => {
                        return Attempt::Retry(Error::new(
                            ErrorKind::Network,
                            format!("{action}: reading the response failed: {e}"),
                        ))
                    }
                };
                if status >= 500 {
                    return Attempt::Retry(Error::new(
                        ErrorKind::Network,
                        format!("{action}: HTTP {status} from the server"),
                    ));
                }
                if status >= 400 {
                    return Attempt::Fail(Error::new(ErrorKind::Network, format!("{action}: HTTP {status}")));
                }
                Attempt::Done(bytes)
            }
            Err(ureq::Error::Timeout(t)) => {
                Attempt::Fail(Error::new(ErrorKind::Network, format!("{action}: timed out ({t})")))
            }
            Err(ureq::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::BrokenPipe
                        | std::io::ErrorKind::UnexpectedEof
                ) =>
            {
                Attempt::Retry(Error::new(ErrorKind::Network, format!("{action}: connection reset ({})", e.kind())))
            }
            Err(e) => Attempt::Fail(Error::new(ErrorKind::Network, format!("{action}: request failed: {e}"))),
        }
    }

    /// Sends one signed call; retries where safe. Returns the response body.
    ///
    /// # Errors
    /// [`ErrorKind::Network`] for transport failures after the retries,
    /// [`ErrorKind::Api`] for an error envelope (with its code), after retries for
    /// rate limiting.
    pub fn call(&self, action: &str, body: &[u8]) -> Result<Vec<u8>> {
        let mut delay = self.config.backoff;
        let mut last = None;
        for attempt in 0..=self.config.max_retries {
            if attempt > 0 {
                std::thread::sleep(delay);
                delay = delay.saturating_mul(2);
            }
            match self.attempt(action, body) {
                Attempt::Done(bytes) => match super::response::parse_envelope(&bytes) {
                    Ok(Err(api)) if api.is_retryable() && attempt < self.config.max_retries => {
                        last = Some(api_error(action, &api));
                    }
                    _ => return Ok(bytes),
                },
                Attempt::Retry(e) => last = Some(e),
                Attempt::Fail(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::new(ErrorKind::Network, format!("{action}: no attempt made"))))
    }

    /// Sends a liveness request. A business failure comes back as
    /// `Ok(result)` with `Verdict::Failed`; an error envelope is `Err` of kind `Api`.
    ///
    /// # Errors
    /// As [`Client::call`], plus request limits ([`ErrorKind::Limit`]).
    pub fn liveness(&self, request: &LivenessRequest) -> Result<LivenessResult> {
        let body = request.to_json()?;
        self.liveness_body(request.api(), &body)
    }

    /// Sends a prepared liveness body (e.g. a package's `request.json`).
    ///
    /// # Errors
    /// As [`Client::liveness`].
    pub fn liveness_body(&self, api: Api, body: &[u8]) -> Result<LivenessResult> {
        let bytes = self.call(api.action(), body)?;
        match parse_liveness(&bytes)? {
            Ok(r) => Ok(r),
            Err(e) => Err(api_error(api.action(), &e)),
        }
    }

    /// `GetActionSequence`: `"1,2"` or `"2,1"`.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn get_action_sequence(&self) -> Result<String> {
        self.string_call("GetActionSequence", "ActionSequence")
    }

    /// `GetLiveCode`: a 4-digit code.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn get_live_code(&self) -> Result<String> {
        self.string_call("GetLiveCode", "LiveCode")
    }

    fn string_call(&self, action: &str, field: &str) -> Result<String> {
        let bytes = self.call(action, b"{}")?;
        match parse_string_field(&bytes, field)? {
            Ok(s) => Ok(s),
            Err(e) => Err(api_error(action, &e)),
        }
    }
}

fn api_error(action: &str, e: &ApiError) -> Error {
    Error::new(ErrorKind::Api, format!("{action}: {} ({}) [RequestId {}]", e.code, e.message, e.request_id))
}
