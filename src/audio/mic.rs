//! Microphone capture (feature `audio`, through `cpal`: ALSA on Linux, CoreAudio on
//! macOS and iOS, WASAPI on Windows, AAudio on Android).
//!
//! The device's own rate and channel layout are kept as they come; each callback's
//! samples are mixed down to mono and stamped on the capture clock
//! ([`crate::source::capture_clock_us`]), the clock cameras stamp frames with, so a
//! [`Session`](crate::Session) can take frames and sound from both. The real-time callback
//! only copies into a bounded queue; when the reader falls behind and the queue is full,
//! the newest chunk is dropped and counted (the callback must never block).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use crate::error::{Error, ErrorKind, Result};
use crate::source::capture_clock_us;

/// A microphone the system reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MicrophoneInfo {
    /// Identifier to pass to [`Microphone::open`].
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Whether it is the system's default input.
    pub default: bool,
}

/// Microphones present now; an empty list when there are none (no sound card, no audio
/// server).
///
/// # Errors
/// [`ErrorKind::Microphone`] when the platform's audio API itself fails.
pub fn list_microphones() -> Result<Vec<MicrophoneInfo>> {
    let host = cpal::default_host();
    let default_id = host.default_input_device().and_then(|d| d.id().ok()).map(|id| id.to_string());
    let devices = host.input_devices().map_err(|e| mic_error("cannot list microphones", e))?;
    Ok(devices
        .filter_map(|d| {
            let id = d.id().ok()?.to_string();
            let name = d.description().map(|n| n.name().to_string()).unwrap_or_else(|_| id.clone());
            Some(MicrophoneInfo { default: default_id.as_deref() == Some(id.as_str()), id, name })
        })
        .collect())
}

/// Mono sound from the microphone, as captured (`as_chunk()` gives it to a session).
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedAudio {
    /// Time of the first sample on the capture clock, microseconds.
    pub t_us: i64,
    /// Samples per second (the device's own rate).
    pub sample_rate: u32,
    /// Mono samples, -1..1.
    pub samples: Vec<f32>,
}

/// An open microphone stream. Dropping it stops the capture.
pub struct Microphone {
    // Kept for its lifetime: the stream captures while it exists.
    _stream: cpal::Stream,
    rx: Receiver<CapturedAudio>,
    rate: u32,
    channels: u16,
    dropped: Arc<AtomicUsize>,
    failure: Arc<Mutex<Option<String>>>,
    name: String,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Microphone")
            .field("name", &self.name)
            .field("sample_rate", &self.rate)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

/// Chunks the callback may queue before new ones are dropped: at the usual 10-20 ms a
/// callback, a few seconds of sound.
const QUEUE: usize = 256;

impl Microphone {
    /// Opens microphone `id` (from [`list_microphones`]), or the default input with `None`,
    /// in its default configuration, and starts capturing.
    ///
    /// # Errors
    /// [`ErrorKind::Microphone`] when there is no such microphone (or none at all), or it
    /// cannot capture; [`ErrorKind::Unsupported`] for a sample format other than 8-32-bit
    /// integers or floats.
    pub fn open(id: Option<&str>) -> Result<Microphone> {
        let host = cpal::default_host();
        let device = match id {
            None => host
                .default_input_device()
                .ok_or_else(|| Error::new(ErrorKind::Microphone, "no microphone: the system has no default input"))?,
            Some(want) => host
                .input_devices()
                .map_err(|e| mic_error("cannot list microphones", e))?
                .find(|d| d.id().is_ok_and(|i| i.to_string() == want))
                .ok_or_else(|| Error::new(ErrorKind::Microphone, format!("no microphone {want:?}")))?,
        };
        let name = device.description().map(|n| n.name().to_string()).unwrap_or_else(|_| "microphone".into());
        let supported = device.default_input_config().map_err(|e| mic_error(&format!("cannot configure {name}"), e))?;
        let (rate, channels, format) = (supported.sample_rate(), supported.channels(), supported.sample_format());
        if rate == 0 || channels == 0 {
            return Err(Error::new(ErrorKind::Microphone, format!("{name} reports {channels} channels at {rate} Hz")));
        }
        let config: cpal::StreamConfig = supported.into();
        let (tx, rx) = sync_channel(QUEUE);
        let dropped = Arc::new(AtomicUsize::new(0));
        let failure = Arc::new(Mutex::new(None));
        let sink = Sink { tx, rate, channels: channels as usize, dropped: dropped.clone(), next_t_us: None };
        let on_error = {
            let failure = failure.clone();
            move |e: cpal::Error| {
                if let Ok(mut f) = failure.lock() {
                    f.get_or_insert_with(|| e.to_string());
                }
            }
        };
        use cpal::SampleFormat as F;
        let stream = match format {
            F::I8 => build::<i8>(&device, config, sink, on_error),
            F::I16 => build::<i16>(&device, config, sink, on_error),
            F::I32 => build::<i32>(&device, config, sink, on_error),
            F::U8 => build::<u8>(&device, config, sink, on_error),
            F::U16 => build::<u16>(&device, config, sink, on_error),
            F::F32 => build::<f32>(&device, config, sink, on_error),
            F::F64 => build::<f64>(&device, config, sink, on_error),
            other => {
                return Err(Error::new(ErrorKind::Unsupported, format!("{name} captures {other} samples")));
            }
        }
        .map_err(|e| mic_error(&format!("cannot open {name}"), e))?;
        stream.play().map_err(|e| mic_error(&format!("cannot start {name}"), e))?;
        Ok(Microphone { _stream: stream, rx, rate, channels, dropped, failure, name })
    }

    /// The device's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Samples per second as captured.
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Channels as captured (delivered mixed down to mono).
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Chunks dropped because the reader fell behind.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The next captured chunk if one is waiting.
    ///
    /// # Errors
    /// [`ErrorKind::Microphone`] when the device reported an error or went away.
    pub fn try_next(&self) -> Result<Option<CapturedAudio>> {
        self.check()?;
        match self.rx.try_recv() {
            Ok(c) => Ok(Some(c)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => Err(self.gone()),
        }
    }

    /// Waits up to `timeout` for the next chunk (`None` when nothing came).
    ///
    /// # Errors
    /// [`ErrorKind::Microphone`] when the device reported an error or went away.
    pub fn next_timeout(&self, timeout: Duration) -> Result<Option<CapturedAudio>> {
        self.check()?;
        match self.rx.recv_timeout(timeout) {
            Ok(c) => Ok(Some(c)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(self.gone()),
        }
    }

    fn check(&self) -> Result<()> {
        match self.failure.lock().ok().and_then(|f| f.clone()) {
            Some(msg) => Err(Error::new(ErrorKind::Microphone, format!("{} stopped: {msg}", self.name))),
            None => Ok(()),
        }
    }

    fn gone(&self) -> Error {
        Error::new(ErrorKind::Microphone, format!("{} stopped delivering sound", self.name))
    }
}

/// What the real-time callback writes to.
struct Sink {
    tx: SyncSender<CapturedAudio>,
    rate: u32,
    channels: usize,
    dropped: Arc<AtomicUsize>,
    /// Where the next chunk starts on the capture clock if the device delivered every
    /// sample since the last one (µs).
    next_t_us: Option<i64>,
}

/// How far the clock may run ahead of the sample count before the stamps follow the
/// clock again (samples lost in a dropout, a device that paused; µs).
const RESYNC_US: i64 = 100_000;

impl Sink {
    fn push(&mut self, mono: Vec<f32>) {
        if mono.is_empty() {
            return;
        }
        let span = (mono.len() as f64 * 1e6 / self.rate.max(1) as f64) as i64;
        let t_us = stamp(capture_clock_us(), span, self.next_t_us);
        self.next_t_us = Some(t_us + span);
        let chunk = CapturedAudio { t_us, sample_rate: self.rate, samples: mono };
        if self.tx.try_send(chunk).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A chunk's start on the capture clock: the callback runs when the device's buffer is
/// full, so its first sample was captured one buffer (`span`) before `now`. Devices hand
/// buffers over in bursts (several in the same microsecond when a stream starts), so
/// the stamps follow the sample count from the previous chunk's end (`next`), and follow
/// the clock again only when it runs ahead of the count by more than [`RESYNC_US`]
/// (samples were lost): stamps only grow, and chunks never overlap.
fn stamp(now: i64, span: i64, next: Option<i64>) -> i64 {
    let heard = now - span;
    match next {
        Some(n) if heard - n <= RESYNC_US => n,
        _ => heard,
    }
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut sink: Sink,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> std::result::Result<cpal::Stream, cpal::Error>
where
    T: cpal::SizedSample,
    f32: cpal::FromSample<T>,
{
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            let ch = sink.channels.max(1);
            let mono = data
                .chunks_exact(ch)
                .map(|frame| frame.iter().map(|s| s.to_sample::<f32>()).sum::<f32>() / ch as f32)
                .collect();
            sink.push(mono);
        },
        on_error,
        None,
    )
}

fn mic_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Microphone, format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_follow_the_sample_count_through_bursts_and_the_clock_after_a_gap() {
        // Three 10 ms buffers handed over in the same microsecond: back to back.
        let (a, b, c) =
            (stamp(50_000, 10_000, None), stamp(50_000, 10_000, Some(50_000)), stamp(50_000, 10_000, Some(60_000)));
        assert_eq!((a, b, c), (40_000, 50_000, 60_000));
        // A callback late by 30 ms: still the count. Samples lost for 300 ms: the clock.
        assert_eq!(stamp(110_000, 10_000, Some(70_000)), 70_000);
        assert_eq!(stamp(400_000, 10_000, Some(80_000)), 390_000);
    }
}
