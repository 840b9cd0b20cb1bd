//! H.264 in MP4/MOV through the pure-Rust demuxer and OpenH264 (no system libraries).

use std::collections::VecDeque;

use openh264::decoder::{DecodedYUV, Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;
use openh264::OpenH264API;

use super::mp4::{avcc_to_annexb, Codec, Movie, Track};
use super::{DecodedFrame, FrameDecoder};
use crate::error::{Error, ErrorKind, Result};

pub(crate) struct H264Decoder {
    data: std::sync::Arc<[u8]>,
    track: Track,
    nal_len: usize,
    params: Vec<u8>,
    next_sample: usize,
    decoder: Decoder,
    /// Presentation times in presentation order; decoded pictures come out in that order.
    pts_sorted: Vec<i64>,
    out_index: usize,
    ready: VecDeque<DecodedFrame>,
    flushed: bool,
    annexb: Vec<u8>,
    pub errors: usize,
}

impl H264Decoder {
    pub fn new(data: std::sync::Arc<[u8]>, movie: &Movie) -> Result<H264Decoder> {
        let track = movie.video().cloned().ok_or_else(|| Error::new(ErrorKind::Decode, "no video track"))?;
        let Codec::Avc { nal_len, sps, pps } = &track.codec else {
            return Err(Error::new(ErrorKind::Decode, "not an H.264 track"));
        };
        let mut params = Vec::new();
        for p in sps.iter().chain(pps.iter()) {
            params.extend_from_slice(&[0, 0, 0, 1]);
            params.extend_from_slice(p);
        }
        let config = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
        let decoder = Decoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| Error::new(ErrorKind::Decode, format!("cannot start the H.264 decoder: {e}")))?;
        let mut pts_sorted: Vec<i64> = track.samples.iter().map(|s| s.pts).collect();
        pts_sorted.sort_unstable();
        Ok(H264Decoder {
            data,
            nal_len: *nal_len,
            params,
            next_sample: 0,
            decoder,
            pts_sorted,
            out_index: 0,
            ready: VecDeque::new(),
            flushed: false,
            annexb: Vec::new(),
            errors: 0,
            track,
        })
    }

    /// Pictures leave the decoder in presentation order: the k-th gets the k-th smallest
    /// presentation time.
    fn stamp(&mut self, mut f: DecodedFrame) -> DecodedFrame {
        let n = self.pts_sorted.len();
        let pts = match self.pts_sorted.get(self.out_index) {
            Some(p) => *p,
            // More pictures than samples (should not happen): continue the last spacing.
            None if n >= 2 => {
                self.pts_sorted[n - 1]
                    + (self.out_index + 1 - n) as i64 * (self.pts_sorted[n - 1] - self.pts_sorted[n - 2])
            }
            None => 0,
        };
        self.out_index += 1;
        f.pts_us = self.track.pts_us(pts);
        f
    }
}

/// Copies a decoded picture into a tight I420 buffer with even dimensions (odd sizes
/// replicate the last column/row).
fn copy_i420(yuv: &DecodedYUV, pts_us: i64) -> DecodedFrame {
    let (w, h) = yuv.dimensions();
    let (ys, us, vs) = yuv.strides();
    let (ew, eh) = (w + (w & 1), h + (h & 1));
    let (cw, ch) = (ew / 2, eh / 2);
    let mut out = vec![0u8; ew * eh + 2 * cw * ch];
    let (yp, rest) = out.split_at_mut(ew * eh);
    let (up, vp) = rest.split_at_mut(cw * ch);
    let (y, u, v) = (yuv.y(), yuv.u(), yuv.v());
    for r in 0..eh {
        let sr = r.min(h - 1);
        let src = &y[sr * ys..sr * ys + w];
        yp[r * ew..r * ew + w].copy_from_slice(src);
        if ew > w {
            yp[r * ew + w] = src[w - 1];
        }
    }
    let cwin = w.div_ceil(2);
    for r in 0..ch {
        let sr = r.min(h.div_ceil(2) - 1);
        up[r * cw..r * cw + cwin].copy_from_slice(&u[sr * us..sr * us + cwin]);
        vp[r * cw..r * cw + cwin].copy_from_slice(&v[sr * vs..sr * vs + cwin]);
    }
    DecodedFrame { data: out, width: ew as u32, height: eh as u32, pts_us }
}

impl FrameDecoder for H264Decoder {
    fn next(&mut self) -> Result<Option<DecodedFrame>> {
        loop {
            if let Some(f) = self.ready.pop_front() {
                return Ok(Some(f));
            }
            if self.next_sample >= self.track.samples.len() {
                if self.flushed {
                    return Ok(None);
                }
                self.flushed = true;
                let frames = self
                    .decoder
                    .flush_remaining()
                    .map_err(|e| Error::new(ErrorKind::Decode, format!("H.264 flush failed: {e}")))?;
                let copies: Vec<DecodedFrame> = frames.iter().map(|f| copy_i420(f, 0)).collect();
                for c in copies {
                    let c = self.stamp(c);
                    self.ready.push_back(c);
                }
                continue;
            }
            let s = self.track.samples[self.next_sample];
            self.next_sample += 1;
            // The demuxer checked that every sample lies inside the file.
            let start = s.offset as usize;
            let bytes = &self.data[start..start + s.size as usize];
            self.annexb.clear();
            if s.sync || self.next_sample == 1 {
                self.annexb.extend_from_slice(&self.params);
            }
            if avcc_to_annexb(bytes, self.nal_len, &mut self.annexb).is_err() {
                self.errors += 1;
                continue;
            }
            let annexb = std::mem::take(&mut self.annexb);
            let result = match self.decoder.decode(&annexb) {
                Ok(Some(yuv)) => Some(copy_i420(&yuv, 0)),
                Ok(None) => None,
                Err(_) => {
                    self.errors += 1;
                    None
                }
            };
            self.annexb = annexb;
            if let Some(f) = result {
                let f = self.stamp(f);
                self.ready.push_back(f);
            }
        }
    }

    fn errors(&self) -> usize {
        self.errors
    }
}
