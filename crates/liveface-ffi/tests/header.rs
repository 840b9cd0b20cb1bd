//! The committed header is what cbindgen makes of the code now.
//! `LIVEFACE_UPDATE_HEADER=1 cargo test -p liveface-ffi --test header` rewrites it.

#[test]
fn header_matches_the_code() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(format!("{dir}/cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(format!("{dir}/src/lib.rs"))
        .generate()
        .expect("cbindgen parses the crate");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let path = format!("{dir}/include/liveface.h");
    if std::env::var_os("LIVEFACE_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/liveface.h is out of date: run LIVEFACE_UPDATE_HEADER=1 cargo test -p liveface-ffi --test header"
    );
    let text = String::from_utf8(fresh).unwrap();
    for needle in ["#define LF_ABI_VERSION 1", "LF_STATUS_OK = 0", "lf_session_push_frame", "LF_PIXEL_FORMAT_NV12"] {
        assert!(text.contains(needle), "{needle} missing from the header");
    }
}
