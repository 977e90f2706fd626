//! PLAIN and ZAP in memory: the commands on the wire, accepted and refused clients, NULL with a ZAP
//! domain.

use bytes::Bytes;

use super::*;
use crate::{Frame, MechanismConfig, ZapReply, ZapRequest};

fn plain_client(user: &'static str, pass: &'static str) -> Config {
    let mut c = Config::new(SocketType::Dealer);
    c.mechanism = MechanismConfig::PlainClient {
        username: Bytes::from_static(user.as_bytes()),
        password: Bytes::from_static(pass.as_bytes()),
    };
    c
}

fn plain_server(zap_handler: bool) -> Config {
    let mut c = Config::new(SocketType::Router);
    c.mechanism = MechanismConfig::PlainServer;
    c.zap_handler = zap_handler;
    c.zap_domain = Bytes::from_static(b"global");
    c.routing_id = Bytes::from_static(b"srv");
    c
}

/// Runs the pair until `b` asks ZAP; returns the request.
pub(super) fn zap_request_of(pair: &mut Pair) -> ZapRequest {
    pair.run();
    let pos = pair
        .b_events
        .iter()
        .position(|e| matches!(e, Event::ZapRequest(_)))
        .unwrap_or_else(|| panic!("no ZAP request: {:?} {:?}", pair.b_events, pair.b_err));
    let Event::ZapRequest(req) = pair.b_events.remove(pos) else {
        unreachable!()
    };
    req
}

#[test]
fn plain_accepted_with_zap_user_id_and_wire_layout() {
    let mut pair = Pair::new(plain_client("admin", "secret"), plain_server(true));
    let req = zap_request_of(&mut pair);
    assert_eq!(
        req.to_frames(),
        ["", "1.0", "1", "global", "", "srv", "PLAIN", "admin", "secret"]
    );
    assert!(!pair.a.is_ready() && !pair.b.is_ready(), "waiting for ZAP");
    let mut reply = ZapReply::new(&req, 200, "OK", "admin-user");
    reply.metadata.insert("X-Role", "boss");
    pair.b.zap_reply(reply).unwrap();
    pair.run();
    assert!(
        pair.a.is_ready() && pair.b.is_ready(),
        "{:?} {:?}",
        pair.a_err,
        pair.b_err
    );
    let Some(Event::Ready(client)) = pair.b_events.first() else {
        panic!("{:?}", pair.b_events)
    };
    assert_eq!(client.metadata.get("User-Id").unwrap(), "admin-user");
    assert_eq!(client.metadata.get("X-Role").unwrap(), "boss");
    assert_eq!(client.metadata.get("Socket-Type").unwrap(), "DEALER");

    // Greetings: mechanism PLAIN, as-server set only on the server.
    assert_eq!(&pair.a_wrote[12..17], b"PLAIN");
    assert_eq!((pair.a_wrote[32], pair.b_wrote[32]), (0, 1));
    let client_cmds = frames_after_greeting(&pair.a_wrote);
    let server_cmds = frames_after_greeting(&pair.b_wrote);
    assert_eq!(
        client_cmds[0],
        (0x04, b"\x05HELLO\x05admin\x06secret".to_vec())
    );
    assert_eq!(server_cmds[0], (0x04, b"\x07WELCOME".to_vec()));
    assert_eq!(client_cmds[1].0, 0x04);
    assert!(client_cmds[1]
        .1
        .starts_with(b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x06DEALER"));
    assert!(server_cmds[1]
        .1
        .starts_with(b"\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER"));

    pair.a_events.clear();
    pair.b_events.clear();
    pair.a.send(Frame::new("hi")).unwrap();
    pair.run();
    assert_eq!(pair.b_events, [Event::Frame(Frame::new("hi"))]);
}

#[test]
fn plain_refused_400_sends_error_and_300_just_closes() {
    for (status, error_sent) in [(400, true), (500, true), (300, false)] {
        let mut pair = Pair::new(plain_client("admin", "wrong"), plain_server(true));
        let req = zap_request_of(&mut pair);
        let reply = ZapReply::new(&req, status, "no", "");
        assert_eq!(
            pair.b.zap_reply(reply),
            Err(Error::AuthFailed {
                status: status.into()
            })
        );
        pair.run();
        assert_eq!(
            pair.b.send(Frame::new("x")),
            Err(Error::AuthFailed {
                status: status.into()
            }),
            "sticky"
        );
        assert!(!pair.b.is_ready());
        if error_sent {
            let err = pair.a_err.clone().expect("client fails on ERROR");
            assert_eq!(err, Error::PeerError(status.to_string()));
            assert_eq!(err.auth_status(), Some(status.into()));
        } else {
            assert_eq!(pair.a_err, None, "300: no ERROR, the server just closes");
        }
    }
}

#[test]
fn plain_error_is_spelled_as_libzmq_spells_it_and_both_spellings_are_taken() {
    // libzmq's PLAIN writes ERROR's name as 0x5E "RROR" (a C hex escape swallowed the `E`); its PLAIN
    // client recognises only that, so our server sends it.
    let mut pair = Pair::new(plain_client("admin", "wrong"), plain_server(true));
    let req = zap_request_of(&mut pair);
    assert!(pair
        .b
        .zap_reply(ZapReply::new(&req, 400, "no", ""))
        .is_err());
    pair.run();
    assert!(
        pair.b_wrote.ends_with(b"\x04\x09\x5eRROR\x03400"),
        "{:x?}",
        pair.b_wrote
    );
    assert_eq!(pair.a_err, Some(Error::PeerError("400".into())));

    // Our client takes RFC 24's spelling too.
    let now = Instant::now();
    for body in [&b"\x05ERROR\x03500"[..], b"\x5eRROR\x03500"] {
        let mut client = Connection::new(plain_client("u", "p"), now);
        let mut input = BytesMut::from(&greeting(3, 1, "PLAIN")[..]);
        input.extend_from_slice(&wire_frame(0x04, body));
        assert_eq!(
            poll_all(&mut client, &mut input, now),
            Err(Error::PeerError("500".into()))
        );
    }
}

#[test]
fn plain_server_without_zap_handler_refuses_like_libzmq() {
    let mut pair = Pair::new(plain_client("admin", "secret"), plain_server(false));
    pair.run();
    assert_eq!(pair.b_err, Some(Error::ZapUnavailable));
    assert_eq!(Error::ZapUnavailable.protocol_code(), None);
}

#[test]
fn mechanism_mismatch_is_reported_with_libzmq_code() {
    let mut pair = Pair::new(plain_client("a", "b"), Config::new(SocketType::Router));
    pair.run();
    let err = pair.b_err.clone().unwrap();
    assert!(
        matches!(err, Error::MechanismMismatch { ours: "NULL", .. }),
        "{err:?}"
    );
    assert_eq!(err.protocol_code(), Some(0x1100_0002));
    assert!(pair.a_err.is_some());
}

#[test]
fn plain_bad_commands_fail_cleanly() {
    let now = Instant::now();
    // A HELLO whose password overruns, and one with trailing bytes.
    for hello in [&b"\x05admin\x09secret"[..], b"\x05admin\x06secretXX", b""] {
        let mut server = Connection::new(plain_server(true), now);
        let mut input = BytesMut::from(&greeting(3, 1, "PLAIN")[..]);
        input.extend_from_slice(&command_frame("HELLO", hello));
        assert_eq!(
            poll_all(&mut server, &mut input, now),
            Err(Error::malformed(crate::Malformation::HelloCommand))
        );
    }
    // A WELCOME with data, a READY before WELCOME.
    let mut client = Connection::new(plain_client("u", "p"), now);
    let mut input = BytesMut::from(&greeting(3, 1, "PLAIN")[..]);
    input.extend_from_slice(&command_frame("WELCOME", b"x"));
    assert_eq!(
        poll_all(&mut client, &mut input, now),
        Err(Error::malformed(crate::Malformation::WelcomeCommand))
    );
    let mut client = Connection::new(plain_client("u", "p"), now);
    let mut input = BytesMut::from(&greeting(3, 1, "PLAIN")[..]);
    input.extend_from_slice(&ready_frame("ROUTER", &[]));
    assert!(matches!(
        poll_all(&mut client, &mut input, now),
        Err(Error::UnexpectedCommand { .. })
    ));
}

#[test]
fn null_with_zap_domain_asks_before_ready() {
    let mut server = Config::new(SocketType::Router);
    server.zap_domain = Bytes::from_static(b"dom");
    server.zap_handler = true;
    let mut pair = Pair::new(Config::new(SocketType::Dealer), server.clone());
    let req = zap_request_of(&mut pair);
    assert_eq!(req.to_frames(), ["", "1.0", "1", "dom", "", "", "NULL"]);
    assert!(!pair.a.is_ready(), "the server's READY waits for ZAP");
    pair.b
        .zap_reply(ZapReply::new(&req, 200, "OK", "anon"))
        .unwrap();
    pair.run();
    assert!(pair.a.is_ready() && pair.b.is_ready());

    let mut pair = Pair::new(Config::new(SocketType::Dealer), server);
    let req = zap_request_of(&mut pair);
    assert!(pair
        .b
        .zap_reply(ZapReply::new(&req, 400, "no", ""))
        .is_err());
    pair.run();
    assert_eq!(pair.a_err, Some(Error::PeerError("400".into())));

    // A domain without a handler, or a handler without a domain: NULL does not ask.
    for (domain, handler) in [(&b"dom"[..], false), (&b""[..], true)] {
        let mut server = Config::new(SocketType::Router);
        server.zap_domain = Bytes::copy_from_slice(domain);
        server.zap_handler = handler;
        let mut pair = Pair::new(Config::new(SocketType::Dealer), server);
        pair.run();
        assert!(pair.a.is_ready() && pair.b.is_ready());
    }
}
