//! REP server from the seed: prints each request and replies `server response!`.
//!
//! Usage: `cargo run --example rep_server -- [endpoint]` (default `tcp://*:5555`).

use std::io::Write;

use ferrozmq::{Context, SocketType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://*:5555".to_owned());
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Rep)?;
    socket.bind(&endpoint)?;
    eprintln!("rep_server: bound to {}", socket.last_endpoint());
    let mut out = std::io::stdout().lock();
    loop {
        let request = socket.recv_multipart(0)?;
        let text: Vec<_> = request.iter().map(|p| String::from_utf8_lossy(p)).collect();
        writeln!(out, "{}", text.join(" | "))?;
        out.flush()?;
        socket.send("server response!", 0)?;
    }
}
