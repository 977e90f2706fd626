//! `ferrozmq`: ZeroMQ from a shell, on the pure-Rust ferrozmq library.
//!
//! - `ferrozmq req|rep|pub|sub|push|pull|pair|dealer|router|xpub|xsub`: one socket, messages from stdin
//!   (or `-m`), received messages on stdout;
//! - `ferrozmq proxy`, `streamer`, `forwarder`, `queue`: devices between two sockets;
//! - `ferrozmq demo`: the request-reply, publish-subscribe and pipeline patterns end to end;
//! - `ferrozmq bench`: throughput and latency, and libzmq's `local_thr`/`remote_thr`/`local_lat`/
//!   `remote_lat` protocol;
//! - `ferrozmq keygen`: a CURVE key pair in Z85, as libzmq's `curve_keygen` prints it;
//! - `ferrozmq monitor`: the monitor events of a socket connected to (or bound at) an endpoint.
//!
//! Exit codes: 0 success, 1 failure at run time (a timeout, a broken connection), 2 a bad argument,
//! endpoint, option or socket type.

mod bench;
mod demo;
mod error;
mod message;
mod monitor;
mod proxy;
mod socket_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ferrozmq::SocketType;

use crate::error::UsageError;

/// ZeroMQ from the command line: sockets, devices, a demo and benchmarks (pure Rust, wire-compatible
/// with libzmq).
#[derive(Debug, Parser)]
#[command(
    name = "ferrozmq",
    version,
    propagate_version = true,
    max_term_width = 110
)]
#[command(after_help = "\
Endpoints: tcp://HOST:PORT (tcp://*:5555 binds every interface, tcp://127.0.0.1:* lets the OS
choose a port, printed on stderr), ipc:///path or ipc://@abstract, inproc://name.

Examples:
  ferrozmq rep --bind tcp://*:5555                           # echo server (the seed's REP)
  ferrozmq req --connect tcp://localhost:5555 -m hello      # prints the reply
  ferrozmq pub --bind tcp://127.0.0.1:5000                   # publishes each stdin line
  ferrozmq sub --connect tcp://127.0.0.1:5000 -s weather     # prints what matches
  ferrozmq streamer '>tcp://127.0.0.1:5557' '>tcp://127.0.0.1:5558'  # the seed's worker
  ferrozmq demo                                              # all three patterns in one process

Exit codes: 0 success, 1 run-time failure (timeout...), 2 bad argument, endpoint, option or socket type.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// REQ: send each input message, print each reply.
    Req(socket_cmd::SocketArgs),
    /// REP: print each request and reply to it (echo by default, or --reply TEXT).
    Rep(socket_cmd::SocketArgs),
    /// PUB: publish each input message.
    Pub(socket_cmd::SocketArgs),
    /// SUB: print the messages that match the subscriptions (everything without --subscribe).
    Sub(socket_cmd::SocketArgs),
    /// PUSH: send each input message to the next PULL in turn.
    Push(socket_cmd::SocketArgs),
    /// PULL: print each message received.
    Pull(socket_cmd::SocketArgs),
    /// PAIR: send input messages and print received ones, both at once.
    Pair(socket_cmd::SocketArgs),
    /// DEALER: send input messages and print received ones, both at once.
    Dealer(socket_cmd::SocketArgs),
    /// ROUTER: print received messages with the peer's id first; input messages start with the id of
    /// the peer to send to (use --multipart).
    Router(socket_cmd::SocketArgs),
    /// XPUB: publish input messages and print the subscriptions received (\x01topic, \x00topic).
    Xpub(socket_cmd::SocketArgs),
    /// XSUB: send --subscribe prefixes and input messages upstream, print the messages received.
    Xsub(socket_cmd::SocketArgs),
    /// A device: forward messages between FRONT and BACK sockets of the given types.
    Proxy(proxy::ProxyArgs),
    /// The seed's worker device: PULL from FRONT, PUSH to BACK.
    Streamer(proxy::ShapeArgs),
    /// The publish-subscribe device: XSUB on FRONT (publishers), XPUB on BACK (subscribers).
    Forwarder(proxy::ShapeArgs),
    /// The request-reply broker: ROUTER on FRONT (clients), DEALER on BACK (workers).
    Queue(proxy::ShapeArgs),
    /// Print the monitor events of a socket connected to (or bound at) ENDPOINT, one line each.
    Monitor(monitor::MonitorArgs),
    /// Print a new CURVE key pair in Z85, as libzmq's curve_keygen does.
    Keygen,
    /// Run the seed's three patterns end to end over loopback tcp, then measure throughput.
    Demo(demo::DemoArgs),
    /// Measure throughput and latency, in-process or against libzmq's perf tools.
    Bench(bench::BenchArgs),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let sock = |ty: SocketType, args: socket_cmd::SocketArgs| socket_cmd::run(ty, &args);
    match cli.command {
        Command::Req(a) => sock(SocketType::Req, a),
        Command::Rep(a) => sock(SocketType::Rep, a),
        Command::Pub(a) => sock(SocketType::Pub, a),
        Command::Sub(a) => sock(SocketType::Sub, a),
        Command::Push(a) => sock(SocketType::Push, a),
        Command::Pull(a) => sock(SocketType::Pull, a),
        Command::Pair(a) => sock(SocketType::Pair, a),
        Command::Dealer(a) => sock(SocketType::Dealer, a),
        Command::Router(a) => sock(SocketType::Router, a),
        Command::Xpub(a) => sock(SocketType::XPub, a),
        Command::Xsub(a) => sock(SocketType::XSub, a),
        Command::Proxy(a) => proxy::run_proxy(&a),
        Command::Streamer(a) => proxy::run_shape(proxy::Shape::Streamer, &a),
        Command::Forwarder(a) => proxy::run_shape(proxy::Shape::Forwarder, &a),
        Command::Queue(a) => proxy::run_shape(proxy::Shape::Queue, &a),
        Command::Monitor(a) => monitor::run(&a),
        Command::Keygen => keygen(),
        Command::Demo(a) => demo::run(&a),
        Command::Bench(a) => bench::run(a),
    }
}

/// Prints a fresh CURVE key pair.
fn keygen() -> anyhow::Result<()> {
    let (public, secret) = ferrozmq::curve_keypair()?;
    println!(
        "== CURVE PUBLIC KEY ==\n{public}\n== CURVE SECRET KEY ==\n{}",
        secret.as_str()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if error::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ferrozmq: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
