//! Writes a realistic, deterministic Amazon Inspector findings dump for benchmarks and memory measurements.
//!
//! ```text
//! cargo run --release -p approval-core --example gen_findings -- N OUT.json [--pages P] [--seed S] [--compact]
//! ```
//!
//! N findings of one image (repository `web/shop`), as one `ListFindings` output `{"findings": [...],
//! "nextToken": null}` or as P of them written one after the other, indented as `aws inspector2 list-findings`
//! writes them unless `--compact`. OUT `-` is standard output. The findings themselves are made in
//! `gen_findings/generate.rs`, which the `evaluate` benchmark shares.

#[path = "gen_findings/generate.rs"]
mod generate;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use generate::Dump;

const USAGE: &str = "usage: gen_findings N OUT.json [--pages P] [--seed S] [--compact]";

fn parse_args(args: &[String]) -> Result<(Dump, String), String> {
    let mut positional = Vec::new();
    let mut dump = Dump { findings: 0, pages: 1, seed: 42, compact: false };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            let text = args.next().ok_or(format!("{name} needs a value"))?;
            text.parse::<u64>().map_err(|e| format!("{name} {text}: {e}"))
        };
        match arg.as_str() {
            "--pages" => dump.pages = value("--pages")?.max(1) as usize,
            "--seed" => dump.seed = value("--seed")?,
            "--compact" => dump.compact = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => positional.push(other),
        }
    }
    let [n, out] = positional[..] else { return Err(USAGE.to_owned()) };
    dump.findings = n.parse().map_err(|e| format!("N {n}: {e}"))?;
    Ok((dump, out.to_owned()))
}

fn write(dump: &Dump, out: impl Write) -> std::io::Result<()> {
    let mut out = BufWriter::new(out);
    dump.write_to(&mut out)?;
    out.flush()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dump, out) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = if out == "-" {
        write(&dump, std::io::stdout().lock())
    } else {
        File::create(&out).and_then(|file| write(&dump, file))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_findings: {out}: {e}");
            ExitCode::FAILURE
        }
    }
}
