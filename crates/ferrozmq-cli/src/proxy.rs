//! Devices: `ferrozmq proxy FRONT_TYPE FRONT BACK_TYPE BACK` and the named shapes `streamer` (PULL→PUSH),
//! `forwarder` (XSUB→XPUB) and `queue` (ROUTER→DEALER).
//!
//! The forwarding is the library's [`ferrozmq::proxy_steerable`]: whole messages in both directions where
//! the socket types allow, a copy of every frame to the optional capture socket (a PUB); `--stats` asks it
//! for its counts every second over the control socket.

use std::io::Write;
use std::thread;
use std::time::Duration;

use anyhow::Context as _;
use ferrozmq::{Context, Socket, SocketType};

use crate::error::usage;
use crate::socket_cmd::{can_recv, can_send, open_socket, SocketOptions};

/// A socket type argument: `req`, `ROUTER`...
pub(crate) fn parse_socket_type(s: &str) -> Result<SocketType, String> {
    SocketType::from_name(s.to_ascii_uppercase().as_bytes()).filter(|t| *t != SocketType::Stream).ok_or_else(|| {
        format!("unknown socket type {s:?}: use req, rep, dealer, router, pub, sub, xpub, xsub, push, pull or pair")
    })
}

/// Options every device takes.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DeviceOptions {
    /// Also send a copy of every frame to a PUB socket at ENDPOINT (bound, or connected with '>').
    #[arg(long, value_name = "ENDPOINT")]
    capture: Option<String>,
    /// Print message and byte counts for each direction on stderr every second.
    #[arg(long)]
    stats: bool,
    /// High-water mark of both sockets, in messages.
    #[arg(long, value_name = "N")]
    hwm: Option<i32>,
}

/// Arguments of `ferrozmq proxy`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
An endpoint is bound, or connected when it starts with '>' ('@' forces bind); several may be given
separated by commas. Example, the request-reply broker:
  ferrozmq proxy router tcp://*:5559 dealer tcp://*:5560")]
pub(crate) struct ProxyArgs {
    /// Type of the frontend socket.
    #[arg(value_parser = parse_socket_type)]
    front_type: SocketType,
    /// Frontend endpoint(s).
    front: String,
    /// Type of the backend socket.
    #[arg(value_parser = parse_socket_type)]
    back_type: SocketType,
    /// Backend endpoint(s).
    back: String,
    #[command(flatten)]
    options: DeviceOptions,
}

/// Arguments of `ferrozmq streamer|forwarder|queue`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
An endpoint is bound, or connected when it starts with '>' ('@' forces bind); several may be given
separated by commas. The seed's worker: ferrozmq streamer '>tcp://127.0.0.1:5557' '>tcp://127.0.0.1:5558'")]
pub(crate) struct ShapeArgs {
    /// Frontend endpoint(s).
    front: String,
    /// Backend endpoint(s).
    back: String,
    #[command(flatten)]
    options: DeviceOptions,
}

/// The named device shapes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// PULL → PUSH.
    Streamer,
    /// XSUB → XPUB.
    Forwarder,
    /// ROUTER → DEALER.
    Queue,
}

/// Runs `ferrozmq streamer|forwarder|queue`.
pub(crate) fn run_shape(shape: Shape, a: &ShapeArgs) -> anyhow::Result<()> {
    let (front, back) = match shape {
        Shape::Streamer => (SocketType::Pull, SocketType::Push),
        Shape::Forwarder => (SocketType::XSub, SocketType::XPub),
        Shape::Queue => (SocketType::Router, SocketType::Dealer),
    };
    device(front, &a.front, back, &a.back, &a.options)
}

/// Runs `ferrozmq proxy`.
pub(crate) fn run_proxy(a: &ProxyArgs) -> anyhow::Result<()> {
    device(a.front_type, &a.front, a.back_type, &a.back, &a.options)
}

/// Splits `@ep,>ep,ep` into the endpoints to bind and those to connect.
fn endpoints(spec: &str) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let (mut binds, mut connects) = (Vec::new(), Vec::new());
    for ep in spec.split(',').map(str::trim) {
        if let Some(ep) = ep.strip_prefix('>') {
            connects.push(ep.to_owned());
        } else {
            binds.push(ep.strip_prefix('@').unwrap_or(ep).to_owned());
        }
    }
    if binds.iter().chain(&connects).any(String::is_empty) {
        return Err(usage(format!("empty endpoint in {spec:?}")));
    }
    Ok((binds, connects))
}

fn device_socket(
    ctx: &Context,
    ty: SocketType,
    spec: &str,
    o: &DeviceOptions,
) -> anyhow::Result<Socket> {
    let (binds, connects) = endpoints(spec)?;
    let subscribe = if ty == SocketType::Sub {
        vec![String::new()]
    } else {
        Vec::new()
    };
    let options = SocketOptions {
        hwm: o.hwm,
        subscribe,
        ..SocketOptions::default()
    };
    open_socket(ctx, ty, &binds, &connects, &options)
}

fn device(
    front_ty: SocketType,
    front: &str,
    back_ty: SocketType,
    back: &str,
    o: &DeviceOptions,
) -> anyhow::Result<()> {
    let forward = can_recv(front_ty) && can_send(back_ty);
    let backward = can_recv(back_ty) && can_send(front_ty);
    if !forward && !backward {
        return Err(usage(format!(
            "no message can flow between a {} frontend and a {} backend",
            front_ty.as_str().to_ascii_lowercase(),
            back_ty.as_str().to_ascii_lowercase()
        )));
    }
    let ctx = Context::new();
    let front = device_socket(&ctx, front_ty, front, o)?;
    let back = device_socket(&ctx, back_ty, back, o)?;
    let capture = match &o.capture {
        Some(spec) => Some(device_socket(&ctx, SocketType::Pub, spec, o)?),
        None => None,
    };
    let control = if o.stats {
        Some(start_stats(&ctx)?)
    } else {
        None
    };
    ferrozmq::proxy_steerable(&front, &back, capture.as_ref(), control.as_ref())
        .context("the proxy stopped")?;
    Ok(())
}

/// Starts the thread that asks the proxy for its counts every second and prints them; returns the
/// proxy's end of the control channel.
fn start_stats(ctx: &Context) -> anyhow::Result<Socket> {
    let name = format!("inproc://ferrozmq-cli-proxy-control-{}", std::process::id());
    let control = ctx.socket(SocketType::Pair)?;
    control.bind(&name)?;
    let asker = ctx.socket(SocketType::Pair)?;
    asker.connect(&name)?;
    thread::spawn(move || -> ferrozmq::Result<()> {
        loop {
            // A periodic report, not a synchronisation: the proxy answers whenever it gets the request.
            thread::sleep(Duration::from_secs(1));
            asker.send("STATISTICS", 0)?;
            let values: Vec<u64> = asker
                .recv_multipart(0)?
                .iter()
                .map(|v| <[u8; 8]>::try_from(&v[..]).map_or(0, u64::from_ne_bytes))
                .collect();
            let [f_msgs, f_bytes, _, _, b_msgs, b_bytes, _, _] = values[..] else {
                continue;
            };
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "ferrozmq: front->back {f_msgs} messages ({f_bytes} bytes), back->front {b_msgs} messages ({b_bytes} bytes)"
            );
        }
    });
    Ok(control)
}
