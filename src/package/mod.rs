//! Packaging for the cloud compare API: request bodies within the documented limits,
//! TC3-HMAC-SHA256 signing, typed responses, and (feature `paas`) an HTTP client.

#[cfg(feature = "paas")]
pub mod client;
#[cfg(feature = "video")]
pub mod packager;
pub mod request;
pub mod response;
pub mod sign;

/// The API's `FailedOperation.*` codes (also at the crate root as [`crate::codes`]).
pub use crate::codes;
pub use crate::codes::FailedOperation;
#[cfg(feature = "video")]
pub use packager::{Package, PackageManifest, Packager, PackagerConfig};
pub use request::{
    base64_len, Api, ApiName, LivenessRequest, LivenessType, RequestTarget, MAX_IMAGE_BASE64, MAX_VIDEO_BASE64,
};
pub use response::{parse_liveness, ApiError, LivenessResult, Verdict};
pub use sign::{sign, Credentials, Secret, SignInput, Signature};
