//! Every pattern (REQ/REP, PUB/SUB, PUSH/PULL) on every transport (tcp 127.0.0.1, tcp ::1, ipc path,
//! ipc abstract, inproc), both ways round (either side binds), with multipart messages, empty frames,
//! 0-byte and ≥1 MiB messages.

mod common;

use bytes::Bytes;
use common::{
    await_subscription, msg, pair, pattern_bytes, recv, recv_skip_probes, Transport, LARGE, PROBE,
};
use ferrozmq::{Context, Socket, SocketType};

/// The messages every pattern carries: plain, multipart, empty frames, 0-byte, large.
fn payloads() -> Vec<Vec<Bytes>> {
    vec![
        msg(&[b"hello"]),
        msg(&[b"a", b"bb", b"ccc"]),
        msg(&[b""]),
        msg(&[b"", b"middle", b""]),
        msg(&[b"", b""]),
        vec![pattern_bytes(LARGE, 7)],
        vec![
            Bytes::from_static(b"head"),
            pattern_bytes(2 * LARGE, 3),
            Bytes::from_static(b"tail"),
        ],
        msg(&[b"last"]),
    ]
}

fn check(got: &[Bytes], want: &[Bytes], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: frame count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g == w,
            "{what}: frame {i} differs (got {} bytes, want {} bytes)",
            g.len(),
            w.len()
        );
    }
}

fn req_rep(t: Transport, req_binds: bool) {
    if !t.available() {
        eprintln!("skipped: {t:?} not available here");
        return;
    }
    let ctx = Context::new();
    let (req, rep): (Socket, Socket) = if req_binds {
        pair(&ctx, SocketType::Req, SocketType::Rep, t)
    } else {
        let (rep, req) = pair(&ctx, SocketType::Rep, SocketType::Req, t);
        (req, rep)
    };
    for (i, request) in payloads().into_iter().enumerate() {
        req.send_multipart(request.clone(), 0).expect("REQ send");
        check(&recv(&rep), &request, &format!("request {i}"));
        let reply: Vec<Bytes> = request.iter().rev().cloned().collect();
        rep.send_multipart(reply.clone(), 0).expect("REP send");
        check(&recv(&req), &reply, &format!("reply {i}"));
    }
}

fn pub_sub(t: Transport, sub_binds: bool) {
    if !t.available() {
        eprintln!("skipped: {t:?} not available here");
        return;
    }
    let ctx = Context::new();
    let (publisher, sub) = if sub_binds {
        let (sub, publisher) = pair(&ctx, SocketType::Sub, SocketType::Pub, t);
        (publisher, sub)
    } else {
        pair(&ctx, SocketType::Pub, SocketType::Sub, t)
    };
    sub.set_subscribe(b"").expect("subscribe");
    await_subscription(&publisher, &sub);
    let all = payloads();
    for m in &all {
        publisher.send_multipart(m.clone(), 0).expect("PUB send");
    }
    for (i, want) in all.iter().enumerate() {
        check(&recv_skip_probes(&sub), want, &format!("message {i}"));
    }
}

fn pub_sub_filtered(t: Transport) {
    if !t.available() {
        eprintln!("skipped: {t:?} not available here");
        return;
    }
    let ctx = Context::new();
    let (publisher, sub) = pair(&ctx, SocketType::Pub, SocketType::Sub, t);
    sub.set_subscribe(PROBE).expect("subscribe probe");
    sub.set_subscribe(b"news.").expect("subscribe news");
    await_subscription(&publisher, &sub);
    publisher.send("sport.1", 0).unwrap();
    publisher.send("news.1", 0).unwrap();
    publisher
        .send_multipart(msg(&[b"weather", b"news."]), 0)
        .unwrap();
    publisher
        .send_multipart(msg(&[b"news.2", b"body", b""]), 0)
        .unwrap();
    publisher.send("new", 0).unwrap();
    publisher.send("news.end", 0).unwrap();
    assert_eq!(recv_skip_probes(&sub), msg(&[b"news.1"]));
    assert_eq!(recv_skip_probes(&sub), msg(&[b"news.2", b"body", b""]));
    assert_eq!(recv_skip_probes(&sub), msg(&[b"news.end"]));
}

fn push_pull(t: Transport, push_binds: bool) {
    if !t.available() {
        eprintln!("skipped: {t:?} not available here");
        return;
    }
    let ctx = Context::new();
    let (push, pull) = if push_binds {
        pair(&ctx, SocketType::Push, SocketType::Pull, t)
    } else {
        let (pull, push) = pair(&ctx, SocketType::Pull, SocketType::Push, t);
        (push, pull)
    };
    let all = payloads();
    for m in &all {
        push.send_multipart(m.clone(), 0).expect("PUSH send");
    }
    for (i, want) in all.iter().enumerate() {
        check(&recv(&pull), want, &format!("message {i}"));
    }
    // Many small messages in a burst arrive complete and in order.
    for i in 0..2_000u32 {
        push.send_multipart([Bytes::from(i.to_be_bytes().to_vec()), Bytes::new()], 0)
            .unwrap();
    }
    for i in 0..2_000u32 {
        assert_eq!(
            recv(&pull),
            vec![Bytes::from(i.to_be_bytes().to_vec()), Bytes::new()]
        );
    }
}

macro_rules! transport_tests {
    ($($module:ident => $t:expr;)*) => {$(
        mod $module {
            use super::*;
            #[test]
            fn req_rep_rep_binds() { req_rep($t, false) }
            #[test]
            fn req_rep_req_binds() { req_rep($t, true) }
            #[test]
            fn pub_sub_pub_binds() { pub_sub($t, false) }
            #[test]
            fn pub_sub_sub_binds() { pub_sub($t, true) }
            #[test]
            fn pub_sub_filtered() { super::pub_sub_filtered($t) }
            #[test]
            fn push_pull_pull_binds() { push_pull($t, false) }
            #[test]
            fn push_pull_push_binds() { push_pull($t, true) }
        }
    )*};
}

transport_tests! {
    tcp4 => Transport::Tcp4;
    tcp6 => Transport::Tcp6;
    ipc_path => Transport::IpcPath;
    ipc_abstract => Transport::IpcAbstract;
    inproc => Transport::Inproc;
}
