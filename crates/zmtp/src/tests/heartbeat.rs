//! PING/PONG and the heartbeat and handshake deadlines, on a virtual clock.

use std::time::{Duration, Instant};

use bytes::BytesMut;

use super::*;
use crate::Frame;

fn heartbeating(ivl_ms: u64, timeout_ms: Option<u64>) -> Config {
    let mut c = Config::new(SocketType::Dealer);
    c.heartbeat_ivl = Some(Duration::from_millis(ivl_ms));
    c.heartbeat_timeout = timeout_ms.map(Duration::from_millis);
    c.heartbeat_ttl = Some(Duration::from_millis(2500));
    c
}

#[test]
fn ping_is_answered_with_pong_echoing_context() {
    let now = Instant::now();
    let mut conn = ready_with(Config::new(SocketType::Pair), "PAIR", 1, now);
    let mut input = BytesMut::from(&command_frame("PING", b"\x00\x00ctx")[..]);
    input.extend(wire_frame(0x00, b"after"));
    let events = poll_all(&mut conn, &mut input, now).unwrap();
    assert_eq!(events, [Event::Frame(Frame::new("after"))]);
    assert_eq!(drain(&mut conn), command_frame("PONG", b"ctx"));
    assert_eq!(conn.poll_timeout(), None, "TTL 0 sets no deadline");
}

#[test]
fn pings_keep_a_live_pair_alive() {
    let mut pair = Pair::new(heartbeating(100, Some(50)), Config::new(SocketType::Router));
    pair.run();
    let t0 = pair.now;
    assert_eq!(pair.a.poll_timeout(), Some(t0 + Duration::from_millis(100)));
    for round in 1..=5u64 {
        let at = t0 + Duration::from_millis(100 * round);
        pair.advance_to(at);
        let ping = drain(&mut pair.a);
        assert_eq!(ping, command_frame("PING", &[0, 25]), "TTL 2500 ms = 25 ds");
        pair.b_in_extend(&ping);
        pair.run();
        // The PONG arrived, so the 50 ms timeout is cancelled; the next deadline is the next PING.
        assert_eq!(pair.a.poll_timeout(), Some(at + Duration::from_millis(100)));
        assert!(pair.a_err.is_none() && pair.b_err.is_none());
    }
    // The peer's TTL (2.5 s) now bounds how long the router waits for anything from us.
    assert_eq!(
        pair.b.poll_timeout(),
        Some(t0 + Duration::from_millis(500 + 2500))
    );
}

#[test]
fn silent_peer_times_out() {
    let mut pair = Pair::new(
        heartbeating(100, Some(300)),
        Config::new(SocketType::Router),
    );
    pair.run();
    pair.b_to_a = false;
    let t0 = pair.now;
    pair.advance_to(t0 + Duration::from_millis(100));
    pair.run();
    assert_eq!(pair.a.poll_timeout(), Some(t0 + Duration::from_millis(200)));
    pair.advance_to(t0 + Duration::from_millis(200));
    pair.advance_to(t0 + Duration::from_millis(300));
    assert_eq!(pair.a.poll_timeout(), Some(t0 + Duration::from_millis(400)));
    pair.advance_to(t0 + Duration::from_millis(399));
    assert!(pair.a_err.is_none());
    pair.advance_to(t0 + Duration::from_millis(400));
    assert_eq!(pair.a_err, Some(Error::HeartbeatTimeout));
    assert_eq!(pair.a.poll_timeout(), None);
    assert_eq!(
        pair.a.send(Frame::new("x")),
        Err(Error::HeartbeatTimeout),
        "sticky"
    );
}

#[test]
fn peer_ping_ttl_sets_a_receive_deadline() {
    let now = Instant::now();
    let mut conn = ready_with(Config::new(SocketType::Pair), "PAIR", 1, now);
    let mut input = BytesMut::from(&command_frame("PING", &[0, 3])[..]);
    poll_all(&mut conn, &mut input, now).unwrap();
    let deadline = now + Duration::from_millis(300);
    assert_eq!(conn.poll_timeout(), Some(deadline));
    // Any frame cancels it.
    let mut input = BytesMut::from(&wire_frame(0, b"alive")[..]);
    poll_all(&mut conn, &mut input, now).unwrap();
    assert_eq!(conn.poll_timeout(), None);
    let mut input = BytesMut::from(&command_frame("PING", &[0, 3])[..]);
    poll_all(&mut conn, &mut input, now).unwrap();
    assert_eq!(
        conn.handle_timeout(deadline - Duration::from_millis(1)),
        Ok(())
    );
    assert_eq!(conn.handle_timeout(deadline), Err(Error::HeartbeatTimeout));
}

#[test]
fn handshake_must_finish_in_time() {
    let t0 = Instant::now();
    let mut config = Config::new(SocketType::Req);
    config.handshake_ivl = Some(Duration::from_secs(1));
    let mut conn = Connection::new(config, t0);
    let deadline = t0 + Duration::from_secs(1);
    assert_eq!(conn.poll_timeout(), Some(deadline));
    let mut input = BytesMut::from(&greeting(3, 1, "NULL")[..30]);
    assert_eq!(conn.poll_event(&mut input, t0), Ok(None));
    assert_eq!(
        conn.handle_timeout(deadline - Duration::from_millis(1)),
        Ok(())
    );
    assert_eq!(conn.handle_timeout(deadline), Err(Error::HandshakeTimeout));
    assert_eq!(
        conn.poll_event(&mut input, deadline),
        Err(Error::HandshakeTimeout),
        "sticky"
    );
    assert_eq!(Error::HandshakeTimeout.protocol_code(), None);

    let mut config = Config::new(SocketType::Req);
    config.handshake_ivl = None;
    assert_eq!(Connection::new(config, t0).poll_timeout(), None);
}
