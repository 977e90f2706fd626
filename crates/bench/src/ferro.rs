//! The cases on ferrozmq: one context per case, a thread for each end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrozmq::{Context, Error, Socket, SocketType, DONTWAIT};

use crate::case::{Case, Kind};
use crate::sys;
use crate::Outcome;

/// Runs one case.
pub(crate) fn run(c: &Case) -> Outcome {
    let ctx = Context::new();
    match c.kind {
        Kind::Thr | Kind::CurveThr => {
            Outcome::of(pair_thr(&ctx, c, SocketType::Push, SocketType::Pull, 1))
        }
        Kind::DealerRouter => {
            Outcome::of(pair_thr(&ctx, c, SocketType::Dealer, SocketType::Router, 2))
        }
        Kind::PubSub => Outcome::of(pubsub(&ctx, c)),
        Kind::Lat => Outcome::of(lat(&ctx, c)),
        Kind::Idle => idle(&ctx, c),
        Kind::Queue => queue(&ctx, c),
    }
}

fn socket(ctx: &Context, ty: SocketType) -> Socket {
    ctx.socket(ty).expect("socket")
}

/// Makes `server` a CURVE server and `client` its client, with fresh keys.
fn curve(server: &Socket, client: &Socket) {
    let (server_public, server_secret) = ferrozmq::curve_keypair().expect("keys");
    let (public, secret) = ferrozmq::curve_keypair().expect("keys");
    server
        .set_curve_server(server_secret.as_bytes())
        .expect("curve server");
    client
        .set_curve_client(
            server_public.as_bytes(),
            public.as_bytes(),
            secret.as_bytes(),
        )
        .expect("curve client");
}

/// `sender` connects and sends `count` messages; `receiver` binds and receives them, `frames` frames each
/// (over CURVE for [`Kind::CurveThr`]).
fn pair_thr(
    ctx: &Context,
    c: &Case,
    sender: SocketType,
    receiver: SocketType,
    frames: usize,
) -> f64 {
    let sink = socket(ctx, receiver);
    let source = socket(ctx, sender);
    if c.kind == Kind::CurveThr {
        curve(&sink, &source);
    }
    sink.bind(&sys::bind_endpoint(c.transport, false))
        .expect("bind");
    let ep = sink.last_endpoint();
    source.connect(&ep).expect("connect");
    let (count, size) = (c.count, c.size);
    let t = thread::spawn(move || {
        let payload = Bytes::from(vec![0u8; size]);
        for _ in 0..count {
            source
                .send(Bytes::copy_from_slice(&payload), 0)
                .expect("send");
        }
        // Closed only after the receiver has everything (libzmq 4.3.4 can lose an ipc tail otherwise).
        source
    });
    let recv = || {
        for _ in 0..frames {
            let m = sink.recv_bytes(0).expect("recv");
            debug_assert!(frames > 1 || m.len() == size);
        }
    };
    recv();
    let start = Instant::now();
    for _ in 1..count {
        recv();
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    drop(t.join().expect("sender"));
    sys::cleanup(&ep);
    count as f64 / secs
}

/// PUB→SUB: warm-up messages until every subscriber hears one, then `count` messages and an end marker.
fn pubsub(ctx: &Context, c: &Case) -> f64 {
    let publ = socket(ctx, SocketType::Pub);
    publ.set_sndhwm(0).expect("hwm");
    publ.bind(&sys::bind_endpoint(c.transport, false))
        .expect("bind");
    let ep = publ.last_endpoint();
    let ready = Arc::new(AtomicUsize::new(0));
    let total = c.count;
    let subs: Vec<_> = (0..c.subs)
        .map(|_| {
            let s = socket(ctx, SocketType::Sub);
            s.set_rcvhwm(0).expect("hwm");
            s.set_rcvtimeo(crate::SUB_TIMEOUT.as_millis() as i32)
                .expect("timeo");
            s.set_subscribe(b"").expect("subscribe");
            s.connect(&ep).expect("connect");
            let ready = ready.clone();
            thread::spawn(move || {
                let mut warm = false;
                let mut got = 0u64;
                let mut ended = false;
                let mut last = Instant::now();
                while let Ok(m) = s.recv_bytes(0) {
                    match &m[..] {
                        b"W" if !warm => {
                            warm = true;
                            ready.fetch_add(1, Ordering::SeqCst);
                        }
                        b"W" => {}
                        b"E" => {
                            ended = true;
                            last = Instant::now();
                            break;
                        }
                        _ => {
                            got += 1;
                            // The clock only now and then: per message it would cost more than some implementations
                            // spend on the message.
                            if got % 1024 == 0 || got == total {
                                last = Instant::now();
                            }
                        }
                    }
                }
                // Without the end marker (dropped), the last message came one timeout before the end.
                (
                    got,
                    if ended {
                        last
                    } else {
                        Instant::now() - crate::SUB_TIMEOUT
                    },
                )
            })
        })
        .collect();
    while ready.load(Ordering::SeqCst) < c.subs {
        publ.send("W", DONTWAIT).expect("warm-up");
        thread::sleep(Duration::from_millis(1));
    }
    let payload = Bytes::from(vec![0u8; c.size]);
    let start = Instant::now();
    for _ in 0..c.count {
        publ.send(Bytes::copy_from_slice(&payload), 0)
            .expect("send");
    }
    publ.send("E", 0).expect("end");
    crate::fanout_rate(start, subs.into_iter().map(|t| t.join().expect("sub")))
}

fn lat(ctx: &Context, c: &Case) -> f64 {
    let rep = socket(ctx, SocketType::Rep);
    rep.bind(&sys::bind_endpoint(c.transport, false))
        .expect("bind");
    let ep = rep.last_endpoint();
    let req = socket(ctx, SocketType::Req);
    req.connect(&ep).expect("connect");
    let count = c.count;
    let echo = thread::spawn(move || {
        for _ in 0..count {
            let m = rep.recv_bytes(0).expect("recv");
            rep.send(m, 0).expect("send");
        }
    });
    let payload = Bytes::from(vec![0u8; c.size]);
    let start = Instant::now();
    for _ in 0..count {
        req.send(Bytes::copy_from_slice(&payload), 0).expect("send");
        let m = req.recv_bytes(0).expect("recv");
        assert_eq!(m.len(), c.size);
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / (count as f64 * 2.0);
    echo.join().expect("echo");
    sys::cleanup(&ep);
    us
}

fn idle(ctx: &Context, c: &Case) -> Outcome {
    let router = socket(ctx, SocketType::Router);
    router.bind("tcp://127.0.0.1:*").expect("bind");
    let before = sys::rss_mb();
    let mut clients = sys::spawn_idle_clients(sys::port_of(&router.last_endpoint()), c.count);
    let after = sys::rss_mb();
    let _ = clients.kill();
    let _ = clients.wait();
    router.set_linger(0).expect("linger");
    Outcome::with_extra(after, (after - before) * 1024.0 / c.count as f64)
}

fn queue(ctx: &Context, c: &Case) -> Outcome {
    let push = socket(ctx, SocketType::Push);
    push.set_sndhwm(i32::try_from(c.count).expect("hwm"))
        .expect("hwm");
    push.set_linger(0).expect("linger");
    push.connect(&format!("tcp://127.0.0.1:{}", sys::dead_port()))
        .expect("connect");
    let payload = Bytes::from(vec![0u8; c.size]);
    let mut queued = 0u64;
    while queued < c.count * 2 {
        // Each message its own allocation, as an application's messages would be.
        match push.send(Bytes::copy_from_slice(&payload), DONTWAIT) {
            Ok(()) => queued += 1,
            Err(Error::Again) => break,
            Err(e) => panic!("send: {e}"),
        }
    }
    Outcome::with_extra(sys::rss_mb(), queued as f64)
}
