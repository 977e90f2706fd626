//! `ferrozmq monitor`: a socket that connects to (or binds at) an endpoint, and a line on stdout for each
//! of its monitor events (libzmq's `zmq_socket_monitor`).

use std::io::Write as _;

use anyhow::Context as _;
use ferrozmq::{event, Context, Error, SocketType};

use crate::error::usage;
use crate::proxy::parse_socket_type;

/// Arguments of `ferrozmq monitor`.
#[derive(Debug, clap::Args)]
pub(crate) struct MonitorArgs {
    /// The endpoint to watch.
    endpoint: String,
    /// Bind to the endpoint instead of connecting.
    #[arg(long)]
    bind: bool,
    /// The type of the watching socket.
    #[arg(long = "type", default_value = "dealer", value_parser = parse_socket_type)]
    socket_type: SocketType,
    /// Stop after this many events.
    #[arg(long)]
    count: Option<u64>,
    /// Stop when no event comes for this many milliseconds.
    #[arg(long)]
    timeout: Option<u32>,
}

/// Where the monitor publishes, inside this process.
const EVENTS: &str = "inproc://ferrozmq-cli-monitor";

/// Runs the command.
pub(crate) fn run(a: &MonitorArgs) -> anyhow::Result<()> {
    let ctx = Context::new();
    let watched = ctx.socket(a.socket_type)?;
    watched.set_linger(0)?;
    watched.monitor(EVENTS, event::ALL)?;
    let events = ctx.socket(SocketType::Pair)?;
    events.connect(EVENTS)?;
    if let Some(ms) = a.timeout {
        let ms = i32::try_from(ms).map_err(|_| usage("--timeout is too large"))?;
        events.set_rcvtimeo(ms)?;
    }
    let what = if a.bind { "bind" } else { "connect" };
    let done = if a.bind {
        watched.bind(&a.endpoint)
    } else {
        watched.connect(&a.endpoint)
    };
    done.map_err(|e| usage(format!("cannot {what} to {}: {e}", a.endpoint)))?;
    let mut out = std::io::stdout().lock();
    let mut seen = 0u64;
    while a.count.is_none_or(|n| seen < n) {
        let frames = match events.recv_multipart(0) {
            Ok(frames) => frames,
            Err(Error::Again) => break,
            Err(e) => return Err(e).context("reading monitor events"),
        };
        let Some(e) = event::Event::parse(&frames) else {
            continue;
        };
        let name = event::name(e.event).unwrap_or("UNKNOWN");
        writeln!(out, "{name} value={} endpoint={}", e.value, e.endpoint)?;
        out.flush()?;
        seen += 1;
    }
    Ok(())
}
