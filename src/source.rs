//! Frame sources: an image file, a directory of images, and (feature `camera`) a camera.
//!
//! Sources own their pixels ([`OwnedFrame`]) and hand out [`FrameRef`] views, so the
//! pipeline sees every source the same way a phone app's pushed buffers look.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::frame::{FrameRef, PixelFormat, Rotation, MAX_DIMENSION};

/// Microseconds on the process's capture clock (monotonic, from its first use). Cameras
/// and microphones both stamp what they capture with it, so frames and sound pushed to one
/// session share a clock.
pub fn capture_clock_us() -> i64 {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(std::time::Instant::now).elapsed().as_micros() as i64
}

/// Pixels owned by a source, with their layout and orientation.
#[derive(Debug, Clone)]
pub struct OwnedFrame {
    /// Pixel bytes, tightly packed.
    pub data: Vec<u8>,
    /// Buffer width.
    pub width: u32,
    /// Buffer height.
    pub height: u32,
    /// Pixel layout.
    pub format: PixelFormat,
    /// Rotation to upright (from EXIF for photos).
    pub rotation: Rotation,
    /// Mirror after rotation (from EXIF for photos).
    pub mirror: bool,
    /// Capture time, microseconds.
    pub timestamp_us: i64,
}

impl OwnedFrame {
    /// A validated view of these pixels.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidFrame`] if the fields do not describe the buffer.
    pub fn as_frame(&self) -> Result<FrameRef<'_>> {
        Ok(FrameRef::new(&self.data, self.width, self.height, self.format)?
            .rotated(self.rotation)
            .mirrored(self.mirror)
            .at_us(self.timestamp_us))
    }
}

/// File extensions read as images.
pub const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "bmp"];

fn is_image(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Reads a PNG or JPEG into an RGB8 frame, honouring the EXIF orientation as rotation and
/// mirror (the pixels stay as stored). Sizes above [`MAX_DIMENSION`] and decompression
/// bombs are rejected before decoding.
///
/// # Errors
/// [`ErrorKind::Io`] when the file cannot be read, [`ErrorKind::Decode`] when it is not a
/// supported, intact image or is too large.
pub fn load_image(path: &Path) -> Result<OwnedFrame> {
    use image::ImageDecoder;
    let bytes = std::fs::read(path)
        .map_err(|e| Error::with_source(ErrorKind::Io, format!("cannot read image {}", path.display()), e))?;
    if bytes.is_empty() {
        return Err(Error::new(ErrorKind::Decode, format!("empty file: {}", path.display())));
    }
    let decode_err = |e: image::ImageError| match e {
        image::ImageError::Unsupported(_) => {
            Error::new(ErrorKind::Decode, format!("not a video or image we recognise: {}", path.display()))
        }
        e => Error::new(ErrorKind::Decode, format!("cannot decode image {}: {e}", path.display())),
    };
    let mut reader = image::ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| Error::with_source(ErrorKind::Io, format!("cannot read image {}", path.display()), e))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(1 << 30);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_err)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let img = image::DynamicImage::from_decoder(decoder).map_err(decode_err)?.into_rgb8();
    use image::metadata::Orientation as O;
    let (rotation, mirror) = match orientation {
        O::NoTransforms => (Rotation::R0, false),
        O::FlipHorizontal => (Rotation::R0, true),
        O::Rotate180 => (Rotation::R180, false),
        O::FlipVertical => (Rotation::R180, true),
        O::Rotate90FlipH => (Rotation::R90, true),
        O::Rotate90 => (Rotation::R90, false),
        O::Rotate270FlipH => (Rotation::R270, true),
        O::Rotate270 => (Rotation::R270, false),
    };
    let (width, height) = img.dimensions();
    Ok(OwnedFrame { data: img.into_raw(), width, height, format: PixelFormat::Rgb8, rotation, mirror, timestamp_us: 0 })
}

/// The image files of a directory, sorted by name.
///
/// # Errors
/// [`ErrorKind::Io`] when the directory cannot be listed.
pub fn list_images(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Error::with_source(ErrorKind::Io, format!("cannot list directory {}", dir.display()), e))?;
    let mut files: Vec<PathBuf> =
        rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file() && is_image(p)).collect();
    files.sort();
    Ok(files)
}

/// A directory of frames played back at a fixed rate (timestamps `i / fps`).
#[derive(Debug, Clone)]
pub struct ImageSequence {
    files: Vec<PathBuf>,
    next: usize,
    frame_us: f64,
}

impl ImageSequence {
    /// Opens `dir` (image files sorted by name) at `fps` frames per second.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] if the directory cannot be listed, [`ErrorKind::Config`] if `fps`
    /// is not positive.
    pub fn open(dir: &Path, fps: f64) -> Result<ImageSequence> {
        if !(fps.is_finite() && fps > 0.0) {
            return Err(Error::new(ErrorKind::Config, format!("fps must be positive, got {fps}")));
        }
        Ok(ImageSequence { files: list_images(dir)?, next: 0, frame_us: 1e6 / fps })
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the directory holds no images.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files, in playback order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

impl Iterator for ImageSequence {
    /// The file and its frame (or why it could not be read; the sequence goes on).
    type Item = (PathBuf, Result<OwnedFrame>);

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.files.get(self.next)?.clone();
        let ts = (self.next as f64 * self.frame_us).round() as i64;
        self.next += 1;
        let frame = load_image(&path).map(|mut f| {
            f.timestamp_us = ts;
            f
        });
        Some((path, frame))
    }
}

/// Frames captured on a thread of their own, handed over through a bounded queue: when
/// the consumer (tracking) falls behind, new frames are dropped and counted rather than
/// queued, so what the person sees stays current. The iterator yields frames, then the
/// producer's error if it failed (a camera that went away), then ends.
#[derive(Debug)]
pub struct Capture {
    rx: std::sync::mpsc::Receiver<Result<OwnedFrame>>,
    dropped: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Capture {
    /// Starts a capture thread: `open` runs on it and returns the producer, which gives
    /// a frame, `None` at the end of the stream, or an error that ends it. An error from
    /// `open` is returned here (e.g. no such camera).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a zero queue; `open`'s error; [`ErrorKind::Io`] when the
    /// thread cannot start.
    pub fn spawn<O, P>(name: &str, queue: usize, open: O) -> Result<Capture>
    where
        O: FnOnce() -> Result<P> + Send + 'static,
        P: FnMut() -> Result<Option<OwnedFrame>>,
    {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::mpsc::{sync_channel, TrySendError};
        use std::sync::Arc;
        if queue == 0 {
            return Err(Error::new(ErrorKind::Config, "the capture queue needs room for at least one frame"));
        }
        let (tx, rx) = sync_channel::<Result<OwnedFrame>>(queue);
        let (ready_tx, ready_rx) = sync_channel::<Result<()>>(1);
        let dropped = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (d2, s2) = (dropped.clone(), stop.clone());
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let mut next = match open() {
                    Ok(p) => {
                        let _ = ready_tx.send(Ok(()));
                        p
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                while !s2.load(Ordering::Relaxed) {
                    let item = match next() {
                        Ok(Some(f)) => Ok(f),
                        Ok(None) => return,
                        Err(e) => Err(e),
                    };
                    let last = item.is_err();
                    match tx.try_send(item) {
                        Ok(()) => {}
                        // An error must arrive: wait for room.
                        Err(TrySendError::Full(Err(e))) => {
                            let _ = tx.send(Err(e));
                        }
                        Err(TrySendError::Full(Ok(_))) => {
                            d2.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(TrySendError::Disconnected(_)) => return,
                    }
                    if last {
                        return;
                    }
                }
            })
            .map_err(|e| Error::with_source(ErrorKind::Io, "cannot start the capture thread", e))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Capture { rx, dropped, stop }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::new(ErrorKind::Camera, "the capture thread ended before it started")),
        }
    }

    /// Opens camera `index` (feature `camera`) on a capture thread with a queue of `queue`
    /// frames.
    ///
    /// # Errors
    /// [`ErrorKind::Camera`] when there is no such camera or it cannot stream.
    #[cfg(feature = "camera")]
    pub fn camera(index: u32, queue: usize) -> Result<Capture> {
        Capture::spawn("liveface-camera", queue, move || {
            let mut cam = Camera::open(index)?;
            Ok(move || cam.next_frame().map(Some))
        })
    }

    /// Frames dropped so far because the queue was full.
    pub fn dropped(&self) -> usize {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Iterator for Capture {
    type Item = Result<OwnedFrame>;
    fn next(&mut self) -> Option<Result<OwnedFrame>> {
        self.rx.recv().ok()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        // The thread stops at its next frame; it is not joined (a camera call may block).
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(feature = "camera")]
pub use camera::{list_cameras, Camera, CameraInfo};

#[cfg(feature = "camera")]
mod camera {
    use super::OwnedFrame;
    use crate::error::{Error, ErrorKind, Result};
    use crate::frame::{PixelFormat, Rotation};
    use nokhwa::pixel_format::RgbFormat;
    use nokhwa::utils::{ApiBackend, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

    /// A camera the system reports.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    pub struct CameraInfo {
        /// Index to pass to [`Camera::open`].
        pub index: u32,
        /// Human-readable name.
        pub name: String,
    }

    /// Cameras present now; an empty list when there are none.
    ///
    /// # Errors
    /// [`ErrorKind::Camera`] when the platform's camera API itself fails.
    pub fn list_cameras() -> Result<Vec<CameraInfo>> {
        let cams = nokhwa::query(ApiBackend::Auto)
            .map_err(|e| Error::new(ErrorKind::Camera, format!("cannot list cameras: {e}")))?;
        Ok(cams
            .iter()
            .enumerate()
            .map(|(i, c)| CameraInfo {
                index: match c.index() {
                    CameraIndex::Index(n) => *n,
                    CameraIndex::String(_) => i as u32,
                },
                name: c.human_name(),
            })
            .collect())
    }

    /// An open camera stream.
    pub struct Camera {
        inner: nokhwa::Camera,
    }

    impl std::fmt::Debug for Camera {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Camera").finish_non_exhaustive()
        }
    }

    impl Camera {
        /// Opens camera `index` at its highest frame rate.
        ///
        /// # Errors
        /// [`ErrorKind::Camera`] when there is no such camera or it cannot stream.
        pub fn open(index: u32) -> Result<Camera> {
            let req = RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate);
            let mut inner = nokhwa::Camera::new(CameraIndex::Index(index), req)
                .map_err(|e| Error::new(ErrorKind::Camera, format!("cannot open camera {index}: {e}")))?;
            inner
                .open_stream()
                .map_err(|e| Error::new(ErrorKind::Camera, format!("cannot start camera {index}: {e}")))?;
            Ok(Camera { inner })
        }

        /// Waits for the next frame.
        ///
        /// # Errors
        /// [`ErrorKind::Camera`] when the camera is gone, [`ErrorKind::Decode`] for a frame
        /// that cannot be decoded.
        pub fn next_frame(&mut self) -> Result<OwnedFrame> {
            let buf = self
                .inner
                .frame()
                .map_err(|e| Error::new(ErrorKind::Camera, format!("camera stopped delivering frames: {e}")))?;
            let ts = super::capture_clock_us();
            let res = buf.resolution();
            let (w, h) = (res.width(), res.height());
            let raw = buf.buffer();
            let (data, format) = match buf.source_frame_format() {
                FrameFormat::RAWRGB => (raw.to_vec(), PixelFormat::Rgb8),
                FrameFormat::RAWBGR => (raw.to_vec(), PixelFormat::Bgr8),
                FrameFormat::GRAY => (raw.to_vec(), PixelFormat::Gray8),
                FrameFormat::NV12 => (raw.to_vec(), PixelFormat::Nv12),
                FrameFormat::YUYV => (yuyv_to_rgb(raw, w as usize, h as usize), PixelFormat::Rgb8),
                FrameFormat::MJPEG => {
                    let img = image::load_from_memory_with_format(raw, image::ImageFormat::Jpeg)
                        .map_err(|e| Error::new(ErrorKind::Decode, format!("bad MJPEG frame from camera: {e}")))?
                        .into_rgb8();
                    (img.into_raw(), PixelFormat::Rgb8)
                }
            };
            Ok(OwnedFrame {
                data,
                width: w,
                height: h,
                format,
                rotation: Rotation::R0,
                mirror: false,
                timestamp_us: ts,
            })
        }
    }

    /// YUYV 4:2:2 (the common webcam format) to RGB8, full-range BT.601.
    fn yuyv_to_rgb(src: &[u8], w: usize, h: usize) -> Vec<u8> {
        let mut out = vec![0u8; w * h * 3];
        for (i, px) in src.chunks_exact(4).take(w * h / 2).enumerate() {
            let (u, v) = (px[1] as f32 - 128.0, px[3] as f32 - 128.0);
            for (k, y) in [px[0], px[2]].into_iter().enumerate() {
                let y = y as f32;
                let o = (i * 2 + k) * 3;
                out[o] = (y + 1.402 * v).clamp(0.0, 255.0) as u8;
                out[o + 1] = (y - 0.344_136 * u - 0.714_136 * v).clamp(0.0, 255.0) as u8;
                out[o + 2] = (y + 1.772 * u).clamp(0.0, 255.0) as u8;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(t: i64) -> OwnedFrame {
        OwnedFrame {
            data: vec![0; 4 * 4 * 3],
            width: 4,
            height: 4,
            format: PixelFormat::Rgb8,
            rotation: Rotation::R0,
            mirror: false,
            timestamp_us: t,
        }
    }

    #[test]
    fn a_slow_consumer_drops_frames_and_an_error_still_arrives() {
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let mut n = 0i64;
        let cap = Capture::spawn("test-capture", 2, move || {
            Ok(move || {
                n += 1;
                if n == 50 {
                    // Wait until the consumer has read what is queued, then fail.
                    let _ = go_rx.recv();
                    return Err(Error::new(ErrorKind::Camera, "camera went away"));
                }
                Ok(Some(frame(n)))
            })
        })
        .unwrap();
        // Let the producer fill the queue and drop the rest.
        while cap.dropped() < 47 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let mut cap = cap;
        let first: Vec<i64> = (0..2).map(|_| cap.next().unwrap().unwrap().timestamp_us).collect();
        assert_eq!(first, vec![1, 2], "the queue kept the oldest two");
        go_tx.send(()).unwrap();
        let e = cap.next().expect("the error is delivered").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Camera);
        assert!(cap.next().is_none(), "and the stream ends");
        assert_eq!(cap.dropped(), 47);
    }

    #[test]
    fn open_errors_and_bad_queues_are_typed() {
        let e = Capture::spawn("t", 1, || -> Result<fn() -> Result<Option<OwnedFrame>>> {
            Err(Error::new(ErrorKind::Camera, "no camera 7"))
        })
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Camera);
        let e = Capture::spawn("t", 0, || Ok(|| Ok(None))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        // End of stream ends the iterator.
        let mut c = Capture::spawn("t", 1, || Ok(|| Ok(None))).unwrap();
        assert!(c.next().is_none());
    }
}
