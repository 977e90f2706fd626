//! ferrozmq's PLAIN, CURVE and ZAP against real libzmq (Debian's libzmq with libsodium), both ways:
//! PLAIN accepted and refused, CURVE with the right and a wrong server key, ZAP handlers on either
//! side accepting and refusing, User-Id delivered, Z85 and keys agreeing.
//!
//! Outcomes are read from libzmq's socket monitor (`HANDSHAKE_*` events with their codes), so every
//! wait is for a condition, bounded by RCVTIMEO.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use ferrozmq::{Authenticator, CurveAllow, SocketType};

const TIMEOUT_MS: i32 = 5_000;
const HANDSHAKE_FAILED_NO_DETAIL: u16 = 0x0800;
const HANDSHAKE_SUCCEEDED: u16 = 0x1000;
const HANDSHAKE_FAILED_PROTOCOL: u16 = 0x2000;
const HANDSHAKE_FAILED_AUTH: u16 = 0x4000;
const PROTOCOL_ERROR_CRYPTOGRAPHIC: u32 = 0x1100_0001;

fn unique() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn ferro(ctx: &ferrozmq::Context, ty: SocketType) -> ferrozmq::Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_linger(0).unwrap();
    s
}

fn lib(ctx: &zmq::Context, ty: zmq::SocketType) -> zmq::Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_linger(0).unwrap();
    s
}

/// A monitor on a libzmq socket.
fn monitor(ctx: &zmq::Context, s: &zmq::Socket) -> zmq::Socket {
    let ep = format!("inproc://monitor-{}-{}", std::process::id(), unique());
    s.monitor(&ep, 0xFFFF).unwrap();
    let m = lib(ctx, zmq::PAIR);
    m.connect(&ep).unwrap();
    m
}

/// Waits for the first handshake outcome the monitor reports: `(event, value)`.
fn handshake_outcome(m: &zmq::Socket) -> (u16, u32) {
    loop {
        let msg = m
            .recv_multipart(0)
            .expect("a handshake event within the timeout");
        let (event, value) = (&msg[0][..2], &msg[0][2..6]);
        let event = u16::from_le_bytes(event.try_into().unwrap());
        let value = u32::from_le_bytes(value.try_into().unwrap());
        if matches!(
            event,
            HANDSHAKE_FAILED_NO_DETAIL
                | HANDSHAKE_SUCCEEDED
                | HANDSHAKE_FAILED_PROTOCOL
                | HANDSHAKE_FAILED_AUTH
        ) {
            return (event, value);
        }
    }
}

/// A monitor on a ferrozmq socket.
fn ferro_monitor(ctx: &ferrozmq::Context, s: &ferrozmq::Socket) -> ferrozmq::Socket {
    let ep = format!("inproc://fmonitor-{}-{}", std::process::id(), unique());
    s.monitor(ep.as_str(), 0xFFFF).unwrap();
    let m = ferro(ctx, SocketType::Pair);
    m.connect(&ep).unwrap();
    m
}

/// Waits for the first handshake outcome a ferrozmq monitor reports: `(event, value)`.
fn ferro_handshake_outcome(m: &ferrozmq::Socket) -> (u16, u32) {
    loop {
        let msg = m
            .recv_multipart(0)
            .expect("a handshake event within the timeout");
        let first = &msg[0];
        let event = u16::from_le_bytes(first[..2].try_into().unwrap());
        let value = u32::from_le_bytes(first[2..6].try_into().unwrap());
        if matches!(
            event,
            HANDSHAKE_FAILED_NO_DETAIL
                | HANDSHAKE_SUCCEEDED
                | HANDSHAKE_FAILED_PROTOCOL
                | HANDSHAKE_FAILED_AUTH
        ) {
            return (event, value);
        }
    }
}

/// A libzmq ZAP handler (a REP socket on inproc://zeromq.zap.01) answering with `verdict`, which
/// gets the request frames after the version and returns (status, user id). Stops when dropped.
struct LibZap {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<Vec<Vec<u8>>>>>,
}

impl LibZap {
    fn start(
        ctx: &zmq::Context,
        verdict: impl Fn(&[Vec<u8>]) -> (&'static str, &'static str) + Send + 'static,
    ) -> Self {
        let rep = ctx.socket(zmq::REP).unwrap();
        rep.set_linger(0).unwrap();
        rep.set_rcvtimeo(20).unwrap();
        rep.bind("inproc://zeromq.zap.01").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                let Ok(req) = rep.recv_multipart(0) else {
                    continue;
                };
                let (status, user) = verdict(&req);
                rep.send_multipart(
                    [
                        &b"1.0"[..],
                        &req[1],
                        status.as_bytes(),
                        b"",
                        user.as_bytes(),
                        b"",
                    ],
                    0,
                )
                .unwrap();
                seen.push(req);
            }
            seen
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the handler; the requests it saw.
    fn requests(mut self) -> Vec<Vec<Vec<u8>>> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for LibZap {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// PLAIN: accept "admin"/"secret" as user "admin-id".
fn plain_verdict(req: &[Vec<u8>]) -> (&'static str, &'static str) {
    match req.get(6..8) {
        Some([u, p]) if u == b"admin" && p == b"secret" => ("200", "admin-id"),
        _ => ("400", ""),
    }
}

#[test]
fn z85_and_keys_agree_with_libzmq() {
    let pair = zmq::CurveKeyPair::new().unwrap();
    let public = zmq::z85_encode(&pair.public_key).unwrap();
    let secret = zmq::z85_encode(&pair.secret_key).unwrap();
    assert_eq!(ferrozmq::z85::encode(&pair.public_key).unwrap(), public);
    assert_eq!(ferrozmq::z85::decode(&secret).unwrap(), pair.secret_key);
    assert_eq!(ferrozmq::curve_public(&secret).unwrap(), public);
    let (fpublic, fsecret) = ferrozmq::curve_keypair().unwrap();
    let raw_secret = zmq::z85_decode(&fsecret).unwrap();
    assert_eq!(ferrozmq::z85::encode(&raw_secret).unwrap(), *fsecret);
    assert_eq!(zmq::z85_decode(&fpublic).unwrap().len(), 32);
}

#[test]
fn plain_ferrozmq_client_libzmq_server_with_libzmq_zap() {
    for (password, accepted) in [("secret", true), ("wrong", false)] {
        let zctx = zmq::Context::new();
        let zap = LibZap::start(&zctx, plain_verdict);
        let server = lib(&zctx, zmq::PULL);
        server.set_plain_server(true).unwrap();
        server.set_zap_domain("global").unwrap();
        let events = monitor(&zctx, &server);
        server.bind("tcp://127.0.0.1:*").unwrap();
        let ep = server.get_last_endpoint().unwrap().unwrap();

        let fctx = ferrozmq::Context::new();
        let client = ferro(&fctx, SocketType::Push);
        client
            .set_plain_credentials(b"admin", password.as_bytes())
            .unwrap();
        let client_events = ferro_monitor(&fctx, &client);
        client.connect(&ep).unwrap();
        client.send("hello", 0).unwrap();
        if accepted {
            assert_eq!(handshake_outcome(&events), (HANDSHAKE_SUCCEEDED, 0));
            let mut msg = server.recv_msg(0).unwrap();
            assert_eq!(&msg[..], b"hello");
            assert_eq!(msg.gets("User-Id"), Some("admin-id"));
        } else {
            assert_eq!(handshake_outcome(&events), (HANDSHAKE_FAILED_AUTH, 400));
            // And the ferrozmq client reads libzmq's ERROR as the refusal it is.
            assert_eq!(
                ferro_handshake_outcome(&client_events),
                (HANDSHAKE_FAILED_AUTH, 400)
            );
        }
        let requests = zap.requests();
        assert_eq!(
            requests[0][..7],
            [
                &b"1.0"[..],
                b"1",
                b"global",
                b"127.0.0.1",
                b"",
                b"PLAIN",
                b"admin"
            ]
        );
    }
}

#[test]
fn plain_libzmq_client_ferrozmq_server_with_authenticator() {
    for (password, accepted) in [("secret", true), ("wrong", false)] {
        let fctx = ferrozmq::Context::new();
        let auth = Authenticator::start(&fctx).unwrap();
        auth.configure_plain("*", [("admin", "secret")]);
        let server = ferro(&fctx, SocketType::Rep);
        server.set_plain_server(true).unwrap();
        server.bind("tcp://127.0.0.1:*").unwrap();

        let zctx = zmq::Context::new();
        let client = lib(&zctx, zmq::REQ);
        client.set_plain_username(Some("admin")).unwrap();
        client.set_plain_password(Some(password)).unwrap();
        let events = monitor(&zctx, &client);
        client.connect(&server.last_endpoint()).unwrap();
        if accepted {
            client.send("ping", 0).unwrap();
            let ping = server.recv_frame(0).unwrap();
            assert_eq!(ping.data, "ping");
            assert_eq!(ping.property("User-Id").unwrap(), "admin");
            server.send("pong", 0).unwrap();
            assert_eq!(client.recv_bytes(0).unwrap(), b"pong");
            assert_eq!(handshake_outcome(&events), (HANDSHAKE_SUCCEEDED, 0));
        } else {
            // ferrozmq's PLAIN server spells ERROR as libzmq's does (0x5E "RROR", see zmtp's
            // plain.rs), the only spelling libzmq's PLAIN client takes for an ERROR.
            assert_eq!(handshake_outcome(&events), (HANDSHAKE_FAILED_AUTH, 400));
            client.send("ping", zmq::DONTWAIT).unwrap_or_default();
            assert!(matches!(
                server.recv_bytes(ferrozmq::DONTWAIT),
                Err(ferrozmq::Error::Again)
            ));
        }
        drop(auth);
    }
}

/// A libzmq CURVE server; returns (socket, its public key, monitor).
fn lib_curve_server(
    zctx: &zmq::Context,
    ty: zmq::SocketType,
) -> (zmq::Socket, [u8; 32], zmq::Socket) {
    let keys = zmq::CurveKeyPair::new().unwrap();
    let s = lib(zctx, ty);
    s.set_curve_server(true).unwrap();
    s.set_curve_secretkey(&keys.secret_key).unwrap();
    let events = monitor(zctx, &s);
    s.bind("tcp://127.0.0.1:*").unwrap();
    (s, keys.public_key, events)
}

#[test]
fn curve_ferrozmq_client_libzmq_server() {
    let zctx = zmq::Context::new();
    let (server, server_key, events) = lib_curve_server(&zctx, zmq::DEALER);
    let ep = server.get_last_endpoint().unwrap().unwrap();
    let fctx = ferrozmq::Context::new();
    let (public, secret) = ferrozmq::curve_keypair().unwrap();
    let client = ferro(&fctx, SocketType::Dealer);
    // The server key as Z85, our keys as Z85: both forms are accepted.
    let z85_server = ferrozmq::z85::encode(&server_key).unwrap();
    client
        .set_curve_client(z85_server.as_bytes(), public.as_bytes(), secret.as_bytes())
        .unwrap();
    client.connect(&ep).unwrap();
    let big = vec![0x5a; 100_000];
    client
        .send_multipart([b"one".to_vec(), vec![], big.clone()], 0)
        .unwrap();
    assert_eq!(
        server.recv_multipart(0).unwrap(),
        [b"one".to_vec(), vec![], big.clone()]
    );
    server.send_multipart([&b"back"[..], &big], 0).unwrap();
    assert_eq!(client.recv_multipart(0).unwrap(), [&b"back"[..], &big[..]]);
    for i in 0..50u32 {
        client.send(i.to_be_bytes().to_vec(), 0).unwrap();
        assert_eq!(server.recv_bytes(0).unwrap(), i.to_be_bytes());
    }
    assert_eq!(handshake_outcome(&events), (HANDSHAKE_SUCCEEDED, 0));

    // A wrong server key: libzmq cannot open HELLO.
    let (other, _) = ferrozmq::curve_keypair().unwrap();
    let wrong = ferro(&fctx, SocketType::Dealer);
    wrong
        .set_curve_client(other.as_bytes(), public.as_bytes(), secret.as_bytes())
        .unwrap();
    wrong.connect(&ep).unwrap();
    assert_eq!(
        handshake_outcome(&events),
        (HANDSHAKE_FAILED_PROTOCOL, PROTOCOL_ERROR_CRYPTOGRAPHIC)
    );
}

#[test]
fn curve_libzmq_client_ferrozmq_server() {
    let fctx = ferrozmq::Context::new();
    let (server_public, server_secret) = ferrozmq::curve_keypair().unwrap();
    let server = ferro(&fctx, SocketType::Rep);
    server.set_curve_server(server_secret.as_bytes()).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.last_endpoint();

    let zctx = zmq::Context::new();
    let keys = zmq::CurveKeyPair::new().unwrap();
    let client = lib(&zctx, zmq::REQ);
    client
        .set_curve_serverkey(&ferrozmq::z85::decode(&server_public).unwrap())
        .unwrap();
    client.set_curve_publickey(&keys.public_key).unwrap();
    client.set_curve_secretkey(&keys.secret_key).unwrap();
    let events = monitor(&zctx, &client);
    client.connect(&ep).unwrap();
    for i in 0..20u32 {
        let payload = vec![i as u8; 1 + i as usize * 997];
        client.send(&payload, 0).unwrap();
        assert_eq!(server.recv_bytes(0).unwrap(), payload);
        server.send(payload.clone(), 0).unwrap();
        assert_eq!(client.recv_bytes(0).unwrap(), payload);
    }
    assert_eq!(handshake_outcome(&events), (HANDSHAKE_SUCCEEDED, 0));

    // A wrong server key: ferrozmq drops the connection without a word.
    let other = zmq::CurveKeyPair::new().unwrap();
    let wrong = lib(&zctx, zmq::REQ);
    wrong.set_curve_serverkey(&other.public_key).unwrap();
    wrong.set_curve_publickey(&keys.public_key).unwrap();
    wrong.set_curve_secretkey(&keys.secret_key).unwrap();
    let wrong_events = monitor(&zctx, &wrong);
    wrong.connect(&ep).unwrap();
    assert_eq!(
        handshake_outcome(&wrong_events).0,
        HANDSHAKE_FAILED_NO_DETAIL
    );
}

#[test]
fn curve_zap_on_each_side_accepts_and_refuses() {
    // libzmq server + libzmq ZAP: one client key allowed, ferrozmq clients.
    let (good_public, good_secret) = ferrozmq::curve_keypair().unwrap();
    let good_raw = ferrozmq::z85::decode(&good_public).unwrap();
    let (bad_public, bad_secret) = ferrozmq::curve_keypair().unwrap();
    {
        let zctx = zmq::Context::new();
        let allowed = good_raw.clone();
        let zap = LibZap::start(&zctx, move |req| match req.get(6) {
            Some(key) if *key == allowed => ("200", "good-client"),
            _ => ("400", ""),
        });
        let (server, server_key, events) = lib_curve_server(&zctx, zmq::PULL);
        let ep = server.get_last_endpoint().unwrap().unwrap();
        let fctx = ferrozmq::Context::new();
        let client = ferro(&fctx, SocketType::Push);
        client
            .set_curve_client(&server_key, good_public.as_bytes(), good_secret.as_bytes())
            .unwrap();
        client.connect(&ep).unwrap();
        client.send("signed", 0).unwrap();
        let mut msg = server.recv_msg(0).unwrap();
        assert_eq!(&msg[..], b"signed");
        assert_eq!(msg.gets("User-Id"), Some("good-client"));
        assert_eq!(handshake_outcome(&events), (HANDSHAKE_SUCCEEDED, 0));
        let bad = ferro(&fctx, SocketType::Push);
        bad.set_curve_client(&server_key, bad_public.as_bytes(), bad_secret.as_bytes())
            .unwrap();
        bad.connect(&ep).unwrap();
        assert_eq!(handshake_outcome(&events), (HANDSHAKE_FAILED_AUTH, 400));
        drop(zap);
    }
    // ferrozmq server + Authenticator with the same allowed key, libzmq clients.
    let fctx = ferrozmq::Context::new();
    let auth = Authenticator::start(&fctx).unwrap();
    let key: [u8; 32] = good_raw.as_slice().try_into().unwrap();
    auth.configure_curve("*", CurveAllow::Keys([key].into()));
    let (server_public, server_secret) = ferrozmq::curve_keypair().unwrap();
    let server = ferro(&fctx, SocketType::Pull);
    server.set_curve_server(server_secret.as_bytes()).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let zctx = zmq::Context::new();
    for (public, secret, accepted) in [
        (&good_public, &good_secret, true),
        (&bad_public, &bad_secret, false),
    ] {
        let client = lib(&zctx, zmq::PUSH);
        client
            .set_curve_serverkey(server_public.as_bytes())
            .unwrap();
        client.set_curve_publickey(public.as_bytes()).unwrap();
        client.set_curve_secretkey(secret.as_bytes()).unwrap();
        let events = monitor(&zctx, &client);
        client.connect(&server.last_endpoint()).unwrap();
        if accepted {
            client.send("from libzmq", 0).unwrap();
            assert_eq!(server.recv_bytes(0).unwrap(), "from libzmq");
            assert_eq!(handshake_outcome(&events), (HANDSHAKE_SUCCEEDED, 0));
        } else {
            assert_eq!(handshake_outcome(&events), (HANDSHAKE_FAILED_AUTH, 400));
        }
    }
}

#[test]
fn null_with_zap_domain_refused_by_ferrozmq_handler() {
    let fctx = ferrozmq::Context::new();
    let auth = Authenticator::start(&fctx).unwrap();
    auth.deny(["127.0.0.1"]);
    let server = ferro(&fctx, SocketType::Pull);
    server.set_zap_domain("global").unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let zctx = zmq::Context::new();
    let client = lib(&zctx, zmq::PUSH);
    let events = monitor(&zctx, &client);
    client.connect(&server.last_endpoint()).unwrap();
    assert_eq!(handshake_outcome(&events), (HANDSHAKE_FAILED_AUTH, 400));
}

#[test]
fn mechanism_mismatch_is_refused_both_ways() {
    let fctx = ferrozmq::Context::new();
    let server = ferro(&fctx, SocketType::Pull);
    server.set_plain_server(true).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let zctx = zmq::Context::new();
    let client = lib(&zctx, zmq::PUSH);
    let events = monitor(&zctx, &client);
    client.connect(&server.last_endpoint()).unwrap();
    assert_eq!(
        handshake_outcome(&events),
        (HANDSHAKE_FAILED_PROTOCOL, 0x1100_0002)
    );
}
