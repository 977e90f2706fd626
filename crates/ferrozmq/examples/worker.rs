//! Pipeline worker from the seed: a streamer (PULL to PUSH) built on [`ferrozmq::proxy`]. It pulls from the
//! first endpoint and pushes each message on to the second; the proxy's capture socket hands a copy of each
//! message to a thread that prints it.
//!
//! Usage: `cargo run --example worker -- [pull-from] [push-to]`
//! (defaults `tcp://127.0.0.1:5557` and `tcp://127.0.0.1:5558`).

use std::io::Write;

use ferrozmq::{Context, SocketType};

/// Where the proxy's capture socket and the printing thread meet.
const CAPTURE: &str = "inproc://worker-capture";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let from = args
        .next()
        .unwrap_or_else(|| "tcp://127.0.0.1:5557".to_owned());
    let to = args
        .next()
        .unwrap_or_else(|| "tcp://127.0.0.1:5558".to_owned());
    let ctx = Context::new();
    let receiver = ctx.socket(SocketType::Pull)?;
    receiver.connect(&from)?;
    let sender = ctx.socket(SocketType::Push)?;
    sender.connect(&to)?;
    let capture = ctx.socket(SocketType::Pair)?;
    capture.bind(CAPTURE)?;
    let copies = ctx.socket(SocketType::Pair)?;
    copies.connect(CAPTURE)?;
    std::thread::spawn(move || -> ferrozmq::Result<()> {
        let mut out = std::io::stdout().lock();
        loop {
            let message = copies.recv_multipart(0)?;
            let text: Vec<_> = message
                .iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            // A closed stdout stops nothing: the copies are still taken, so the proxy never waits on them.
            let _ = writeln!(out, "forwarded: {}", text.join(" | "));
            let _ = out.flush();
        }
    });
    ferrozmq::proxy(&receiver, &sender, Some(&capture))?;
    Ok(())
}
