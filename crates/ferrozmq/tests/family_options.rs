//! The socket family's options between ferrozmq sockets: ROUTER_HANDOVER, CONNECT_ROUTING_ID, PROBE_ROUTER,
//! XPUB_MANUAL, XPUB_WELCOME_MSG, XPUB_NODROP, INVERT_MATCHING and CONFLATE (ROUTER_NOTIFY: router_notify.rs).

mod common;

use std::time::Duration;

use common::{
    assert_nothing, await_event, await_subscription, msg, recv, recv_skip_probes,
    send_when_routable, socket_for, watch, Transport,
};
use ferrozmq::{event, opt, Context, Error, Socket, SocketType, DONTWAIT};

fn bound(ctx: &Context, ty: SocketType, t: Transport) -> (Socket, String) {
    let s = socket_for(ctx, ty, t);
    s.bind(&t.bind_endpoint()).unwrap();
    let ep = s.last_endpoint();
    (s, ep)
}

fn dealer(ctx: &Context, t: Transport, id: &[u8], ep: &str) -> Socket {
    let d = socket_for(ctx, SocketType::Dealer, t);
    d.set_routing_id(id).unwrap();
    d.connect(ep).unwrap();
    d
}

fn router_handover(t: Transport) {
    let ctx = Context::new();
    let (router, ep) = bound(&ctx, SocketType::Router, t);
    router.set_option_int(opt::ROUTER_HANDOVER, 1).unwrap();
    let old = dealer(&ctx, t, b"X", &ep);
    old.send("from old", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"X", b"from old"]));
    let new = dealer(&ctx, t, b"X", &ep);
    new.send("from new", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"X", b"from new"]));
    router.send_multipart(msg(&[b"X", b"reply"]), 0).unwrap();
    assert_eq!(recv(&new), msg(&[b"reply"]));
    assert_nothing(&old, Duration::from_millis(20));
}

fn duplicate_id_without_handover_is_ignored(t: Transport) {
    let ctx = Context::new();
    let (router, ep) = bound(&ctx, SocketType::Router, t);
    let first = dealer(&ctx, t, b"X", &ep);
    first.send("one", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"X", b"one"]));
    let second = dealer(&ctx, t, b"X", &ep);
    second.send("ignored", 0).unwrap();
    first.send("two", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"X", b"two"]));
    assert_nothing(&router, Duration::from_millis(20));
}

fn connect_routing_id(t: Transport) {
    let ctx = Context::new();
    let (server, ep) = bound(&ctx, SocketType::Dealer, t);
    let router = socket_for(&ctx, SocketType::Router, t);
    router.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    router
        .set_option_bytes(opt::CONNECT_ROUTING_ID, b"named")
        .unwrap();
    router.connect(&ep).unwrap();
    send_when_routable(&router, &[b"named", b"hello"]);
    assert_eq!(recv(&server), msg(&[b"hello"]));
    server.send("back", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"named", b"back"]));
    // The id applies to that one connect only.
    assert!(router
        .set_option_bytes(opt::CONNECT_ROUTING_ID, b"")
        .is_err());
    // As in libzmq, only ROUTER and STREAM take the option.
    assert!(server
        .set_option_bytes(opt::CONNECT_ROUTING_ID, b"x")
        .is_err());
}

/// CONNECT_ROUTING_ID names the peer of a connect made with IMMEDIATE=1 too, whose link comes only after
/// the handshake (libzmq's documentation; libzmq 4.3.4 itself ignores the id then).
fn connect_routing_id_with_immediate(t: Transport) {
    let ctx = Context::new();
    let (server, ep) = bound(&ctx, SocketType::Router, t);
    let router = socket_for(&ctx, SocketType::Router, t);
    router.set_routing_id(b"client").unwrap();
    router.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    router.set_option_int(opt::IMMEDIATE, 1).unwrap();
    router
        .set_option_bytes(opt::CONNECT_ROUTING_ID, b"named")
        .unwrap();
    router.connect(&ep).unwrap();
    send_when_routable(&router, &[b"named", b"hello"]);
    assert_eq!(recv(&server), msg(&[b"client", b"hello"]));
    server
        .send_multipart(msg(&[b"client", b"back"]), 0)
        .unwrap();
    assert_eq!(recv(&router), msg(&[b"named", b"back"]));
}

#[test]
fn connect_routing_id_with_immediate_tcp() {
    connect_routing_id_with_immediate(Transport::Tcp4);
}

#[test]
fn connect_routing_id_with_immediate_ipc() {
    connect_routing_id_with_immediate(Transport::IpcPath);
}

/// With IMMEDIATE=1 each connection gets a new link: the one after a reconnect takes the CONNECT_ROUTING_ID
/// once the last connection's unread messages are read.
#[test]
fn connect_routing_id_with_immediate_survives_a_reconnect() {
    let t = Transport::Tcp4;
    let ctx = Context::new();
    let ep = t.fixed_endpoint();
    let first = socket_for(&ctx, SocketType::Dealer, t);
    first.set_linger(5_000).unwrap();
    first.bind(&ep).unwrap();
    let router = socket_for(&ctx, SocketType::Router, t);
    router.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    router.set_option_int(opt::IMMEDIATE, 1).unwrap();
    router.set_option_int(opt::RECONNECT_IVL, 10).unwrap();
    router
        .set_option_bytes(opt::CONNECT_ROUTING_ID, b"named")
        .unwrap();
    let monitor = watch(&ctx, &router, event::HANDSHAKE_SUCCEEDED);
    router.connect(&ep).unwrap();
    send_when_routable(&router, &[b"named", b"one"]);
    assert_eq!(recv(&first), msg(&[b"one"]));
    first.send("old", 0).unwrap();
    drop(first);
    let second = socket_for(&ctx, SocketType::Dealer, t);
    second.bind(&ep).unwrap();
    second.send("new", 0).unwrap();
    await_event(&monitor, event::HANDSHAKE_SUCCEEDED);
    await_event(&monitor, event::HANDSHAKE_SUCCEEDED);
    assert_eq!(recv(&router), msg(&[b"named", b"old"]));
    assert_eq!(recv(&router), msg(&[b"named", b"new"]));
    router.send_multipart(msg(&[b"named", b"two"]), 0).unwrap();
    assert_eq!(recv(&second), msg(&[b"two"]));
}

fn probe_router(t: Transport) {
    let ctx = Context::new();
    let (router, ep) = bound(&ctx, SocketType::Router, t);
    let d = socket_for(&ctx, SocketType::Dealer, t);
    d.set_routing_id(b"P").unwrap();
    d.set_option_int(opt::PROBE_ROUTER, 1).unwrap();
    d.connect(&ep).unwrap();
    assert_eq!(recv(&router), msg(&[b"P", b""]), "the probe");
    router.send_multipart(msg(&[b"P", b"known"]), 0).unwrap();
    assert_eq!(recv(&d), msg(&[b"known"]));
}

fn xpub_manual(t: Transport) {
    let ctx = Context::new();
    let (xpub, ep) = bound(&ctx, SocketType::XPub, t);
    xpub.set_option_int(opt::XPUB_MANUAL, 1).unwrap();
    let xsub = socket_for(&ctx, SocketType::XSub, t);
    xsub.connect(&ep).unwrap();
    xsub.send("\x01A", 0).unwrap();
    assert_eq!(recv(&xpub), msg(&[b"\x01A"]));
    // The user subscribes that subscriber to B instead of A.
    xpub.set_subscribe(b"B").unwrap();
    xpub.send("A1", 0).unwrap();
    xpub.send("B1", 0).unwrap();
    assert_eq!(recv(&xsub), msg(&[b"B1"]));
    // Repeats are handed up too; a departing subscriber's requests come back as cancels.
    xsub.send("\x01A", 0).unwrap();
    assert_eq!(recv(&xpub), msg(&[b"\x01A"]));
    drop(xsub);
    assert_eq!(recv(&xpub), msg(&[b"\x00A"]));
}

fn xpub_welcome_msg(t: Transport) {
    let ctx = Context::new();
    let (xpub, ep) = bound(&ctx, SocketType::XPub, t);
    xpub.set_option_bytes(opt::XPUB_WELCOME_MSG, b"W").unwrap();
    let sub = socket_for(&ctx, SocketType::Sub, t);
    sub.set_subscribe(b"W").unwrap();
    sub.connect(&ep).unwrap();
    // As in libzmq, the XPUB takes the new link (and sends the welcome) in its next call.
    assert_eq!(recv(&xpub), msg(&[b"\x01W"]));
    assert_eq!(recv(&sub), msg(&[b"W"]));
}

fn xpub_nodrop(t: Transport) {
    let ctx = Context::new();
    let (xpub, ep) = bound(&ctx, SocketType::XPub, t);
    xpub.set_option_int(opt::XPUB_NODROP, 1).unwrap();
    xpub.set_sndhwm(1).unwrap();
    let sub = socket_for(&ctx, SocketType::Sub, t);
    sub.set_rcvhwm(1).unwrap();
    sub.connect(&ep).unwrap();
    sub.set_subscribe(b"").unwrap();
    assert_eq!(recv(&xpub), msg(&[b"\x01"]));
    let mut sent = 0u32;
    loop {
        match xpub.send(sent.to_be_bytes().to_vec(), DONTWAIT) {
            Ok(()) => sent += 1,
            Err(Error::Again) => break,
            Err(e) => panic!("send: {e}"),
        }
        assert!(sent < 1_000_000, "XPUB_NODROP never pushed back");
    }
    // Nothing was dropped: every message sent arrives, in order.
    for i in 0..sent {
        assert_eq!(
            recv(&sub),
            vec![bytes::Bytes::from(i.to_be_bytes().to_vec())]
        );
    }
    xpub.send("after", 0).unwrap();
    assert_eq!(recv(&sub), msg(&[b"after"]));
}

fn invert_matching(t: Transport) {
    let ctx = Context::new();
    let (publisher, ep) = bound(&ctx, SocketType::Pub, t);
    publisher.set_option_int(opt::INVERT_MATCHING, 1).unwrap();
    let sub = socket_for(&ctx, SocketType::Sub, t);
    sub.set_option_int(opt::INVERT_MATCHING, 1).unwrap();
    sub.connect(&ep).unwrap();
    sub.set_subscribe(b"a").unwrap();
    await_subscription(&publisher, &sub);
    publisher.send("a1", 0).unwrap();
    publisher.send("b1", 0).unwrap();
    assert_eq!(recv_skip_probes(&sub), msg(&[b"b1"]));
}

#[test]
fn conflate_keeps_only_the_last_message() {
    let ctx = Context::new();
    let t = Transport::Inproc;
    let (pull, ep) = bound(&ctx, SocketType::Pull, t);
    pull.set_option_int(opt::CONFLATE, 1).unwrap();
    let push = socket_for(&ctx, SocketType::Push, t);
    push.connect(&ep).unwrap();
    for i in 0..20u8 {
        push.send(vec![i], DONTWAIT).unwrap();
    }
    assert_eq!(recv(&pull), vec![bytes::Bytes::from(vec![19u8])]);
    assert_nothing(&pull, Duration::from_millis(10));
    assert_eq!(pull.option_int(opt::CONFLATE).unwrap(), 1);
}

#[test]
fn conflate_over_tcp_delivers_the_last_message() {
    let ctx = Context::new();
    let t = Transport::Tcp4;
    let pull = socket_for(&ctx, SocketType::Pull, t);
    pull.set_option_int(opt::CONFLATE, 1).unwrap();
    pull.bind(&t.bind_endpoint()).unwrap();
    let push = socket_for(&ctx, SocketType::Push, t);
    push.connect(&pull.last_endpoint()).unwrap();
    for i in 0..=200u8 {
        push.send(vec![i], 0).unwrap();
    }
    // Whatever was conflated away, messages arrive in order and the last one always arrives.
    let mut last = None;
    while last != Some(200u8) {
        let m = recv(&pull);
        let v = m[0][0];
        assert!(last.is_none_or(|l| v > l), "out of order");
        last = Some(v);
    }
}

macro_rules! on_transports {
    ($($t:ident => $tr:expr),*) => {$(
        mod $t {
            use super::*;
            #[test]
            fn router_handover() { super::router_handover($tr) }
            #[test]
            fn duplicate_id_without_handover_is_ignored() { super::duplicate_id_without_handover_is_ignored($tr) }
            #[test]
            fn connect_routing_id() { super::connect_routing_id($tr) }
            #[test]
            fn probe_router() { super::probe_router($tr) }
            #[test]
            fn xpub_manual() { super::xpub_manual($tr) }
            #[test]
            fn xpub_welcome_msg() { super::xpub_welcome_msg($tr) }
            #[test]
            fn xpub_nodrop() { super::xpub_nodrop($tr) }
            #[test]
            fn invert_matching() { super::invert_matching($tr) }
        }
    )*};
}

on_transports!(tcp => Transport::Tcp4, inproc => Transport::Inproc);
