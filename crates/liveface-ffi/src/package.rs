//! The upload package through the C ABI, and freeing what the library hands out.

use std::ffi::c_char;

use liveface::package::RequestTarget;

use crate::boundary::{invalid, lf, null, opt_str, with_session};
use crate::types::{LfApi, LfBuffer, LfPackage, LfPackageOptions, LfStatus};
use crate::LfSession;

/// Default package settings: LivenessCompare, the best frame as the reference photo.
#[no_mangle]
pub extern "C" fn lf_package_options_default() -> LfPackageOptions {
    LfPackageOptions {
        api: LfApi::Compare as u32,
        image: std::ptr::null(),
        image_len: 0,
        id_card: std::ptr::null(),
        name: std::ptr::null(),
        best_frame_num: 0,
    }
}

unsafe fn build_package(
    s: &mut LfSession,
    options: *const LfPackageOptions,
) -> Result<liveface::package::Package, (LfStatus, String)> {
    let o = s.outcome.clone().ok_or_else(|| (LfStatus::NotReady, "call lf_session_finish first".into()))?;
    let packager = s.packager.take().ok_or_else(|| {
        (LfStatus::NotReady, "no package: start the session with keep_package = 1 (a package is made once)".into())
    })?;
    let opts = if options.is_null() { lf_package_options_default() } else { *options };
    let mut target = match opts.api {
        0 => RequestTarget::compare(),
        2 => RequestTarget::international(),
        1 => RequestTarget::recognition(
            opt_str(opts.id_card, "id_card")?.ok_or_else(|| null("id_card"))?,
            opt_str(opts.name, "name")?.ok_or_else(|| null("name"))?,
        ),
        x => return Err(invalid(format!("unknown api {x} (0 compare, 1 recognition, 2 intl)"))),
    };
    if opts.best_frame_num != 0 {
        target = target.with_best_frame_num(Some(opts.best_frame_num));
    }
    let image = if opts.image.is_null() { None } else { Some(std::slice::from_raw_parts(opts.image, opts.image_len)) };
    packager.finish(&o, &target, image).map_err(lf)
}

/// The upload package of a passed, finished session into `*out` (free with
/// [`lf_package_free`]). `options` may be NULL. A package is made once per session.
#[no_mangle]
pub unsafe extern "C" fn lf_session_package(
    session: *mut LfSession,
    options: *const LfPackageOptions,
    out: *mut LfPackage,
) -> LfStatus {
    with_session(session, |s| {
        if out.is_null() {
            return Err(null("out"));
        }
        *out = LfPackage {
            best_jpeg: LfBuffer::empty(),
            video_mp4: LfBuffer::empty(),
            request_json: LfBuffer::empty(),
            manifest_json: LfBuffer::empty(),
        };
        let p = build_package(s, options)?;
        let manifest = serde_json::to_vec_pretty(&p.manifest).map_err(|e| (LfStatus::Other, e.to_string()))?;
        *out = LfPackage {
            best_jpeg: LfBuffer::from_vec(p.best_jpeg),
            video_mp4: LfBuffer::from_vec(p.video_mp4),
            request_json: LfBuffer::from_vec(p.request_json),
            manifest_json: LfBuffer::from_vec(manifest),
        };
        Ok(())
    })
}

/// Writes the package of a passed, finished session into directory `dir` (best.jpg,
/// video.mp4, request.json, package.json). `options` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn lf_session_write_package(
    session: *mut LfSession,
    dir: *const c_char,
    options: *const LfPackageOptions,
) -> LfStatus {
    with_session(session, |s| {
        let dir = opt_str(dir, "dir")?.ok_or_else(|| null("dir"))?;
        let p = build_package(s, options)?;
        p.write(std::path::Path::new(dir)).map_err(lf)
    })
}

/// Frees a buffer the library filled (NULL or empty is fine) and empties it.
#[no_mangle]
pub unsafe extern "C" fn lf_buffer_free(buffer: *mut LfBuffer) {
    if buffer.is_null() {
        return;
    }
    let b = &mut *buffer;
    if !b.data.is_null() {
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(b.data, b.len)));
    }
    *b = LfBuffer::empty();
}

/// Frees the four buffers of a package (NULL is fine).
#[no_mangle]
pub unsafe extern "C" fn lf_package_free(package: *mut LfPackage) {
    if package.is_null() {
        return;
    }
    let p = &mut *package;
    for b in [&mut p.best_jpeg, &mut p.video_mp4, &mut p.request_json, &mut p.manifest_json] {
        lf_buffer_free(b);
    }
}
