//! The cases on libzmq through the `zmq` crate: one context per case, a thread for each end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::case::{Case, Kind};
use crate::sys;
use crate::Outcome;

/// Runs one case.
pub(crate) fn run(c: &Case) -> Outcome {
    let ctx = zmq::Context::new();
    match c.kind {
        Kind::Thr | Kind::CurveThr => Outcome::of(pair_thr(&ctx, c, zmq::PUSH, zmq::PULL, 1)),
        Kind::DealerRouter => Outcome::of(pair_thr(&ctx, c, zmq::DEALER, zmq::ROUTER, 2)),
        Kind::PubSub => Outcome::of(pubsub(&ctx, c)),
        Kind::Lat => Outcome::of(lat(&ctx, c)),
        Kind::Idle => idle(&ctx, c),
        Kind::Queue => queue(&ctx, c),
    }
}

fn socket(ctx: &zmq::Context, ty: zmq::SocketType) -> zmq::Socket {
    ctx.socket(ty).expect("socket")
}

fn last_endpoint(s: &zmq::Socket) -> String {
    s.get_last_endpoint().expect("endpoint").expect("utf-8")
}

/// Makes `server` a CURVE server and `client` its client, with fresh keys.
fn curve(server: &zmq::Socket, client: &zmq::Socket) {
    let server_keys = zmq::CurveKeyPair::new().expect("keys");
    let keys = zmq::CurveKeyPair::new().expect("keys");
    server.set_curve_server(true).expect("curve server");
    server
        .set_curve_secretkey(&server_keys.secret_key)
        .expect("curve server");
    client
        .set_curve_serverkey(&server_keys.public_key)
        .expect("curve client");
    client
        .set_curve_publickey(&keys.public_key)
        .expect("curve client");
    client
        .set_curve_secretkey(&keys.secret_key)
        .expect("curve client");
}

/// As libzmq's remote_thr/local_thr: a fresh message per send, one reused message to receive into (over
/// CURVE for [`Kind::CurveThr`]).
fn pair_thr(
    ctx: &zmq::Context,
    c: &Case,
    sender: zmq::SocketType,
    receiver: zmq::SocketType,
    frames: usize,
) -> f64 {
    let sink = socket(ctx, receiver);
    let source = socket(ctx, sender);
    if c.kind == Kind::CurveThr {
        curve(&sink, &source);
    }
    sink.bind(&sys::bind_endpoint(c.transport, false))
        .expect("bind");
    let ep = last_endpoint(&sink);
    source.connect(&ep).expect("connect");
    let (count, size) = (c.count, c.size);
    let t = thread::spawn(move || {
        let payload = vec![0u8; size];
        for _ in 0..count {
            source.send(&payload[..], 0).expect("send");
        }
        // Closed only after the receiver has everything (libzmq 4.3.4 can lose an ipc tail otherwise).
        source
    });
    let mut msg = zmq::Message::new();
    let mut recv = || {
        for _ in 0..frames {
            sink.recv(&mut msg, 0).expect("recv");
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

fn pubsub(ctx: &zmq::Context, c: &Case) -> f64 {
    let publ = socket(ctx, zmq::PUB);
    publ.set_sndhwm(0).expect("hwm");
    publ.bind(&sys::bind_endpoint(c.transport, false))
        .expect("bind");
    let ep = last_endpoint(&publ);
    let ready = Arc::new(AtomicUsize::new(0));
    let total = c.count;
    let subs: Vec<_> = (0..c.subs)
        .map(|_| {
            let s = socket(ctx, zmq::SUB);
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
                let mut m = zmq::Message::new();
                while s.recv(&mut m, 0).is_ok() {
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
        publ.send("W", zmq::DONTWAIT).expect("warm-up");
        thread::sleep(Duration::from_millis(1));
    }
    let payload = vec![0u8; c.size];
    let start = Instant::now();
    for _ in 0..c.count {
        publ.send(&payload[..], 0).expect("send");
    }
    publ.send("E", 0).expect("end");
    crate::fanout_rate(start, subs.into_iter().map(|t| t.join().expect("sub")))
}

fn lat(ctx: &zmq::Context, c: &Case) -> f64 {
    let rep = socket(ctx, zmq::REP);
    rep.bind(&sys::bind_endpoint(c.transport, false))
        .expect("bind");
    let ep = last_endpoint(&rep);
    let req = socket(ctx, zmq::REQ);
    req.connect(&ep).expect("connect");
    let count = c.count;
    let echo = thread::spawn(move || {
        let mut m = zmq::Message::new();
        for _ in 0..count {
            rep.recv(&mut m, 0).expect("recv");
            rep.send(std::mem::replace(&mut m, zmq::Message::new()), 0)
                .expect("send");
        }
    });
    let payload = vec![0u8; c.size];
    let mut m = zmq::Message::new();
    let start = Instant::now();
    for _ in 0..count {
        req.send(&payload[..], 0).expect("send");
        req.recv(&mut m, 0).expect("recv");
        assert_eq!(m.len(), c.size);
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / (count as f64 * 2.0);
    echo.join().expect("echo");
    sys::cleanup(&ep);
    us
}

fn idle(ctx: &zmq::Context, c: &Case) -> Outcome {
    let router = socket(ctx, zmq::ROUTER);
    router.bind("tcp://127.0.0.1:*").expect("bind");
    let before = sys::rss_mb();
    let mut clients = sys::spawn_idle_clients(sys::port_of(&last_endpoint(&router)), c.count);
    let after = sys::rss_mb();
    let _ = clients.kill();
    let _ = clients.wait();
    router.set_linger(0).expect("linger");
    Outcome::with_extra(after, (after - before) * 1024.0 / c.count as f64)
}

fn queue(ctx: &zmq::Context, c: &Case) -> Outcome {
    let push = socket(ctx, zmq::PUSH);
    push.set_sndhwm(i32::try_from(c.count).expect("hwm"))
        .expect("hwm");
    push.set_linger(0).expect("linger");
    push.connect(&format!("tcp://127.0.0.1:{}", sys::dead_port()))
        .expect("connect");
    let payload = vec![0u8; c.size];
    let mut queued = 0u64;
    while queued < c.count * 2 {
        match push.send(&payload[..], zmq::DONTWAIT) {
            Ok(()) => queued += 1,
            Err(zmq::Error::EAGAIN) => break,
            Err(e) => panic!("send: {e}"),
        }
    }
    Outcome::with_extra(sys::rss_mb(), queued as f64)
}
