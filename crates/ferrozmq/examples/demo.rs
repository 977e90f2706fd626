//! The seed's three patterns in one program, over loopback TCP with ports chosen by the OS, printing a
//! transcript: request-reply, publish-subscribe with a filter, and a push-pull pipeline through a worker.
//!
//! Usage: `cargo run --example demo`. Exits non-zero if any step fails or times out.

use std::thread;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Error, Socket, SocketType, DONTWAIT};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Every blocking call in the demo gives up after this long instead of hanging.
const TIMEOUT_MS: i32 = 10_000;

fn socket(ctx: &Context, ty: SocketType) -> Result<Socket> {
    let s = ctx.socket(ty)?;
    s.set_rcvtimeo(TIMEOUT_MS)?;
    s.set_sndtimeo(TIMEOUT_MS)?;
    Ok(s)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn request_reply(ctx: &Context) -> Result<()> {
    let server = socket(ctx, SocketType::Rep)?;
    server.bind("tcp://127.0.0.1:*")?;
    let endpoint = server.last_endpoint();
    println!("== request-reply: REP bound to {endpoint}, REQ connects ==");
    let client = socket(ctx, SocketType::Req)?;
    client.connect(&endpoint)?;
    for request in ["hello", "how are you?", "q"] {
        client.send(request, 0)?;
        println!("client -> {request}");
        let got = server.recv_bytes(0)?;
        println!("server <- {}", text(&got));
        server.send("server response!", 0)?;
        println!("server -> server response!");
        println!("client <- {}", text(&client.recv_bytes(0)?));
    }
    Ok(())
}

fn publish_subscribe(ctx: &Context) -> Result<()> {
    let publisher = socket(ctx, SocketType::Pub)?;
    publisher.bind("tcp://127.0.0.1:*")?;
    let endpoint = publisher.last_endpoint();
    println!(
        "== publish-subscribe: PUB bound to {endpoint}, SUB connects with filter \"weather.\" =="
    );
    let subscriber = socket(ctx, SocketType::Sub)?;
    subscriber.connect(&endpoint)?;
    subscriber.set_subscribe(b"weather.")?;
    // A subscription travels to the publisher asynchronously; until it arrives, messages are dropped
    // (PUB keeps no queue for subscribers it does not know of). Publish a probe until one gets through.
    let start = Instant::now();
    loop {
        publisher.send("weather.probe", 0)?;
        thread::sleep(Duration::from_millis(20));
        match subscriber.recv_bytes(DONTWAIT) {
            Ok(_) => break,
            Err(Error::Again) if start.elapsed() < Duration::from_millis(TIMEOUT_MS as u64) => {}
            Err(e) => return Err(e.into()),
        }
    }
    while subscriber.recv_bytes(DONTWAIT).is_ok() {} // later probes
    println!(
        "(subscription reached the publisher after {} ms)",
        start.elapsed().as_millis()
    );
    for message in [
        "weather.paris sunny",
        "sport.football 2-1",
        "weather.oslo snow",
        "news.tech ferrozmq",
    ] {
        publisher.send(message, 0)?;
        println!("publisher -> {message}");
    }
    publisher.send("weather.end", 0)?;
    loop {
        let got = text(&subscriber.recv_bytes(0)?);
        if got == "weather.end" {
            break;
        }
        if got == "weather.probe" {
            continue; // a probe still in flight
        }
        println!("subscriber <- {got}");
    }
    Ok(())
}

fn pipeline(ctx: &Context) -> Result<()> {
    // As in the seed: the source (push_client) and the sink (pull_server) bind, the worker connects
    // to both.
    let source = socket(ctx, SocketType::Push)?;
    source.bind("tcp://127.0.0.1:*")?;
    let sink = socket(ctx, SocketType::Pull)?;
    sink.bind("tcp://127.0.0.1:*")?;
    let (from, to) = (source.last_endpoint(), sink.last_endpoint());
    println!("== pipeline: PUSH bound to {from} -> worker -> PULL bound to {to} ==");
    const N: usize = 4;
    let worker_ctx = ctx.clone();
    let worker = thread::spawn(move || -> std::result::Result<(), Error> {
        let receiver = worker_ctx.socket(SocketType::Pull)?;
        receiver.set_rcvtimeo(TIMEOUT_MS)?;
        receiver.connect(&from)?;
        let sender = worker_ctx.socket(SocketType::Push)?;
        sender.set_sndtimeo(TIMEOUT_MS)?;
        sender.connect(&to)?;
        for _ in 0..N {
            let task = receiver.recv_bytes(0)?;
            let mut done = task.to_vec();
            done.extend_from_slice(b" (done)");
            sender.send(done, 0)?;
        }
        Ok(())
    });
    for i in 1..=N {
        let task = format!("task {i}");
        source.send(task.clone(), 0)?;
        println!("push_client -> {task}");
    }
    for _ in 0..N {
        println!("pull_server <- {}", text(&sink.recv_bytes(0)?));
    }
    worker.join().map_err(|_| "the worker thread panicked")??;
    Ok(())
}

fn main() -> Result<()> {
    let ctx = Context::new();
    request_reply(&ctx)?;
    println!();
    publish_subscribe(&ctx)?;
    println!();
    pipeline(&ctx)?;
    println!();
    println!("demo finished: all three patterns worked");
    Ok(())
}
