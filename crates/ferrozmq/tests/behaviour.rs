//! Socket semantics beyond moving bytes: connect-before-bind, state errors, high-water marks,
//! timeouts, context shutdown, unbind/rebind, LAST_ENDPOINT, subscriptions, slow subscribers,
//! load balancing and queueing for late peers.

mod common;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{
    assert_nothing, await_subscription, free_tcp_port, msg, recv, recv_skip_probes, socket,
    socket_for, Transport, PROBE, TIMEOUT_MS,
};
use ferrozmq::{errno, opt, Context, Error, SocketType, DONTWAIT};

// ---------------------------------------------------------------------------------------------
// connect before bind

fn connect_before_bind(t: Transport) {
    if !t.available() {
        eprintln!("skipped: {t:?} not available here");
        return;
    }
    let ctx = Context::new();
    let ep = t.fixed_endpoint();

    let push = socket_for(&ctx, SocketType::Push, t);
    push.connect(&ep).expect("connect before anyone binds");
    for i in 0..5u8 {
        push.send(vec![i], DONTWAIT)
            .expect("a connected PUSH queues before the peer exists");
    }
    let pull = socket_for(&ctx, SocketType::Pull, t);
    pull.bind(&ep).expect("bind after connect");
    for i in 0..5u8 {
        assert_eq!(recv(&pull), vec![Bytes::from(vec![i])]);
    }

    let ep2 = t.fixed_endpoint();
    let req = socket_for(&ctx, SocketType::Req, t);
    req.connect(&ep2).unwrap();
    req.send("early request", 0).unwrap();
    let rep = socket_for(&ctx, SocketType::Rep, t);
    rep.bind(&ep2).unwrap();
    assert_eq!(recv(&rep), msg(&[b"early request"]));
    rep.send("late reply", 0).unwrap();
    assert_eq!(recv(&req), msg(&[b"late reply"]));
}

#[test]
fn connect_before_bind_tcp() {
    connect_before_bind(Transport::Tcp4);
}

#[test]
fn connect_before_bind_tcp6() {
    connect_before_bind(Transport::Tcp6);
}

#[test]
fn connect_before_bind_ipc() {
    connect_before_bind(Transport::IpcPath);
}

#[test]
fn connect_before_bind_inproc() {
    connect_before_bind(Transport::Inproc);
}

// ---------------------------------------------------------------------------------------------
// REQ/REP state machine

#[test]
fn req_two_sends_is_efsm() {
    let ctx = Context::new();
    let ep = Transport::Inproc.bind_endpoint();
    let rep = socket(&ctx, SocketType::Rep);
    rep.bind(&ep).unwrap();
    let req = socket(&ctx, SocketType::Req);
    req.connect(&ep).unwrap();

    let e = req.recv_bytes(DONTWAIT).expect_err("REQ recv before send");
    assert!(
        matches!(e, Error::WrongState),
        "REQ recv before send: {e:?}"
    );
    assert_eq!(e.errno(), errno::EFSM);

    req.send("one", 0).unwrap();
    let e = req.send("two", 0).expect_err("second send on REQ");
    assert!(matches!(e, Error::WrongState), "second send: {e:?}");
    assert_eq!(e.errno(), errno::EFSM);

    let e = rep.send("unasked", 0).expect_err("REP send before recv");
    assert_eq!(e.errno(), errno::EFSM, "REP send before recv: {e:?}");

    // The state machine is intact after the errors.
    assert_eq!(recv(&rep), msg(&[b"one"]));
    let e = rep.recv_bytes(DONTWAIT).expect_err("REP recv twice");
    assert_eq!(e.errno(), errno::EFSM, "REP recv twice: {e:?}");
    rep.send("reply", 0).unwrap();
    assert_eq!(recv(&req), msg(&[b"reply"]));
    req.send("three", 0).unwrap();
    assert_eq!(recv(&rep), msg(&[b"three"]));
}

#[test]
fn unsupported_directions() {
    let ctx = Context::new();
    for (ty, can_send) in [
        (SocketType::Sub, false),
        (SocketType::Pull, false),
        (SocketType::Pub, true),
        (SocketType::Push, true),
    ] {
        let s = socket(&ctx, ty);
        if can_send {
            let e = s
                .recv_bytes(DONTWAIT)
                .expect_err("recv on a send-only socket");
            assert!(matches!(e, Error::NotSupported), "{ty:?} recv: {e:?}");
            assert_eq!(e.errno(), libc_enotsup());
        } else {
            let e = s
                .send("x", DONTWAIT)
                .expect_err("send on a receive-only socket");
            assert!(matches!(e, Error::NotSupported), "{ty:?} send: {e:?}");
        }
    }
}

fn libc_enotsup() -> i32 {
    // ENOTSUP on Linux.
    95
}

// ---------------------------------------------------------------------------------------------
// HWM, DONTWAIT, timeouts

fn push_to_nobody(t: Transport) {
    let ctx = Context::new();
    let push = socket(&ctx, SocketType::Push);
    push.set_sndhwm(7).unwrap();
    assert_eq!(push.option_int(opt::SNDHWM).unwrap(), 7);
    push.connect(&t.fixed_endpoint()).unwrap();
    for i in 0..7 {
        push.send(format!("m{i}"), DONTWAIT)
            .unwrap_or_else(|e| panic!("send {i} of SNDHWM=7: {e}"));
    }
    let e = push
        .send("one too many", DONTWAIT)
        .expect_err("send past SNDHWM");
    assert!(matches!(e, Error::Again), "{e:?}");
    assert_eq!(e.errno(), 11, "EAGAIN");
}

#[test]
fn push_connected_to_nobody_accepts_exactly_sndhwm_tcp() {
    push_to_nobody(Transport::Tcp4);
}

#[test]
fn push_connected_to_nobody_accepts_exactly_sndhwm_ipc() {
    push_to_nobody(Transport::IpcPath);
}

#[test]
fn bound_push_without_peer_would_block() {
    let ctx = Context::new();
    let push = socket(&ctx, SocketType::Push);
    push.bind("tcp://127.0.0.1:*").unwrap();
    assert!(matches!(push.send("x", DONTWAIT), Err(Error::Again)));
    push.set_sndtimeo(100).unwrap();
    let start = Instant::now();
    assert!(
        matches!(push.send("x", 0), Err(Error::Again)),
        "SNDTIMEO must give Again"
    );
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(90),
        "SNDTIMEO=100 gave up after {took:?}"
    );
    assert!(
        took < Duration::from_millis(TIMEOUT_MS as u64),
        "SNDTIMEO=100 took {took:?}"
    );
}

#[test]
fn rcvtimeo_gives_again() {
    let ctx = Context::new();
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind(&Transport::Inproc.bind_endpoint()).unwrap();
    assert!(matches!(pull.recv_bytes(DONTWAIT), Err(Error::Again)));
    pull.set_rcvtimeo(150).unwrap();
    assert_eq!(pull.option_int(opt::RCVTIMEO).unwrap(), 150);
    let start = Instant::now();
    let e = pull.recv_bytes(0).expect_err("nothing to receive");
    let took = start.elapsed();
    assert!(matches!(e, Error::Again), "{e:?}");
    assert!(
        took >= Duration::from_millis(140),
        "RCVTIMEO=150 gave up after {took:?}"
    );
    assert!(took < Duration::from_secs(3), "RCVTIMEO=150 took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// Context shutdown

#[test]
fn shutdown_unblocks_recv_in_another_thread() {
    let ctx = Context::new();
    let pull = socket(&ctx, SocketType::Pull);
    pull.set_rcvtimeo(30_000).unwrap(); // long enough to be "blocked"; a failure is Again, not a hang
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        let r = pull.recv_bytes(0);
        tx.send(r.map(|_| ())).unwrap();
        drop(pull);
    });
    // Give the thread time to block; the result is the same either way.
    thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    ctx.shutdown();
    let r = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("blocked recv did not return after shutdown");
    assert!(matches!(r, Err(Error::Terminated)), "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
    t.join().unwrap();

    let e = ctx
        .socket(SocketType::Push)
        .expect_err("socket after shutdown");
    assert!(matches!(e, Error::Terminated));
    assert_eq!(e.errno(), errno::ETERM);

    // term() returns once every socket is gone.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        ctx.term();
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(5))
        .expect("term() hung with no sockets left");
}

#[test]
fn shutdown_fails_calls_on_live_sockets() {
    let ctx = Context::new();
    let push = socket(&ctx, SocketType::Push);
    push.connect(&Transport::Inproc.bind_endpoint()).unwrap();
    ctx.shutdown();
    assert!(matches!(push.send("x", 0), Err(Error::Terminated)));
    assert!(matches!(
        push.bind("inproc://after-shutdown"),
        Err(Error::Terminated)
    ));
    drop(push);
}

// ---------------------------------------------------------------------------------------------
// unbind, rebind, LAST_ENDPOINT

fn unbind_rebind(t: Transport) {
    if !t.available() {
        eprintln!("skipped: {t:?} not available here");
        return;
    }
    let ctx = Context::new();
    let pull = socket_for(&ctx, SocketType::Pull, t);
    pull.bind(&t.bind_endpoint()).unwrap();
    let ep = pull.last_endpoint();
    pull.unbind(&ep)
        .unwrap_or_else(|e| panic!("unbind {ep}: {e}"));
    let e = pull.unbind(&ep).expect_err("unbind twice");
    assert!(matches!(e, Error::NoEndpoint), "second unbind: {e:?}");
    pull.bind(&ep)
        .unwrap_or_else(|e| panic!("rebind {ep}: {e}"));

    // The rebound endpoint works.
    let push = socket_for(&ctx, SocketType::Push, t);
    push.connect(&ep).unwrap();
    push.send("after rebind", 0).unwrap();
    assert_eq!(recv(&pull), msg(&[b"after rebind"]));

    // Another socket can take the endpoint after an unbind.
    pull.unbind(&ep).unwrap();
    let other = socket_for(&ctx, SocketType::Pull, t);
    other
        .bind(&ep)
        .unwrap_or_else(|e| panic!("bind {ep} after the first socket unbound it: {e}"));
}

#[test]
fn unbind_rebind_tcp() {
    unbind_rebind(Transport::Tcp4);
}

#[test]
fn unbind_rebind_tcp6() {
    unbind_rebind(Transport::Tcp6);
}

#[test]
fn unbind_rebind_ipc() {
    unbind_rebind(Transport::IpcPath);
}

#[test]
fn unbind_rebind_ipc_abstract() {
    unbind_rebind(Transport::IpcAbstract);
}

#[test]
fn unbind_rebind_inproc() {
    unbind_rebind(Transport::Inproc);
}

#[test]
fn bind_twice_is_address_in_use() {
    let ctx = Context::new();
    for t in [Transport::Tcp4, Transport::IpcAbstract, Transport::Inproc] {
        let a = socket(&ctx, SocketType::Pull);
        a.bind(&t.bind_endpoint()).unwrap();
        let ep = a.last_endpoint();
        let b = socket(&ctx, SocketType::Pull);
        let e = b.bind(&ep).expect_err("second bind");
        assert!(matches!(e, Error::AddressInUse), "{t:?}: {e:?}");
        assert_eq!(e.errno(), 98, "EADDRINUSE");
    }
}

#[test]
fn bad_endpoints() {
    let ctx = Context::new();
    let s = socket(&ctx, SocketType::Pull);
    let e = s.bind("nosuch://x").expect_err("unknown transport");
    assert!(matches!(e, Error::ProtocolNotSupported), "{e:?}");
    for bad in [
        "tcp://",
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:notaport",
        "no-scheme",
        "ipc://",
    ] {
        let e = s.bind(bad).expect_err(bad);
        assert!(matches!(e, Error::Invalid(_)), "bind {bad}: {e:?}");
    }
    let e = s
        .connect("tcp://127.0.0.1:*")
        .expect_err("connect to a wildcard port");
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
}

#[test]
fn last_endpoint() {
    let ctx = Context::new();
    let s = socket(&ctx, SocketType::Pull);
    assert_eq!(s.last_endpoint(), "");

    s.bind("tcp://127.0.0.1:*").unwrap();
    let ep = s.last_endpoint();
    let port: u16 = ep
        .strip_prefix("tcp://127.0.0.1:")
        .expect(&ep)
        .parse()
        .expect(&ep);
    assert_ne!(port, 0);
    assert_eq!(s.option_bytes(opt::LAST_ENDPOINT).unwrap(), ep.as_bytes());

    s.bind("tcp://*:*").unwrap();
    let ep = s.last_endpoint();
    let port: u16 = ep
        .strip_prefix("tcp://0.0.0.0:")
        .expect(&ep)
        .parse()
        .expect(&ep);
    assert_ne!(port, 0);

    if Transport::Tcp6.available() {
        s.set_option_int(opt::IPV6, 1).unwrap();
        s.bind("tcp://[::1]:*").unwrap();
        let ep = s.last_endpoint();
        assert!(
            ep.starts_with("tcp://[::1]:") && !ep.ends_with(":0") && !ep.ends_with('*'),
            "{ep}"
        );
    }

    let ipc = Transport::IpcPath.bind_endpoint();
    s.bind(&ipc).unwrap();
    assert_eq!(s.last_endpoint(), ipc);
    let abs = Transport::IpcAbstract.bind_endpoint();
    s.bind(&abs).unwrap();
    assert_eq!(s.last_endpoint(), abs);
    let inproc = Transport::Inproc.bind_endpoint();
    s.bind(&inproc).unwrap();
    assert_eq!(s.last_endpoint(), inproc);

    let c = socket(&ctx, SocketType::Push);
    let port = free_tcp_port("127.0.0.1:0");
    c.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    assert_eq!(c.last_endpoint(), format!("tcp://127.0.0.1:{port}"));
}

// ---------------------------------------------------------------------------------------------
// PUB/SUB

#[test]
fn sub_filtering_and_unsubscribe() {
    for t in [Transport::Tcp4, Transport::Inproc] {
        let ctx = Context::new();
        let publisher = socket(&ctx, SocketType::Pub);
        publisher.bind(&t.bind_endpoint()).unwrap();
        let sub = socket(&ctx, SocketType::Sub);
        sub.connect(&publisher.last_endpoint()).unwrap();
        sub.set_subscribe(PROBE).unwrap();
        sub.set_subscribe(b"a").unwrap();
        await_subscription(&publisher, &sub);

        for m in ["apple", "banana", "avocado", "b", "", "a"] {
            publisher.send(m, 0).unwrap();
        }
        publisher
            .send_multipart(msg(&[b"apricot", b"zzz"]), 0)
            .unwrap();
        publisher
            .send_multipart(msg(&[b"zzz", b"apricot"]), 0)
            .unwrap();
        publisher.send("end-a", 0).unwrap(); // not matched: "e..."
        publisher.send("a-end", 0).unwrap();
        assert_eq!(recv_skip_probes(&sub), msg(&[b"apple"]), "{t:?}");
        assert_eq!(recv_skip_probes(&sub), msg(&[b"avocado"]), "{t:?}");
        assert_eq!(recv_skip_probes(&sub), msg(&[b"a"]), "{t:?}");
        assert_eq!(recv_skip_probes(&sub), msg(&[b"apricot", b"zzz"]), "{t:?}");
        assert_eq!(recv_skip_probes(&sub), msg(&[b"a-end"]), "{t:?}");

        // Unsubscribe "a", subscribe "b": the subscription change travels in order, so once a "b"
        // message arrives the unsubscribe has been applied too.
        sub.set_unsubscribe(b"a").unwrap();
        sub.set_subscribe(b"b").unwrap();
        let start = Instant::now();
        loop {
            publisher.send("b-probe", 0).unwrap();
            match sub.recv_bytes(DONTWAIT) {
                Ok(m) if m == "b-probe" => break,
                Ok(m) if m == PROBE || m.starts_with(b"a") => {}
                Ok(m) => panic!("{t:?}: unexpected {m:?}"),
                Err(Error::Again) => thread::sleep(Duration::from_millis(5)),
                Err(e) => panic!("{e}"),
            }
            assert!(
                start.elapsed() < common::DEADLINE,
                "{t:?}: new subscription never arrived"
            );
        }
        publisher.send("apple", 0).unwrap();
        publisher.send("banana", 0).unwrap();
        publisher.send("b-end", 0).unwrap();
        let mut got = Vec::new();
        loop {
            let m = recv_skip_probes(&sub);
            if m == msg(&[b"b-probe"]) {
                continue;
            }
            got.push(m.clone());
            if m == msg(&[b"b-end"]) {
                break;
            }
        }
        assert_eq!(got, vec![msg(&[b"banana"]), msg(&[b"b-end"])], "{t:?}");
    }
}

#[test]
fn subscriptions_are_counted() {
    // Subscribing twice to a prefix needs two unsubscribes to remove it (libzmq's trie counts).
    let ctx = Context::new();
    let ep = Transport::Inproc.bind_endpoint();
    let publisher = socket(&ctx, SocketType::Pub);
    publisher.bind(&ep).unwrap();
    let sub = socket(&ctx, SocketType::Sub);
    sub.connect(&ep).unwrap();
    sub.set_subscribe(PROBE).unwrap();
    sub.set_subscribe(b"x").unwrap();
    sub.set_subscribe(b"x").unwrap();
    sub.set_unsubscribe(b"x").unwrap();
    await_subscription(&publisher, &sub);
    publisher.send("x1", 0).unwrap();
    assert_eq!(recv_skip_probes(&sub), msg(&[b"x1"]));
}

#[test]
fn sub_receives_nothing_without_subscription() {
    let ctx = Context::new();
    let publisher = socket(&ctx, SocketType::Pub);
    publisher.bind("tcp://127.0.0.1:*").unwrap();
    let sub = socket(&ctx, SocketType::Sub);
    sub.connect(&publisher.last_endpoint()).unwrap();
    let watcher = socket(&ctx, SocketType::Sub); // proves messages flow while `sub` gets none
    watcher.connect(&publisher.last_endpoint()).unwrap();
    watcher.set_subscribe(b"").unwrap();
    await_subscription(&publisher, &watcher);
    publisher.send("hello", 0).unwrap();
    assert_eq!(recv_skip_probes(&watcher), msg(&[b"hello"]));
    assert_nothing(&sub, Duration::from_millis(100));
}

fn pub_drops_for_slow_subscriber(t: Transport) {
    let ctx = Context::new();
    let publisher = socket(&ctx, SocketType::Pub);
    publisher.set_sndhwm(10).unwrap();
    publisher.bind(&t.bind_endpoint()).unwrap();
    let sub = socket(&ctx, SocketType::Sub);
    sub.set_rcvhwm(10).unwrap();
    sub.connect(&publisher.last_endpoint()).unwrap();
    sub.set_subscribe(b"").unwrap();
    await_subscription(&publisher, &sub);

    // 50,000 × 1 KiB = 50 MB: far more than two HWMs of 10 plus any kernel socket buffers.
    const N: u32 = 50_000;
    let body = Bytes::from(vec![0x5a; 1024]);
    let start = Instant::now();
    for i in 0..N {
        let mut m = i.to_be_bytes().to_vec();
        m.extend_from_slice(&body);
        // A blocking send: a PUB at its HWM must drop, never block (SNDTIMEO would turn a block
        // into Again after 5 s).
        publisher
            .send(m, 0)
            .unwrap_or_else(|e| panic!("{t:?}: PUB send {i} failed: {e}"));
    }
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{t:?}: sending took {:?}",
        start.elapsed()
    );
    publisher.send("last", 0).unwrap();

    let mut received = 0u32;
    let mut last_seq = None;
    sub.set_rcvtimeo(500).unwrap();
    loop {
        match sub.recv_bytes(0) {
            Ok(m) if m == PROBE || m == "last" => {}
            Ok(m) => {
                let seq = u32::from_be_bytes(m[..4].try_into().unwrap());
                assert!(
                    last_seq.is_none_or(|l| seq > l),
                    "{t:?}: out of order {seq} after {last_seq:?}"
                );
                last_seq = Some(seq);
                received += 1;
            }
            Err(Error::Again) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        received < N,
        "{t:?}: a slow subscriber got all {N} messages; nothing was dropped"
    );
}

#[test]
fn pub_drops_for_slow_subscriber_inproc() {
    pub_drops_for_slow_subscriber(Transport::Inproc);
}

#[test]
fn pub_drops_for_slow_subscriber_tcp() {
    pub_drops_for_slow_subscriber(Transport::Tcp4);
}

// ---------------------------------------------------------------------------------------------
// PUSH/PULL load balancing and queueing

fn push_round_robin(t: Transport) {
    let ctx = Context::new();
    let a = socket(&ctx, SocketType::Pull);
    a.bind(&t.bind_endpoint()).unwrap();
    let b = socket(&ctx, SocketType::Pull);
    b.bind(&t.bind_endpoint()).unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.connect(&a.last_endpoint()).unwrap();
    push.connect(&b.last_endpoint()).unwrap();
    // A PUSH connected to several endpoints alternates strictly in connect order.
    for i in 0..10u8 {
        push.send_multipart([vec![i], vec![i; 3]], 0).unwrap();
    }
    for i in (0..10u8).step_by(2) {
        assert_eq!(
            recv(&a),
            vec![Bytes::from(vec![i]), Bytes::from(vec![i; 3])],
            "{t:?}: PULL a"
        );
        assert_eq!(
            recv(&b),
            vec![Bytes::from(vec![i + 1]), Bytes::from(vec![i + 1; 3])],
            "{t:?}: PULL b"
        );
    }
    assert_nothing(&a, Duration::from_millis(20));
    assert_nothing(&b, Duration::from_millis(20));
}

#[test]
fn push_round_robin_tcp() {
    push_round_robin(Transport::Tcp4);
}

#[test]
fn push_round_robin_ipc() {
    push_round_robin(Transport::IpcAbstract);
}

#[test]
fn push_round_robin_inproc() {
    push_round_robin(Transport::Inproc);
}

fn queued_for_late_pull(t: Transport) {
    let ctx = Context::new();
    let ep = t.fixed_endpoint();
    let push = socket(&ctx, SocketType::Push);
    push.connect(&ep).unwrap();
    for i in 0..100u32 {
        push.send_multipart([i.to_be_bytes().to_vec(), b"payload".to_vec()], DONTWAIT)
            .unwrap();
    }
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind(&ep).unwrap();
    for i in 0..100u32 {
        assert_eq!(
            recv(&pull),
            vec![
                Bytes::from(i.to_be_bytes().to_vec()),
                Bytes::from_static(b"payload")
            ]
        );
    }
}

#[test]
fn queued_messages_delivered_after_late_pull_binds_tcp() {
    queued_for_late_pull(Transport::Tcp4);
}

#[test]
fn queued_messages_delivered_after_late_pull_binds_ipc() {
    queued_for_late_pull(Transport::IpcPath);
}

#[test]
fn queued_messages_delivered_after_late_pull_binds_inproc() {
    queued_for_late_pull(Transport::Inproc);
}

#[test]
fn pull_fair_queues_two_pushers() {
    let ctx = Context::new();
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let ep = pull.last_endpoint();
    let p1 = socket(&ctx, SocketType::Push);
    p1.connect(&ep).unwrap();
    let p2 = socket(&ctx, SocketType::Push);
    p2.connect(&ep).unwrap();
    for i in 0..50u8 {
        p1.send(vec![1, i], 0).unwrap();
        p2.send(vec![2, i], 0).unwrap();
    }
    let mut next = [0u8; 3];
    for _ in 0..100 {
        let m = pull.recv_bytes(0).unwrap();
        let (who, i) = (m[0] as usize, m[1]);
        assert_eq!(i, next[who], "messages from pusher {who} out of order");
        next[who] += 1;
    }
    assert_eq!(next[1..], [50, 50]);
}

// ---------------------------------------------------------------------------------------------
// options

#[test]
fn option_round_trips() {
    let ctx = Context::new();
    let s = ctx.socket(SocketType::Req).unwrap();
    assert_eq!(s.option_int(opt::SNDHWM).unwrap(), 1000);
    assert_eq!(s.option_int(opt::RCVHWM).unwrap(), 1000);
    assert_eq!(s.option_int(opt::LINGER).unwrap(), -1);
    assert_eq!(s.option_int(opt::RCVTIMEO).unwrap(), -1);
    assert_eq!(s.option_int(opt::SNDTIMEO).unwrap(), -1);
    assert_eq!(s.option_int(opt::TYPE).unwrap(), 3);
    assert_eq!(s.option_int(opt::RCVMORE).unwrap(), 0);
    s.set_linger(250).unwrap();
    assert_eq!(s.option_int(opt::LINGER).unwrap(), 250);
    s.set_rcvhwm(0).unwrap();
    assert_eq!(s.option_int(opt::RCVHWM).unwrap(), 0);
    s.set_routing_id(b"me").unwrap();
    assert_eq!(s.option_bytes(opt::ROUTING_ID).unwrap(), b"me");
    assert!(matches!(s.set_routing_id(b""), Err(Error::Invalid(_))));
    assert!(matches!(s.set_sndhwm(-1), Err(Error::Invalid(_))));
    assert!(matches!(s.set_option_int(9999, 1), Err(Error::Invalid(_))));
    assert!(s.set_subscribe(b"x").is_err(), "SUBSCRIBE on a REQ");
    s.set_linger(0).unwrap();
}

#[test]
fn rcvmore_follows_frames() {
    let ctx = Context::new();
    let ep = Transport::Inproc.bind_endpoint();
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind(&ep).unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.connect(&ep).unwrap();
    push.send("a", ferrozmq::SNDMORE).unwrap();
    push.send_frame(ferrozmq::Frame::new("b").with_more(true), 0)
        .unwrap();
    push.send("c", 0).unwrap();
    let f = pull.recv_frame(0).unwrap();
    assert!(f.more && f.data == "a" && pull.rcvmore());
    assert_eq!(pull.option_int(opt::RCVMORE).unwrap(), 1);
    let f = pull.recv_frame(0).unwrap();
    assert!(f.more && f.data == "b" && pull.rcvmore());
    let f = pull.recv_frame(0).unwrap();
    assert!(!f.more && f.data == "c" && !pull.rcvmore());
}
