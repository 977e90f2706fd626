//! DEALER, ROUTER, PAIR, XPUB/XSUB and REQ's relaxed/correlated modes between ferrozmq sockets, on tcp,
//! ipc and inproc.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{assert_nothing, msg, recv, send_when_routable, socket_for, Transport};
use ferrozmq::{opt, Context, Error, Socket, SocketType, DONTWAIT};

/// Receives on an XPUB until `want` arrives, ignoring nothing: the next message must be it.
fn expect(s: &Socket, want: &[&[u8]]) {
    assert_eq!(recv(s), msg(want));
}

fn dealer_router(t: Transport) {
    let ctx = Context::new();
    let router = socket_for(&ctx, SocketType::Router, t);
    router.bind(&t.bind_endpoint()).unwrap();
    let ep = router.last_endpoint();
    let alice = socket_for(&ctx, SocketType::Dealer, t);
    alice.set_routing_id(b"alice").unwrap();
    alice.connect(&ep).unwrap();
    let anon = socket_for(&ctx, SocketType::Dealer, t);
    anon.connect(&ep).unwrap();

    alice.send_multipart(msg(&[b"", b"from alice"]), 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"alice", b"", b"from alice"]));
    anon.send_multipart(msg(&[b"x", b"y"]), 0).unwrap();
    let m = recv(&router);
    assert_eq!(m.len(), 3);
    assert_eq!(m[0].len(), 5, "generated ids are 5 bytes");
    assert_eq!(m[0][0], 0, "generated ids start with 0x00");
    assert_eq!(&m[1..], &msg(&[b"x", b"y"])[..]);

    router
        .send_multipart(msg(&[b"alice", b"", b"to alice"]), 0)
        .unwrap();
    router
        .send_multipart([m[0].clone(), Bytes::from_static(b"to anon")], 0)
        .unwrap();
    // Unknown ids are dropped silently without ROUTER_MANDATORY.
    router
        .send_multipart(msg(&[b"nobody", b"lost"]), 0)
        .unwrap();
    assert_eq!(recv(&alice), msg(&[b"", b"to alice"]));
    assert_eq!(recv(&anon), msg(&[b"to anon"]));
    assert_nothing(&alice, Duration::from_millis(20));

    // Round-robin from the DEALER side: a DEALER bound, two ROUTERs connected.
    let dealer = socket_for(&ctx, SocketType::Dealer, t);
    dealer.set_routing_id(b"D").unwrap();
    dealer.bind(&t.bind_endpoint()).unwrap();
    let ep = dealer.last_endpoint();
    let r1 = socket_for(&ctx, SocketType::Router, t);
    r1.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    r1.connect(&ep).unwrap();
    let r2 = socket_for(&ctx, SocketType::Router, t);
    r2.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    r2.connect(&ep).unwrap();
    send_when_routable(&r1, &[b"D", b"one"]);
    send_when_routable(&r2, &[b"D", b"two"]);
    let mut got = [recv(&dealer), recv(&dealer)];
    got.sort();
    assert_eq!(got, [msg(&[b"one"]), msg(&[b"two"])]);
    for i in 0..4u8 {
        dealer.send(vec![i], 0).unwrap();
    }
    // Sent alternately: each ROUTER gets two, prefixed with the DEALER's id.
    for r in [&r1, &r2] {
        for _ in 0..2 {
            let m = recv(r);
            assert_eq!(m[0], "D");
            assert_eq!(m.len(), 2);
        }
    }
}

fn router_mandatory(t: Transport) {
    let ctx = Context::new();
    let router = socket_for(&ctx, SocketType::Router, t);
    router.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    router.set_sndhwm(1).unwrap();
    router.bind(&t.bind_endpoint()).unwrap();
    assert!(matches!(
        router.send_multipart(msg(&[b"nobody", b"x"]), 0),
        Err(Error::HostUnreachable)
    ));
    let dealer = socket_for(&ctx, SocketType::Dealer, t);
    dealer.set_routing_id(b"slow").unwrap();
    dealer.set_rcvhwm(1).unwrap();
    dealer.connect(&router.last_endpoint()).unwrap();
    send_when_routable(&router, &[b"slow", b"first"]);
    // The DEALER never reads: the ROUTER would block once every queue on the way is full.
    let big = vec![7u8; 64 * 1024];
    let mut sent = 0;
    loop {
        match router.send_multipart([Bytes::from_static(b"slow"), big.clone().into()], DONTWAIT) {
            Ok(()) => sent += 1,
            Err(Error::Again) => break,
            Err(e) => panic!("send at HWM: {e}"),
        }
        assert!(
            sent < 10_000,
            "the ROUTER never reached its high-water mark"
        );
    }
    assert_eq!(recv(&dealer), msg(&[b"first"]));
}

fn pair_pattern(t: Transport) {
    let ctx = Context::new();
    let (a, b) = common::pair(&ctx, SocketType::Pair, SocketType::Pair, t);
    for i in 0..3u8 {
        a.send_multipart([vec![i], vec![], vec![i; 300]], 0)
            .unwrap();
        assert_eq!(
            recv(&b),
            vec![
                Bytes::from(vec![i]),
                Bytes::new(),
                Bytes::from(vec![i; 300])
            ]
        );
        b.send("back", 0).unwrap();
        assert_eq!(recv(&a), msg(&[b"back"]));
    }
}

fn xpub_xsub(t: Transport) {
    let ctx = Context::new();
    let xpub = socket_for(&ctx, SocketType::XPub, t);
    xpub.bind(&t.bind_endpoint()).unwrap();
    let ep = xpub.last_endpoint();
    let s1 = socket_for(&ctx, SocketType::Sub, t);
    s1.connect(&ep).unwrap();
    s1.set_subscribe(b"a").unwrap();
    expect(&xpub, &[b"\x01a"]);
    let s2 = socket_for(&ctx, SocketType::Sub, t);
    s2.connect(&ep).unwrap();
    s2.set_subscribe(b"a").unwrap();
    s2.set_subscribe(b"b").unwrap();
    // The second "a" is no news; "b" is.
    expect(&xpub, &[b"\x01b"]);
    xpub.send("a1", 0).unwrap();
    assert_eq!(recv(&s1), msg(&[b"a1"]));
    assert_eq!(recv(&s2), msg(&[b"a1"]));
    s1.set_unsubscribe(b"a").unwrap();
    // s2 still holds "a": nothing. When s2 goes, its topics are cancelled.
    drop(s2);
    let mut cancels = [recv(&xpub), recv(&xpub)];
    cancels.sort();
    assert_eq!(cancels, [msg(&[b"\x00a"]), msg(&[b"\x00b"])]);

    // XSUB: subscriptions are messages the user sends; everything published arrives unfiltered.
    let xsub = socket_for(&ctx, SocketType::XSub, t);
    xsub.connect(&ep).unwrap();
    xsub.send("\x01c", 0).unwrap();
    expect(&xpub, &[b"\x01c"]);
    xpub.send("c1", 0).unwrap();
    xpub.send("d1", 0).unwrap();
    assert_eq!(recv(&xsub), msg(&[b"c1"]));
    xsub.send("\x00c", 0).unwrap();
    expect(&xpub, &[b"\x00c"]);
    // Any other message from an XSUB reaches the XPUB's user as it is.
    xsub.send_multipart(msg(&[b"hello", b"up"]), 0).unwrap();
    expect(&xpub, &[b"hello", b"up"]);
}

fn xpub_verbose(t: Transport) {
    let ctx = Context::new();
    let xpub = socket_for(&ctx, SocketType::XPub, t);
    xpub.set_option_int(opt::XPUB_VERBOSE, 1).unwrap();
    xpub.bind(&t.bind_endpoint()).unwrap();
    let ep = xpub.last_endpoint();
    let s1 = socket_for(&ctx, SocketType::Sub, t);
    s1.connect(&ep).unwrap();
    s1.set_subscribe(b"t").unwrap();
    expect(&xpub, &[b"\x01t"]);
    let s2 = socket_for(&ctx, SocketType::Sub, t);
    s2.connect(&ep).unwrap();
    s2.set_subscribe(b"t").unwrap();
    expect(&xpub, &[b"\x01t"]);
    // VERBOSE passes only the last cancel; VERBOSER every one.
    s1.set_unsubscribe(b"t").unwrap();
    s2.set_unsubscribe(b"t").unwrap();
    expect(&xpub, &[b"\x00t"]);
    xpub.set_option_int(opt::XPUB_VERBOSER, 1).unwrap();
    s1.set_subscribe(b"u").unwrap();
    s2.set_subscribe(b"u").unwrap();
    expect(&xpub, &[b"\x01u"]);
    expect(&xpub, &[b"\x01u"]);
    s1.set_unsubscribe(b"u").unwrap();
    s2.set_unsubscribe(b"u").unwrap();
    expect(&xpub, &[b"\x00u"]);
    expect(&xpub, &[b"\x00u"]);
}

fn req_relaxed_correlate(t: Transport) {
    let ctx = Context::new();
    let router = socket_for(&ctx, SocketType::Router, t);
    router.bind(&t.bind_endpoint()).unwrap();
    let req = socket_for(&ctx, SocketType::Req, t);
    req.set_option_int(opt::REQ_RELAXED, 1).unwrap();
    req.set_option_int(opt::REQ_CORRELATE, 1).unwrap();
    req.connect(&router.last_endpoint()).unwrap();
    req.send("first", 0).unwrap();
    let first = recv(&router);
    assert_eq!(first.len(), 4, "id, request id, delimiter, body");
    assert_eq!(first[1].len(), 4, "request ids are 4 bytes");
    assert_eq!(&first[2..], &msg(&[b"", b"first"])[..]);
    // Relaxed: a second request without waiting for the first reply.
    req.send("second", 0).unwrap();
    let second = recv(&router);
    assert_ne!(first[1], second[1]);
    // The reply to the first request is stale and dropped; the second's arrives.
    let reply = |req_id: &Bytes, body: &'static [u8]| {
        vec![
            second[0].clone(),
            req_id.clone(),
            Bytes::new(),
            Bytes::from_static(body),
        ]
    };
    router
        .send_multipart(reply(&first[1], b"stale"), 0)
        .unwrap();
    router
        .send_multipart(reply(&second[1], b"fresh"), 0)
        .unwrap();
    assert_eq!(recv(&req), msg(&[b"fresh"]));
    // A strict REQ refuses a second send.
    let strict = socket_for(&ctx, SocketType::Req, t);
    strict.connect(&router.last_endpoint()).unwrap();
    strict.send("q", 0).unwrap();
    assert!(matches!(strict.send("again", 0), Err(Error::WrongState)));
}

macro_rules! on_transports {
    ($($t:ident => $tr:expr),*) => {$(
        mod $t {
            use super::*;
            #[test]
            fn dealer_router() { super::dealer_router($tr) }
            #[test]
            fn router_mandatory() { super::router_mandatory($tr) }
            #[test]
            fn pair() { super::pair_pattern($tr) }
            #[test]
            fn xpub_xsub() { super::xpub_xsub($tr) }
            #[test]
            fn xpub_verbose() { super::xpub_verbose($tr) }
            #[test]
            fn req_relaxed_correlate() { super::req_relaxed_correlate($tr) }
        }
    )*};
}

on_transports!(tcp => Transport::Tcp4, ipc => Transport::IpcPath, inproc => Transport::Inproc);
