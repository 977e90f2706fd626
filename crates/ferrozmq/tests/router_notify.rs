//! ROUTER_NOTIFY between ferrozmq sockets: as in libzmq, the notices travel in the connection's pipe, so a
//! peer's connect notice comes before its first message and its disconnect notice after its last one; inproc
//! links (no I/O session in libzmq either) make no notices.

mod common;

use std::time::Duration;

use common::{assert_nothing, await_event, msg, recv, socket, socket_for, watch, Transport};
use ferrozmq::event;
use ferrozmq::{opt, Context, Socket, SocketType};

/// Messages the peer sends before it goes away, unread until then.
const SENT: usize = 20;

/// A ROUTER with ROUTER_NOTIFY=3.
fn notifying_router(ctx: &Context, t: Transport) -> Socket {
    let router = socket_for(ctx, SocketType::Router, t);
    router.set_option_int(opt::ROUTER_NOTIFY, 3).unwrap();
    router
}

/// A DEALER with routing id `N` that flushes what it sent when closed.
fn flushing_dealer(ctx: &Context, t: Transport) -> Socket {
    let d = socket_for(ctx, SocketType::Dealer, t);
    d.set_routing_id(b"N").unwrap();
    d.set_linger(5_000).unwrap();
    d
}

/// The peer sends [`SENT`] messages and goes away before the ROUTER reads any of them; the ROUTER reads
/// the connect notice, every message, then the disconnect notice.
fn notices_follow_the_peers_data(t: Transport, router_binds: bool) {
    let ctx = Context::new();
    let router = notifying_router(&ctx, t);
    let monitor = watch(&ctx, &router, event::DISCONNECTED | event::CONNECT_RETRIED);
    let dealer = flushing_dealer(&ctx, t);
    if router_binds {
        router.bind(&t.bind_endpoint()).unwrap();
        dealer.connect(&router.last_endpoint()).unwrap();
    } else {
        dealer.bind(&t.bind_endpoint()).unwrap();
        router.connect(&dealer.last_endpoint()).unwrap();
    }
    for i in 0..SENT {
        dealer.send(format!("m{i}"), 0).unwrap();
    }
    drop(dealer);
    // The loss is known to the ROUTER's side: a connecting one schedules its reconnect after it.
    await_event(
        &monitor,
        if router_binds {
            event::DISCONNECTED
        } else {
            event::CONNECT_RETRIED
        },
    );
    assert_eq!(recv(&router), msg(&[b"N", b""]), "connect notice first");
    for i in 0..SENT {
        assert_eq!(recv(&router), msg(&[b"N", format!("m{i}").as_bytes()]));
    }
    assert_eq!(recv(&router), msg(&[b"N", b""]), "disconnect notice last");
    assert_nothing(&router, Duration::from_millis(20));
}

#[test]
fn notices_follow_the_peers_data_bound_tcp() {
    notices_follow_the_peers_data(Transport::Tcp4, true);
}

#[test]
fn notices_follow_the_peers_data_connecting_tcp() {
    notices_follow_the_peers_data(Transport::Tcp4, false);
}

#[test]
fn notices_follow_the_peers_data_connecting_ipc() {
    notices_follow_the_peers_data(Transport::IpcPath, false);
}

fn router_notify(t: Transport) {
    let ctx = Context::new();
    let router = notifying_router(&ctx, t);
    router.bind(&t.bind_endpoint()).unwrap();
    let d = socket_for(&ctx, SocketType::Dealer, t);
    d.set_routing_id(b"N").unwrap();
    d.connect(&router.last_endpoint()).unwrap();
    assert_eq!(recv(&router), msg(&[b"N", b""]), "connect notification");
    d.send("data", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"N", b"data"]));
    drop(d);
    assert_eq!(recv(&router), msg(&[b"N", b""]), "disconnect notification");
}

#[test]
fn router_notify_tcp() {
    router_notify(Transport::Tcp4);
}

#[test]
fn router_notify_ipc() {
    router_notify(Transport::IpcPath);
}

/// libzmq makes the notices in its stream engine, which inproc links do not have: none arrive.
#[test]
fn router_notify_is_silent_on_inproc() {
    let t = Transport::Inproc;
    let ctx = Context::new();
    let router = notifying_router(&ctx, t);
    router.bind(&t.bind_endpoint()).unwrap();
    let d = socket_for(&ctx, SocketType::Dealer, t);
    d.set_routing_id(b"N").unwrap();
    d.connect(&router.last_endpoint()).unwrap();
    d.send("data", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"N", b"data"]), "no connect notice");
    drop(d);
    assert_nothing(&router, Duration::from_millis(20));
}

/// The option is a ROUTER's, 0 to 3, and readable back (0 on other types), as in libzmq's
/// test_router_notify.
#[test]
fn router_notify_option_values() {
    let ctx = Context::new();
    let router = socket(&ctx, SocketType::Router);
    assert_eq!(router.option_int(opt::ROUTER_NOTIFY).unwrap(), 0);
    router.set_option_int(opt::ROUTER_NOTIFY, 2).unwrap();
    assert_eq!(router.option_int(opt::ROUTER_NOTIFY).unwrap(), 2);
    assert!(router.set_option_int(opt::ROUTER_NOTIFY, 4).is_err());
    assert!(router.set_option_int(opt::ROUTER_NOTIFY, -1).is_err());
    assert_eq!(router.option_int(opt::ROUTER_NOTIFY).unwrap(), 2);
    let dealer = socket(&ctx, SocketType::Dealer);
    assert!(dealer.set_option_int(opt::ROUTER_NOTIFY, 1).is_err());
    assert_eq!(dealer.option_int(opt::ROUTER_NOTIFY).unwrap(), 0);
}

/// A connecting ROUTER with ROUTER_NOTIFY=3 reports its peer's connect, its going away and its coming back
/// on the same endpoint, under the same routing id.
fn connecting_router_notify(t: Transport) {
    let ctx = Context::new();
    let first = socket_for(&ctx, SocketType::Dealer, t);
    first.set_routing_id(b"D").unwrap();
    first.bind(&t.bind_endpoint()).unwrap();
    let ep = first.last_endpoint();
    let router = notifying_router(&ctx, t);
    router.set_option_int(opt::RECONNECT_IVL, 10).unwrap();
    router.connect(&ep).unwrap();
    assert_eq!(recv(&router), msg(&[b"D", b""]), "connect notification");
    first.send("one", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"D", b"one"]));
    drop(first);
    assert_eq!(recv(&router), msg(&[b"D", b""]), "disconnect notification");
    let second = socket_for(&ctx, SocketType::Dealer, t);
    second.set_routing_id(b"D").unwrap();
    second.bind(&ep).unwrap();
    assert_eq!(recv(&router), msg(&[b"D", b""]), "reconnect notification");
    second.send("two", 0).unwrap();
    assert_eq!(recv(&router), msg(&[b"D", b"two"]));
    router.send_multipart(msg(&[b"D", b"back"]), 0).unwrap();
    assert_eq!(recv(&second), msg(&[b"back"]));
}

#[test]
fn connecting_router_notify_tcp() {
    connecting_router_notify(Transport::Tcp4);
}

#[test]
fn connecting_router_notify_ipc() {
    connecting_router_notify(Transport::IpcPath);
}

/// As libzmq's test_error_during_multipart: a connection dropped inside a message (its second part is over
/// MAXMSGSIZE) delivers the whole messages before it, not the partial one, then the disconnect notice.
#[test]
fn a_partial_message_is_dropped_before_the_disconnect_notice() {
    let t = Transport::Tcp4;
    let ctx = Context::new();
    let router = socket_for(&ctx, SocketType::Router, t);
    router.set_option_int(opt::ROUTER_NOTIFY, 2).unwrap();
    router.set_option_int(opt::MAXMSGSIZE, 64).unwrap();
    router.bind(&t.bind_endpoint()).unwrap();
    let dealer = socket_for(&ctx, SocketType::Dealer, t);
    dealer.set_routing_id(b"X").unwrap();
    dealer.connect(&router.last_endpoint()).unwrap();
    dealer.send("whole", 0).unwrap();
    dealer
        .send_multipart([b"Hello2".to_vec(), vec![b'*'; 127]], 0)
        .unwrap();
    assert_eq!(recv(&router), msg(&[b"X", b"whole"]));
    assert_eq!(recv(&router), msg(&[b"X", b""]), "the disconnect notice");
    assert_nothing(&router, Duration::from_millis(20));
}
