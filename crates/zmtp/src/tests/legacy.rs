//! ZMTP 2.0 and 1.0 peers, as raw byte scripts: libzmq's downgrade (identities first, the older
//! framing, no commands).

use std::time::Instant;

use bytes::BytesMut;

use super::*;
use crate::{Frame, PeerInfo};

/// A connection of type `local` (routing id `id`) fed `script`; its events and everything it wrote.
fn run(local: SocketType, id: &[u8], script: &[u8]) -> (Connection, Vec<Event>, Vec<u8>) {
    let now = Instant::now();
    let mut config = Config::new(local);
    config.routing_id = bytes::Bytes::copy_from_slice(id);
    let mut conn = Connection::new(config, now);
    let mut input = BytesMut::from(script);
    let events = poll_all(&mut conn, &mut input, now).expect("no error");
    let out = drain(&mut conn);
    (conn, events, out)
}

/// The 10-byte signature a peer with an empty routing id sends.
const SIG: [u8; 10] = [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f];

fn ready(events: &[Event]) -> &PeerInfo {
    match events.first() {
        Some(Event::Ready(peer)) => peer,
        other => panic!("expected Ready first, got {other:?}"),
    }
}

fn frames(events: &[Event]) -> Vec<Frame> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Frame(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn zmtp_2_0_peer() {
    // Greeting: signature, revision 1, socket type PUSH (8); identity "bob"; a two-frame message.
    let mut script = SIG.to_vec();
    script.extend_from_slice(&[1, 8]);
    script.extend_from_slice(b"\x00\x03bob\x01\x01a\x00\x02bc");
    let (mut conn, events, out) = run(SocketType::Pull, b"", &script);
    // Ours: signature, major 3, our type (PULL = 7) instead of the rest, then our empty identity.
    let mut expected = SIG.to_vec();
    expected.extend_from_slice(&[3, 7, 0x00, 0x00]);
    assert_eq!(out, expected);
    let peer = ready(&events);
    assert_eq!(peer.version, (2, 0));
    assert_eq!(peer.socket_type, SocketType::Push);
    assert_eq!(peer.routing_id.as_deref(), Some(&b"bob"[..]));
    assert_eq!(peer.metadata.get("Socket-Type").unwrap(), "PUSH");
    assert_eq!(
        frames(&events),
        [Frame::new("a").with_more(true), Frame::new("bc")]
    );
    assert!(conn.is_ready());
    conn.send(Frame::new("yo")).unwrap();
    assert_eq!(drain(&mut conn), b"\x00\x02yo");
}

#[test]
fn zmtp_2_0_peer_byte_by_byte() {
    let mut script = SIG.to_vec();
    script.extend_from_slice(&[1, 8]);
    script.extend_from_slice(b"\x00\x00\x00\x05hello");
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Pull), now);
    let mut input = BytesMut::new();
    let mut events = Vec::new();
    for &b in &script {
        input.extend_from_slice(&[b]);
        events.extend(poll_all(&mut conn, &mut input, now).unwrap());
    }
    assert_eq!(ready(&events).routing_id, None);
    assert_eq!(frames(&events), [Frame::new("hello")]);
}

#[test]
fn versioned_zmtp_1_0_peer() {
    // Revision 0: ZMTP 1.0 framing (size counting the flags byte, then flags).
    let mut script = SIG.to_vec();
    script.extend_from_slice(&[0, 1]); // PUB
    script.extend_from_slice(b"\x01\x00\x03\x00hi");
    let (mut conn, events, out) = run(SocketType::Sub, b"me", &script);
    let mut expected = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 3, 0x7f, 3, 2];
    expected.extend_from_slice(b"\x03\x00me");
    assert_eq!(out, expected);
    assert_eq!(ready(&events).version, (1, 0));
    assert_eq!(ready(&events).socket_type, SocketType::Pub);
    assert_eq!(frames(&events), [Frame::new("hi")]);
    // A SUB's subscription goes out as a message, the only form ZMTP 1.0 and 2.0 know.
    conn.send(Frame::new(&b"\x01topic"[..])).unwrap();
    assert_eq!(drain(&mut conn), b"\x07\x00\x01topic");
}

#[test]
fn unversioned_zmtp_1_0_peer() {
    // No greeting: the peer's identity message ("x") comes first, then a long message.
    let mut script = b"\x02\x00x".to_vec();
    let body = vec![9u8; 300];
    script.extend_from_slice(&[0xff, 0, 0, 0, 0, 0, 0, 0x01, 0x2d, 0x00]);
    script.extend_from_slice(&body);
    let (mut conn, events, out) = run(SocketType::Pull, b"me", &script);
    // Our signature was the header of our identity message: its body follows, and nothing else.
    let mut expected = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 3, 0x7f];
    expected.extend_from_slice(b"me");
    assert_eq!(out, expected);
    let peer = ready(&events);
    assert_eq!(peer.version, (1, 0));
    assert_eq!(peer.routing_id.as_deref(), Some(&b"x"[..]));
    assert!(SocketType::Pull.is_compatible(peer.socket_type));
    assert_eq!(frames(&events), [Frame::new(body)]);
    conn.send(Frame::new("ok").with_more(true)).unwrap();
    assert_eq!(drain(&mut conn), b"\x03\x01ok");
}

#[test]
fn a_publisher_subscribes_an_unversioned_peer_to_everything() {
    let (_, events, _) = run(SocketType::Pub, b"", b"\x01\x00");
    assert_eq!(frames(&events), [Frame::new(&b"\x01"[..])]);
    // A ZMTP 2.0 subscriber sends its own subscriptions: no phantom one.
    let mut script = SIG.to_vec();
    script.extend_from_slice(&[1, 2, 0, 0]);
    let (_, events, _) = run(SocketType::Pub, b"", &script);
    assert!(frames(&events).is_empty());
}

#[test]
fn older_peers_are_refused_with_security() {
    // libzmq speaks ZMTP 1.0/2.0 only when ZAP is off: a mechanism other than NULL, or NULL with a
    // ZAP domain, refuses them.
    let plain = || {
        let mut c = Config::new(SocketType::Pull);
        c.mechanism = crate::MechanismConfig::PlainServer;
        c
    };
    let zap_null = || {
        let mut c = Config::new(SocketType::Pull);
        c.zap_domain = bytes::Bytes::from_static(b"global");
        c
    };
    let mut v2 = SIG.to_vec();
    v2.extend_from_slice(&[1, 8]);
    for (config, script, revision) in [
        (plain(), &b"\x01\x00"[..], None),
        (plain(), &v2[..], Some(1)),
        (zap_null(), &b"\x01\x00"[..], None),
        (zap_null(), &v2[..], Some(1)),
    ] {
        let now = Instant::now();
        let mut conn = Connection::new(config, now);
        let mut input = BytesMut::from(script);
        assert_eq!(
            poll_all(&mut conn, &mut input, now),
            Err(Error::UnsupportedVersion { revision })
        );
    }
}

#[test]
fn zmtp_1_0_rejects_a_zero_size() {
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Pull), now);
    let mut input = BytesMut::from(&b"\x01\x00\x00"[..]);
    assert!(poll_all(&mut conn, &mut input, now).is_err());
}
