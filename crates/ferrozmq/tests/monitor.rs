//! The socket monitor: every event kind decoded from real scenarios on 127.0.0.1, in libzmq's format.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use common::{socket, watch, DEADLINE};
use ferrozmq::event::{self, Event};
use ferrozmq::{opt, Context, Error, Socket, SocketType};

/// The next event on a monitor reader.
fn next(reader: &Socket) -> Event {
    let frames = reader.recv_multipart(0).expect("a monitor event in time");
    Event::parse(&frames).expect("a two-frame event")
}

/// Reads events until one of kind `event` arrives; returns it and the ones skipped.
fn until(reader: &Socket, event: u32) -> (Event, Vec<Event>) {
    let mut skipped = Vec::new();
    loop {
        let e = next(reader);
        if e.event == event {
            return (e, skipped);
        }
        skipped.push(e);
    }
}

/// A ZMTP 3.1 greeting with this mechanism.
fn greeting(mechanism: &[u8]) -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
    let mut mech = [0u8; 20];
    mech[..mechanism.len()].copy_from_slice(mechanism);
    g.extend_from_slice(&mech);
    g.resize(64, 0);
    g
}

/// A raw peer connected to `endpoint` (`tcp://host:port`), with a read timeout.
fn raw_connect(endpoint: &str) -> TcpStream {
    let s = TcpStream::connect(endpoint.trim_start_matches("tcp://")).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s
}

#[test]
fn listening_bind_failed_accepted_handshake_disconnected_closed() {
    let ctx = Context::new();
    let server = socket(&ctx, SocketType::Rep);
    let events = watch(&ctx, &server, event::ALL);
    server.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = server.last_endpoint();
    let listening = next(&events);
    assert_eq!(listening.event, event::LISTENING);
    assert_eq!(listening.endpoint, endpoint);
    assert!(listening.value > 2, "a real fd");

    assert!(matches!(server.bind(&endpoint), Err(Error::AddressInUse)));
    let failed = next(&events);
    assert_eq!(
        (failed.event, failed.value, failed.endpoint.as_str()),
        (
            event::BIND_FAILED,
            libc_eaddrinuse(),
            // As libzmq, without the transport.
            endpoint.trim_start_matches("tcp://")
        )
    );

    let client = socket(&ctx, SocketType::Req);
    client.connect(&endpoint).unwrap();
    let accepted = next(&events);
    assert_eq!(
        (accepted.event, accepted.endpoint.as_str()),
        (event::ACCEPTED, endpoint.as_str())
    );
    let ok = next(&events);
    assert_eq!((ok.event, ok.value), (event::HANDSHAKE_SUCCEEDED, 0));
    drop(client);
    let gone = next(&events);
    assert_eq!(
        (gone.event, gone.value, gone.endpoint.as_str()),
        (event::DISCONNECTED, accepted.value, endpoint.as_str())
    );

    server.unbind(&endpoint).unwrap();
    let closed = next(&events);
    assert_eq!(
        (closed.event, closed.value, closed.endpoint.as_str()),
        (event::CLOSED, listening.value, endpoint.as_str())
    );
    server.monitor(None, 0).unwrap();
    let stopped = next(&events);
    assert_eq!(
        (stopped.event, stopped.value, stopped.endpoint.as_str()),
        (event::MONITOR_STOPPED, 0, "")
    );
}

/// The errno of a bind to an address in use (EADDRINUSE).
fn libc_eaddrinuse() -> u32 {
    Error::AddressInUse.errno() as u32
}

#[test]
fn connect_delayed_connected_retried() {
    let ctx = Context::new();
    let server = socket(&ctx, SocketType::Rep);
    server.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = server.last_endpoint();
    let client = socket(&ctx, SocketType::Req);
    client.set_option_int(opt::RECONNECT_IVL, 20).unwrap();
    let events = watch(&ctx, &client, event::ALL);
    client.connect(&endpoint).unwrap();
    let delayed = next(&events);
    assert_eq!(
        (delayed.event, delayed.endpoint.as_str()),
        (event::CONNECT_DELAYED, endpoint.as_str())
    );
    let connected = next(&events);
    assert_eq!(connected.event, event::CONNECTED);
    assert_eq!(next(&events).event, event::HANDSHAKE_SUCCEEDED);
    drop(server);
    let (gone, _) = until(&events, event::DISCONNECTED);
    assert_eq!(gone.value, connected.value, "the fd that connected");
    let (retried, _) = until(&events, event::CONNECT_RETRIED);
    assert_eq!(
        (retried.value, retried.endpoint.as_str()),
        (20, endpoint.as_str())
    );
}

#[test]
fn handshake_failed_protocol_and_no_detail() {
    let ctx = Context::new();
    let server = socket(&ctx, SocketType::Rep);
    server
        .set_option_int(opt::HANDSHAKE_IVL, 100)
        .expect("HANDSHAKE_IVL");
    let events = watch(
        &ctx,
        &server,
        event::HANDSHAKE_FAILED_PROTOCOL | event::HANDSHAKE_FAILED_NO_DETAIL,
    );
    server.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = server.last_endpoint();

    // A peer offering CURVE to a NULL socket: ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH.
    let mut curve = raw_connect(&endpoint);
    curve.write_all(&greeting(b"CURVE")).unwrap();
    let e = next(&events);
    assert_eq!(
        (e.event, e.value, e.endpoint.as_str()),
        (
            event::HANDSHAKE_FAILED_PROTOCOL,
            zmtp::protocol_code::MECHANISM_MISMATCH,
            endpoint.as_str()
        )
    );

    // A peer that says nothing: the handshake times out, with no detail.
    let _silent = raw_connect(&endpoint);
    let e = next(&events);
    assert_eq!(e.event, event::HANDSHAKE_FAILED_NO_DETAIL);
    drop(curve);
}

#[test]
fn handshake_failed_auth_from_a_peers_error() {
    // A raw server answers the greeting with ERROR "400", as a ZAP-refusing libzmq server does.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        s.write_all(&greeting(b"NULL")).unwrap();
        let mut theirs = [0u8; 64];
        s.read_exact(&mut theirs).unwrap();
        let mut error = vec![0x04, 10, 5];
        error.extend_from_slice(b"ERROR\x03400");
        s.write_all(&error).unwrap();
        // Hold the connection until the client drops it.
        let _ = s.read(&mut theirs);
    });
    let ctx = Context::new();
    let client = socket(&ctx, SocketType::Dealer);
    client.set_option_int(opt::RECONNECT_IVL, -1).unwrap();
    let events = watch(&ctx, &client, event::HANDSHAKE_FAILED_AUTH);
    client.connect(&endpoint).unwrap();
    let e = next(&events);
    assert_eq!(
        (e.event, e.value, e.endpoint.as_str()),
        (event::HANDSHAKE_FAILED_AUTH, 400, endpoint.as_str())
    );
    drop(client);
    server.join().unwrap();
}

#[test]
fn monitor_api_rules() {
    let ctx = Context::new();
    let s = socket(&ctx, SocketType::Dealer);
    assert!(matches!(
        s.monitor("tcp://127.0.0.1:5555", event::ALL),
        Err(Error::ProtocolNotSupported)
    ));
    assert!(matches!(
        s.monitor("inproc://x", 0x1_0000),
        Err(Error::Invalid(_))
    ));
    // Stopping with no monitor running is fine; so is "".
    s.monitor(None, 0).unwrap();
    s.monitor("", 0).unwrap();

    // A second monitor replaces the first, which reports MONITOR_STOPPED; closing the socket stops the
    // second one the same way, after the listener's CLOSED.
    let first = watch(&ctx, &s, event::ALL);
    let second = watch(
        &ctx,
        &s,
        event::LISTENING | event::CLOSED | event::MONITOR_STOPPED,
    );
    assert_eq!(next(&first).event, event::MONITOR_STOPPED);
    s.bind("tcp://127.0.0.1:*").unwrap();
    assert_eq!(next(&second).event, event::LISTENING);
    s.connect("tcp://127.0.0.1:1").unwrap(); // CONNECT_* are not in the mask
    drop(s);
    assert_eq!(next(&second).event, event::CLOSED);
    assert_eq!(next(&second).event, event::MONITOR_STOPPED);
    second.set_rcvtimeo(50).unwrap();
    assert!(matches!(second.recv_multipart(0), Err(Error::Again)));
}
