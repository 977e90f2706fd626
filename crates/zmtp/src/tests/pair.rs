//! Two connections in memory: handshake, messages both ways, size hints.

use bytes::Bytes;

use super::*;
use crate::write_buf::ZERO_COPY_MIN;
use crate::Frame;

#[test]
fn dealer_router_handshake_and_traffic() {
    let mut dealer = Config::new(SocketType::Dealer);
    dealer.routing_id = Bytes::from_static(b"D1");
    let mut pair = Pair::new(dealer, Config::new(SocketType::Router));
    assert_eq!(pair.a.send(Frame::new("early")), Err(Error::NotReady));
    pair.run();
    let [Event::Ready(router_seen_by_dealer)] = pair.a_events.as_slice() else {
        panic!("{:?}", pair.a_events)
    };
    let [Event::Ready(dealer_seen_by_router)] = pair.b_events.as_slice() else {
        panic!("{:?}", pair.b_events)
    };
    assert_eq!(router_seen_by_dealer.socket_type, SocketType::Router);
    assert_eq!(router_seen_by_dealer.routing_id, None);
    assert_eq!(router_seen_by_dealer.version, (3, 1));
    assert_eq!(
        dealer_seen_by_router.routing_id.as_deref(),
        Some(&b"D1"[..])
    );
    assert_eq!(pair.b.peer(), Some(dealer_seen_by_router));
    assert!(pair.a.is_ready() && pair.b.is_ready());
    assert_eq!(
        pair.a.poll_timeout(),
        None,
        "no handshake deadline once ready, no heartbeats"
    );
    pair.a_events.clear();
    pair.b_events.clear();

    let big = Bytes::from(vec![0xabu8; 3 * ZERO_COPY_MIN]);
    let sent = [
        Frame::new("").with_more(true),
        Frame::new(big).with_more(true),
        Frame::new("tail"),
    ];
    for f in sent.clone() {
        pair.a.send(f).unwrap();
    }
    pair.b.send(Frame::new("reply")).unwrap();
    pair.run();
    let got: Vec<Frame> = pair
        .b_events
        .drain(..)
        .map(|e| match e {
            Event::Frame(f) => f,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, sent);
    assert_eq!(pair.a_events, [Event::Frame(Frame::new("reply"))]);
}

#[test]
fn every_compatible_pair_handshakes() {
    for a in SocketType::ALL {
        for b in SocketType::ALL {
            if a.is_compatible(b) {
                let pair = Pair::ready(a, b);
                assert_eq!(pair.a.peer().map(|p| p.socket_type), Some(b));
                assert_eq!(pair.b.peer().map(|p| p.socket_type), Some(a));
            }
        }
    }
}

#[test]
fn incompatible_pair_fails_both_sides() {
    let mut pair = Pair::new(Config::new(SocketType::Push), Config::new(SocketType::Push));
    pair.run();
    for err in [&pair.a_err, &pair.b_err] {
        assert_eq!(
            err.as_ref(),
            Some(&Error::IncompatibleSocketType {
                ours: SocketType::Push,
                peer: "PUSH".into()
            })
        );
    }
    assert!(!pair.a.is_ready());
}

#[test]
fn read_hint_asks_for_the_rest_of_a_large_body() {
    let now = Instant::now();
    let mut config = Config::new(SocketType::Pull);
    config.max_msg_size = Some(1 << 20);
    let mut conn = ready_with(config, "PUSH", 1, now);
    let frame = wire_frame(0x00, &vec![7u8; 100_000]);
    let mut input = BytesMut::from(&frame[..1000]);
    assert_eq!(conn.poll_event(&mut input, now), Ok(None));
    assert_eq!(conn.read_hint(), 100_000 - (1000 - 9));
    input.extend_from_slice(&frame[1000..]);
    let Some(Event::Frame(f)) = conn.poll_event(&mut input, now).unwrap() else {
        panic!()
    };
    assert_eq!(f.data.len(), 100_000);
    assert_eq!(conn.read_hint(), 1);

    // Without a limit, a declared 1 TiB body only ever asks for 16 MiB.
    let mut conn = ready_with(Config::new(SocketType::Pull), "PUSH", 1, now);
    let mut input = BytesMut::from(&[0x02, 0, 0, 1, 0, 0, 0, 0, 0][..]);
    assert_eq!(conn.poll_event(&mut input, now), Ok(None));
    assert_eq!(conn.read_hint(), 16 << 20);
    assert!(
        input.capacity() < 1 << 20,
        "nothing reserved for the declared size"
    );
}
