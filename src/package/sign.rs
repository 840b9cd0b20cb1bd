//! TC3-HMAC-SHA256 request signing (Tencent Cloud API v3).

use sha2::{Digest, Sha256};

/// A secret that never shows in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// API credentials. `Debug` shows the secret id only.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Credentials {
    /// SecretId (an identifier, not secret).
    pub secret_id: String,
    /// SecretKey.
    pub secret_key: Secret,
    /// Session token of temporary credentials.
    pub token: Option<Secret>,
}

impl Credentials {
    /// From `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and optionally
    /// `TENCENTCLOUD_SESSION_TOKEN` (or `TENCENTCLOUD_TOKEN`).
    pub fn from_env() -> Option<Credentials> {
        let id = std::env::var("TENCENTCLOUD_SECRET_ID").ok().filter(|s| !s.is_empty())?;
        let key = std::env::var("TENCENTCLOUD_SECRET_KEY").ok().filter(|s| !s.is_empty())?;
        let token = std::env::var("TENCENTCLOUD_SESSION_TOKEN")
            .or_else(|_| std::env::var("TENCENTCLOUD_TOKEN"))
            .ok()
            .filter(|s| !s.is_empty())
            .map(Secret);
        Some(Credentials { secret_id: id, secret_key: Secret(key), token })
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    crate::crypto::hmac_sha256(key, msg)
}

/// UTC calendar date (`YYYY-MM-DD`) of a Unix timestamp (civil-from-days).
pub fn utc_date(timestamp: i64) -> String {
    let z = timestamp.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}")
}

/// Everything the signature covers.
#[derive(Debug, Clone)]
pub struct SignInput<'a> {
    /// Service, e.g. `faceid`.
    pub service: &'a str,
    /// Signed headers as sent, `(name, value)`; must include `content-type` and `host`.
    pub headers: &'a [(&'a str, &'a str)],
    /// Unix time of the request (`X-TC-Timestamp`).
    pub timestamp: i64,
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// The signature and its intermediate values (for tests and debugging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// hex(sha256(canonical request)).
    pub hashed_canonical_request: String,
    /// The signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
    /// `content-type;host;...`.
    pub signed_headers: String,
}

/// Signs a POST to `/` with TC3-HMAC-SHA256.
pub fn sign(creds: &Credentials, input: &SignInput) -> Signature {
    let mut headers: Vec<(String, String)> =
        input.headers.iter().map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let canonical = format!("POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}", hex(&Sha256::digest(input.body)));
    let hashed = hex(&Sha256::digest(canonical.as_bytes()));
    let date = utc_date(input.timestamp);
    let scope = format!("{date}/{}/tc3_request", input.service);
    let string_to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{hashed}", input.timestamp);
    let k_date = hmac(format!("TC3{}", creds.secret_key.expose()).as_bytes(), date.as_bytes());
    let k_service = hmac(&k_date, input.service.as_bytes());
    let k_signing = hmac(&k_service, b"tc3_request");
    let signature = hex(&hmac(&k_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "TC3-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        creds.secret_id
    );
    Signature { hashed_canonical_request: hashed, signature, authorization, signed_headers }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_795_910_399), "2026-11-28");
        // Just before midnight UTC is still the old day whatever the local zone.
        assert_eq!(utc_date(1_551_139_199), "2019-02-25");
        assert_eq!(utc_date(1_551_139_200), "2019-02-26");
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Credentials {
            secret_id: "AKIDxyz".into(),
            secret_key: Secret::new("topsecret"),
            token: Some(Secret::new("tok")),
        };
        let d = format!("{c:?}");
        assert!(d.contains("AKIDxyz") && !d.contains("topsecret") && !d.contains("tok\""));
    }
}
