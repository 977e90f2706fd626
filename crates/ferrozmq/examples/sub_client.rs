//! SUB client from the seed: prints each message that starts with the filter (default: every message).
//!
//! Usage: `cargo run --example sub_client -- [endpoint] [filter]` (default `tcp://127.0.0.1:5000`, "").

use std::io::Write;

use ferrozmq::{Context, SocketType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let endpoint = args
        .next()
        .unwrap_or_else(|| "tcp://127.0.0.1:5000".to_owned());
    let filter = args.next().unwrap_or_default();
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Sub)?;
    socket.connect(&endpoint)?;
    // Without a subscription a SUB receives nothing.
    socket.set_subscribe(filter.as_bytes())?;
    let mut out = std::io::stdout().lock();
    loop {
        let message = socket.recv_multipart(0)?;
        let text: Vec<_> = message.iter().map(|p| String::from_utf8_lossy(p)).collect();
        writeln!(out, "{}", text.join(" | "))?;
        out.flush()?;
    }
}
