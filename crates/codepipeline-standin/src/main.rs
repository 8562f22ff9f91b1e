//! `codepipeline-standin`: serves the stand-in on loopback until killed, announcing its endpoint
//! on stdout so scripts can wait for that line.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;

use clap::Parser;
use codepipeline_standin::StandIn;

/// A local stand-in for the CodePipeline approval API (PutApprovalResult).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Port to listen on; 0 lets the system pick a free one (printed on start).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind. Loopback by default: the stand-in accepts any signature.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.host.is_loopback() {
        eprintln!("warning: binding {} exposes an unauthenticated service beyond this machine", args.host);
    }
    let standin = match StandIn::start((args.host, args.port)) {
        Ok(standin) => standin,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::FAILURE;
        }
    };
    // Scripts wait for exactly this line, so it goes out in one piece and flushed.
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening on {}", standin.endpoint()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    // SIGTERM and SIGINT keep their default action and end the process; there is nothing to
    // flush or clean up, as all state lives in memory.
    standin.wait();
    ExitCode::SUCCESS
}
