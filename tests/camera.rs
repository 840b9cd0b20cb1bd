//! Camera source (feature `camera`). CI machines have no camera: listing returns an
//! empty list (or the platform's error) and opening a camera that is not there is a
//! clear `Camera` error, never a panic.
#![cfg(feature = "camera")]

use liveface::source::{list_cameras, Camera};
use liveface::ErrorKind;

#[test]
fn listing_and_opening_without_a_camera_are_clean() {
    match list_cameras() {
        Ok(list) => eprintln!("{} camera(s): {list:?}", list.len()),
        Err(e) => assert_eq!(e.kind(), ErrorKind::Camera),
    }
    let e = Camera::open(99).expect_err("no camera 99");
    assert_eq!(e.kind(), ErrorKind::Camera);
    assert!(e.to_string().contains("camera 99"), "{e}");
}
