//! `liveface precheck` and `liveface live`: a liveness session on a clip, a frame
//! directory or a camera, and the upload package after a pass.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use liveface::checks::light::{LightChallenge, LightChallengeConfig};
use liveface::checks::{AudioChunk, DisplayAck};
use liveface::package::RequestTarget;
use liveface::source::OwnedFrame;
use liveface::{Mode, Outcome, Session, SessionConfig};

use super::{engine_with, frame_source, write_line};

/// Liveness mode.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum ModeArg {
    /// Actions in order (`--actions`).
    Action,
    /// Look at the camera; passive anti-spoofing and cues.
    Silent,
    /// The screen's colour sequence reflected by the face (`--challenge`).
    Light,
    /// A blink, then the light sequence.
    Flash,
    /// Read a 4-digit code aloud (`--code`): voice, lips in step with it.
    Lip,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Action => Mode::Action,
            ModeArg::Silent => Mode::Silent,
            ModeArg::Light => Mode::Light,
            ModeArg::Flash => Mode::Flash,
            ModeArg::Lip => Mode::Lip,
        }
    }
}

#[derive(clap::Args)]
pub struct SessionArgs {
    /// Liveness mode.
    #[arg(long, value_enum, default_value = "action")]
    mode: ModeArg,
    /// Directory with the MiniFASNet anti-spoof models (silent mode; see the README).
    /// Without them silent mode decides on its temporal cues alone and says so.
    #[arg(long, env = "LIVEFACE_ANTISPOOF_DIR")]
    pub antispoof_models: Option<PathBuf>,
    /// Accept anti-spoof model files that differ from the pinned conversion (your own
    /// export); their input and output are still checked.
    #[arg(long)]
    pub allow_unpinned_models: bool,
    /// Landmark models: `attention` (MediaPipe's attention mesh, default) or `mesh-iris`.
    #[arg(long, value_enum, default_value_t, env = "LIVEFACE_LANDMARK_MODEL")]
    pub landmark_model: super::LandmarkArg,
    /// Silent mode: good-quality video to collect before deciding (ms).
    #[arg(long, default_value_t = 3_000)]
    silent_ms: i64,
    /// Action sequence: mainland "1,2"/"2,1" (1 open mouth, 2 close eyes) or
    /// international codes (1 open mouth, 2 blink, 3 nod, 4 shake head).
    #[arg(long, default_value = "1,2")]
    pub actions: String,
    /// Session timeout from the first frame (ms).
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: i64,
    /// Light and flash modes: the challenge nonce, hex (from your server; without it a
    /// random one, reported in the outcome).
    #[arg(long)]
    pub challenge: Option<String>,
    /// Lip mode: the 4-digit code the person reads (the request's `ValidateData`).
    #[arg(long)]
    pub code: Option<String>,
}

impl SessionArgs {
    pub fn config(&self) -> anyhow::Result<SessionConfig> {
        let challenge = || -> anyhow::Result<LightChallenge> {
            let cfg = LightChallengeConfig::default();
            Ok(match &self.challenge {
                Some(hex) => LightChallenge::from_hex(hex, &cfg)?,
                None => LightChallenge::random(&cfg)?,
            })
        };
        let c = match Mode::from(self.mode) {
            Mode::Silent => SessionConfig::silent().with_silent_ms(self.silent_ms),
            Mode::Light => SessionConfig::light(challenge()?),
            Mode::Flash => SessionConfig::flash(challenge()?),
            Mode::Lip => match &self.code {
                Some(code) => SessionConfig::lip(code),
                None => anyhow::bail!("--mode lip needs --code (the 4 digits the person reads)"),
            },
            _ => SessionConfig::action(liveface::parse_actions(&self.actions)?),
        };
        Ok(c.with_timeout_ms(self.timeout_ms))
    }

    pub fn engine(&self) -> anyhow::Result<liveface::Engine> {
        engine_with(self.antispoof_models.as_deref(), self.allow_unpinned_models, self.landmark_model)
    }
}

#[derive(clap::Args)]
pub struct PrecheckArgs {
    /// A video or a directory of frames.
    path: PathBuf,
    #[command(flatten)]
    session: SessionArgs,
    /// Also print every session event as a JSON line.
    #[arg(long)]
    events: bool,
    /// Frame rate for a frame directory.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// After a pass, write best.jpg, video.mp4, request.json and package.json here.
    #[arg(long)]
    package: Option<PathBuf>,
    /// The package video's sound: `opus` (every build) or `aac` (AAC-LC, needs the
    /// `ffmpeg` feature).
    #[arg(long, default_value = "opus")]
    audio_codec: String,
    #[command(flatten)]
    target: TargetArgs,
    /// BestFrameNum to ask the API for (2..=10).
    #[arg(long)]
    best_frame_num: Option<u8>,
    /// Light and flash modes: when each colour was really on screen, CSV
    /// `index,from_ms,to_ms` in ms from the clip's first frame (as the app logged it);
    /// without it the planned times are used and the lag is estimated.
    #[arg(long)]
    displayed: Option<PathBuf>,
}

/// Reads a display log: `index,from_ms,to_ms` rows (a header and `#` lines allowed).
/// A clip's sound fed to a session alongside its frames: before each frame, the samples
/// up to 100 ms past it (a microphone delivers sound about that far ahead of tracking).
pub(super) struct AudioFeed {
    rate: u32,
    samples: Vec<f32>,
    fed: usize,
}

impl AudioFeed {
    pub(super) fn new(rate: u32, samples: Vec<f32>) -> AudioFeed {
        AudioFeed { rate, samples, fed: 0 }
    }

    /// The clip's sound when the session listens (lip mode) and the source is a file.
    fn for_clip(mode: Mode, path: &Path) -> anyhow::Result<Option<AudioFeed>> {
        if mode != Mode::Lip || !path.is_file() {
            return Ok(None);
        }
        Ok(clip_audio(path)?.map(|(rate, samples)| AudioFeed::new(rate, samples)))
    }

    /// Pushes the samples up to `t_us` + 100 ms (the clip's sound starts with its first
    /// frame, at `t0`).
    pub(super) fn upto(&mut self, session: &mut Session, t0: i64, t_us: i64) {
        let upto = ((((t_us - t0) as f64 / 1e6) + 0.1) * self.rate as f64) as usize;
        let upto = upto.min(self.samples.len());
        if upto > self.fed {
            let at = t0 + (self.fed as f64 * 1e6 / self.rate as f64) as i64;
            session.push_audio(&AudioChunk {
                samples: &self.samples[self.fed..upto],
                sample_rate: self.rate,
                t_us: at,
            });
            self.fed = upto;
        }
    }
}

/// Where a live session's sound comes from.
enum Sound {
    /// None (modes that do not listen).
    Silent,
    /// A clip's track, fed with its frames.
    Clip(AudioFeed),
    /// A microphone, on the camera's clock.
    #[cfg(feature = "audio")]
    Mic(liveface::audio::Microphone),
}

impl Sound {
    /// Everything heard up to the frame at `t_us` (the clip's first frame at `t0`).
    fn before_frame(&mut self, session: &mut Session, t0: i64, t_us: i64) -> anyhow::Result<()> {
        match self {
            Sound::Silent => {}
            Sound::Clip(feed) => feed.upto(session, t0, t_us),
            #[cfg(feature = "audio")]
            Sound::Mic(mic) => {
                while let Some(chunk) = mic.try_next()? {
                    session.push_audio(&chunk.as_chunk());
                }
            }
        }
        Ok(())
    }
}

/// The clip's sound (rate, mono samples); `None` without an audio track (a digit
/// session then fails with "no voice").
#[cfg(feature = "video")]
fn clip_audio(path: &Path) -> anyhow::Result<Option<(u32, Vec<f32>)>> {
    Ok(liveface::video::extract_audio(path)?.map(|a| (a.sample_rate, a.samples)))
}

#[cfg(not(feature = "video"))]
fn clip_audio(_: &Path) -> anyhow::Result<Option<(u32, Vec<f32>)>> {
    anyhow::bail!("lip mode on a clip needs the `video` feature (audio decoding)")
}

fn read_displayed(path: &Path) -> anyhow::Result<Vec<(usize, i64, i64)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("index") {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed = (f.len() == 3)
            .then(|| Some((f[0].parse().ok()?, f[1].parse::<f64>().ok()?, f[2].parse::<f64>().ok()?)))
            .flatten();
        let Some((i, a, b)) = parsed else {
            anyhow::bail!("{}:{}: expected `index,from_ms,to_ms`, got {line:?}", path.display(), n + 1);
        };
        out.push((i, (a * 1000.0) as i64, (b * 1000.0) as i64));
    }
    Ok(out)
}

/// Which API a request is for and what it needs besides the video.
#[derive(clap::Args)]
pub struct TargetArgs {
    /// API to build the request for.
    #[arg(long, value_enum, default_value = "compare")]
    api: ApiArg,
    /// Reference photo for compare (default: the package's best frame).
    #[arg(long)]
    image: Option<PathBuf>,
    /// ID-card number (recognition).
    #[arg(long)]
    id_card: Option<String>,
    /// Name (recognition).
    #[arg(long)]
    name: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum ApiArg {
    /// LivenessCompare (video vs a photo).
    Compare,
    /// LivenessRecognition (video vs the ID-card photo on record).
    Recognition,
    /// International CompareFaceLiveness.
    Intl,
}

#[cfg_attr(not(any(feature = "video", feature = "paas")), allow(dead_code))]
impl TargetArgs {
    /// The reference photo given with `--image`, if any.
    pub fn image(&self) -> anyhow::Result<Option<Vec<u8>>> {
        self.image
            .as_ref()
            .map(|p| std::fs::read(p).with_context(|| format!("cannot read {}", p.display())))
            .transpose()
    }

    /// The library's request target.
    pub fn target(&self, best_frame_num: Option<u8>) -> anyhow::Result<RequestTarget> {
        let t = match self.api {
            ApiArg::Compare => RequestTarget::compare(),
            ApiArg::Intl => RequestTarget::international(),
            ApiArg::Recognition => RequestTarget::recognition(
                self.id_card.as_deref().context("--id-card is needed for recognition")?,
                self.name.as_deref().context("--name is needed for recognition")?,
            ),
        };
        Ok(t.with_best_frame_num(best_frame_num))
    }
}

#[derive(clap::Args)]
pub struct LiveArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// Camera index (feature `camera`).
    #[arg(long, default_value_t = 0)]
    camera: u32,
    /// Play this clip in real time instead of a camera.
    #[arg(long)]
    source: Option<PathBuf>,
    /// Lip mode with the camera: the microphone to listen to (an id from `liveface
    /// microphones`; default: the system's default input). Feature `audio`.
    #[arg(long)]
    microphone: Option<String>,
    /// JSON Lines (every event, then the outcome) even on a terminal.
    #[arg(long)]
    json: bool,
}

pub fn precheck(a: PrecheckArgs) -> anyhow::Result<ExitCode> {
    let config = a.session.config()?;
    let engine = a.session.engine()?;
    let mut session = Session::new(&engine, config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let t0 = Instant::now();
    let mut tracking_us = 0u64;
    let mut pack = match &a.package {
        Some(_) => Some(pack::new(&a.audio_codec)?),
        None => None,
    };
    let displayed = a.displayed.as_deref().map(read_displayed).transpose()?;
    // Lip mode listens: the clip's own sound, fed alongside its frames.
    let mut audio = AudioFeed::for_clip(session.config().mode, &a.path)?;
    let mut first_us = None;
    for (index, frame) in frame_source(&a.path, a.fps)?.enumerate() {
        let frame = frame?;
        let view = frame.as_frame()?;
        let t0 = *first_us.get_or_insert(view.timestamp_us());
        if index == 0 {
            for &(i, from, to) in displayed.as_deref().unwrap_or_default() {
                session.acknowledge(&DisplayAck { index: i, from_us: t0 + from, to_us: t0 + to });
            }
        }
        if let Some(feed) = audio.as_mut() {
            feed.upto(&mut session, t0, view.timestamp_us());
        }
        let (report, events) = session.push(&view)?;
        if let Some(p) = pack.as_mut() {
            p.push_frame(&view, index, session.best_frames())?;
        }
        tracking_us += report.timings.total_us as u64;
        if a.events {
            for e in &events {
                write_line(&mut out, e)?;
            }
        }
        if session.is_finished() {
            break;
        }
    }
    let outcome = session.finish();
    let (mut packaged, mut package_error) = (None, None);
    if let (Some(dir), Some(p)) = (&a.package, pack) {
        if outcome.passed {
            match pack::finish(p, &a, &outcome, dir) {
                Ok(m) => packaged = Some(m),
                Err(e) => package_error = Some(format!("{e:#}")),
            }
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    let mut line = serde_json::json!({
        "outcome": outcome,
        "package": packaged,
        "path": a.path.display().to_string(),
        "wall_ms": wall * 1e3,
        "session_overhead_ms_per_frame": if outcome.frames > 0 {
            (wall * 1e6 - tracking_us as f64) / 1e3 / outcome.frames as f64
        } else { 0.0 },
    });
    if let Some(e) = &package_error {
        line["package_error"] = serde_json::json!(e);
        eprintln!("liveface: no package: {e}");
    }
    write_line(&mut out, &line)?;
    out.flush().ok();
    Ok(if outcome.passed && package_error.is_none() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The upload package (feature `video`).
#[cfg(feature = "video")]
mod pack {
    use super::*;
    use liveface::package::{Packager, PackagerConfig};

    pub fn new(audio_codec: &str) -> anyhow::Result<Packager> {
        let mut config = PackagerConfig::default();
        config.evidence.audio_codec = audio_codec.parse()?;
        Ok(Packager::new(config)?)
    }

    pub fn finish(
        mut p: Packager,
        a: &PrecheckArgs,
        outcome: &Outcome,
        dir: &Path,
    ) -> anyhow::Result<serde_json::Value> {
        if a.path.is_file() {
            if let Some(audio) = liveface::video::extract_audio(&a.path).ok().flatten() {
                p.push_audio(&audio.samples, audio.sample_rate, 0)?;
            }
        }
        let image = a.target.image()?;
        let package = p.finish(outcome, &a.target.target(a.best_frame_num)?, image.as_deref())?;
        package.write(dir)?;
        Ok(serde_json::to_value(&package.manifest)?)
    }
}

#[cfg(not(feature = "video"))]
mod pack {
    use super::*;

    pub struct Packager;

    impl Packager {
        pub fn push_frame(
            &mut self,
            _: &liveface::FrameRef,
            _: usize,
            _: &[liveface::session::BestFrame],
        ) -> liveface::Result<()> {
            Ok(())
        }
    }

    pub fn new(_: &str) -> anyhow::Result<Packager> {
        anyhow::bail!("--package needs the `video` feature")
    }

    pub fn finish(_: Packager, _: &PrecheckArgs, _: &Outcome, _: &Path) -> anyhow::Result<serde_json::Value> {
        anyhow::bail!("--package needs the `video` feature")
    }
}

/// What the live screen shows, updated from events and frames.
#[derive(Default)]
struct Screen {
    title: String,
    prompt: Option<(&'static str, &'static str)>,
    step: Option<(usize, usize)>,
    remaining_s: f64,
    fps: f64,
    face: bool,
    last_draw: Option<Instant>,
    /// Light mode: the colour filling the terminal and until when.
    light: Option<([u8; 3], Instant)>,
}

impl Screen {
    /// Fills the whole terminal with one colour (24-bit ANSI background): the terminal is
    /// the light source of light mode.
    fn fill(out: &mut dyn Write, rgb: [u8; 3]) -> std::io::Result<()> {
        // Erase with the colour (background colour erase), then write coloured blanks over
        // every cell with line wrap off, for terminals that erase to their default colour.
        write!(out, "\x1b[?25l\x1b[?7l\x1b[48;2;{};{};{}m\x1b[H\x1b[2J", rgb[0], rgb[1], rgb[2])?;
        let blanks = " ".repeat(400);
        for row in 1..=120 {
            write!(out, "\x1b[{row};1H{blanks}")?;
        }
        write!(out, "\x1b[?7h\x1b[H")?;
        out.flush()
    }

    /// Back to the terminal's own colours.
    fn restore(out: &mut dyn Write) -> std::io::Result<()> {
        write!(out, "\x1b[0m\x1b[?25h\x1b[H\x1b[2J")?;
        out.flush()
    }

    fn draw(&mut self, out: &mut dyn Write, force: bool) -> std::io::Result<()> {
        if let Some((_, until)) = self.light {
            // While the colours run, nothing but the colour is drawn.
            if Instant::now() < until {
                return Ok(());
            }
            self.light = None;
            Screen::restore(out)?;
        }
        if !force && self.last_draw.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return Ok(());
        }
        self.last_draw = Some(Instant::now());
        let (en, zh) = self.prompt.unwrap_or(("get ready", "准备"));
        let steps = match self.step {
            Some((done, total)) => {
                let bar: String = (0..total).map(|i| if i < done { '#' } else { '.' }).collect();
                format!("step {} of {}  [{bar}]", (done + 1).min(total), total)
            }
            None => String::new(),
        };
        // Home, clear screen, then the lines; bold reverse video for the prompt.
        write!(out, "\x1b[H\x1b[2J")?;
        writeln!(out, " {}\r", self.title)?;
        writeln!(out, "\r")?;
        writeln!(out, "      \x1b[1;7m  {}  \x1b[0m\r", en.to_uppercase())?;
        writeln!(out, "      {zh}\r")?;
        writeln!(out, "\r")?;
        writeln!(out, " {steps:<32} time left {:>4.1} s\r", self.remaining_s.max(0.0))?;
        writeln!(out, " face {:<10} {:>5.1} frames/s\r", if self.face { "tracked" } else { "not found" }, self.fps)?;
        out.flush()
    }
}

/// Where a live session's progress goes: a redrawn screen for a person at a terminal, or
/// JSON Lines (every event, then the outcome) for programs.
enum LiveOut<'a> {
    Screen(Screen, &'a mut dyn Write),
    Json(&'a mut dyn Write),
}

impl LiveOut<'_> {
    fn frame(
        &mut self,
        report: &liveface::FrameReport,
        events: &[liveface::Event],
        timeout_ms: i64,
        t0: i64,
        fps: f64,
    ) -> anyhow::Result<()> {
        match self {
            LiveOut::Json(out) => {
                for e in events {
                    write_line(*out, e)?;
                }
            }
            LiveOut::Screen(screen, out) => {
                let mut force = false;
                for e in events {
                    use liveface::EventKind as K;
                    match &e.kind {
                        K::Prompt { .. } | K::StepStarted { .. } | K::Finished { .. } => {
                            screen.prompt = Some((e.en, e.zh))
                        }
                        _ => {}
                    }
                    if let K::StepStarted { index, .. } = &e.kind {
                        screen.step = screen.step.map(|(_, total)| (*index, total));
                    }
                    if let K::Progress { done, total } = &e.kind {
                        screen.step = Some((*done, *total));
                    }
                    if let K::LightColor { rgb, duration_ms, .. } = &e.kind {
                        Screen::fill(*out, *rgb)?;
                        screen.light = Some((*rgb, Instant::now() + Duration::from_millis(*duration_ms as u64)));
                    }
                    force = true;
                }
                screen.remaining_s = (timeout_ms - (report.timestamp_us - t0) / 1000) as f64 / 1e3;
                screen.face = report.face.is_some();
                screen.fps = fps;
                screen.draw(*out, force)?;
            }
        }
        Ok(())
    }

    fn end(&mut self, o: &Outcome) -> anyhow::Result<()> {
        match self {
            LiveOut::Json(out) => write_line(*out, &serde_json::json!({ "outcome": o })),
            LiveOut::Screen(screen, out) => {
                if screen.light.take().is_some() {
                    Screen::restore(*out)?;
                }
                screen.draw(*out, true)?;
                writeln!(out, "\r")?;
                if o.passed {
                    writeln!(out, " \x1b[1;32mPASSED\x1b[0m  {} / {}\r", o.en, o.zh)?;
                } else {
                    writeln!(
                        out,
                        " \x1b[1;31mFAILED\x1b[0m  {} / {}  ({})\r",
                        o.en,
                        o.zh,
                        o.api_code.unwrap_or("no API code")
                    )?;
                }
                writeln!(out, " {} frames in {:.1} s\r", o.frames, o.duration_ms as f64 / 1e3)?;
                Ok(out.flush()?)
            }
        }
    }
}

/// Runs a session on frames as they come. Frames from a clip are paced in real time.
fn run_live(
    frames: &mut dyn Iterator<Item = liveface::Result<OwnedFrame>>,
    session: &mut Session,
    out: &mut LiveOut,
    realtime: bool,
    mut sound: Sound,
) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let timeout_ms = session.config().timeout_ms;
    let mut first_ts = None;
    let mut recent: std::collections::VecDeque<Instant> = Default::default();
    for frame in frames {
        let frame = frame?;
        let t0 = *first_ts.get_or_insert(frame.timestamp_us);
        if realtime {
            let due = std::time::Duration::from_micros((frame.timestamp_us - t0).max(0) as u64);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        sound.before_frame(session, t0, frame.timestamp_us)?;
        let (report, events) = session.push(&frame.as_frame()?)?;
        recent.push_back(Instant::now());
        while recent.len() > 30 {
            recent.pop_front();
        }
        let fps = match (recent.front(), recent.back()) {
            (Some(a), Some(b)) if recent.len() > 1 => {
                (recent.len() - 1) as f64 / b.duration_since(*a).as_secs_f64().max(1e-6)
            }
            _ => 0.0,
        };
        out.frame(&report, &events, timeout_ms, t0, fps)?;
        if session.is_finished() {
            break;
        }
    }
    let o = session.finish();
    out.end(&o)?;
    Ok(o)
}

pub fn live(a: LiveArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let engine = a.session.engine()?;
    let config = a.session.config()?;
    let title = match config.mode {
        Mode::Action => format!("liveface live - actions {}", a.session.actions),
        Mode::Light | Mode::Flash => "liveface live - light (set the screen to full brightness)".to_string(),
        Mode::Lip => format!("liveface live - read {} aloud", config.lip_code.as_deref().unwrap_or("the code")),
        _ => "liveface live - silent".to_string(),
    };
    let steps = config.actions.len();
    let mut session = Session::new(&engine, config)?;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let screen = std::io::stdout().is_terminal() && !a.json;
    let mut out = if screen {
        let s = Screen { title, step: (steps > 0).then_some((0, steps)), ..Screen::default() };
        LiveOut::Screen(s, &mut lock)
    } else {
        LiveOut::Json(&mut lock)
    };
    let outcome = match &a.source {
        Some(p) => {
            let sound = AudioFeed::for_clip(session.config().mode, p)?.map_or(Sound::Silent, Sound::Clip);
            run_live(&mut *frame_source(p, 30.0)?, &mut session, &mut out, true, sound)?
        }
        None => {
            // Without a camera there is nothing to listen alongside: live_camera says so first.
            let listen = session.config().mode == Mode::Lip && cfg!(feature = "camera");
            let sound = if listen { microphone(a.microphone.as_deref())? } else { Sound::Silent };
            live_camera(a.camera, &mut session, &mut out, sound)?
        }
    };
    Ok(if outcome.passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(feature = "camera")]
fn live_camera(index: u32, session: &mut Session, out: &mut LiveOut, sound: Sound) -> anyhow::Result<Outcome> {
    // A queue of 2: frames are dropped (and counted) when tracking is behind, so prompts
    // stay current.
    let mut capture = liveface::source::Capture::camera(index, 2)?;
    let outcome = run_live(&mut capture, session, out, false, sound)?;
    eprintln!("dropped frames: {}", capture.dropped());
    Ok(outcome)
}

#[cfg(not(feature = "camera"))]
fn live_camera(_: u32, _: &mut Session, _: &mut LiveOut, _: Sound) -> anyhow::Result<Outcome> {
    anyhow::bail!("this build has no camera support; rebuild with `--features camera`, or use --source CLIP")
}

/// The microphone for a lip session through the camera.
#[cfg(feature = "audio")]
fn microphone(id: Option<&str>) -> anyhow::Result<Sound> {
    let mic = liveface::audio::Microphone::open(id)?;
    eprintln!("listening to {} ({} Hz, {} channel(s))", mic.name(), mic.sample_rate(), mic.channels());
    Ok(Sound::Mic(mic))
}

#[cfg(not(feature = "audio"))]
fn microphone(_: Option<&str>) -> anyhow::Result<Sound> {
    anyhow::bail!("lip mode with the camera needs a microphone: rebuild with `--features audio`, or use --source CLIP")
}
