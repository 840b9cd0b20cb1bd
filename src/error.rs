//! One error type for the whole crate: a kind to match on, a message for people, a source.

use std::fmt;

/// What went wrong, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The ONNX Runtime library is missing, unloadable or too old.
    Runtime,
    /// A model file is missing, has the wrong checksum or the wrong input/output spec.
    Model,
    /// Inference itself failed.
    Inference,
    /// A frame description does not match its buffer (size, stride, format).
    InvalidFrame,
    /// An image or video file could not be read or decoded.
    Decode,
    /// A file or directory could not be read or written.
    Io,
    /// A configuration value is out of range.
    Config,
    /// No camera, or the camera went away.
    Camera,
    /// No microphone, or the microphone went away.
    Microphone,
    /// The input is valid but this build cannot handle it (e.g. a codec behind a feature).
    Unsupported,
    /// Encoding output (video, JPEG) failed or cannot meet its limits.
    Encode,
    /// A request violates a documented API limit (size, format, field rules).
    Limit,
    /// The network call failed (connection, TLS, timeout, HTTP status).
    Network,
    /// The API answered with an error envelope (`Response.Error`).
    Api,
}

impl ErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Runtime => "runtime",
            ErrorKind::Model => "model",
            ErrorKind::Inference => "inference",
            ErrorKind::InvalidFrame => "invalid frame",
            ErrorKind::Decode => "decode",
            ErrorKind::Io => "io",
            ErrorKind::Config => "config",
            ErrorKind::Camera => "camera",
            ErrorKind::Microphone => "microphone",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Encode => "encode",
            ErrorKind::Limit => "limit",
            ErrorKind::Network => "network",
            ErrorKind::Api => "api",
        }
    }
}

/// The crate's error: `kind()` to branch on, `Display` for people, `source()` for the cause.
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), source: None }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error { kind, message: message.into(), source: Some(Box::new(source)) }
    }

    /// An error raised by code built on liveface (e.g. a per-frame callback).
    pub fn custom(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::new(kind, message)
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable message, without the source chain.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} error: {}", self.kind.as_str(), self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
