//! SUBSCRIBE/CANCEL commands for ZMTP 3.1 peers, `0x01`/`0x00` frames for 3.0 peers.

use std::time::Instant;

use bytes::BytesMut;

use super::*;
use crate::Frame;

#[test]
fn sub_to_pub_uses_commands_and_pub_sees_frames() {
    for (sub, publ) in [
        (SocketType::Sub, SocketType::Pub),
        (SocketType::XSub, SocketType::XPub),
    ] {
        let mut pair = Pair::ready(sub, publ);
        pair.a.send(Frame::new(&b"\x01news"[..])).unwrap();
        assert_eq!(drain_peek(&mut pair), command_frame("SUBSCRIBE", b"news"));
        pair.a.send(Frame::new(&b"\x00news"[..])).unwrap();
        assert_eq!(drain_peek(&mut pair), command_frame("CANCEL", b"news"));
        pair.a.send(Frame::new(&b"\x01"[..])).unwrap();
        pair.run();
        assert_eq!(
            pair.b_events,
            [
                Event::Frame(Frame::new(&b"\x01news"[..])),
                Event::Frame(Frame::new(&b"\x00news"[..])),
                Event::Frame(Frame::new(&b"\x01"[..])),
            ]
        );
    }
}

/// Moves a's pending output to b without polling b; returns those bytes.
fn drain_peek(pair: &mut Pair) -> Vec<u8> {
    let bytes = drain(&mut pair.a);
    let mut input = BytesMut::from(&bytes[..]);
    let now = pair.now;
    pair.b_events
        .extend(poll_all(&mut pair.b, &mut input, now).unwrap());
    bytes
}

#[test]
fn only_single_first_frames_are_converted() {
    let now = Instant::now();
    let mut conn = ready_with(Config::new(SocketType::XSub), "XPUB", 1, now);
    conn.send(Frame::new(&b"\x01a"[..]).with_more(true))
        .unwrap();
    conn.send(Frame::new(&b"\x01b"[..])).unwrap();
    conn.send(Frame::new("")).unwrap();
    conn.send(Frame::new(&b"\x02c"[..])).unwrap();
    let mut expect = wire_frame(0x01, b"\x01a");
    expect.extend(wire_frame(0x00, b"\x01b"));
    expect.extend(wire_frame(0x00, b""));
    expect.extend(wire_frame(0x00, b"\x02c"));
    assert_eq!(drain(&mut conn), expect);
}

#[test]
fn zmtp_3_0_peers_get_frames() {
    let now = Instant::now();
    let mut conn = ready_with(Config::new(SocketType::Sub), "PUB", 0, now);
    conn.send(Frame::new(&b"\x01topic"[..])).unwrap();
    assert_eq!(drain(&mut conn), wire_frame(0x00, b"\x01topic"));
}

#[test]
fn publishers_never_convert_outgoing_frames() {
    let now = Instant::now();
    let mut conn = ready_with(Config::new(SocketType::Pub), "SUB", 1, now);
    conn.send(Frame::new(&b"\x01x"[..])).unwrap();
    assert_eq!(drain(&mut conn), wire_frame(0x00, b"\x01x"));
}

#[test]
fn subscriptions_reach_only_publishers() {
    let now = Instant::now();
    let mut input = BytesMut::new();
    input.extend(command_frame("SUBSCRIBE", b""));
    input.extend(command_frame("CANCEL", b"t"));
    input.extend(wire_frame(0x00, b"\x01legacy"));
    let mut publ = ready_with(Config::new(SocketType::XPub), "SUB", 1, now);
    let events = poll_all(&mut publ, &mut input.clone(), now).unwrap();
    assert_eq!(
        events,
        [
            Event::Frame(Frame::new(&b"\x01"[..])),
            Event::Frame(Frame::new(&b"\x00t"[..])),
            Event::Frame(Frame::new(&b"\x01legacy"[..])),
        ]
    );
    let mut sub = ready_with(Config::new(SocketType::Sub), "PUB", 1, now);
    let events = poll_all(&mut sub, &mut input, now).unwrap();
    assert_eq!(events, [Event::Frame(Frame::new(&b"\x01legacy"[..]))]);
}
