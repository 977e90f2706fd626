//! Every way a peer can break the protocol, and that errors stick.

use std::time::Instant;

use bytes::BytesMut;

use super::*;
use crate::error::protocol_code;
use crate::{Frame, Malformation};

/// Feeds `bytes` to a fresh connection of type `local`; the first error.
fn fail(local: Config, bytes: &[u8]) -> Error {
    let now = Instant::now();
    let mut conn = Connection::new(local, now);
    let mut input = BytesMut::from(bytes);
    let err = poll_all(&mut conn, &mut input, now).expect_err("should fail");
    assert_eq!(
        conn.poll_event(&mut BytesMut::from(&b"more"[..]), now),
        Err(err.clone()),
        "sticky"
    );
    assert_eq!(conn.send(Frame::new("x")), Err(err.clone()), "sticky");
    assert_eq!(conn.handle_timeout(now), Err(err.clone()), "sticky");
    assert!(!conn.is_ready());
    assert_eq!(conn.read_hint(), 0);
    err
}

/// A greeting plus the peer's READY (socket type PAIR), then `rest`.
fn after_ready(rest: &[u8]) -> Vec<u8> {
    let mut v = greeting(3, 1, "NULL");
    v.extend(ready_frame("PAIR", &[]));
    v.extend_from_slice(rest);
    v
}

fn pair() -> Config {
    Config::new(SocketType::Pair)
}

#[test]
fn version_refusal_has_no_protocol_code() {
    // Older peers are downgraded (see `tests::legacy`); refusing one (with a mechanism other than
    // NULL) is not a protocol error in libzmq's monitor codes.
    assert_eq!(
        Error::UnsupportedVersion { revision: None }.protocol_code(),
        None
    );
}

#[test]
fn mechanism_mismatch() {
    let err = fail(pair(), &greeting(3, 1, "PLAIN"));
    assert_eq!(
        err,
        Error::MechanismMismatch {
            ours: "NULL",
            peer: "PLAIN".into()
        }
    );
    assert_eq!(err.protocol_code(), Some(protocol_code::MECHANISM_MISMATCH));
    let mut g = greeting(3, 1, "NULL");
    g[17] = b'x'; // bytes after the NUL must be NUL too, as libzmq compares all 20
    assert!(matches!(fail(pair(), &g), Error::MechanismMismatch { .. }));
}

#[test]
fn incompatible_socket_type_sends_error_first() {
    let now = Instant::now();
    let mut conn = Connection::new(Config::new(SocketType::Push), now);
    let mut input = BytesMut::from(&greeting(3, 1, "NULL")[..]);
    input.extend(ready_frame("PUSH", &[]));
    let err = poll_all(&mut conn, &mut input, now).unwrap_err();
    assert_eq!(
        err,
        Error::IncompatibleSocketType {
            ours: SocketType::Push,
            peer: "PUSH".into()
        }
    );
    assert_eq!(err.protocol_code(), Some(protocol_code::INVALID_METADATA));
    let out = drain(&mut conn);
    let ready_len = 2 + 6 + 1 + 11 + 4 + 4;
    assert_eq!(
        out[64 + ready_len..],
        command_frame("ERROR", b"\x18Incompatible socket type")
    );

    for name in ["SERVER", "push", ""] {
        let err = fail(
            Config::new(SocketType::Pull),
            &[greeting(3, 1, "NULL"), ready_frame(name, &[])].concat(),
        );
        assert_eq!(
            err,
            Error::IncompatibleSocketType {
                ours: SocketType::Pull,
                peer: name.into()
            }
        );
    }
}

#[test]
fn malformed_ready() {
    let g = greeting(3, 1, "NULL");
    let good = properties(&[("Socket-Type", b"PAIR")]);
    for cut in 1..good.len() {
        let bytes = [g.clone(), command_frame("READY", &good[..cut])].concat();
        assert_eq!(
            fail(pair(), &bytes),
            Error::malformed(Malformation::Metadata),
            "cut {cut}"
        );
    }
    let no_type = [g, command_frame("READY", &properties(&[("X-A", b"1")]))].concat();
    let err = fail(pair(), &no_type);
    assert_eq!(err, Error::malformed(Malformation::MissingSocketType));
    assert_eq!(err.protocol_code(), Some(protocol_code::INVALID_METADATA));
}

#[test]
fn peer_error_and_unexpected_commands() {
    let g = greeting(3, 1, "NULL");
    let err = fail(
        pair(),
        &[g.clone(), command_frame("ERROR", b"\x03400")].concat(),
    );
    assert_eq!(err, Error::PeerError("400".into()));
    assert_eq!(err.auth_status(), Some(400));
    let err = fail(
        pair(),
        &[g.clone(), command_frame("ERROR", b"\x09short")].concat(),
    );
    assert_eq!(
        err.protocol_code(),
        Some(protocol_code::MALFORMED_COMMAND_ERROR)
    );
    let err = fail(pair(), &[g.clone(), command_frame("HELLO", b"")].concat());
    assert_eq!(
        err,
        Error::UnexpectedCommand {
            name: "HELLO".into()
        }
    );
    assert_eq!(err.protocol_code(), Some(protocol_code::UNEXPECTED_COMMAND));
    let err = fail(
        pair(),
        &[g.clone(), command_frame("PING", b"\x00\x00")].concat(),
    );
    assert_eq!(
        err,
        Error::UnexpectedCommand {
            name: "PING".into()
        }
    );
    let err = fail(
        pair(),
        &[g.clone(), wire_frame(0x00, b"\x05READY")].concat(),
    );
    assert_eq!(err, Error::malformed(Malformation::MessageDuringHandshake));
    let err = fail(pair(), &[g.clone(), wire_frame(0x04, b"")].concat());
    assert_eq!(err, Error::malformed(Malformation::Command));
    let err = fail(pair(), &[g, wire_frame(0x04, b"\x09SUB")].concat());
    assert_eq!(err, Error::malformed(Malformation::Command));
}

#[test]
fn bad_frames() {
    assert_eq!(
        fail(pair(), &after_ready(&[0x08, 0])),
        Error::malformed(Malformation::ReservedFlags)
    );
    assert_eq!(
        fail(pair(), &after_ready(&[0x05, 0])),
        Error::malformed(Malformation::CommandWithMore)
    );
    assert_eq!(
        fail(pair(), &after_ready(&command_frame("PING", b"\x01"))),
        Error::malformed(Malformation::PingCommand)
    );
    assert_eq!(
        fail(pair(), &after_ready(&[0x04, 0])),
        Error::malformed(Malformation::Command)
    );
    // Reserved flags are refused during the handshake too.
    let mut g = greeting(3, 1, "NULL");
    g.push(0x80);
    assert_eq!(
        fail(pair(), &g),
        Error::malformed(Malformation::ReservedFlags)
    );
}

#[test]
fn oversized_frames_fail_at_the_header() {
    let limited = |max| {
        let mut c = pair();
        c.max_msg_size = Some(max);
        c
    };
    // Only the header is fed: the size alone decides.
    assert_eq!(
        fail(limited(100), &after_ready(&[0x00, 101])),
        Error::MessageTooLarge {
            size: 101,
            max: 100
        }
    );
    let absurd = [0x02, 0, 0, 1, 0, 0, 0, 0, 0];
    assert_eq!(
        fail(limited(1 << 20), &after_ready(&absurd)),
        Error::MessageTooLarge {
            size: 1 << 40,
            max: 1 << 20
        }
    );
    let max = [0x02, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert!(matches!(
        fail(limited(1 << 20), &after_ready(&max)),
        Error::MessageTooLarge { .. }
    ));
    // The limit applies to the handshake's commands as well.
    let mut g = greeting(3, 1, "NULL");
    g.extend_from_slice(&[0x06, 0, 0, 0, 0, 0, 0, 1, 0]);
    assert_eq!(
        fail(limited(255), &g),
        Error::MessageTooLarge {
            size: 256,
            max: 255
        }
    );
}

#[test]
fn unknown_commands_after_the_handshake_are_ignored() {
    let now = Instant::now();
    let mut conn = ready_with(pair(), "PAIR", 1, now);
    let mut input = BytesMut::new();
    input.extend(command_frame("FOO", b"bar"));
    input.extend(command_frame("READY", b"junk"));
    input.extend(command_frame("ERROR", b"\x01x"));
    input.extend(command_frame("PONG", b""));
    input.extend(command_frame("JOIN", b"group"));
    input.extend(wire_frame(0x00, b"ok"));
    assert_eq!(
        poll_all(&mut conn, &mut input, now).unwrap(),
        [Event::Frame(Frame::new("ok"))]
    );
    assert!(drain(&mut conn).is_empty());
}
