//! Borrowed views of caller-owned frames and sampling straight into model tensors.
//!
//! A [`FrameRef`] describes memory the caller owns (camera buffer, decoded video frame):
//! pixel format, size, row stride, how to turn it upright (rotation, mirror) and when it
//! was captured. Models never see a full-frame RGB copy: every crop is sampled from the
//! caller's bytes (any format) directly into the `f32` input tensor.
//!
//! Coordinates: the *buffer* frame is the caller's memory layout; the *upright* frame is
//! the picture after applying [`Rotation`] then mirroring. Models run on the upright
//! picture; every coordinate in a [`crate::FrameReport`] is in buffer pixels.

#[cfg(target_arch = "x86_64")]
mod avx2;
mod pixels;
mod walk;

use crate::error::{Error, ErrorKind, Result};
use crate::geometry::Affine;
use pixels::{Gather, Job, Packed, PixelVisitor, Yuv};

/// Largest accepted width or height, in pixels.
pub const MAX_DIMENSION: u32 = 16_384;

/// Pixel layouts accepted by [`FrameRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum PixelFormat {
    /// Packed 8-bit R, G, B.
    Rgb8,
    /// Packed 8-bit B, G, R (OpenCV order).
    Bgr8,
    /// Packed 8-bit R, G, B, A.
    Rgba8,
    /// Packed 8-bit B, G, R, A (Apple `kCVPixelFormatType_32BGRA`, Windows).
    Bgra8,
    /// 8-bit luma only.
    Gray8,
    /// Y plane then interleaved U,V plane at half resolution (iOS bi-planar).
    Nv12,
    /// Y plane then interleaved V,U plane at half resolution (Android camera default).
    Nv21,
    /// Y plane, then U plane, then V plane, chroma at half resolution (YUV 4:2:0 planar).
    I420,
}

impl PixelFormat {
    /// Bytes per pixel of packed formats; 1 (the luma plane) for YUV formats.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Rgb8 | PixelFormat::Bgr8 => 3,
            PixelFormat::Rgba8 | PixelFormat::Bgra8 => 4,
            PixelFormat::Gray8 | PixelFormat::Nv12 | PixelFormat::Nv21 | PixelFormat::I420 => 1,
        }
    }

    fn is_yuv420(self) -> bool {
        matches!(self, PixelFormat::Nv12 | PixelFormat::Nv21 | PixelFormat::I420)
    }
}

/// Clockwise rotation that turns the buffer upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Rotation {
    /// Already upright.
    #[default]
    R0,
    /// Rotate 90° clockwise (typical back camera in portrait on Android).
    R90,
    /// Upside down.
    R180,
    /// Rotate 270° clockwise (typical front camera in portrait on Android).
    R270,
}

impl Rotation {
    /// From degrees (0, 90, 180, 270; negative and >= 360 wrap).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidFrame`] when `deg` is not a multiple of 90.
    pub fn from_degrees(deg: i32) -> Result<Rotation> {
        match deg.rem_euclid(360) {
            0 => Ok(Rotation::R0),
            90 => Ok(Rotation::R90),
            180 => Ok(Rotation::R180),
            270 => Ok(Rotation::R270),
            _ => Err(Error::new(
                ErrorKind::InvalidFrame,
                format!("rotation must be a multiple of 90 degrees, got {deg}"),
            )),
        }
    }
}

/// YUV to RGB conversion range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum YuvRange {
    /// Full range BT.601 (JPEG/JFIF; Android and iOS full-range camera buffers).
    #[default]
    Full,
    /// Limited ("video") range BT.601: Y in 16..235.
    Limited,
}

/// A borrowed, validated view of one frame in caller memory.
#[derive(Debug, Clone, Copy)]
pub struct FrameRef<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    format: PixelFormat,
    stride: usize,
    rotation: Rotation,
    mirror: bool,
    timestamp_us: i64,
    yuv_range: YuvRange,
}

/// An owned copy of a frame's bytes and layout (kept for later analysis).
#[derive(Debug, Clone)]
pub(crate) struct FrameCopy {
    data: Vec<u8>,
    view: FrameRef<'static>,
}

impl FrameCopy {
    /// The copied frame.
    pub(crate) fn view(&self) -> FrameRef<'_> {
        FrameRef { data: &self.data, ..self.view }
    }
}

impl<'a> FrameRef<'a> {
    /// Copies the pixels (one `memcpy`) with the layout, orientation and timestamp.
    pub(crate) fn to_copy(self) -> FrameCopy {
        FrameCopy { data: self.data.to_vec(), view: FrameRef { data: &[], ..self } }
    }

    /// A tightly packed frame (stride = width × bytes per pixel).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidFrame`] when the size is zero or too large, the buffer is too
    /// short, or a YUV 4:2:0 frame has an odd width or height.
    pub fn new(data: &'a [u8], width: u32, height: u32, format: PixelFormat) -> Result<Self> {
        Self::with_stride(data, width, height, format, width as usize * format.bytes_per_pixel())
    }

    /// A frame whose rows are `stride` bytes apart (for YUV formats: the luma row stride;
    /// NV12/NV21 chroma rows use the same stride, I420 chroma rows half of it, rounded up).
    ///
    /// # Errors
    /// As [`FrameRef::new`], plus a stride smaller than one row of pixels.
    pub fn with_stride(data: &'a [u8], width: u32, height: u32, format: PixelFormat, stride: usize) -> Result<Self> {
        let bad = |m: String| Err(Error::new(ErrorKind::InvalidFrame, m));
        if width == 0 || height == 0 {
            return bad(format!("frame size {width}x{height} is empty"));
        }
        if width > MAX_DIMENSION || height > MAX_DIMENSION {
            return bad(format!("frame size {width}x{height} exceeds the {MAX_DIMENSION} px limit"));
        }
        let (w, h) = (width as usize, height as usize);
        let row = w * format.bytes_per_pixel();
        if stride < row {
            return bad(format!("stride {stride} is smaller than one row of {w} {format:?} pixels ({row} bytes)"));
        }
        if format.is_yuv420() && (width % 2 != 0 || height % 2 != 0) {
            return bad(format!("{format:?} needs an even width and height, got {width}x{height}"));
        }
        let need = match format {
            PixelFormat::Nv12 | PixelFormat::Nv21 => stride * h + stride * (h / 2 - 1) + w,
            PixelFormat::I420 => {
                let cs = stride.div_ceil(2);
                stride * h + cs * (h / 2) + cs * (h / 2 - 1) + w / 2
            }
            _ => stride * (h - 1) + row,
        };
        if data.len() < need {
            return bad(format!(
                "{format:?} {width}x{height} with stride {stride} needs {need} bytes, buffer has {}",
                data.len()
            ));
        }
        Ok(FrameRef {
            data,
            width,
            height,
            format,
            stride,
            rotation: Rotation::R0,
            mirror: false,
            timestamp_us: 0,
            yuv_range: YuvRange::Full,
        })
    }

    /// Sets the clockwise rotation that makes the buffer upright.
    #[must_use]
    pub fn rotated(mut self, rotation: Rotation) -> Self {
        self.rotation = rotation;
        self
    }

    /// Mirrors the picture left-right after rotation (front cameras).
    #[must_use]
    pub fn mirrored(mut self, mirror: bool) -> Self {
        self.mirror = mirror;
        self
    }

    /// Sets the capture time in microseconds (monotonic, any origin).
    #[must_use]
    pub fn at_us(mut self, timestamp_us: i64) -> Self {
        self.timestamp_us = timestamp_us;
        self
    }

    /// Sets the YUV range (ignored for RGB and grey formats).
    #[must_use]
    pub fn yuv_range(mut self, range: YuvRange) -> Self {
        self.yuv_range = range;
        self
    }

    /// Buffer width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Buffer height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Pixel format.
    pub fn format(&self) -> PixelFormat {
        self.format
    }
    /// Rotation to upright.
    pub fn rotation(&self) -> Rotation {
        self.rotation
    }
    /// Whether the upright picture is mirrored.
    pub fn is_mirrored(&self) -> bool {
        self.mirror
    }
    /// Capture time in microseconds.
    pub fn timestamp_us(&self) -> i64 {
        self.timestamp_us
    }

    /// Size of the upright picture.
    pub fn upright_size(&self) -> (u32, u32) {
        match self.rotation {
            Rotation::R0 | Rotation::R180 => (self.width, self.height),
            Rotation::R90 | Rotation::R270 => (self.height, self.width),
        }
    }

    /// The pixels as one tight RGB8 slice when the frame is RGB8, tightly packed, upright
    /// and not mirrored (fast paths can then skip resampling).
    #[cfg(feature = "video")]
    pub(crate) fn packed_rgb8(&self) -> Option<&'a [u8]> {
        let row = self.width as usize * 3;
        let ok =
            self.format == PixelFormat::Rgb8 && self.stride == row && self.rotation == Rotation::R0 && !self.mirror;
        ok.then(|| self.data.get(..row * self.height as usize)).flatten()
    }

    /// Map from upright-picture coordinates to buffer coordinates (continuous pixels).
    pub(crate) fn upright_to_buffer(&self) -> Affine {
        let (w, h) = (self.width as f32, self.height as f32);
        let (uw, _) = self.upright_size();
        let mirror = if self.mirror {
            Affine { a: -1.0, b: 0.0, c: 0.0, d: 1.0, tx: uw as f32, ty: 0.0 }
        } else {
            Affine::IDENTITY
        };
        let rot = match self.rotation {
            Rotation::R0 => Affine::IDENTITY,
            // bx = uy, by = H - ux
            Rotation::R90 => Affine { a: 0.0, b: 1.0, c: -1.0, d: 0.0, tx: 0.0, ty: h },
            Rotation::R180 => Affine { a: -1.0, b: 0.0, c: 0.0, d: -1.0, tx: w, ty: h },
            // bx = W - uy, by = ux
            Rotation::R270 => Affine { a: 0.0, b: -1.0, c: 1.0, d: 0.0, tx: w, ty: 0.0 },
        };
        rot.compose(&mirror)
    }

    /// Map from buffer coordinates to upright-picture coordinates.
    pub(crate) fn buffer_to_upright(&self) -> Affine {
        // Rotations and mirrors are always invertible.
        self.upright_to_buffer().inverse().unwrap_or(Affine::IDENTITY)
    }

    /// The upright picture as packed RGB bytes (`w * h * 3` for [`FrameRef::upright_size`]),
    /// exact pixel values, no interpolation.
    pub fn to_upright_rgb(&self) -> Vec<u8> {
        let (w, h) = self.upright_size();
        let xs: Vec<u32> = (0..w).collect();
        let ys: Vec<u32> = (0..h).collect();
        let mut out = Vec::new();
        self.gather_rgb(&xs, &ys, &mut out);
        out
    }

    /// Upright-picture pixels at the integer positions `xs × ys` (clamped to the picture),
    /// as RGB bytes: `ys.len()` rows of `xs.len()` pixels. No interpolation: the exact
    /// pixel values for RGB/BGR/grey layouts (YUV is converted and rounded).
    pub(crate) fn gather_rgb(&self, xs: &[u32], ys: &[u32], out: &mut Vec<u8>) {
        out.clear();
        out.reserve(xs.len() * ys.len() * 3);
        self.visit(Gather { m: self.upright_to_buffer(), xs, ys, out });
    }

    /// Samples an RGB crop into `out` (NHWC, `w*h*3` floats, value `px * mul + add`).
    ///
    /// `crop_to_upright` maps crop pixel coordinates to the upright picture. Each output
    /// pixel averages `taps × taps` bilinear samples (border pixels replicate). Crop pixels
    /// outside `valid` (a `[u0, v0, u1, v1)` rectangle in crop pixels) get `fill`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sample_rgb(
        &self,
        crop_to_upright: &Affine,
        w: usize,
        h: usize,
        taps: usize,
        mul: f32,
        add: f32,
        valid: Option<[usize; 4]>,
        fill: f32,
        out: &mut [f32],
    ) {
        let m = self.upright_to_buffer().compose(crop_to_upright);
        self.visit(Job { m, w, h, taps: taps.max(1), mul, add, valid, fill, out, simd: true });
    }

    /// Calls `v` with this frame's pixel accessor (monomorphised per format).
    fn visit<V: PixelVisitor>(&self, v: V) {
        let (fw, fh, s, d) = (self.width as usize, self.height as usize, self.stride, self.data);
        match self.format {
            PixelFormat::Rgb8 => v.visit(&Packed::<0, 1, 2, 3> { d, s, w: fw, h: fh }),
            PixelFormat::Bgr8 => v.visit(&Packed::<2, 1, 0, 3> { d, s, w: fw, h: fh }),
            PixelFormat::Rgba8 => v.visit(&Packed::<0, 1, 2, 4> { d, s, w: fw, h: fh }),
            PixelFormat::Bgra8 => v.visit(&Packed::<2, 1, 0, 4> { d, s, w: fw, h: fh }),
            PixelFormat::Gray8 => v.visit(&Packed::<0, 0, 0, 1> { d, s, w: fw, h: fh }),
            PixelFormat::Nv12 | PixelFormat::Nv21 | PixelFormat::I420 => {
                let y_len = s * fh;
                let (u_off, v_off, cstride, cstep) = match self.format {
                    PixelFormat::Nv12 => (y_len, y_len + 1, s, 2),
                    PixelFormat::Nv21 => (y_len + 1, y_len, s, 2),
                    _ => {
                        let cs = s.div_ceil(2);
                        (y_len, y_len + cs * (fh / 2), cs, 1)
                    }
                };
                let limited = self.yuv_range == YuvRange::Limited;
                v.visit(&Yuv { d, s, w: fw, h: fh, u_off, v_off, cstride, cstep, limited })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_one(f: &FrameRef, ux: f32, uy: f32) -> [f32; 3] {
        // 1x1 crop whose single pixel centre lands on (ux, uy).
        let m = Affine { a: 1.0, b: 0.0, c: 0.0, d: 1.0, tx: ux - 0.5, ty: uy - 0.5 };
        let mut out = [0.0; 3];
        f.sample_rgb(&m, 1, 1, 1, 1.0, 0.0, None, 0.0, &mut out);
        out
    }

    #[test]
    fn all_formats_agree_on_one_colour() {
        // 4x2 frame, pixel (1,0) red-ish, everything else grey 128.
        let (w, h) = (4usize, 2usize);
        let mut rgb = vec![128u8; w * h * 3];
        rgb[3..6].copy_from_slice(&[200, 40, 10]);
        let bgr: Vec<u8> = rgb.chunks(3).flat_map(|p| [p[2], p[1], p[0]]).collect();
        let rgba: Vec<u8> = rgb.chunks(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let bgra: Vec<u8> = rgb.chunks(3).flat_map(|p| [p[2], p[1], p[0], 9]).collect();
        for (data, fmt) in [
            (&rgb, PixelFormat::Rgb8),
            (&bgr, PixelFormat::Bgr8),
            (&rgba, PixelFormat::Rgba8),
            (&bgra, PixelFormat::Bgra8),
        ] {
            let f = FrameRef::new(data, 4, 2, fmt).unwrap();
            assert_eq!(sample_one(&f, 1.5, 0.5), [200.0, 40.0, 10.0], "{fmt:?}");
            assert_eq!(sample_one(&f, 3.5, 1.5), [128.0; 3], "{fmt:?}");
        }
    }

    #[test]
    fn yuv_grey_and_colour() {
        // NV12 4x2: Y=100 everywhere, U=V=128 -> grey 100.
        let mut nv12 = vec![100u8; 8];
        nv12.extend_from_slice(&[128, 128, 128, 128]);
        let f = FrameRef::new(&nv12, 4, 2, PixelFormat::Nv12).unwrap();
        assert_eq!(sample_one(&f, 0.5, 0.5), [100.0; 3]);
        // I420 with V high -> red dominant.
        let mut i420 = vec![100u8; 8];
        i420.extend_from_slice(&[128, 128, 200, 200]);
        let f = FrameRef::new(&i420, 4, 2, PixelFormat::I420).unwrap();
        let p = sample_one(&f, 0.5, 0.5);
        assert!(p[0] > 190.0 && p[1] < 60.0, "{p:?}");
        // NV21 with the same chroma bytes swapped gives the same colour.
        let mut nv21 = vec![100u8; 8];
        nv21.extend_from_slice(&[200, 128, 200, 128]);
        let f = FrameRef::new(&nv21, 4, 2, PixelFormat::Nv21).unwrap();
        assert_eq!(sample_one(&f, 0.5, 0.5), p);
    }

    #[test]
    fn rotation_maps_upright_to_buffer() {
        // Buffer 3x2 grey with a marker at buffer (0,0). Rotated 90 cw, upright is 2x3 and
        // the marker sits at the top-right upright pixel (1,0).
        let mut g = vec![0u8; 6];
        g[0] = 255;
        let f = FrameRef::new(&g, 3, 2, PixelFormat::Gray8).unwrap().rotated(Rotation::R90);
        assert_eq!(f.upright_size(), (2, 3));
        assert_eq!(sample_one(&f, 1.5, 0.5)[0], 255.0);
        let f = f.rotated(Rotation::R270);
        assert_eq!(sample_one(&f, 0.5, 2.5)[0], 255.0);
        let f = f.rotated(Rotation::R180);
        assert_eq!(sample_one(&f, 2.5, 1.5)[0], 255.0);
        let f = f.rotated(Rotation::R0).mirrored(true);
        assert_eq!(sample_one(&f, 2.5, 0.5)[0], 255.0);
        let m = f.buffer_to_upright();
        assert_eq!(m.apply(0.5, 0.5), (2.5, 0.5));
    }

    #[test]
    fn bad_frames_are_errors() {
        let d = vec![0u8; 100];
        for (w, h, fmt, stride) in [
            (0, 4, PixelFormat::Rgb8, 0),
            (4, 0, PixelFormat::Gray8, 4),
            (4, 4, PixelFormat::Rgb8, 11),
            (5, 4, PixelFormat::Nv12, 5),
            (4, 3, PixelFormat::I420, 4),
            (20, 20, PixelFormat::Rgb8, 60),
            (MAX_DIMENSION + 1, 1, PixelFormat::Gray8, MAX_DIMENSION as usize + 1),
        ] {
            let e = FrameRef::with_stride(&d, w, h, fmt, stride).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidFrame, "{w}x{h} {fmt:?} {stride}: {e}");
        }
        assert!(Rotation::from_degrees(45).is_err());
        assert_eq!(Rotation::from_degrees(-90).unwrap(), Rotation::R270);
    }
}
