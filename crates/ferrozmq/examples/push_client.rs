//! PUSH client from the seed (the pipeline's source): pushes each line of standard input to the workers.
//!
//! Usage: `cargo run --example push_client -- [endpoint]` (default `tcp://*:5557`).

use std::io::{BufRead, IsTerminal, Write};

use ferrozmq::{Context, SocketType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://*:5557".to_owned());
    let ctx = Context::new();
    let socket = ctx.socket(SocketType::Push)?;
    socket.bind(&endpoint)?;
    eprintln!("push_client: bound to {}", socket.last_endpoint());
    let interactive = std::io::stdin().is_terminal();
    let mut out = std::io::stdout().lock();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        if interactive {
            eprint!("input your data: ");
        }
        let Some(line) = lines.next() else { break };
        let line = line?;
        // Blocks until a worker is connected (a bound PUSH has nowhere to queue before that).
        socket.send(line.clone(), 0)?;
        writeln!(out, "pushed: {line}")?;
        out.flush()?;
    }
    // Dropping the socket waits (LINGER -1) until every pushed line has been handed over.
    Ok(())
}
