//! REQ client from the seed: sends each line of standard input, prints each reply, and stops at a
//! line `q` or at the end of input.
//!
//! Usage: `cargo run --example req_client -- [endpoint]` (default `tcp://localhost:5555`).

use std::io::{BufRead, IsTerminal, Write};

use ferrozmq::{Context, SocketType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://localhost:5555".to_owned());
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Req)?;
    socket.connect(&endpoint)?;
    let interactive = std::io::stdin().is_terminal();
    let mut out = std::io::stdout().lock();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        if interactive {
            eprint!("input your data: ");
        }
        let Some(line) = lines.next() else { break };
        let line = line?;
        if line == "q" {
            break;
        }
        socket.send(line, 0)?;
        let reply = socket.recv_bytes(0)?;
        writeln!(out, "{}", String::from_utf8_lossy(&reply))?;
        out.flush()?;
    }
    Ok(())
}
