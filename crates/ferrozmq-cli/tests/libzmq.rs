//! The `ferrozmq` binary against libzmq peers (the `zmq` crate on the system's libzmq), including
//! libzmq's perf-tool protocol with a libzmq end.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{ipc_endpoint, Proc, DEADLINE};

/// Every blocking libzmq call in these tests gives up after this long.
const TIMEOUT_MS: i32 = 10_000;

fn lib_socket(ctx: &zmq::Context, ty: zmq::SocketType) -> zmq::Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_linger(TIMEOUT_MS).unwrap();
    s
}

fn lib_bound(ctx: &zmq::Context, ty: zmq::SocketType) -> (zmq::Socket, String) {
    let s = lib_socket(ctx, ty);
    s.bind("tcp://127.0.0.1:*").unwrap();
    let ep = s.get_last_endpoint().unwrap().unwrap();
    (s, ep)
}

#[test]
fn cli_rep_serves_a_libzmq_req() {
    let mut rep = Proc::spawn(&["rep", "--bind", "tcp://127.0.0.1:*", "--count", "2"]);
    let ep = rep.bound_endpoint();
    let ctx = zmq::Context::new();
    let req = lib_socket(&ctx, zmq::REQ);
    req.connect(&ep).unwrap();
    for m in ["hello", "from libzmq"] {
        req.send(m, 0).unwrap();
        assert_eq!(req.recv_bytes(0).unwrap(), m.as_bytes());
    }
    assert_eq!(rep.success(), "hello\nfrom libzmq\n");
}

#[test]
fn cli_req_asks_a_libzmq_rep() {
    let ctx = zmq::Context::new();
    let (rep, ep) = lib_bound(&ctx, zmq::REP);
    let server = thread::spawn(move || {
        for _ in 0..2 {
            let parts = rep.recv_multipart(0).unwrap();
            let mut reply = b"re: ".to_vec();
            reply.extend_from_slice(&parts.concat());
            rep.send(reply, 0).unwrap();
        }
    });
    let req = Proc::spawn(&["req", "--connect", &ep, "-m", "one", "-m", "two"]);
    assert_eq!(req.success(), "re: one\nre: two\n");
    server.join().unwrap();
}

#[test]
fn cli_sub_receives_from_a_libzmq_pub() {
    let ctx = zmq::Context::new();
    let (publisher, ep) = lib_bound(&ctx, zmq::PUB);
    let mut sub = Proc::spawn(&[
        "sub",
        "--connect",
        &ep,
        "--subscribe",
        "t.",
        "--count",
        "1",
        "--format",
        "json",
    ]);
    // PUB drops what it sends before the subscription has reached it: publish until it gets through.
    let end = Instant::now() + DEADLINE;
    let line = loop {
        assert!(Instant::now() < end, "nothing received within {DEADLINE:?}");
        publisher.send("x.skip", 0).unwrap();
        publisher.send_multipart(["t.topic", "payload"], 0).unwrap();
        if let Some(line) = sub.stdout_line_within(Duration::from_millis(50)) {
            break line;
        }
    };
    assert_eq!(line, r#"["t.topic","payload"]"#);
    assert_eq!(sub.success(), "");
}

#[test]
fn cli_push_feeds_a_libzmq_pull_and_cli_pull_drains_libzmq_push() {
    let ctx = zmq::Context::new();
    let (pull, ep) = lib_bound(&ctx, zmq::PULL);
    let push = Proc::spawn(&[
        "push",
        "--connect",
        &ep,
        "--multipart",
        "-m",
        "a|b",
        "-m",
        "c",
    ]);
    assert_eq!(
        pull.recv_multipart(0).unwrap(),
        [b"a".to_vec(), b"b".to_vec()]
    );
    assert_eq!(pull.recv_multipart(0).unwrap(), [b"c".to_vec()]);
    assert_eq!(push.success(), "");

    let ep = ipc_endpoint("libpush");
    let pull = Proc::spawn(&["pull", "--bind", &ep, "--count", "2", "--format", "hex"]);
    let push = lib_socket(&ctx, zmq::PUSH);
    push.connect(&ep).unwrap();
    push.send(&b"\x00\xff"[..], 0).unwrap();
    push.send("z", 0).unwrap();
    assert_eq!(pull.success(), "00ff\n7a\n");
}

#[test]
fn perf_local_thr_measures_a_libzmq_sender() {
    let mut local = Proc::spawn(&["bench", "local-thr", "tcp://127.0.0.1:*", "64", "20000"]);
    let ep = local.bound_endpoint();
    // libzmq's remote_thr: PUSH, connect, COUNT messages of SIZE bytes, close, term.
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    push.connect(&ep).unwrap();
    let payload = [0u8; 64];
    for _ in 0..20_000 {
        push.send(&payload[..], 0).unwrap();
    }
    let out = local.success();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..2],
        ["message size: 64 [B]", "message count: 20000"],
        "{out}"
    );
    assert!(
        lines[2].starts_with("mean throughput: ") && lines[2].ends_with(" [msg/s]"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("mean throughput: ") && lines[3].ends_with(" [Mb/s]"),
        "{out}"
    );
    drop(push);
}

#[test]
fn perf_remote_lat_measures_a_libzmq_echo() {
    // libzmq's local_lat: REP, bind, echo COUNT messages.
    let ctx = zmq::Context::new();
    let (rep, ep) = lib_bound(&ctx, zmq::REP);
    let echo = thread::spawn(move || {
        for _ in 0..500 {
            let m = rep.recv_bytes(0).unwrap();
            assert_eq!(m.len(), 32);
            rep.send(m, 0).unwrap();
        }
    });
    let remote = Proc::spawn(&["bench", "remote-lat", &ep, "32", "500"]);
    let out = remote.success();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..2],
        ["message size: 32 [B]", "roundtrip count: 500"],
        "{out}"
    );
    assert!(
        lines[2].starts_with("average latency: ") && lines[2].ends_with(" [us]"),
        "{out}"
    );
    echo.join().unwrap();
}

#[test]
fn perf_remote_thr_and_local_lat_serve_libzmq_measurers() {
    // The other two roles: a libzmq local_thr (PULL) counting what `ferrozmq bench remote-thr` sends,
    // and a libzmq remote_lat (REQ) timing `ferrozmq bench local-lat`.
    let ctx = zmq::Context::new();
    let (pull, ep) = lib_bound(&ctx, zmq::PULL);
    let remote = Proc::spawn(&["bench", "remote-thr", &ep, "100", "5000"]);
    for _ in 0..5000 {
        assert_eq!(pull.recv_bytes(0).unwrap().len(), 100);
    }
    assert_eq!(remote.success(), "");

    let mut local = Proc::spawn(&["bench", "local-lat", "tcp://127.0.0.1:*", "16", "300"]);
    let ep = local.bound_endpoint();
    let req = lib_socket(&ctx, zmq::REQ);
    req.connect(&ep).unwrap();
    for _ in 0..300 {
        req.send(&[0u8; 16][..], 0).unwrap();
        assert_eq!(req.recv_bytes(0).unwrap().len(), 16);
    }
    assert_eq!(local.success(), "");
}

#[test]
fn cli_streamer_between_libzmq_push_and_pull() {
    let mut device = Proc::spawn(&["streamer", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*"]);
    let front = device.bound_endpoint();
    let back = device.bound_endpoint();
    let ctx = zmq::Context::new();
    let pull = lib_socket(&ctx, zmq::PULL);
    pull.connect(&back).unwrap();
    let push = lib_socket(&ctx, zmq::PUSH);
    push.connect(&front).unwrap();
    for m in ["t1", "t2", "t3"] {
        push.send(m, 0).unwrap();
    }
    for m in ["t1", "t2", "t3"] {
        assert_eq!(pull.recv_bytes(0).unwrap(), m.as_bytes());
    }
}

#[test]
fn cli_monitor_watches_a_connection_to_libzmq() {
    let ctx = zmq::Context::new();
    let (_router, ep) = lib_bound(&ctx, zmq::ROUTER);
    let monitor = Proc::spawn(&["monitor", "--count", "3", "--timeout", "5000", &ep]);
    let out = monitor.success();
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split(' ').next())
        .filter(|n| *n != "CONNECT_DELAYED")
        .collect();
    assert_eq!(names[..2], ["CONNECTED", "HANDSHAKE_SUCCEEDED"], "{out}");
}

#[test]
fn cli_router_echoes_to_a_libzmq_dealer() {
    let mut router = Proc::spawn(&[
        "router",
        "--bind",
        "tcp://127.0.0.1:*",
        "--echo",
        "--count",
        "1",
    ]);
    let ep = router.bound_endpoint();
    let ctx = zmq::Context::new();
    let dealer = lib_socket(&ctx, zmq::DEALER);
    dealer.set_identity(b"lib-dealer").unwrap();
    dealer.connect(&ep).unwrap();
    dealer.send_multipart(["ping", "two"], 0).unwrap();
    assert_eq!(
        dealer.recv_multipart(0).unwrap(),
        [b"ping".to_vec(), b"two".to_vec()]
    );
    let out = router.success();
    assert!(
        out.contains("lib-dealer"),
        "the envelope shows the peer's id: {out}"
    );
}

#[test]
fn cli_pair_and_xpub_with_libzmq_peers() {
    let ctx = zmq::Context::new();
    let mut pair = Proc::spawn(&["pair", "--bind", "tcp://127.0.0.1:*", "--echo"]);
    let ep = pair.bound_endpoint();
    let lib_pair = lib_socket(&ctx, zmq::PAIR);
    lib_pair.connect(&ep).unwrap();
    lib_pair.send("boomerang", 0).unwrap();
    assert_eq!(lib_pair.recv_bytes(0).unwrap(), b"boomerang");

    let mut xpub = Proc::spawn(&["xpub", "--bind", "tcp://127.0.0.1:*", "--format", "hex"]);
    let ep = xpub.bound_endpoint();
    let sub = lib_socket(&ctx, zmq::SUB);
    sub.connect(&ep).unwrap();
    sub.set_subscribe(b"w").unwrap();
    // libzmq's SUB subscription reaches the CLI's XPUB as 0x01 then the prefix.
    assert_eq!(xpub.stdout_line(), "0177");
}
