//! PULL server from the seed (the pipeline's sink): prints each message.
//!
//! Usage: `cargo run --example pull_server -- [endpoint]` (default `tcp://*:5558`).

use std::io::Write;

use ferrozmq::{Context, SocketType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://*:5558".to_owned());
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Pull)?;
    socket.bind(&endpoint)?;
    eprintln!("pull_server: bound to {}", socket.last_endpoint());
    let mut out = std::io::stdout().lock();
    loop {
        let message = socket.recv_multipart(0)?;
        let text: Vec<_> = message.iter().map(|p| String::from_utf8_lossy(p)).collect();
        writeln!(out, "{}", text.join(" | "))?;
        out.flush()?;
    }
}
