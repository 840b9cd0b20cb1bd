//! The MP4 demuxer on arbitrary bytes: no panic, no unbounded allocation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = liveface::video::fuzz_demux(data);
    // The public entry point too (decodes at most a few pictures).
    if let Ok(mut r) = liveface::video::VideoReader::from_bytes(data.to_vec()) {
        for _ in 0..3 {
            if !matches!(r.next_frame(), Ok(Some(_))) {
                break;
            }
        }
    }
});
