//! `ferrozmq demo`: the seed's three patterns end to end over loopback tcp in one process, with a
//! transcript, then a one-line PUSH→PULL throughput figure.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use ferrozmq::{Context, Error, Socket, SocketType, DONTWAIT, POLLIN};

/// Arguments of `ferrozmq demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// How long the throughput measurement runs, in ms.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    duration: u64,
    /// Size of the messages of the throughput measurement, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64)]
    size: usize,
}

/// Any blocking call of the demo gives up after this long instead of hanging.
const TIMEOUT_MS: i32 = 10_000;

/// What a step of the demo prints.
struct Transcript {
    out: io::Stdout,
}

impl Transcript {
    fn line(&mut self, text: impl AsRef<str>) -> io::Result<()> {
        let mut out = self.out.lock();
        writeln!(out, "{}", text.as_ref())?;
        out.flush()
    }
}

fn socket(ctx: &Context, ty: SocketType) -> anyhow::Result<Socket> {
    let s = ctx
        .socket(ty)
        .with_context(|| format!("creating a {ty} socket"))?;
    s.set_rcvtimeo(TIMEOUT_MS)?;
    s.set_sndtimeo(TIMEOUT_MS)?;
    // Long enough for what a socket queued to leave before it is dropped (the worker's results!), short
    // enough that a broken step cannot hold the exit up.
    s.set_linger(TIMEOUT_MS)?;
    Ok(s)
}

fn bound(ctx: &Context, ty: SocketType) -> anyhow::Result<(Socket, String)> {
    let s = socket(ctx, ty)?;
    s.bind("tcp://127.0.0.1:*")
        .with_context(|| format!("binding {ty} to tcp://127.0.0.1:*"))?;
    let ep = s.last_endpoint();
    Ok((s, ep))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn recv(s: &Socket, who: &str) -> anyhow::Result<Bytes> {
    s.recv_bytes(0).map_err(|e| match e {
        Error::Again => anyhow!("{who}: nothing received within {TIMEOUT_MS} ms"),
        e => anyhow!("{who}: {e}"),
    })
}

fn request_reply(ctx: &Context, t: &mut Transcript) -> anyhow::Result<()> {
    let (server, ep) = bound(ctx, SocketType::Rep)?;
    let client = socket(ctx, SocketType::Req)?;
    client.connect(&ep)?;
    t.line(format!(
        "== 1. request-reply: REP server bound to {ep}, REQ client connected =="
    ))?;
    for (i, request) in ["hello", "how are you?", "q"].into_iter().enumerate() {
        client.send(request, 0)?;
        t.line(format!("  client  -> {request:?}"))?;
        let got = recv(&server, "REP server")?;
        t.line(format!("  server  <- {:?}", text(&got)))?;
        let reply = format!("server response! #{}", i + 1);
        server.send(reply.clone(), 0)?;
        t.line(format!("  server  -> {reply:?}"))?;
        let got = recv(&client, "REQ client")?;
        if got != reply.as_bytes() {
            bail!("REQ client got {:?} instead of {reply:?}", text(&got));
        }
        t.line(format!("  client  <- {:?}", text(&got)))?;
    }
    Ok(())
}

fn publish_subscribe(ctx: &Context, t: &mut Transcript) -> anyhow::Result<()> {
    let (publisher, ep) = bound(ctx, SocketType::Pub)?;
    let weather = socket(ctx, SocketType::Sub)?;
    weather.connect(&ep)?;
    weather.set_subscribe(b"weather.")?;
    let all = socket(ctx, SocketType::Sub)?;
    all.connect(&ep)?;
    all.set_subscribe(b"")?;
    t.line(format!(
        "== 2. publish-subscribe: PUB bound to {ep}; SUB #1 subscribes to \"weather.\", SUB #2 to everything =="
    ))?;
    // Subscriptions reach the publisher asynchronously and a PUB drops what nobody has subscribed to yet
    // (it keeps no queue for unknown subscribers): publish a probe until both subscribers see one.
    const PROBE: &str = "weather.probe";
    let start = Instant::now();
    let mut seen = [false, false];
    while !seen.iter().all(|s| *s) {
        if start.elapsed() > Duration::from_millis(TIMEOUT_MS as u64) {
            bail!("the subscriptions did not reach the publisher within {TIMEOUT_MS} ms");
        }
        publisher.send(PROBE, 0)?;
        for (i, sub) in [&weather, &all].into_iter().enumerate() {
            if sub.poll(POLLIN, Some(Duration::from_millis(10)))? != 0 {
                while sub.recv_bytes(DONTWAIT).is_ok() {}
                seen[i] = true;
            }
        }
    }
    t.line(format!(
        "  (both subscriptions reached the publisher after {} ms: a late joiner misses what was sent before)",
        start.elapsed().as_millis()
    ))?;
    let messages = [
        "weather.paris sunny",
        "sport.football 2-1",
        "weather.oslo snow",
        "news.tech ferrozmq 0.1",
    ];
    for m in messages {
        publisher.send(m, 0)?;
        t.line(format!("  publisher -> {m:?}"))?;
    }
    const END: &str = "weather.end";
    publisher.send(END, 0)?;
    for (name, sub, expected) in [
        ("SUB #1", &weather, 2usize),
        ("SUB #2", &all, messages.len()),
    ] {
        let mut got = Vec::new();
        loop {
            let m = text(&recv(sub, name)?);
            match m.as_str() {
                END => break,
                PROBE => continue,
                _ => {
                    t.line(format!("  {name}    <- {m:?}"))?;
                    got.push(m);
                }
            }
        }
        if got.len() != expected {
            bail!(
                "{name} received {} messages instead of {expected}",
                got.len()
            );
        }
    }
    Ok(())
}

fn pipeline(ctx: &Context, t: &mut Transcript) -> anyhow::Result<()> {
    // As in the seed: the client (PUSH) and the server (PULL) bind, the worker connects to both.
    let (client, from) = bound(ctx, SocketType::Push)?;
    let (server, to) = bound(ctx, SocketType::Pull)?;
    t.line(format!(
        "== 3. pipeline: PUSH client bound to {from} -> worker (PULL+PUSH) -> PULL server bound to {to} =="
    ))?;
    const N: usize = 4;
    let receiver = socket(ctx, SocketType::Pull)?;
    receiver.connect(&from)?;
    let sender = socket(ctx, SocketType::Push)?;
    sender.connect(&to)?;
    let worker = thread::spawn(move || -> anyhow::Result<()> {
        for _ in 0..N {
            let task = recv(&receiver, "worker")?;
            let mut done = task.to_vec();
            done.extend_from_slice(b" (done by the worker)");
            sender.send(done, 0)?;
        }
        Ok(())
    });
    for i in 1..=N {
        let task = format!("task {i}");
        client.send(task.clone(), 0)?;
        t.line(format!("  client  -> {task:?}"))?;
    }
    for _ in 0..N {
        t.line(format!(
            "  server  <- {:?}",
            text(&recv(&server, "PULL server")?)
        ))?;
    }
    worker
        .join()
        .map_err(|_| anyhow!("the worker thread panicked"))??;
    Ok(())
}

/// Sends `size`-byte messages PUSH→PULL over loopback tcp for about `duration`; returns (messages,
/// seconds) counted from the first message received.
pub(crate) fn push_pull_rate(
    ctx: &Context,
    size: usize,
    duration: Duration,
) -> anyhow::Result<(u64, f64)> {
    let (sink, ep) = bound(ctx, SocketType::Pull)?;
    let source = socket(ctx, SocketType::Push)?;
    source.set_sndtimeo(100)?;
    // Stopped with a full queue on purpose: what is left is dropped.
    source.set_linger(0)?;
    source.connect(&ep)?;
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let stop = stop.clone();
        thread::spawn(move || -> ferrozmq::Result<()> {
            let payload = Bytes::from(vec![b'x'; size]);
            while !stop.load(Ordering::Relaxed) {
                match source.send(payload.clone(), 0) {
                    Ok(()) | Err(Error::Again) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    };
    let result = (|| -> anyhow::Result<(u64, f64)> {
        recv(&sink, "PULL")?;
        let start = Instant::now();
        let mut n = 0u64;
        loop {
            // Check the clock every 1024 messages only: reading it costs more than a message.
            for _ in 0..1024 {
                recv(&sink, "PULL")?;
            }
            n += 1024;
            let elapsed = start.elapsed();
            if elapsed >= duration {
                return Ok((n, elapsed.as_secs_f64()));
            }
        }
    })();
    stop.store(true, Ordering::Relaxed);
    sender
        .join()
        .map_err(|_| anyhow!("the sender thread panicked"))??;
    result
}

/// Runs the demo.
pub(crate) fn run(a: &DemoArgs) -> anyhow::Result<()> {
    let ctx = Context::new();
    let mut t = Transcript { out: io::stdout() };
    t.line("ferrozmq demo: the three ZeroMQ patterns, each over real loopback tcp sockets in this process")?;
    t.line("")?;
    request_reply(&ctx, &mut t).context("request-reply")?;
    t.line("")?;
    publish_subscribe(&ctx, &mut t).context("publish-subscribe")?;
    t.line("")?;
    pipeline(&ctx, &mut t).context("pipeline")?;
    t.line("")?;
    let (n, secs) =
        push_pull_rate(&ctx, a.size, Duration::from_millis(a.duration)).context("throughput")?;
    let rate = n as f64 / secs;
    t.line(format!(
        "throughput: PUSH->PULL over tcp, {} B messages: {:.0} msg/s ({:.1} Mb/s), {n} messages in {secs:.2} s",
        a.size,
        rate,
        rate * a.size as f64 * 8.0 / 1e6
    ))?;
    t.line("demo finished: all three patterns worked")?;
    Ok(())
}
