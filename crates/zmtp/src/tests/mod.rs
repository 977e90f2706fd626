//! Whole-connection tests: byte vectors from the specs, hand-fed peers, in-memory pairs with a
//! virtual clock, and split-stream properties.

mod curve;
mod errors;
mod heartbeat;
mod legacy;
mod pair;
mod plain;
mod split_stream;
mod subscriptions;
mod vectors;

use std::time::Instant;

use bytes::BytesMut;

use crate::{Config, Connection, Error, Event, SocketType};

/// Everything `conn` wants to write, drained.
pub(super) fn drain(conn: &mut Connection) -> Vec<u8> {
    let out = conn.write_buf();
    let mut bytes = Vec::new();
    while !out.is_empty() {
        let chunk = out.chunk();
        bytes.extend_from_slice(chunk);
        let n = chunk.len();
        out.advance(n);
    }
    bytes
}

/// Polls until `Ok(None)`, collecting events.
pub(super) fn poll_all(
    conn: &mut Connection,
    input: &mut BytesMut,
    now: Instant,
) -> Result<Vec<Event>, Error> {
    let mut events = Vec::new();
    while let Some(ev) = conn.poll_event(input, now)? {
        events.push(ev);
    }
    Ok(events)
}

/// A hand-built peer greeting.
pub(super) fn greeting(major: u8, minor: u8, mechanism: &str) -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, major, minor];
    let mut mech = [0u8; 20];
    mech[..mechanism.len()].copy_from_slice(mechanism.as_bytes());
    g.extend_from_slice(&mech);
    g.extend_from_slice(&[0u8; 32]);
    g
}

/// One frame on the wire, short or long form as needed.
pub(super) fn wire_frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut v = match u8::try_from(body.len()) {
        Ok(len) => vec![flags, len],
        Err(_) => {
            let mut v = vec![flags | 0x02];
            v.extend_from_slice(&(body.len() as u64).to_be_bytes());
            v
        }
    };
    v.extend_from_slice(body);
    v
}

/// A command frame `name` + `data`.
pub(super) fn command_frame(name: &str, data: &[u8]) -> Vec<u8> {
    let mut body = vec![name.len() as u8];
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    wire_frame(0x04, &body)
}

/// Metadata properties on the wire.
pub(super) fn properties(props: &[(&str, &[u8])]) -> Vec<u8> {
    let mut v = Vec::new();
    for (name, value) in props {
        v.push(name.len() as u8);
        v.extend_from_slice(name.as_bytes());
        v.extend_from_slice(&(value.len() as u32).to_be_bytes());
        v.extend_from_slice(value);
    }
    v
}

/// A READY command frame announcing `socket_type` plus `extra` properties.
pub(super) fn ready_frame(socket_type: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut props = vec![("Socket-Type", socket_type.as_bytes())];
    props.extend_from_slice(extra);
    command_frame("READY", &properties(&props))
}

/// A connection of type `local` that has completed the NULL handshake with a hand-fed peer of
/// type `peer` speaking ZMTP `3.minor`; its output so far is drained.
pub(super) fn ready_with(local: Config, peer: &str, minor: u8, now: Instant) -> Connection {
    let mut conn = Connection::new(local, now);
    let mut input = BytesMut::from(&greeting(3, minor, "NULL")[..]);
    input.extend_from_slice(&ready_frame(peer, &[]));
    let events = poll_all(&mut conn, &mut input, now).expect("handshake");
    assert!(matches!(events.as_slice(), [Event::Ready(_)]), "{events:?}");
    drain(&mut conn);
    conn
}

/// Two connections joined by in-memory buffers, on a virtual clock.
pub(super) struct Pair {
    pub(super) a: Connection,
    pub(super) b: Connection,
    a_in: BytesMut,
    b_in: BytesMut,
    pub(super) a_events: Vec<Event>,
    pub(super) b_events: Vec<Event>,
    pub(super) a_err: Option<Error>,
    pub(super) b_err: Option<Error>,
    pub(super) now: Instant,
    /// When false, bytes from `b` are dropped (a silent peer).
    pub(super) b_to_a: bool,
    /// Every byte `a` wrote, in order.
    pub(super) a_wrote: Vec<u8>,
    /// Every byte `b` wrote, in order.
    pub(super) b_wrote: Vec<u8>,
}

impl Pair {
    pub(super) fn new(a: Config, b: Config) -> Self {
        let now = Instant::now();
        Self {
            a: Connection::new(a, now),
            b: Connection::new(b, now),
            a_in: BytesMut::new(),
            b_in: BytesMut::new(),
            a_events: Vec::new(),
            b_events: Vec::new(),
            a_err: None,
            b_err: None,
            now,
            b_to_a: true,
            a_wrote: Vec::new(),
            b_wrote: Vec::new(),
        }
    }

    /// A pair of the given types, run through the handshake.
    pub(super) fn ready(a: SocketType, b: SocketType) -> Self {
        let mut pair = Self::new(Config::new(a), Config::new(b));
        pair.run();
        assert!(
            pair.a.is_ready() && pair.b.is_ready(),
            "{:?} / {:?}",
            pair.a_err,
            pair.b_err
        );
        pair.a_events.clear();
        pair.b_events.clear();
        pair
    }

    /// Moves bytes and polls both sides until nothing moves.
    pub(super) fn run(&mut self) {
        for _ in 0..100 {
            let (ab, ba) = (drain(&mut self.a), drain(&mut self.b));
            if ab.is_empty() && ba.is_empty() && self.a_in.is_empty() && self.b_in.is_empty() {
                return;
            }
            self.a_wrote.extend_from_slice(&ab);
            self.b_wrote.extend_from_slice(&ba);
            self.b_in.extend_from_slice(&ab);
            if self.b_to_a {
                self.a_in.extend_from_slice(&ba);
            }
            Self::poll_side(
                &mut self.a,
                &mut self.a_in,
                &mut self.a_events,
                &mut self.a_err,
                self.now,
            );
            Self::poll_side(
                &mut self.b,
                &mut self.b_in,
                &mut self.b_events,
                &mut self.b_err,
                self.now,
            );
        }
        panic!("pair did not settle");
    }

    fn poll_side(
        conn: &mut Connection,
        input: &mut BytesMut,
        events: &mut Vec<Event>,
        err: &mut Option<Error>,
        now: Instant,
    ) {
        match poll_all(conn, input, now) {
            Ok(evs) => events.extend(evs),
            Err(e) => {
                input.clear();
                *err = Some(e);
            }
        }
    }

    /// Advances the clock to `at` and fires both sides' timers.
    pub(super) fn advance_to(&mut self, at: Instant) {
        self.now = at;
        for (conn, err) in [
            (&mut self.a, &mut self.a_err),
            (&mut self.b, &mut self.b_err),
        ] {
            if conn.poll_timeout().is_some_and(|d| d <= at) {
                if let Err(e) = conn.handle_timeout(at) {
                    *err = Some(e);
                }
            }
        }
    }

    /// Puts `bytes` in b's input, as if a sent them.
    pub(super) fn b_in_extend(&mut self, bytes: &[u8]) {
        self.b_in.extend_from_slice(bytes);
    }
}

/// The frames in `wire` after the 64-byte greeting: `(flags, body)`.
pub(super) fn frames_after_greeting(wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut rest = &wire[64..];
    let mut frames = Vec::new();
    while let Some((&flags, tail)) = rest.split_first() {
        let (len, tail) = if flags & 0x02 != 0 {
            let (size, tail) = tail.split_at(8);
            (u64::from_be_bytes(size.try_into().unwrap()) as usize, tail)
        } else {
            (usize::from(tail[0]), &tail[1..])
        };
        frames.push((flags, tail[..len].to_vec()));
        rest = &tail[len..];
    }
    frames
}

#[test]
fn connection_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Connection>();
}
