//! Properties: a valid stream gives the same events and output however it is split, and no input
//! makes a connection panic.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::Frame;

/// One item of the peer's traffic after the handshake.
#[derive(Clone, Debug)]
enum Item {
    Frame(Vec<u8>, bool),
    Ping(u16, Vec<u8>),
    Unknown,
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        4 => (prop::collection::vec(any::<u8>(), 0..600), any::<bool>()).prop_map(|(b, m)| Item::Frame(b, m)),
        1 => (any::<u16>(), prop::collection::vec(any::<u8>(), 0..20)).prop_map(|(t, c)| Item::Ping(t, c)),
        1 => Just(Item::Unknown),
    ]
}

/// The peer's whole byte stream and the frames it must produce (after `Event::Ready`).
fn stream(minor: u8, items: &[Item]) -> (Vec<u8>, Vec<Frame>) {
    let mut bytes = greeting(3, minor, "NULL");
    bytes.extend(ready_frame("PUSH", &[("Identity", b"")]));
    let mut frames = Vec::new();
    for item in items {
        match item {
            Item::Frame(body, more) => {
                bytes.extend(wire_frame(u8::from(*more), body));
                frames.push(Frame::new(body.clone()).with_more(*more));
            }
            Item::Ping(ttl, ctx) => bytes.extend(command_frame(
                "PING",
                &[&ttl.to_be_bytes()[..], ctx].concat(),
            )),
            Item::Unknown => bytes.extend(command_frame("X-NEW", b"whatever")),
        }
    }
    (bytes, frames)
}

/// Feeds `bytes` in pieces of the given sizes (the rest at the end); events and all output.
fn feed(bytes: &[u8], sizes: &[usize]) -> (Vec<Event>, Vec<u8>) {
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Pull), now);
    let mut input = BytesMut::new();
    let (mut events, mut out) = (Vec::new(), drain(&mut conn));
    let mut rest = bytes;
    for &size in sizes.iter().chain([usize::MAX].iter()) {
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        input.extend_from_slice(piece);
        events.extend(poll_all(&mut conn, &mut input, now).unwrap());
        out.extend(drain(&mut conn));
        if rest.is_empty() {
            break;
        }
    }
    assert!(input.is_empty());
    (events, out)
}

/// Like [`feed`], but every body the connection awaits is collected by the caller and supplied whole
/// (a session reading large bodies straight into their own buffers).
fn feed_supplying(bytes: &[u8], sizes: &[usize]) -> (Vec<Event>, Vec<u8>) {
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Pull), now);
    let mut input = BytesMut::new();
    let mut body: Option<(Vec<u8>, usize)> = None;
    let (mut events, mut out) = (Vec::new(), drain(&mut conn));
    let mut rest = bytes;
    for &size in sizes.iter().chain([usize::MAX].iter()) {
        let (mut piece, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        if let Some((buf, len)) = &mut body {
            let k = (*len - buf.len()).min(piece.len());
            buf.extend_from_slice(&piece[..k]);
            piece = &piece[k..];
            if buf.len() == *len {
                assert!(conn.supply_body(Bytes::from(std::mem::take(buf))));
                body = None;
            }
        }
        input.extend_from_slice(piece);
        if body.is_none() {
            events.extend(poll_all(&mut conn, &mut input, now).unwrap());
            if let Some(len) = conn.awaited_body() {
                assert!(input.len() < len, "the input ends inside the awaited body");
                body = Some((input.split().to_vec(), len));
            }
        }
        out.extend(drain(&mut conn));
        if rest.is_empty() {
            break;
        }
    }
    assert!(input.is_empty() && body.is_none());
    (events, out)
}

proptest! {
    #[test]
    fn any_split_gives_the_same_events(
        minor in 0u8..3,
        items in prop::collection::vec(item(), 0..12),
        sizes in prop::collection::vec(0usize..80, 0..200),
    ) {
        let (bytes, frames) = stream(minor, &items);
        let (whole_events, whole_out) = feed(&bytes, &[]);
        let (split_events, split_out) = feed(&bytes, &sizes);
        prop_assert_eq!(&split_events, &whole_events);
        prop_assert_eq!(&split_out, &whole_out);
        let (supplied_events, supplied_out) = feed_supplying(&bytes, &sizes);
        prop_assert_eq!(&supplied_events, &whole_events);
        prop_assert_eq!(&supplied_out, &whole_out);
        let Some((Event::Ready(peer), rest)) = whole_events.split_first() else {
            return Err(TestCaseError::fail("no Ready"));
        };
        prop_assert_eq!(peer.version, if minor == 0 { (3, 0) } else { (3, 1) });
        let got: Vec<Frame> = rest.iter().map(|e| match e {
            Event::Frame(f) => f.clone(),
            _ => Frame::default(),
        }).collect();
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn garbage_never_panics(
        prefix in 0usize..3,
        garbage in prop::collection::vec(any::<u8>(), 0..400),
        sizes in prop::collection::vec(1usize..50, 0..20),
    ) {
        let mut bytes = match prefix {
            0 => Vec::new(),
            1 => greeting(3, 1, "NULL"),
            _ => [greeting(3, 1, "NULL"), ready_frame("PUSH", &[])].concat(),
        };
        bytes.extend(garbage);
        let now = Instant::now();
        let mut config = Config::new(SocketType::Pull);
        config.max_msg_size = Some(1000);
        let mut conn = Connection::new(config, now);
        let mut input = BytesMut::new();
        let mut rest = &bytes[..];
        for &size in sizes.iter().chain([usize::MAX].iter()) {
            let (piece, tail) = rest.split_at(size.min(rest.len()));
            rest = tail;
            input.extend_from_slice(piece);
            let before = input.len();
            match conn.poll_event(&mut input, now) {
                Ok(_) => prop_assert!(input.len() <= before),
                Err(e) => prop_assert_eq!(conn.poll_event(&mut input, now), Err(e)),
            }
            prop_assert!(conn.read_hint() <= 1000);
            let _ = conn.handle_timeout(now);
            drain(&mut conn);
            if rest.is_empty() {
                break;
            }
        }
    }
}
