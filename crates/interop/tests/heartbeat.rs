//! Heartbeats end to end (HEARTBEAT_IVL / TTL / TIMEOUT): a silent peer is dropped, and a connecting
//! socket reconnects; libzmq peers answer ferrozmq's PINGs and ferrozmq answers libzmq's, so live
//! connections stay up.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ferrozmq::event::{self, Event};
use ferrozmq::{opt, Context, Socket, SocketType};
use interop::RawPeer;

const WAIT: Duration = Duration::from_secs(10);

fn monitor_ep() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "inproc://heartbeat-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A socket with heartbeats every 50 ms, dropping the connection after 200 ms of silence.
fn heartbeating(ctx: &Context, ty: SocketType) -> Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_linger(0).unwrap();
    s.set_rcvtimeo(5_000).unwrap();
    s.set_option_int(opt::HEARTBEAT_IVL, 50).unwrap();
    s.set_option_int(opt::HEARTBEAT_TIMEOUT, 200).unwrap();
    s.set_option_int(opt::RECONNECT_IVL, 20).unwrap();
    s
}

/// Starts a monitor for `events` on `s`; returns the reader.
fn watch(ctx: &Context, s: &Socket, events: u32) -> Socket {
    let ep = monitor_ep();
    s.monitor(ep.as_str(), events).unwrap();
    let r = ctx.socket(SocketType::Pair).unwrap();
    r.set_rcvtimeo(WAIT.as_millis() as i32).unwrap();
    r.connect(&ep).unwrap();
    r
}

fn next_event(r: &Socket) -> Event {
    Event::parse(&r.recv_multipart(0).expect("an event in time")).unwrap()
}

#[test]
fn a_silent_server_is_dropped_and_the_client_reconnects() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let ctx = Context::new();
    let client = heartbeating(&ctx, SocketType::Dealer);
    client.set_option_int(opt::HEARTBEAT_TTL, 300).unwrap();
    let events = watch(
        &ctx,
        &client,
        event::DISCONNECTED | event::HANDSHAKE_SUCCEEDED,
    );
    client.connect(&endpoint).unwrap();

    let mut silent = RawPeer::accept(&listener, WAIT).unwrap();
    silent.handshake(1, "ROUTER").unwrap();
    assert_eq!(next_event(&events).event, event::HANDSHAKE_SUCCEEDED);
    // The client PINGs; the peer never answers and never sends anything.
    let ping = silent.read_frame().unwrap();
    // PING with the TTL in deciseconds (300 ms), big-endian, then an empty context.
    assert_eq!(
        ping.command(),
        Some((&b"PING"[..], &[0u8, 3][..])),
        "{ping:?}"
    );
    let started = Instant::now();
    assert_eq!(next_event(&events).event, event::DISCONNECTED);
    assert!(started.elapsed() < WAIT);
    assert!(
        silent.closed_within(WAIT),
        "the client closed the connection"
    );

    // ... and connects again, to a peer that does answer this time.
    let mut alive = RawPeer::accept(&listener, WAIT).unwrap();
    alive.handshake(1, "ROUTER").unwrap();
    assert_eq!(next_event(&events).event, event::HANDSHAKE_SUCCEEDED);
    client.send("after reconnect", 0).unwrap();
    assert_eq!(alive.read_message().unwrap(), [b"after reconnect".to_vec()]);
}

#[test]
fn a_silent_client_is_dropped_by_the_server() {
    let ctx = Context::new();
    let server = heartbeating(&ctx, SocketType::Router);
    server.bind("tcp://127.0.0.1:*").unwrap();
    let addr = server
        .last_endpoint()
        .trim_start_matches("tcp://")
        .parse()
        .unwrap();
    let mut silent = RawPeer::connect(addr).unwrap();
    silent.handshake(1, "DEALER").unwrap();
    assert!(
        silent.closed_within(WAIT),
        "the server dropped the silent peer"
    );
}

#[test]
fn heartbeat_ttl_with_a_libzmq_peer_keeps_a_live_connection_up() {
    // HEARTBEAT_TTL travels in the PING: libzmq drops us if it hears nothing within it. A live ferrozmq
    // socket keeps sending PINGs, so the connection stays up.
    let zctx = zmq::Context::new();
    let server = zctx.socket(zmq::ROUTER).unwrap();
    server.set_linger(0).unwrap();
    server.set_rcvtimeo(5_000).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = server.get_last_endpoint().unwrap().unwrap();
    let ctx = Context::new();
    let client = heartbeating(&ctx, SocketType::Dealer);
    client.set_option_int(opt::HEARTBEAT_TTL, 300).unwrap();
    let events = watch(
        &ctx,
        &client,
        event::DISCONNECTED | event::HANDSHAKE_SUCCEEDED,
    );
    client.connect(&endpoint).unwrap();
    assert_eq!(next_event(&events).event, event::HANDSHAKE_SUCCEEDED);
    stays_up(&events, Duration::from_millis(700));
    client.send("still here", 0).unwrap();
    let msg = server.recv_multipart(0).unwrap();
    assert_eq!(msg[1], b"still here");
}

#[test]
fn ferrozmq_answers_libzmq_pings() {
    let ctx = Context::new();
    let server = ctx.socket(SocketType::Router).unwrap();
    server.set_linger(0).unwrap();
    server.set_rcvtimeo(5_000).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let zctx = zmq::Context::new();
    let client = zctx.socket(zmq::DEALER).unwrap();
    client.set_linger(0).unwrap();
    client.set_heartbeat_ivl(50).unwrap();
    client.set_heartbeat_timeout(200).unwrap();
    let ep = monitor_ep();
    client
        .monitor(
            &ep,
            (event::DISCONNECTED | event::HANDSHAKE_SUCCEEDED) as i32,
        )
        .unwrap();
    let events = zctx.socket(zmq::PAIR).unwrap();
    events.set_rcvtimeo(WAIT.as_millis() as i32).unwrap();
    events.connect(&ep).unwrap();
    client.connect(&server.last_endpoint()).unwrap();
    let first = events.recv_multipart(0).unwrap();
    assert_eq!(u16::from_ne_bytes([first[0][0], first[0][1]]), 0x1000);
    // Fourteen of libzmq's heartbeat intervals without a DISCONNECTED: our PONGs reach it.
    events.set_rcvtimeo(700).unwrap();
    assert!(events.recv_multipart(0).is_err(), "libzmq dropped us");
    client.send("alive", 0).unwrap();
    assert_eq!(server.recv_multipart(0).unwrap()[1], "alive");
}

/// Asserts that no DISCONNECTED arrives on `events` for `period`.
fn stays_up(events: &Socket, period: Duration) {
    events.set_rcvtimeo(period.as_millis() as i32).unwrap();
    assert!(
        events.recv_multipart(0).is_err(),
        "the connection dropped although the peer answers"
    );
    events.set_rcvtimeo(WAIT.as_millis() as i32).unwrap();
}

#[test]
fn ferrozmq_heartbeats_to_libzmq_stay_up() {
    let zctx = zmq::Context::new();
    let server = zctx.socket(zmq::ROUTER).unwrap();
    server.set_linger(0).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ctx = Context::new();
    let client = heartbeating(&ctx, SocketType::Dealer);
    let events = watch(
        &ctx,
        &client,
        event::DISCONNECTED | event::HANDSHAKE_SUCCEEDED,
    );
    client
        .connect(&server.get_last_endpoint().unwrap().unwrap())
        .unwrap();
    assert_eq!(next_event(&events).event, event::HANDSHAKE_SUCCEEDED);
    stays_up(&events, Duration::from_millis(700));
}
