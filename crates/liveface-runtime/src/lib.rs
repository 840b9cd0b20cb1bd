//! The pinned official ONNX Runtime shared library for liveface, fetched at build time.
//!
//! The build script downloads the PyPI wheel `onnxruntime==1.31.1` once (via pip, so
//! package mirrors apply), checks the wheel and the library against pinned sha256 sums and
//! caches the library. This crate only tells where it is; loading is liveface's job.
#![deny(missing_docs)]

use std::path::Path;

/// ONNX Runtime version this crate provisions.
pub const VERSION: &str = env!("LIVEFACE_ORT_VERSION");

/// Path of the provisioned library, or why the build could not provision it.
///
/// # Errors
/// Returns the build script's reason (no network, no pip, unsupported target, checksum
/// mismatch) when no library was provisioned, or when the cached file has since vanished.
pub fn dylib_path() -> Result<&'static Path, String> {
    let path = env!("LIVEFACE_ORT_DYLIB");
    if path.is_empty() {
        return Err(env!("LIVEFACE_ORT_ERROR").to_string());
    }
    let p = Path::new(path);
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!("the runtime provisioned at build time is gone: {path}; rebuild to fetch it again"))
    }
}
