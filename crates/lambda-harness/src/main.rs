//! `lambda-harness`: runs a Lambda binary locally on event files and prints each result as a JSON line, or
//! measures its cold start. Exit code 0 when every invocation succeeded, 1 when any returned a function error,
//! 2 when the harness or the process failed.

use std::{
    num::NonZeroU32,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

use clap::Parser;
use lambda_harness::{Harness, HarnessError, Invocation};
use serde::Serialize;
use serde_json::Value;

/// Run a Lambda binary against a local Lambda Runtime API.
#[derive(Debug, Parser)]
#[command(name = "lambda-harness", version)]
struct Cli {
    /// The Lambda binary (a `lambda_runtime` bootstrap) to run.
    #[arg(long, value_name = "PATH")]
    binary: PathBuf,

    /// A JSON event file; repeat to invoke the same warm process with each event in turn.
    #[arg(long = "event", value_name = "FILE", required_unless_present = "measure_init")]
    events: Vec<PathBuf>,

    /// Instead of invoking, spawn the binary N times and report its init time (median, min, max).
    #[arg(long, value_name = "N", conflicts_with = "events")]
    measure_init: Option<NonZeroU32>,

    /// An environment variable for the function, such as an AWS endpoint or credentials; repeatable.
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    envs: Vec<(String, String)>,

    /// Seconds each invocation may take before the function is stopped.
    #[arg(long, value_name = "N", default_value_t = 30)]
    timeout_secs: u64,

    /// Seconds the function may take to ask for its first event.
    #[arg(long, value_name = "N", default_value_t = 10)]
    init_timeout_secs: u64,

    /// Also append the function's output to this file (`/dev/stderr` to watch it live).
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
}

fn parse_env(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{pair}` is not K=V; write it as NAME=value")),
    }
}

/// One invocation's result line. A struct rather than `json!` so the keys print in this order, `event` first.
#[derive(Serialize)]
struct EventLine<'a> {
    event: &'a Path,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<Value>,
    #[serde(rename = "errorType", skip_serializing_if = "Option::is_none")]
    error_type: Option<String>,
    #[serde(rename = "errorMessage", skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

/// The closing line after the events.
#[derive(Serialize)]
struct RunSummary {
    init_ms: Option<f64>,
    peak_rss_kib: Option<u64>,
}

/// The `--measure-init` report.
#[derive(Serialize)]
struct InitReport {
    runs: u32,
    median_ms: f64,
    min_ms: f64,
    max_ms: f64,
    samples_ms: Vec<f64>,
}

/// A failure that ends the run with exit code 2.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    Harness(#[from] HarnessError),
    #[error("could not read the event file {}: {message}", path.display())]
    Event { path: PathBuf, message: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut harness = Harness::new().init_timeout(Duration::from_secs(cli.init_timeout_secs));
    if let Some(path) = &cli.log_file {
        harness = harness.log_file(path);
    }
    let outcome = match cli.measure_init {
        Some(runs) => measure(&harness, &cli, runs),
        None => invoke_all(&harness, &cli),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("lambda-harness: {error}");
            ExitCode::from(2)
        }
    }
}

fn invoke_all(harness: &Harness, cli: &Cli) -> Result<ExitCode, RunError> {
    // Read every event first, so a typo in the last file does not cost a cold start.
    let events = cli.events.iter().map(|path| Ok((path, read_event(path)?))).collect::<Result<Vec<_>, RunError>>()?;
    let mut function = harness.spawn(&cli.binary, &cli.envs)?;
    let timeout = Duration::from_secs(cli.timeout_secs);
    let mut any_function_error = false;
    for (path, event) in &events {
        let line = match function.invoke(event, timeout)? {
            Invocation::Response(response) => {
                EventLine { event: path, ok: true, response: Some(response), error_type: None, error_message: None }
            }
            Invocation::FunctionError { error_type, error_message } => {
                any_function_error = true;
                EventLine {
                    event: path,
                    ok: false,
                    response: None,
                    error_type: Some(error_type),
                    error_message: Some(error_message),
                }
            }
        };
        print_line(&line);
    }
    print_line(&RunSummary { init_ms: function.init_duration().map(millis), peak_rss_kib: function.peak_rss_kib() });
    Ok(if any_function_error { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn measure(harness: &Harness, cli: &Cli, runs: NonZeroU32) -> Result<ExitCode, RunError> {
    let stats = harness.measure_init(&cli.binary, &cli.envs, runs)?;
    print_line(&InitReport {
        runs: runs.get(),
        median_ms: millis(stats.median),
        min_ms: millis(stats.min),
        max_ms: millis(stats.max),
        samples_ms: stats.samples.iter().copied().map(millis).collect(),
    });
    Ok(ExitCode::SUCCESS)
}

fn print_line(line: &impl Serialize) {
    // These structs hold only strings, numbers and JSON values, which always serialize.
    if let Ok(text) = serde_json::to_string(line) {
        println!("{text}");
    }
}

fn read_event(path: &Path) -> Result<Value, RunError> {
    let event_error = |message: String| RunError::Event { path: path.to_owned(), message };
    let text = std::fs::read_to_string(path).map_err(|error| event_error(error.to_string()))?;
    serde_json::from_str(&text).map_err(|error| event_error(format!("not JSON: {error}")))
}

/// Milliseconds to the microsecond: finer digits are noise for a process start.
fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
