//! PUB server from the seed: publishes each line of standard input (to whoever is subscribed at
//! that moment; there is no queue for absent subscribers).
//!
//! Usage: `cargo run --example pub_server -- [endpoint]` (default `tcp://127.0.0.1:5000`).

use std::io::{BufRead, IsTerminal, Write};

use ferrozmq::{Context, SocketType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://127.0.0.1:5000".to_owned());
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Pub)?;
    socket.bind(&endpoint)?;
    eprintln!("pub_server: bound to {}", socket.last_endpoint());
    let interactive = std::io::stdin().is_terminal();
    let mut out = std::io::stdout().lock();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        if interactive {
            eprint!("input your data: ");
        }
        let Some(line) = lines.next() else { break };
        let line = line?;
        socket.send(line.clone(), 0)?;
        writeln!(out, "published: {line}")?;
        out.flush()?;
    }
    Ok(())
}
