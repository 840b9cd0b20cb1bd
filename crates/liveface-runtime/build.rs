//! Fetches the pinned official ONNX Runtime shared library once and exports its path.
//!
//! Source: the PyPI wheel `onnxruntime==1.31.1` (manylinux_2_28 x86_64), fetched with pip
//! (so a configured package mirror is honoured), both the wheel and the extracted library
//! checked against pinned sha256 sums. The library is cached (by default in
//! `$XDG_CACHE_HOME/liveface` or `~/.cache/liveface`, else in the target directory), so
//! later builds download nothing. `LIVEFACE_ORT_CACHE` moves the cache and
//! `LIVEFACE_ORT_SKIP_DOWNLOAD=1` disables the download.
//!
//! A failure does not fail the build: the crate then reports the reason at run time, so
//! that an application which brings its own runtime (ORT_DYLIB_PATH) still builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const VERSION: &str = "1.31.1";
const WHEEL: &str = "onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl";
const WHEEL_SHA256: &str = "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f";
const LIB_IN_WHEEL: &str = "onnxruntime/capi/libonnxruntime.so.1.31.1";
const LIB_SHA256: &str = "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3";
const LIB_NAME: &str = "libonnxruntime.so.1.31.1";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in ["LIVEFACE_ORT_CACHE", "LIVEFACE_ORT_SKIP_DOWNLOAD", "XDG_CACHE_HOME", "HOME"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rustc-env=LIVEFACE_ORT_VERSION={VERSION}");
    match provision() {
        Ok(path) => {
            println!("cargo:rustc-env=LIVEFACE_ORT_DYLIB={}", path.display());
            println!("cargo:rustc-env=LIVEFACE_ORT_ERROR=");
            println!("cargo:rerun-if-changed={}", path.display());
        }
        Err(e) => {
            println!("cargo:warning=liveface-runtime: ONNX Runtime {VERSION} not provisioned: {e}");
            println!("cargo:rustc-env=LIVEFACE_ORT_DYLIB=");
            println!("cargo:rustc-env=LIVEFACE_ORT_ERROR={}", e.replace('\n', " "));
        }
    }
}

fn provision() -> Result<PathBuf, String> {
    if std::env::var_os("LIVEFACE_ORT_SKIP_DOWNLOAD").is_some_and(|v| !v.is_empty() && v != "0") {
        return Err("download disabled by LIVEFACE_ORT_SKIP_DOWNLOAD".into());
    }
    let target = std::env::var("TARGET").unwrap_or_default();
    if target != "x86_64-unknown-linux-gnu" {
        return Err(format!(
            "no pinned runtime for target {target}; set ORT_DYLIB_PATH to an ONNX Runtime >= 1.17 library"
        ));
    }
    let dir = cache_dir()?.join(format!("onnxruntime-{VERSION}"));
    let lib = dir.join(LIB_NAME);
    if lib.is_file() && sha256_file(&lib)? == LIB_SHA256 {
        return Ok(lib);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let dl = dir.join("wheel");
    let wheel = dl.join(WHEEL);
    if !(wheel.is_file() && sha256_file(&wheel)? == WHEEL_SHA256) {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let out = Command::new(&python)
            .args(["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"])
            .args(["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11"])
            .args(["--implementation", "cp", "--abi", "cp311"])
            .arg(format!("onnxruntime=={VERSION}"))
            .arg("-d")
            .arg(&dl)
            .output()
            .map_err(|e| format!("cannot run `{python} -m pip` to fetch onnxruntime=={VERSION}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`pip download onnxruntime=={VERSION}` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let got = sha256_file(&wheel)?;
        if got != WHEEL_SHA256 {
            return Err(format!("{WHEEL}: sha256 {got}, expected {WHEEL_SHA256}"));
        }
    }
    // Extract with Python's zipfile (pip implies Python) into a temporary name, check, rename.
    let tmp = dir.join(format!("{LIB_NAME}.tmp{}", std::process::id()));
    let script = "import sys,zipfile;open(sys.argv[3],'wb').write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))";
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let status = Command::new(&python)
        .args(["-c", script])
        .arg(&wheel)
        .arg(LIB_IN_WHEEL)
        .arg(&tmp)
        .status()
        .map_err(|e| format!("cannot run {python} to unpack the wheel: {e}"))?;
    if !status.success() {
        return Err(format!("unpacking {LIB_IN_WHEEL} from {} failed", wheel.display()));
    }
    let got = sha256_file(&tmp)?;
    if got != LIB_SHA256 {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{LIB_IN_WHEEL}: sha256 {got}, expected {LIB_SHA256}"));
    }
    std::fs::rename(&tmp, &lib).map_err(|e| format!("cannot move library into {}: {e}", lib.display()))?;
    Ok(lib)
}

fn cache_dir() -> Result<PathBuf, String> {
    if let Some(d) = std::env::var_os("LIVEFACE_ORT_CACHE").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let user = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")));
    if let Some(d) = user.map(|d| d.join("liveface")) {
        if std::fs::create_dir_all(&d).is_ok() {
            return Ok(d);
        }
    }
    // OUT_DIR = <target>/<profile>/build/<pkg>/out: keep the cache at <target>.
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let target = out.ancestors().nth(4).unwrap_or(&out).to_path_buf();
    Ok(target.join("liveface-cache"))
}

fn sha256_file(p: &Path) -> Result<String, String> {
    let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let digest = Sha256::digest(&bytes);
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}
