//! Typed API responses: the envelope error and the business result inside a successful
//! envelope (a liveness failure is not a transport error).

use serde::Deserialize;

use crate::codes::FailedOperation;
use crate::error::{Error, ErrorKind, Result};

/// The envelope's `Response.Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `Error.Code`, e.g. `AuthFailure.SignatureFailure`.
    pub code: String,
    /// `Error.Message`.
    pub message: String,
    /// `RequestId`.
    pub request_id: String,
}

impl ApiError {
    /// Whether sending the same request again may succeed (rate limiting, server-side
    /// transient errors).
    pub fn is_retryable(&self) -> bool {
        self.code == "RequestLimitExceeded"
            || self.code.starts_with("RequestLimitExceeded.")
            || self.code == "InternalError"
            || self.code.starts_with("InternalError.")
            || self.code == "FailedOperation.RequestLimitExceeded"
    }
}

/// The business verdict of a liveness call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `Result: "Success"`.
    Success,
    /// `Result: "FailedOperation.*"`.
    Failed(FailedOperation),
}

/// `LivenessCompare` / `LivenessRecognition` / `CompareFaceLiveness` result.
#[derive(Clone, PartialEq)]
pub struct LivenessResult {
    /// Pass or the failure code.
    pub verdict: Verdict,
    /// `Description`.
    pub description: String,
    /// `Sim`, 0-100 (pass at 70).
    pub sim: f32,
    /// `BestFrameBase64`.
    pub best_frame_base64: Option<String>,
    /// `BestFrameList`.
    pub best_frame_list: Vec<String>,
    /// `RequestId`.
    pub request_id: String,
}

impl std::fmt::Debug for LivenessResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivenessResult")
            .field("verdict", &self.verdict)
            .field("description", &self.description)
            .field("sim", &self.sim)
            .field("best_frame_base64_len", &self.best_frame_base64.as_ref().map(String::len))
            .field("best_frames", &self.best_frame_list.len())
            .field("request_id", &self.request_id)
            .finish()
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: serde_json::Map<String, serde_json::Value>,
}

fn malformed(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Api, format!("malformed API response: {e}"))
}

/// Splits the envelope: `Ok(fields)` or `Err(ApiError)`.
///
/// # Errors
/// [`ErrorKind::Api`] when the body is not a JSON envelope.
pub(crate) fn parse_envelope(
    body: &[u8],
) -> Result<std::result::Result<serde_json::Map<String, serde_json::Value>, ApiError>> {
    let env: Envelope = serde_json::from_slice(body).map_err(malformed)?;
    let r = env.response;
    let request_id = r.get("RequestId").and_then(|v| v.as_str()).unwrap_or_default().to_string();
    if let Some(err) = r.get("Error") {
        let code = err.get("Code").and_then(|v| v.as_str()).ok_or_else(|| malformed("Error without Code"))?;
        let message = err.get("Message").and_then(|v| v.as_str()).unwrap_or_default();
        return Ok(Err(ApiError { code: code.to_string(), message: message.to_string(), request_id }));
    }
    Ok(Ok(r))
}

/// Parses a liveness response.
///
/// # Errors
/// [`ErrorKind::Api`] for malformed JSON or a missing `Result`.
pub fn parse_liveness(body: &[u8]) -> Result<std::result::Result<LivenessResult, ApiError>> {
    let fields = match parse_envelope(body)? {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let s = |k: &str| fields.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let result = s("Result").ok_or_else(|| malformed("no Result field"))?;
    let verdict =
        if result == "Success" { Verdict::Success } else { Verdict::Failed(FailedOperation::from_code(&result)) };
    Ok(Ok(LivenessResult {
        verdict,
        description: s("Description").unwrap_or_default(),
        sim: fields.get("Sim").and_then(|v| v.as_f64()).unwrap_or(0.0) as f32,
        best_frame_base64: s("BestFrameBase64").filter(|v| !v.is_empty()),
        best_frame_list: fields
            .get("BestFrameList")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default(),
        request_id: s("RequestId").unwrap_or_default(),
    }))
}

/// Reads one string field of a successful response (e.g. `ActionSequence`, `LiveCode`).
///
/// # Errors
/// [`ErrorKind::Api`] for a malformed body or a missing field.
pub fn parse_string_field(body: &[u8], field: &str) -> Result<std::result::Result<String, ApiError>> {
    match parse_envelope(body)? {
        Ok(f) => f
            .get(field)
            .and_then(|v| v.as_str())
            .map(|s| Ok(s.to_string()))
            .ok_or_else(|| malformed(format!("no {field} field"))),
        Err(e) => Ok(Err(e)),
    }
}
