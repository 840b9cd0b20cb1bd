//! The `liveface` command-line tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

#[derive(Parser)]
#[command(name = "liveface", version, about = "On-device face liveness engine")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Track the face in an image or a directory of frames; JSON Lines per frame, then a summary.
    Analyze(cli::analyze::AnalyzeArgs),
    /// Run a liveness session on a recorded clip (or frame directory); prints the outcome
    /// as JSON and exits 1 when it fails.
    Precheck(cli::session::PrecheckArgs),
    /// Measure detector accuracy against labelled intervals.
    Eval(cli::eval::EvalArgs),
    /// Run a liveness session live on a camera (feature `camera`) or a clip played in
    /// real time, with prompts in the terminal.
    Live(cli::session::LiveArgs),
    /// Send a package made by `precheck --package` to the FaceID API (feature `paas`).
    Submit(cli::api::SubmitArgs),
    /// Fetch a challenge: `action` (GetActionSequence) or `code` (GetLiveCode) (feature `paas`).
    Challenge(cli::api::ChallengeArgs),
    /// Measure the engine on a camera (feature `camera`) or a clip paced in real time:
    /// capture rate and jitter, latency, stages, drops, CPU, memory; bench.json and charts.
    Bench(cli::bench::BenchArgs),
    /// Render a light challenge's reflection (or an attack) onto a clip.
    #[command(subcommand)]
    Simulate(cli::light::SimulateCmd),
    /// Show the ONNX Runtime and models in use.
    Info(cli::api::InfoArgs),
    /// List cameras (needs the `camera` feature).
    Cameras,
    /// List microphones (needs the `audio` feature).
    Microphones,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.cmd {
        Cmd::Analyze(a) => cli::analyze::analyze(a),
        Cmd::Info(a) => cli::api::info(a),
        Cmd::Bench(a) => cli::bench::bench(a),
        Cmd::Precheck(a) => cli::session::precheck(a),
        Cmd::Eval(a) => cli::eval::eval(a),
        Cmd::Simulate(c) => cli::light::simulate(c),
        Cmd::Live(a) => cli::session::live(a),
        Cmd::Submit(a) => cli::api::submit(a),
        Cmd::Challenge(a) => cli::api::challenge(a),
        Cmd::Cameras => cli::api::cameras(),
        Cmd::Microphones => cli::api::microphones(),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("liveface: {e:#}");
            ExitCode::from(2)
        }
    }
}
