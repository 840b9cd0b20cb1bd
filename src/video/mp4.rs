//! A small, defensive ISO-BMFF (MP4/MOV) demuxer: just what the pre-check needs.
//!
//! Written for untrusted input: every size and count is checked against the bytes that
//! are actually there before anything is allocated or indexed, and arithmetic is checked,
//! so a truncated or hostile file is an error, never a panic or a huge allocation.

use crate::error::{Error, ErrorKind, Result};
use crate::frame::Rotation;

/// Upper bound on samples per track (a 10-hour clip at 240 fps).
const MAX_SAMPLES: u64 = 10 * 3600 * 240;

fn bad(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Decode, format!("malformed MP4: {}", msg.into()))
}

/// Reads big-endian fields from a byte slice, failing cleanly at the end.
#[derive(Clone, Copy)]
struct Cur<'a> {
    d: &'a [u8],
    p: usize,
}

impl<'a> Cur<'a> {
    fn new(d: &'a [u8]) -> Self {
        Cur { d, p: 0 }
    }
    fn left(&self) -> usize {
        self.d.len() - self.p
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.left() {
            return Err(bad(format!("needs {n} bytes, {} left", self.left())));
        }
        let s = &self.d[self.p..self.p + n];
        self.p += n;
        Ok(s)
    }
    fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    fn fourcc(&mut self) -> Result<[u8; 4]> {
        let b = self.bytes(4)?;
        Ok([b[0], b[1], b[2], b[3]])
    }
}

/// One box: its type and its payload (header excluded).
struct Mp4Box<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

/// Iterates the boxes inside `d`.
fn boxes(d: &[u8]) -> impl Iterator<Item = Result<Mp4Box<'_>>> {
    let mut c = Cur::new(d);
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || c.left() == 0 {
            return None;
        }
        let r = (|| {
            let start = c.p;
            let size32 = c.u32()?;
            let kind = c.fourcc()?;
            let size = match size32 {
                0 => (c.d.len() - start) as u64,
                1 => c.u64()?,
                s => s as u64,
            };
            let header = (c.p - start) as u64;
            if size < header || size - header > c.left() as u64 {
                return Err(bad(format!(
                    "box '{}' claims {size} bytes, {} available",
                    String::from_utf8_lossy(&kind),
                    c.left() as u64 + header
                )));
            }
            let body = c.bytes((size - header) as usize)?;
            Ok(Mp4Box { kind, body })
        })();
        if r.is_err() {
            failed = true;
        }
        Some(r)
    })
}

fn find<'a>(d: &'a [u8], kind: &[u8; 4]) -> Result<Option<&'a [u8]>> {
    for b in boxes(d) {
        let b = b?;
        if &b.kind == kind {
            return Ok(Some(b.body));
        }
    }
    Ok(None)
}

/// Codec of a track, from its sample description.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Codec {
    /// H.264: NAL length size and the SPS/PPS from `avcC`.
    Avc { nal_len: usize, sps: Vec<Vec<u8>>, pps: Vec<Vec<u8>> },
    /// AAC with its AudioSpecificConfig.
    Aac { config: Vec<u8>, channels: u16, sample_rate: u32 },
    /// Anything else, by its sample-entry four-character code.
    Other(String),
}

impl Codec {
    pub fn name(&self) -> String {
        match self {
            Codec::Avc { .. } => "h264".into(),
            Codec::Aac { .. } => "aac".into(),
            Codec::Other(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrackKind {
    Video,
    Audio,
    Other,
}

/// One sample (an access unit) of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    pub offset: u64,
    pub size: u32,
    /// Decode time, track timescale.
    pub dts: i64,
    /// Presentation time (dts + composition offset - edit shift), track timescale.
    pub pts: i64,
    pub sync: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Track {
    pub kind: TrackKind,
    pub codec: Codec,
    pub timescale: u32,
    pub width: u32,
    pub height: u32,
    pub rotation: Rotation,
    pub samples: Vec<Sample>,
}

impl Track {
    pub fn pts_us(&self, pts: i64) -> i64 {
        if self.timescale == 0 {
            return 0;
        }
        ((pts as i128 * 1_000_000) / self.timescale as i128) as i64
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Movie {
    pub tracks: Vec<Track>,
}

impl Movie {
    pub fn video(&self) -> Option<&Track> {
        self.tracks.iter().find(|t| t.kind == TrackKind::Video)
    }
    pub fn audio(&self) -> Option<&Track> {
        self.tracks.iter().find(|t| t.kind == TrackKind::Audio)
    }
}

/// Whether `data` starts like an ISO-BMFF file.
pub(crate) fn looks_like_mp4(data: &[u8]) -> bool {
    data.len() >= 12 && matches!(&data[4..8], b"ftyp" | b"moov" | b"mdat" | b"free" | b"wide" | b"skip")
}

/// Parses the movie header of a whole file held in memory.
pub(crate) fn parse(data: &[u8]) -> Result<Movie> {
    if data.is_empty() {
        return Err(bad("the file is empty"));
    }
    let moov = find(data, b"moov")?.ok_or_else(|| bad("no 'moov' box (not an MP4/MOV, or truncated)"))?;
    let mut tracks = Vec::new();
    for b in boxes(moov) {
        let b = b?;
        if &b.kind == b"trak" {
            if let Some(t) = parse_trak(b.body, data.len() as u64)? {
                tracks.push(t);
            }
        }
    }
    Ok(Movie { tracks })
}

fn fixed_to_rotation(m: [i32; 4]) -> Rotation {
    // Display matrix [a b; c d] in 16.16; only the signs of the quarter turns matter.
    let s = |v: i32| v.signum();
    match (s(m[0]), s(m[1]), s(m[2]), s(m[3])) {
        (0, 1, -1, 0) => Rotation::R90,
        (-1, 0, 0, -1) => Rotation::R180,
        (0, -1, 1, 0) => Rotation::R270,
        _ => Rotation::R0,
    }
}

fn parse_trak(trak: &[u8], file_len: u64) -> Result<Option<Track>> {
    let tkhd = find(trak, b"tkhd")?.ok_or_else(|| bad("track without 'tkhd'"))?;
    let mut c = Cur::new(tkhd);
    let version = c.u8()?;
    c.skip(3)?;
    let id = if version == 1 {
        c.skip(16)?;
        let id = c.u32()?;
        c.skip(4 + 8)?;
        id
    } else {
        c.skip(8)?;
        let id = c.u32()?;
        c.skip(4 + 4)?;
        id
    };
    c.skip(8 + 2 + 2 + 2 + 2)?; // reserved, layer, alternate group, volume, reserved
    let mut m = [0i32; 9];
    for v in m.iter_mut() {
        *v = c.u32()? as i32;
    }
    let rotation = fixed_to_rotation([m[0], m[1], m[3], m[4]]);
    let tk_w = c.u32()? >> 16;
    let tk_h = c.u32()? >> 16;

    let mdia = find(trak, b"mdia")?.ok_or_else(|| bad("track without 'mdia'"))?;
    let mdhd = find(mdia, b"mdhd")?.ok_or_else(|| bad("track without 'mdhd'"))?;
    let mut c = Cur::new(mdhd);
    let v = c.u8()?;
    c.skip(3)?;
    let timescale = if v == 1 {
        c.skip(16)?;
        c.u32()?
    } else {
        c.skip(8)?;
        c.u32()?
    };
    let hdlr = find(mdia, b"hdlr")?.ok_or_else(|| bad("track without 'hdlr'"))?;
    let mut c = Cur::new(hdlr);
    c.skip(8)?;
    let kind = match &c.fourcc()? {
        b"vide" => TrackKind::Video,
        b"soun" => TrackKind::Audio,
        _ => TrackKind::Other,
    };
    if kind == TrackKind::Other {
        return Ok(None);
    }
    if timescale == 0 {
        return Err(bad(format!("track {id} has timescale 0")));
    }
    let minf = find(mdia, b"minf")?.ok_or_else(|| bad("track without 'minf'"))?;
    let stbl = find(minf, b"stbl")?.ok_or_else(|| bad("track without 'stbl'"))?;
    let stsd = find(stbl, b"stsd")?.ok_or_else(|| bad("track without 'stsd'"))?;
    let (codec, w, h) = parse_stsd(stsd, kind)?;
    let edit_shift =
        find(trak, b"edts")?.map(|e| find(e, b"elst")).transpose()?.flatten().map(parse_elst).transpose()?;
    let samples = sample_table(stbl, file_len, edit_shift.unwrap_or(0))?;
    let _ = id;
    Ok(Some(Track {
        kind,
        codec,
        timescale,
        width: if w > 0 { w } else { tk_w },
        height: if h > 0 { h } else { tk_h },
        rotation,
        samples,
    }))
}

/// Media time of the first non-empty edit: presentation starts there.
fn parse_elst(elst: &[u8]) -> Result<i64> {
    let mut c = Cur::new(elst);
    let v = c.u8()?;
    c.skip(3)?;
    let n = c.u32()?;
    for _ in 0..n.min(64) {
        let (_dur, media_time) =
            if v == 1 { (c.u64()?, c.u64()? as i64) } else { (c.u32()? as u64, c.u32()? as i32 as i64) };
        c.skip(4)?;
        if media_time >= 0 {
            return Ok(media_time);
        }
    }
    Ok(0)
}

fn parse_stsd(stsd: &[u8], kind: TrackKind) -> Result<(Codec, u32, u32)> {
    let mut c = Cur::new(stsd);
    c.skip(4)?;
    let n = c.u32()?;
    if n == 0 {
        return Err(bad("empty sample description"));
    }
    let entries = c.bytes(c.left())?;
    let first = boxes(entries).next().ok_or_else(|| bad("empty sample description"))??;
    let fourcc = String::from_utf8_lossy(&first.kind).into_owned();
    let mut e = Cur::new(first.body);
    e.skip(6 + 2)?; // reserved, data reference index
    match kind {
        TrackKind::Video => {
            e.skip(16)?;
            let w = e.u16()? as u32;
            let h = e.u16()? as u32;
            e.skip(4 + 4 + 4 + 2 + 32 + 2 + 2)?;
            let rest = e.bytes(e.left())?;
            if matches!(&first.kind, b"avc1" | b"avc3") {
                let avcc = find(rest, b"avcC")?.ok_or_else(|| bad("H.264 track without 'avcC'"))?;
                return Ok((parse_avcc(avcc)?, w, h));
            }
            Ok((Codec::Other(fourcc), w, h))
        }
        _ => {
            e.skip(8)?;
            let channels = e.u16()?;
            e.skip(2 + 4)?;
            let sample_rate = e.u32()? >> 16;
            let rest = e.bytes(e.left())?;
            if &first.kind == b"mp4a" {
                if let Some(esds) = find(rest, b"esds")? {
                    if let Some(config) = esds_audio_config(esds) {
                        return Ok((Codec::Aac { config, channels, sample_rate }, 0, 0));
                    }
                }
                return Ok((Codec::Other("mp4a".into()), 0, 0));
            }
            Ok((Codec::Other(fourcc), 0, 0))
        }
    }
}

fn parse_avcc(d: &[u8]) -> Result<Codec> {
    let mut c = Cur::new(d);
    c.skip(4)?;
    let nal_len = (c.u8()? & 3) as usize + 1;
    let nsps = (c.u8()? & 0x1f) as usize;
    let mut sps = Vec::new();
    for _ in 0..nsps {
        let n = c.u16()? as usize;
        sps.push(c.bytes(n)?.to_vec());
    }
    let npps = c.u8()? as usize;
    let mut pps = Vec::new();
    for _ in 0..npps {
        let n = c.u16()? as usize;
        pps.push(c.bytes(n)?.to_vec());
    }
    if sps.is_empty() || pps.is_empty() {
        return Err(bad("'avcC' without SPS or PPS"));
    }
    Ok(Codec::Avc { nal_len, sps, pps })
}

/// Finds the DecoderSpecificInfo (tag 5) inside an `esds` descriptor tree.
fn esds_audio_config(esds: &[u8]) -> Option<Vec<u8>> {
    let d = esds.get(4..)?;
    let mut i = 0;
    while i < d.len() {
        let tag = d[i];
        i += 1;
        let mut len = 0usize;
        for _ in 0..4 {
            let b = *d.get(i)?;
            i += 1;
            len = (len << 7) | (b & 0x7f) as usize;
            if b & 0x80 == 0 {
                break;
            }
        }
        match tag {
            3 => i += 3, // ES_ID, flags (no optional fields in practice)
            4 => i += 13,
            5 => return d.get(i..i.checked_add(len)?).map(<[u8]>::to_vec),
            _ => i = i.checked_add(len)?,
        }
    }
    None
}

fn full_box_entries(d: &[u8]) -> Result<(Cur<'_>, u32)> {
    let mut c = Cur::new(d);
    c.skip(4)?;
    let n = c.u32()?;
    Ok((c, n))
}

fn check_count(n: u64, entry: usize, c: &Cur, what: &str) -> Result<()> {
    if n > MAX_SAMPLES || n.saturating_mul(entry as u64) > c.left() as u64 {
        return Err(bad(format!("'{what}' claims {n} entries, the box holds {}", c.left() / entry.max(1))));
    }
    Ok(())
}

fn sample_table(stbl: &[u8], file_len: u64, edit_shift: i64) -> Result<Vec<Sample>> {
    let need = |k: &[u8; 4]| -> Result<&[u8]> {
        find(stbl, k)?.ok_or_else(|| bad(format!("sample table without '{}'", String::from_utf8_lossy(k))))
    };
    // Sizes.
    let (mut c, _) = full_box_entries(need(b"stsz")?)?;
    c.p -= 4;
    let uniform = c.u32()?;
    let count = c.u32()? as u64;
    if count > MAX_SAMPLES {
        return Err(bad(format!("{count} samples")));
    }
    let sizes: Vec<u32> = if uniform != 0 {
        vec![uniform; count as usize]
    } else {
        check_count(count, 4, &c, "stsz")?;
        (0..count).map(|_| c.u32()).collect::<Result<_>>()?
    };
    let count = sizes.len();
    if count == 0 {
        return Ok(Vec::new());
    }
    // Chunk offsets.
    let offsets: Vec<u64> = if let Some(stco) = find(stbl, b"stco")? {
        let (mut c, n) = full_box_entries(stco)?;
        check_count(n as u64, 4, &c, "stco")?;
        (0..n).map(|_| c.u32().map(u64::from)).collect::<Result<_>>()?
    } else {
        let (mut c, n) = full_box_entries(need(b"co64")?)?;
        check_count(n as u64, 8, &c, "co64")?;
        (0..n).map(|_| c.u64()).collect::<Result<_>>()?
    };
    // Sample-to-chunk runs: (first_chunk, samples_per_chunk).
    let (mut c, n) = full_box_entries(need(b"stsc")?)?;
    check_count(n as u64, 12, &c, "stsc")?;
    let mut runs = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let first = c.u32()?;
        let per = c.u32()?;
        c.skip(4)?;
        if first == 0 {
            return Err(bad("'stsc' chunk numbers start at 1"));
        }
        runs.push((first as u64, per as u64));
    }
    let mut samples = Vec::with_capacity(count);
    let mut si = 0usize;
    for (ci, &chunk_off) in offsets.iter().enumerate() {
        let chunk_no = ci as u64 + 1;
        let per = runs.iter().rev().find(|(f, _)| *f <= chunk_no).map(|r| r.1).unwrap_or(0);
        let mut off = chunk_off;
        for _ in 0..per {
            if si >= count {
                break;
            }
            let size = sizes[si];
            let end = off.checked_add(size as u64).ok_or_else(|| bad("sample offset overflow"))?;
            if end > file_len {
                return Err(bad(format!("sample {si} lies beyond the end of the file (truncated?)")));
            }
            samples.push(Sample { offset: off, size, dts: 0, pts: 0, sync: true });
            off = end;
            si += 1;
        }
    }
    if samples.len() != count {
        return Err(bad(format!("chunk table covers {} of {count} samples", samples.len())));
    }
    // Decode times.
    let (mut c, n) = full_box_entries(need(b"stts")?)?;
    check_count(n as u64, 8, &c, "stts")?;
    let (mut i, mut t) = (0usize, 0i64);
    for _ in 0..n {
        let k = c.u32()? as usize;
        let delta = c.u32()? as i64;
        for _ in 0..k {
            if i >= count {
                break;
            }
            samples[i].dts = t;
            t = t.checked_add(delta).ok_or_else(|| bad("decode time overflow"))?;
            i += 1;
        }
    }
    // Composition offsets (B-frames).
    let mut cts = vec![0i64; count];
    if let Some(ctts) = find(stbl, b"ctts")? {
        let (mut c, n) = full_box_entries(ctts)?;
        check_count(n as u64, 8, &c, "ctts")?;
        let mut i = 0usize;
        for _ in 0..n {
            let k = c.u32()? as usize;
            let off = c.u32()? as i32 as i64; // version 1 is signed; version 0 values fit
            for _ in 0..k {
                if i >= count {
                    break;
                }
                cts[i] = off;
                i += 1;
            }
        }
    }
    for (s, o) in samples.iter_mut().zip(&cts) {
        s.pts = s.dts + o - edit_shift;
    }
    // Sync samples; no 'stss' means every sample is a sync sample.
    if let Some(stss) = find(stbl, b"stss")? {
        let (mut c, n) = full_box_entries(stss)?;
        check_count(n as u64, 4, &c, "stss")?;
        samples.iter_mut().for_each(|s| s.sync = false);
        for _ in 0..n {
            let k = c.u32()? as usize;
            if let Some(s) = k.checked_sub(1).and_then(|k| samples.get_mut(k)) {
                s.sync = true;
            }
        }
    }
    Ok(samples)
}

/// Converts one length-prefixed AVC sample to Annex B (start codes) into `out`.
pub(crate) fn avcc_to_annexb(sample: &[u8], nal_len: usize, out: &mut Vec<u8>) -> Result<()> {
    let mut i = 0usize;
    while i < sample.len() {
        if sample.len() - i < nal_len {
            return Err(bad("truncated NAL length"));
        }
        let mut n = 0usize;
        for k in 0..nal_len {
            n = (n << 8) | sample[i + k] as usize;
        }
        i += nal_len;
        if n > sample.len() - i {
            return Err(bad("NAL unit longer than its sample"));
        }
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(&sample[i..i + n]);
        i += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_truncation_are_errors() {
        assert!(parse(&[]).is_err());
        assert!(parse(b"not an mp4 at all").is_err());
        // A box that claims more bytes than exist.
        let mut d = vec![0, 0, 0x10, 0, b'm', b'o', b'o', b'v'];
        d.extend_from_slice(&[0; 8]);
        assert!(parse(&d).is_err());
        // A box with a size smaller than its header.
        assert!(parse(&[0, 0, 0, 4, b'm', b'o', b'o', b'v']).is_err());
    }

    #[test]
    fn annexb_conversion() {
        let mut out = Vec::new();
        avcc_to_annexb(&[0, 0, 0, 2, 0x65, 0x88, 0, 0, 0, 1, 0x41], 4, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 1, 0x65, 0x88, 0, 0, 0, 1, 0x41]);
        assert!(avcc_to_annexb(&[0, 0, 0, 9, 1], 4, &mut Vec::new()).is_err());
    }

    #[test]
    fn display_matrix_rotation() {
        let one = 0x10000;
        assert_eq!(fixed_to_rotation([0, one, -one, 0]), Rotation::R90);
        assert_eq!(fixed_to_rotation([-one, 0, 0, -one]), Rotation::R180);
        assert_eq!(fixed_to_rotation([0, -one, one, 0]), Rotation::R270);
        assert_eq!(fixed_to_rotation([one, 0, 0, one]), Rotation::R0);
    }
}
