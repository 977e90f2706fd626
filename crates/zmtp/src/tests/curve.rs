//! CURVE in memory: command sizes and layouts, traffic both ways, wrong keys, replayed and forged
//! messages, truncated and oversized commands, arbitrary bytes.

use bytes::Bytes;
use proptest::prelude::*;

use super::plain::zap_request_of;
use super::*;
use crate::{parse_key, CurveSecretKey, Frame, Malformation, MechanismConfig, ZapReply};

/// libzmq's test keys (tests/testutil_security.cpp).
const SERVER_PUBLIC: &str = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET: &str = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
const CLIENT_PUBLIC: &str = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const CLIENT_SECRET: &str = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";

fn key(z85: &str) -> [u8; 32] {
    parse_key(z85.as_bytes()).unwrap()
}

fn client_with(server_key: [u8; 32]) -> Config {
    let mut c = Config::new(SocketType::Dealer);
    c.mechanism = MechanismConfig::CurveClient {
        public_key: key(CLIENT_PUBLIC),
        secret_key: CurveSecretKey::from_bytes(key(CLIENT_SECRET)),
        server_key,
    };
    c
}

fn client() -> Config {
    client_with(key(SERVER_PUBLIC))
}

fn server(zap_handler: bool) -> Config {
    let mut c = Config::new(SocketType::Router);
    c.mechanism = MechanismConfig::CurveServer {
        secret_key: CurveSecretKey::from_bytes(key(SERVER_SECRET)),
    };
    c.zap_handler = zap_handler;
    c
}

fn ready_pair() -> Pair {
    let mut pair = Pair::new(client(), server(false));
    pair.run();
    assert!(
        pair.a.is_ready() && pair.b.is_ready(),
        "{:?} {:?}",
        pair.a_err,
        pair.b_err
    );
    pair.a_events.clear();
    pair.b_events.clear();
    pair
}

#[test]
fn handshake_command_sizes_and_layouts() {
    let pair = ready_pair();
    assert_eq!(&pair.a_wrote[12..17], b"CURVE");
    assert_eq!((pair.a_wrote[32], pair.b_wrote[32]), (0, 1));
    let c = frames_after_greeting(&pair.a_wrote);
    let s = frames_after_greeting(&pair.b_wrote);
    let (hello, initiate) = (&c[0].1, &c[1].1);
    let (welcome, ready) = (&s[0].1, &s[1].1);

    assert_eq!(hello.len(), 200);
    assert_eq!(&hello[..6], b"\x05HELLO");
    assert_eq!(&hello[6..8], &[1, 0], "version 1.0");
    assert!(hello[8..80].iter().all(|&b| b == 0), "72 bytes of padding");
    assert_eq!(&hello[112..120], &1u64.to_be_bytes(), "first short nonce");

    assert_eq!(welcome.len(), 168);
    assert_eq!(&welcome[..8], b"\x07WELCOME");

    assert!(initiate.len() >= 257, "{}", initiate.len());
    assert_eq!(&initiate[..9], b"\x08INITIATE");
    assert_eq!(&initiate[9 + 96..9 + 104], &2u64.to_be_bytes());
    // 257 + Socket-Type DEALER (22) + empty Identity (13).
    assert_eq!(initiate.len(), 257 + 22 + 13);

    assert!(ready.len() >= 30);
    assert_eq!(&ready[..6], b"\x05READY");
    assert_eq!(&ready[6..14], &1u64.to_be_bytes());
    assert_eq!(
        ready.len(),
        30 + 22 + 13,
        "Socket-Type ROUTER, empty Identity"
    );
    assert!(c.iter().chain(&s).all(|(flags, _)| flags & 0x04 != 0));
}

#[test]
fn messages_both_ways_are_boxed() {
    let mut pair = ready_pair();
    let sent = [
        Frame::new("").with_more(true),
        Frame::new("hello").with_more(true),
        Frame::new(vec![7u8; 70_000]),
    ];
    for f in sent.clone() {
        pair.a.send(f).unwrap();
    }
    pair.b.send(Frame::new("back")).unwrap();
    let (a_mark, b_mark) = (pair.a_wrote.len(), pair.b_wrote.len());
    pair.run();
    let got: Vec<Event> = pair.b_events.drain(..).collect();
    assert_eq!(got, sent.map(Event::Frame));
    assert_eq!(pair.a_events, [Event::Frame(Frame::new("back"))]);

    // On the wire: plain final frames holding MESSAGE, the empty frame as the 33-byte minimum.
    let mut wire = vec![0u8; 64];
    wire.extend_from_slice(&pair.a_wrote[a_mark..]);
    let frames = frames_after_greeting(&wire);
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0].0, 0x00, "no MORE outside the box");
    assert_eq!(frames[0].1.len(), 33);
    assert_eq!(&frames[0].1[..8], b"\x07MESSAGE");
    assert_eq!(
        &frames[0].1[8..16],
        &3u64.to_be_bytes(),
        "after HELLO and INITIATE"
    );
    assert_eq!(frames[1].1.len(), 33 + 5);
    assert_eq!(frames[2].0, 0x02, "long frame");
    let mut wire = vec![0u8; 64];
    wire.extend_from_slice(&pair.b_wrote[b_mark..]);
    let frames = frames_after_greeting(&wire);
    assert_eq!(&frames[0].1[8..16], &2u64.to_be_bytes(), "after READY");
}

#[test]
fn heartbeats_and_subscriptions_travel_boxed() {
    let mut sub = client();
    sub.socket_type = SocketType::Sub;
    sub.heartbeat_ivl = Some(std::time::Duration::from_millis(100));
    let mut publ = server(false);
    publ.socket_type = SocketType::Pub;
    let mut pair = Pair::new(sub, publ);
    pair.run();
    assert!(pair.a.is_ready() && pair.b.is_ready());
    pair.b_events.clear();
    pair.a.send(Frame::new(&b"\x01topic"[..])).unwrap();
    let at = pair.now + std::time::Duration::from_millis(150);
    pair.advance_to(at);
    pair.run();
    assert_eq!(pair.b_events, [Event::Frame(Frame::new(&b"\x01topic"[..]))]);
    assert_eq!((pair.a_err.clone(), pair.b_err.clone()), (None, None));
}

#[test]
fn wrong_server_key_fails_at_hello() {
    let other = CurveSecretKey::generate().unwrap().public_key();
    let mut pair = Pair::new(client_with(other), server(false));
    pair.run();
    assert_eq!(pair.b_err, Some(Error::Cryptographic));
    assert_eq!(Error::Cryptographic.protocol_code(), Some(0x1100_0001));
    assert!(!pair.a.is_ready());
}

#[test]
fn zap_sees_the_client_key_and_can_refuse() {
    let mut pair = Pair::new(client(), server(true));
    let req = zap_request_of(&mut pair);
    assert_eq!(req.mechanism, "CURVE");
    assert_eq!(
        req.credentials,
        [Bytes::copy_from_slice(&key(CLIENT_PUBLIC))]
    );
    pair.b
        .zap_reply(ZapReply::new(&req, 200, "OK", "client-1"))
        .unwrap();
    pair.run();
    assert!(pair.a.is_ready() && pair.b.is_ready());
    let Some(Event::Ready(peer)) = pair.b_events.first() else {
        panic!("{:?}", pair.b_events)
    };
    assert_eq!(peer.metadata.get("User-Id").unwrap(), "client-1");

    let mut pair = Pair::new(client(), server(true));
    let req = zap_request_of(&mut pair);
    assert_eq!(
        pair.b.zap_reply(ZapReply::new(&req, 400, "no", "")),
        Err(Error::AuthFailed { status: 400 })
    );
    pair.run();
    assert_eq!(pair.a_err.as_ref().and_then(Error::auth_status), Some(400));
}

/// The bytes of `b`'s next message as sent by `a`, after handing it over once.
fn one_message(pair: &mut Pair, data: &'static str) -> Vec<u8> {
    let mark = pair.a_wrote.len();
    pair.a.send(Frame::new(data)).unwrap();
    pair.run();
    assert_eq!(pair.b_events.pop(), Some(Event::Frame(Frame::new(data))));
    pair.a_wrote[mark..].to_vec()
}

#[test]
fn replayed_message_drops_the_peer() {
    let mut pair = ready_pair();
    let first = one_message(&mut pair, "one");
    one_message(&mut pair, "two");
    pair.b_in_extend(&first);
    pair.run();
    assert_eq!(pair.b_err, Some(Error::InvalidSequence));
    assert_eq!(Error::InvalidSequence.protocol_code(), Some(0x1000_0002));
}

#[test]
fn forged_box_drops_the_peer() {
    let mut pair = ready_pair();
    let mut msg = one_message(&mut pair, "one");
    // Same bytes with a higher nonce and one flipped ciphertext bit.
    let n = msg.len();
    msg[2 + 15] = 9;
    msg[n - 1] ^= 1;
    pair.b_in_extend(&msg);
    pair.run();
    assert_eq!(pair.b_err, Some(Error::Cryptographic));
}

#[test]
fn short_message_is_malformed() {
    let mut pair = ready_pair();
    pair.b_in_extend(&wire_frame(
        0x00,
        b"\x07MESSAGE\x00\x00\x00\x00\x00\x00\x00\x09short",
    ));
    pair.run();
    assert_eq!(
        pair.b_err,
        Some(Error::malformed(Malformation::MessageCommand))
    );
}

/// Feeds the server a greeting and a HELLO frame with `data`.
fn server_on_hello(data: &[u8]) -> Result<Vec<Event>, Error> {
    let now = Instant::now();
    let mut s = Connection::new(server(false), now);
    let mut input = BytesMut::from(&greeting(3, 1, "CURVE")[..]);
    input.extend_from_slice(&command_frame("HELLO", data));
    poll_all(&mut s, &mut input, now)
}

#[test]
fn bad_hello_wrong_version_truncated_oversized() {
    let pair = ready_pair();
    let good = frames_after_greeting(&pair.a_wrote)[0].1[6..].to_vec();
    let malformed_hello = Error::malformed(Malformation::HelloCommand);
    let malformed = Err(malformed_hello.clone());
    assert_eq!(server_on_hello(&good[..good.len() - 1]), malformed);
    let mut long = good.clone();
    long.push(0);
    assert_eq!(server_on_hello(&long), malformed);
    let mut v2 = good.clone();
    v2[0] = 2;
    assert_eq!(server_on_hello(&v2), malformed);
    assert_eq!(malformed_hello.protocol_code(), Some(0x1000_0013));
    // A HELLO box sealed for another server.
    let mut forged = good;
    forged[150] ^= 0x40;
    assert_eq!(server_on_hello(&forged), Err(Error::Cryptographic));
}

#[test]
fn bad_welcome_initiate_ready_fail_cleanly() {
    let now = Instant::now();
    let pair = ready_pair();
    let s = frames_after_greeting(&pair.b_wrote);
    let c = frames_after_greeting(&pair.a_wrote);

    // WELCOME truncated, oversized, or for another handshake (another C′).
    let welcome = &s[0].1[8..];
    for (data, want) in [
        (
            welcome[..welcome.len() - 1].to_vec(),
            Error::malformed(Malformation::WelcomeCommand),
        ),
        (
            [welcome, &[0][..]].concat(),
            Error::malformed(Malformation::WelcomeCommand),
        ),
        (welcome.to_vec(), Error::Cryptographic),
    ] {
        let mut client = Connection::new(client(), now);
        let mut input = BytesMut::from(&greeting(3, 1, "CURVE")[..]);
        input.extend_from_slice(&command_frame("WELCOME", &data));
        assert_eq!(poll_all(&mut client, &mut input, now), Err(want));
    }

    // INITIATE too short, or replayed into a fresh server (its cookie key is another).
    let initiate = &c[1].1[9..];
    let mut fresh = Pair::new(client(), server(false));
    fresh.run();
    for (data, want) in [
        (
            initiate[..247].to_vec(),
            Error::malformed(Malformation::InitiateCommand),
        ),
        (initiate.to_vec(), Error::Cryptographic),
    ] {
        let mut srv = Connection::new(server(false), now);
        let mut input = BytesMut::from(&greeting(3, 1, "CURVE")[..]);
        input.extend_from_slice(&wire_frame(
            0x04,
            &frames_after_greeting(&fresh.a_wrote)[0].1,
        ));
        poll_all(&mut srv, &mut input, now).unwrap();
        input.extend_from_slice(&command_frame("INITIATE", &data));
        assert_eq!(poll_all(&mut srv, &mut input, now), Err(want));
    }

    // READY too short, or READY straight after HELLO.
    let mut client_conn = Connection::new(client(), now);
    let mut input = BytesMut::from(&greeting(3, 1, "CURVE")[..]);
    input.extend_from_slice(&command_frame("READY", &[0; 23]));
    assert!(matches!(
        poll_all(&mut client_conn, &mut input, now),
        Err(Error::UnexpectedCommand { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Arbitrary commands after a valid greeting never panic either side.
    #[test]
    fn arbitrary_handshake_bytes_never_panic(
        name in prop::sample::select(vec!["HELLO", "WELCOME", "INITIATE", "READY", "MESSAGE", "ERROR"]),
        data in prop::collection::vec(any::<u8>(), 0..400),
        raw in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let now = Instant::now();
        for config in [client(), server(true)] {
            let mut conn = Connection::new(config, now);
            let mut input = BytesMut::from(&greeting(3, 1, "CURVE")[..]);
            input.extend_from_slice(&command_frame(name, &data));
            input.extend_from_slice(&raw);
            let _ = poll_all(&mut conn, &mut input, now);
        }
    }
}
