//! Pipeline worker from the seed: pulls from the first endpoint and pushes each message on to the second.
//!
//! Usage: `cargo run --example worker -- [pull-from] [push-to]`
//! (defaults `tcp://127.0.0.1:5557` and `tcp://127.0.0.1:5558`).

use std::io::Write;

use ferrozmq::{Context, SocketType};

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
    let mut out = std::io::stdout().lock();
    loop {
        let message = receiver.recv_multipart(0)?;
        let text: Vec<_> = message
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        sender.send_multipart(message, 0)?;
        writeln!(out, "forwarded: {}", text.join(" | "))?;
        out.flush()?;
    }
}
