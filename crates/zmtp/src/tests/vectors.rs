//! Exact bytes: the greeting stages and READY commands, checked against the specs and libzmq.

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::*;
use crate::{Frame, Metadata};

const DEALER_READY: &[u8] =
    b"\x04\x29\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00";

#[test]
fn greeting_is_sent_in_libzmq_stages() {
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Dealer), now);
    assert_eq!(drain(&mut conn), [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]);
    let peer = greeting(3, 1, "NULL");
    let mut input = BytesMut::from(&peer[..9]);
    assert_eq!(conn.poll_event(&mut input, now), Ok(None));
    assert_eq!(conn.read_hint(), 2);
    assert!(
        drain(&mut conn).is_empty(),
        "major waits for the peer's whole signature"
    );
    input.extend_from_slice(&peer[9..10]);
    assert_eq!(conn.poll_event(&mut input, now), Ok(None));
    assert_eq!(drain(&mut conn), [3]);
    input.extend_from_slice(&peer[10..11]);
    assert_eq!(conn.poll_event(&mut input, now), Ok(None));
    assert_eq!(drain(&mut conn), greeting(3, 1, "NULL")[11..]);
    assert_eq!(conn.read_hint(), 53);
    input.extend_from_slice(&peer[11..]);
    assert_eq!(conn.poll_event(&mut input, now), Ok(None));
    assert_eq!(
        drain(&mut conn),
        DEALER_READY,
        "the RFC's DEALER READY example"
    );
    assert!(input.is_empty());
}

#[test]
fn whole_greeting_at_once_gives_the_same_bytes() {
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Dealer), now);
    let mut input = BytesMut::from(&greeting(3, 1, "NULL")[..]);
    assert_eq!(conn.poll_event(&mut input, now), Ok(None));
    let mut expect = greeting(3, 1, "NULL");
    expect.extend_from_slice(DEALER_READY);
    assert_eq!(drain(&mut conn), expect);
}

#[test]
fn ready_properties_per_socket_type() {
    let now = Instant::now();
    let ready_of = |config: Config| {
        let mut conn = Connection::new(config, now);
        poll_all(
            &mut conn,
            &mut BytesMut::from(&greeting(3, 1, "NULL")[..]),
            now,
        )
        .unwrap();
        drain(&mut conn).split_off(64)
    };
    assert_eq!(
        ready_of(Config::new(SocketType::Pub)),
        b"\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB"
    );
    let mut req = Config::new(SocketType::Req);
    req.routing_id = Bytes::from_static(b"abc");
    req.metadata.insert("X-Hello", "world");
    let mut body =
        b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x03abc".to_vec();
    body.extend_from_slice(b"\x07X-Hello\x00\x00\x00\x05world");
    assert_eq!(body.len(), 58);
    assert_eq!(ready_of(req.clone()), wire_frame(0x04, &body));
    // The greeting padding carries the ZMTP 1.0 identity length, as libzmq writes it.
    let mut conn = Connection::new(req, now);
    assert_eq!(drain(&mut conn), [0xff, 0, 0, 0, 0, 0, 0, 0, 4, 0x7f]);
}

#[test]
fn hand_fed_zmtp_3_0_peer() {
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Rep), now);
    let mut input = BytesMut::from(&greeting(3, 0, "NULL")[..]);
    input.extend_from_slice(&ready_frame(
        "DEALER",
        &[("Identity", b"id1"), ("X-App", b"v")],
    ));
    input.extend_from_slice(&wire_frame(0x01, b""));
    input.extend_from_slice(&wire_frame(0x00, &[5u8; 300]));
    let events = poll_all(&mut conn, &mut input, now).unwrap();
    let [Event::Ready(peer), Event::Frame(delim), Event::Frame(body)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(peer.version, (3, 0));
    assert_eq!(peer.socket_type, SocketType::Dealer);
    assert_eq!(peer.routing_id.as_deref(), Some(&b"id1"[..]));
    let mut meta = Metadata::new();
    meta.insert("Socket-Type", "DEALER");
    meta.insert("Identity", "id1");
    meta.insert("X-App", "v");
    assert_eq!(peer.metadata, meta);
    assert_eq!(conn.peer(), Some(peer));
    assert_eq!(*delim, Frame::new("").with_more(true));
    assert_eq!(*body, Frame::new(vec![5u8; 300]));

    drain(&mut conn);
    conn.send(Frame::new("").with_more(true)).unwrap();
    conn.send(Frame::new(vec![1u8; 256])).unwrap();
    let mut expect = vec![0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 1, 0];
    expect.extend_from_slice(&[1u8; 256]);
    assert_eq!(drain(&mut conn), expect);
}

#[test]
fn empty_identity_is_no_routing_id() {
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Router), now);
    let mut input = BytesMut::from(&greeting(3, 1, "NULL")[..]);
    input.extend_from_slice(&ready_frame("DEALER", &[("Identity", b"")]));
    let events = poll_all(&mut conn, &mut input, now).unwrap();
    let [Event::Ready(peer)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(peer.routing_id, None);
    assert_eq!(peer.version, (3, 1));
}
