//! `ferrozmq bench`: throughput (PUSH→PULL) and latency (REQ→REP round trips) in one process over tcp,
//! ipc or inproc; and libzmq's perf-tool protocol (`local_thr`, `remote_thr`, `local_lat`, `remote_lat`)
//! so that one end can be ferrozmq and the other libzmq.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use clap::{Subcommand, ValueEnum};
use ferrozmq::{Context, Socket, SocketType};

use crate::error::usage;
use crate::socket_cmd::{open_socket, SocketOptions};

/// Arguments of `ferrozmq bench`: without a subcommand, runs throughput then latency.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    #[command(flatten)]
    options: InProcess,
}

/// The bench subcommands.
#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// PUSH→PULL throughput in this process.
    Throughput(InProcess),
    /// REQ→REP round-trip latency in this process.
    Latency(InProcess),
    /// As libzmq's local_thr: bind a PULL, receive COUNT messages, print the throughput.
    LocalThr(Perf),
    /// As libzmq's remote_thr: connect a PUSH, send COUNT messages of SIZE bytes.
    RemoteThr(Perf),
    /// As libzmq's local_lat: bind a REP, echo COUNT messages.
    LocalLat(Perf),
    /// As libzmq's remote_lat: connect a REQ, time COUNT round trips, print the latency.
    RemoteLat(Perf),
}

/// A transport for the in-process benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Transport {
    /// Loopback tcp, port chosen by the OS.
    Tcp,
    /// A unix domain socket in the temporary directory.
    Ipc,
    /// Within the process, no I/O thread.
    Inproc,
}

/// Options of the in-process benchmarks.
#[derive(Debug, Clone, clap::Args)]
struct InProcess {
    /// The transport to measure.
    #[arg(long, value_enum, default_value_t = Transport::Tcp)]
    transport: Transport,
    /// Message size in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64)]
    size: usize,
    /// Messages sent for throughput.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    count: u64,
    /// Round trips for latency.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    roundtrips: u64,
    /// Show the progress line even when stderr is not a terminal.
    #[arg(long)]
    progress: bool,
}

/// The arguments of libzmq's perf tools, in their order.
#[derive(Debug, clap::Args)]
struct Perf {
    /// Endpoint to bind (local-*) or connect (remote-*) to.
    endpoint: String,
    /// Message size in bytes.
    message_size: usize,
    /// Message count (throughput) or roundtrip count (latency).
    count: u64,
}

/// Runs `ferrozmq bench`.
pub(crate) fn run(a: BenchArgs) -> anyhow::Result<()> {
    match a.command {
        None => {
            throughput(&a.options)?;
            latency(&a.options)
        }
        Some(BenchCommand::Throughput(o)) => throughput(&o),
        Some(BenchCommand::Latency(o)) => latency(&o),
        Some(BenchCommand::LocalThr(p)) => local_thr(&p),
        Some(BenchCommand::RemoteThr(p)) => remote_thr(&p),
        Some(BenchCommand::LocalLat(p)) => local_lat(&p),
        Some(BenchCommand::RemoteLat(p)) => remote_lat(&p),
    }
}

// ---- libzmq's perf tools ----

fn perf_socket(ctx: &Context, ty: SocketType, p: &Perf, bind: bool) -> anyhow::Result<Socket> {
    if p.count == 0 {
        return Err(usage("the count must be at least 1"));
    }
    let eps = std::slice::from_ref(&p.endpoint);
    let (binds, connects): (&[String], &[String]) = if bind { (eps, &[]) } else { (&[], eps) };
    open_socket(ctx, ty, binds, connects, &SocketOptions::default())
}

fn check_size(msg: &Bytes, size: usize) -> anyhow::Result<()> {
    if msg.len() != size {
        println!("message of incorrect size received");
        bail!(
            "message of incorrect size received: {} bytes instead of {size}",
            msg.len()
        );
    }
    Ok(())
}

fn local_thr(p: &Perf) -> anyhow::Result<()> {
    let ctx = Context::new();
    let s = perf_socket(&ctx, SocketType::Pull, p, true)?;
    check_size(&s.recv_bytes(0)?, p.message_size)?;
    let start = Instant::now();
    for _ in 1..p.count {
        check_size(&s.recv_bytes(0)?, p.message_size)?;
    }
    let elapsed = (start.elapsed().as_micros() as u64).max(1);
    // The same arithmetic as local_thr.cpp, truncations included.
    let throughput = (p.count as f64 / elapsed as f64 * 1_000_000.0) as u64;
    let megabits = (throughput * p.message_size as u64 * 8) as f64 / 1_000_000.0;
    let mut out = io::stdout().lock();
    writeln!(out, "message size: {} [B]", p.message_size)?;
    writeln!(out, "message count: {}", p.count)?;
    writeln!(out, "mean throughput: {throughput} [msg/s]")?;
    writeln!(out, "mean throughput: {megabits:.3} [Mb/s]")?;
    Ok(())
}

fn remote_thr(p: &Perf) -> anyhow::Result<()> {
    let ctx = Context::new();
    let s = perf_socket(&ctx, SocketType::Push, p, false)?;
    let payload = Bytes::from(vec![0u8; p.message_size]);
    for _ in 0..p.count {
        s.send(payload.clone(), 0)?;
    }
    // Dropping with the default LINGER (forever) waits until every message is sent, as zmq_close +
    // zmq_term do.
    drop(s);
    Ok(())
}

fn local_lat(p: &Perf) -> anyhow::Result<()> {
    let ctx = Context::new();
    let s = perf_socket(&ctx, SocketType::Rep, p, true)?;
    for _ in 0..p.count {
        let msg = s.recv_bytes(0)?;
        check_size(&msg, p.message_size)?;
        s.send(msg, 0)?;
    }
    drop(s);
    Ok(())
}

fn remote_lat(p: &Perf) -> anyhow::Result<()> {
    let ctx = Context::new();
    let s = perf_socket(&ctx, SocketType::Req, p, false)?;
    let payload = Bytes::from(vec![0u8; p.message_size]);
    let start = Instant::now();
    for _ in 0..p.count {
        s.send(payload.clone(), 0)?;
        check_size(&s.recv_bytes(0)?, p.message_size)?;
    }
    let elapsed = start.elapsed().as_micros() as f64;
    let latency = elapsed / (p.count as f64 * 2.0);
    let mut out = io::stdout().lock();
    writeln!(out, "message size: {} [B]", p.message_size)?;
    writeln!(out, "roundtrip count: {}", p.count)?;
    writeln!(out, "average latency: {latency:.3} [us]")?;
    Ok(())
}

// ---- in-process benchmarks ----

/// A fresh endpoint to bind for this transport.
fn bind_endpoint(t: Transport) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    match t {
        Transport::Tcp => "tcp://127.0.0.1:*".to_owned(),
        Transport::Ipc => {
            format!(
                "ipc://{}/ferrozmq-bench-{}-{n}.ipc",
                std::env::temp_dir().display(),
                std::process::id()
            )
        }
        Transport::Inproc => format!("inproc://ferrozmq-bench-{n}"),
    }
}

/// Removes the socket file of an ipc endpoint.
fn cleanup(endpoint: &str) {
    if let Some(path) = endpoint.strip_prefix("ipc://") {
        if !path.starts_with('@') {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The progress line on stderr, redrawn at most ten times a second.
struct Progress {
    label: &'static str,
    total: u64,
    enabled: bool,
    last: Instant,
}

impl Progress {
    fn new(label: &'static str, total: u64, o: &InProcess) -> Self {
        let enabled = o.progress || io::stderr().is_terminal();
        Self {
            label,
            total,
            enabled,
            last: Instant::now(),
        }
    }

    fn update(&mut self, done: u64) {
        if self.enabled && self.last.elapsed() >= Duration::from_millis(100) {
            self.last = Instant::now();
            let pct = done as f64 * 100.0 / self.total.max(1) as f64;
            eprint!("\r{}: {done}/{} ({pct:.0}%)   ", self.label, self.total);
        }
    }

    fn finish(&self) {
        if self.enabled {
            eprint!(
                "\r{}: {}/{} (100%)   \n",
                self.label, self.total, self.total
            );
        }
    }
}

fn validate(o: &InProcess) -> anyhow::Result<()> {
    if o.count == 0 || o.roundtrips == 0 {
        return Err(usage("--count and --roundtrips must be at least 1"));
    }
    Ok(())
}

/// How often (in messages) the progress line looks at the clock.
const PROGRESS_EVERY: u64 = 4096;

fn throughput(o: &InProcess) -> anyhow::Result<()> {
    validate(o)?;
    let ctx = Context::new();
    let sink = open_socket(
        &ctx,
        SocketType::Pull,
        &[bind_endpoint(o.transport)],
        &[],
        &quiet(),
    )?;
    let ep = sink.last_endpoint();
    let source = open_socket(
        &ctx,
        SocketType::Push,
        &[],
        std::slice::from_ref(&ep),
        &quiet(),
    )?;
    let (count, size) = (o.count, o.size);
    let sender = thread::spawn(move || -> ferrozmq::Result<()> {
        let payload = Bytes::from(vec![0u8; size]);
        for _ in 0..count {
            source.send(payload.clone(), 0)?;
        }
        Ok(())
    });
    let mut progress = Progress::new("throughput", count, o);
    check_size(&sink.recv_bytes(0)?, size)?;
    let start = Instant::now();
    for i in 1..count {
        check_size(&sink.recv_bytes(0)?, size)?;
        if i % PROGRESS_EVERY == 0 {
            progress.update(i);
        }
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    progress.finish();
    sender
        .join()
        .map_err(|_| anyhow!("the sender thread panicked"))??;
    drop(sink);
    cleanup(&ep);
    let rate = count as f64 / secs;
    println!(
        "throughput over {}: {count} messages of {size} B in {secs:.3} s: {rate:.0} msg/s, {:.1} Mb/s",
        transport_name(o.transport),
        rate * size as f64 * 8.0 / 1e6
    );
    Ok(())
}

fn latency(o: &InProcess) -> anyhow::Result<()> {
    validate(o)?;
    let ctx = Context::new();
    let server = open_socket(
        &ctx,
        SocketType::Rep,
        &[bind_endpoint(o.transport)],
        &[],
        &quiet(),
    )?;
    let ep = server.last_endpoint();
    let client = open_socket(
        &ctx,
        SocketType::Req,
        &[],
        std::slice::from_ref(&ep),
        &quiet(),
    )?;
    let (count, size) = (o.roundtrips, o.size);
    let echo = thread::spawn(move || -> ferrozmq::Result<()> {
        for _ in 0..count {
            let m = server.recv_bytes(0)?;
            server.send(m, 0)?;
        }
        Ok(())
    });
    let payload = Bytes::from(vec![0u8; size]);
    let mut progress = Progress::new("latency", count, o);
    let start = Instant::now();
    for i in 0..count {
        client.send(payload.clone(), 0)?;
        check_size(&client.recv_bytes(0)?, size)?;
        if i % (PROGRESS_EVERY / 16) == 0 {
            progress.update(i);
        }
    }
    let elapsed = start.elapsed();
    progress.finish();
    echo.join()
        .map_err(|_| anyhow!("the echo thread panicked"))?
        .context("echo")?;
    drop(client);
    cleanup(&ep);
    let round_trip = elapsed.as_secs_f64() * 1e6 / count as f64;
    println!(
        "latency over {}: {count} round trips of {size} B: {:.3} us one way ({round_trip:.3} us per round trip)",
        transport_name(o.transport),
        round_trip / 2.0
    );
    Ok(())
}

fn quiet() -> SocketOptions {
    SocketOptions {
        quiet: true,
        ..SocketOptions::default()
    }
}

fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Tcp => "tcp",
        Transport::Ipc => "ipc",
        Transport::Inproc => "inproc",
    }
}
