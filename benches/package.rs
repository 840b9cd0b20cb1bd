//! Building a LivenessCompare body with a 6 MB video (target: <= 30 ms, memory about
//! the base64 size of the payload once).
//!
//!     cargo bench --bench package

use criterion::{criterion_group, criterion_main, Criterion};
use liveface::package::{LivenessRequest, LivenessType};

fn bench(c: &mut Criterion) {
    let mut video = vec![0x5au8; 6 * 1024 * 1024];
    video[4..8].copy_from_slice(b"ftyp");
    let mut image = vec![0x11u8; 200 * 1024];
    image[..3].copy_from_slice(&[0xff, 0xd8, 0xff]);
    let req = LivenessRequest::compare(LivenessType::Action, &video, &image).validate_data("1,2").best_frame_num(3);
    let body = req.to_json().unwrap();
    eprintln!(
        "body {} bytes for {} bytes of payload ({:.3}x)",
        body.len(),
        video.len() + image.len(),
        body.len() as f64 / (video.len() + image.len()) as f64
    );
    c.bench_function("compare_request_6MiB_video", |b| b.iter(|| req.to_json().unwrap()));
}

criterion_group!(package, bench);
criterion_main!(package);
