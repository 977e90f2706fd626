//! The cases on the pure-Rust `zeromq` crate (0.4, tokio): a runtime with two workers per case.

use std::time::{Duration, Instant};

use bytes::Bytes;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

use crate::case::{Case, Kind};
use crate::sys;
use crate::Outcome;

/// Runs one case.
pub(crate) fn run(c: &Case) -> Outcome {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    match c.kind {
        Kind::Thr => Outcome::of(rt.block_on(thr(c))),
        Kind::DealerRouter => Outcome::of(rt.block_on(dealer_router(c))),
        Kind::PubSub => Outcome::of(rt.block_on(pubsub(c))),
        Kind::Lat => Outcome::of(rt.block_on(lat(c))),
        Kind::Idle => idle(&rt, c),
        Kind::Queue | Kind::CurveThr => {
            unreachable!("zeromq does not run the queue or CURVE cases")
        }
    }
}

fn ep(c: &Case) -> String {
    sys::bind_endpoint(c.transport, true)
}

/// Receives `count` messages, timing from the first to the last.
async fn time_receiving(count: u64, sink: &mut impl SocketRecv) -> f64 {
    sink.recv().await.expect("recv");
    let start = Instant::now();
    for _ in 1..count {
        sink.recv().await.expect("recv");
    }
    count as f64 / start.elapsed().as_secs_f64().max(1e-9)
}

async fn thr(c: &Case) -> f64 {
    let mut sink = zeromq::PullSocket::new();
    let bound = sink.bind(&ep(c)).await.expect("bind").to_string();
    let mut source = zeromq::PushSocket::new();
    source.connect(&bound).await.expect("connect");
    let (count, size) = (c.count, c.size);
    let t = tokio::spawn(async move {
        let payload = Bytes::from(vec![0u8; size]);
        for _ in 0..count {
            source
                .send(ZmqMessage::from(Bytes::copy_from_slice(&payload)))
                .await
                .expect("send");
        }
        source
    });
    let rate = time_receiving(count, &mut sink).await;
    drop(t.await.expect("sender"));
    sys::cleanup(&bound);
    rate
}

async fn dealer_router(c: &Case) -> f64 {
    let mut sink = zeromq::RouterSocket::new();
    let bound = sink.bind(&ep(c)).await.expect("bind").to_string();
    let mut source = zeromq::DealerSocket::new();
    source.connect(&bound).await.expect("connect");
    let (count, size) = (c.count, c.size);
    let t = tokio::spawn(async move {
        let payload = Bytes::from(vec![0u8; size]);
        for _ in 0..count {
            source
                .send(ZmqMessage::from(Bytes::copy_from_slice(&payload)))
                .await
                .expect("send");
        }
        source
    });
    let rate = time_receiving(count, &mut sink).await;
    drop(t.await.expect("sender"));
    rate
}

async fn pubsub(c: &Case) -> f64 {
    let mut publ = zeromq::PubSocket::new();
    let bound = publ.bind(&ep(c)).await.expect("bind").to_string();
    let ready = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let total = c.count;
    let mut subs = Vec::new();
    for _ in 0..c.subs {
        let mut s = zeromq::SubSocket::new();
        s.subscribe("").await.expect("subscribe");
        s.connect(&bound).await.expect("connect");
        let ready = ready.clone();
        subs.push(tokio::spawn(async move {
            let (mut warm, mut got, mut last) = (false, 0u64, Instant::now());
            let mut ended = false;
            while let Ok(Ok(m)) = tokio::time::timeout(crate::SUB_TIMEOUT, s.recv()).await {
                let body = m.get(0).cloned().unwrap_or_default();
                match &body[..] {
                    b"W" if !warm => {
                        warm = true;
                        ready.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
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
        }));
    }
    while ready.load(std::sync::atomic::Ordering::SeqCst) < c.subs {
        publ.send(ZmqMessage::from("W")).await.expect("warm-up");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let payload = Bytes::from(vec![0u8; c.size]);
    let start = Instant::now();
    for _ in 0..c.count {
        publ.send(ZmqMessage::from(Bytes::copy_from_slice(&payload)))
            .await
            .expect("send");
    }
    publ.send(ZmqMessage::from("E")).await.expect("end");
    let mut results = Vec::new();
    for s in subs {
        results.push(s.await.expect("sub"));
    }
    crate::fanout_rate(start, results.into_iter())
}

async fn lat(c: &Case) -> f64 {
    let mut rep = zeromq::RepSocket::new();
    let bound = rep.bind(&ep(c)).await.expect("bind").to_string();
    let mut req = zeromq::ReqSocket::new();
    req.connect(&bound).await.expect("connect");
    let count = c.count;
    let echo = tokio::spawn(async move {
        for _ in 0..count {
            let m = rep.recv().await.expect("recv");
            rep.send(m).await.expect("send");
        }
        rep
    });
    let payload = Bytes::from(vec![0u8; c.size]);
    let start = Instant::now();
    for _ in 0..count {
        req.send(ZmqMessage::from(Bytes::copy_from_slice(&payload)))
            .await
            .expect("send");
        let m = req.recv().await.expect("recv");
        assert_eq!(m.get(0).map(Bytes::len), Some(c.size));
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / (count as f64 * 2.0);
    drop(echo.await.expect("echo"));
    sys::cleanup(&bound);
    us
}

fn idle(rt: &tokio::runtime::Runtime, c: &Case) -> Outcome {
    let mut router = zeromq::RouterSocket::new();
    let bound = rt
        .block_on(router.bind("tcp://127.0.0.1:0"))
        .expect("bind")
        .to_string();
    let before = sys::rss_mb();
    // The runtime's workers accept and handshake while this thread waits for the clients.
    let mut clients = sys::spawn_idle_clients(sys::port_of(&bound), c.count);
    let after = sys::rss_mb();
    let _ = clients.kill();
    let _ = clients.wait();
    drop(router);
    Outcome::with_extra(after, (after - before) * 1024.0 / c.count as f64)
}
