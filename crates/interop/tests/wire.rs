//! ferrozmq against hand-written ZMTP peers over TCP: subscriptions from ZMTP 3.0 and 3.1 peers (and
//! the form ferrozmq's SUB sends to each), and hostile peers — garbage, a wrong greeting, a mechanism
//! mismatch, an incompatible socket type, a frame over MAXMSGSIZE, a stalled handshake — each dropped
//! without a panic while the same ferrozmq socket keeps serving a good libzmq peer.

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use ferrozmq::{opt, Context, Socket, SocketType};
use interop::{command, greeting, message_frame, ready, RawPeer, FLAG_LONG};

const TIMEOUT_MS: i32 = 5_000;

fn ferro(ctx: &Context, ty: SocketType) -> Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_linger(0).unwrap();
    s
}

fn tcp_addr(endpoint: &str) -> SocketAddr {
    endpoint
        .strip_prefix("tcp://")
        .expect(endpoint)
        .parse()
        .expect(endpoint)
}

// ---------------------------------------------------------------------------------------------
// Subscriptions from raw ZMTP 3.0 and 3.1 subscribers

/// How the raw subscriber encodes (un)subscriptions.
#[derive(Debug, Clone, Copy)]
enum SubForm {
    /// ZMTP 3.0: a message `\x01topic` / `\x00topic`.
    Message,
    /// ZMTP 3.1: a `SUBSCRIBE` / `CANCEL` command.
    Command,
}

fn subscribe(peer: &mut RawPeer, form: SubForm, topic: &[u8], on: bool) {
    let bytes = match form {
        SubForm::Message => {
            let mut body = vec![u8::from(on)];
            body.extend_from_slice(topic);
            message_frame(&body, false)
        }
        SubForm::Command => command(if on { "SUBSCRIBE" } else { "CANCEL" }, topic),
    };
    peer.send_raw(&bytes).unwrap();
}

/// Publishes `probe` until the raw peer receives it (skipping anything else that starts with
/// `skip_prefix`, which earlier probes may leave in flight).
fn await_raw_subscription(publisher: &Socket, peer: &mut RawPeer, probe: &[u8]) {
    let start = Instant::now();
    loop {
        publisher.send(probe.to_vec(), 0).unwrap();
        if let Some(m) = peer.try_read_message(Duration::from_millis(50)).unwrap() {
            if m == vec![probe.to_vec()] {
                return;
            }
            panic!("unexpected {m:?} while waiting for the subscription");
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the raw subscription never took effect"
        );
    }
}

/// Reads the next message that is not `probe`.
fn next_skipping(peer: &mut RawPeer, probe: &[u8]) -> Vec<Vec<u8>> {
    loop {
        let m = peer.read_message().expect("read from ferrozmq PUB");
        if m != vec![probe.to_vec()] {
            return m;
        }
    }
}

fn raw_subscriber(minor: u8, form: SubForm) {
    let ctx = Context::new();
    let publisher = ferro(&ctx, SocketType::Pub);
    publisher.bind("tcp://127.0.0.1:*").unwrap();
    let mut peer = RawPeer::connect(tcp_addr(&publisher.last_endpoint())).unwrap();
    let hello = peer
        .handshake(minor, "SUB")
        .expect("handshake with ferrozmq PUB");
    assert_eq!(hello.greeting[10], 3, "major version");
    assert_eq!(hello.property("Socket-Type"), Some(&b"PUB"[..]));

    subscribe(&mut peer, form, b"news", true);
    await_raw_subscription(&publisher, &mut peer, b"news.probe");
    publisher.send("sport.1", 0).unwrap();
    publisher.send("news.1", 0).unwrap();
    publisher.send_multipart(["weather", "news"], 0).unwrap();
    publisher.send_multipart(["news.2", "", "body"], 0).unwrap();
    publisher.send("new", 0).unwrap();
    publisher.send("news.end", 0).unwrap();
    assert_eq!(
        next_skipping(&mut peer, b"news.probe"),
        vec![b"news.1".to_vec()]
    );
    assert_eq!(
        next_skipping(&mut peer, b"news.probe"),
        vec![b"news.2".to_vec(), vec![], b"body".to_vec()]
    );
    assert_eq!(
        next_skipping(&mut peer, b"news.probe"),
        vec![b"news.end".to_vec()]
    );

    // Cancel "news", subscribe "sport"; both travel in order, so once a sport probe arrives the
    // cancel has been applied.
    subscribe(&mut peer, form, b"news", false);
    subscribe(&mut peer, form, b"sport", true);
    let start = Instant::now();
    loop {
        publisher.send("sport.probe", 0).unwrap();
        match peer.try_read_message(Duration::from_millis(50)).unwrap() {
            Some(m) if m == vec![b"sport.probe".to_vec()] => break,
            Some(m) if m[0].starts_with(b"news") => {}
            Some(m) => panic!("unexpected {m:?}"),
            None => {}
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the second subscription never took effect"
        );
    }
    publisher.send("news.after-cancel", 0).unwrap();
    publisher.send("sport.end", 0).unwrap();
    assert_eq!(
        next_skipping(&mut peer, b"sport.probe"),
        vec![b"sport.end".to_vec()]
    );
}

#[test]
fn zmtp30_subscriber_gets_only_matching_messages() {
    raw_subscriber(0, SubForm::Message);
}

#[test]
fn zmtp31_subscriber_with_commands_gets_only_matching_messages() {
    raw_subscriber(1, SubForm::Command);
}

#[test]
fn zmtp31_subscriber_with_legacy_messages_gets_only_matching_messages() {
    // libzmq accepts both forms from a 3.1 peer.
    raw_subscriber(1, SubForm::Message);
}

/// What ferrozmq's SUB sends a raw publisher that speaks 3.`minor`: `\x01topic` messages to 3.0, a
/// SUBSCRIBE command (or, as libzmq also accepts, the message form) to 3.1.
fn sub_sends_subscription_to(minor: u8) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ctx = Context::new();
    let sub = ferro(&ctx, SocketType::Sub);
    sub.connect(&format!("tcp://{}", listener.local_addr().unwrap()))
        .unwrap();
    sub.set_subscribe(b"abc").unwrap();
    let mut peer = RawPeer::accept(&listener, Duration::from_secs(5)).unwrap();
    let hello = peer
        .handshake(minor, "PUB")
        .expect("handshake with ferrozmq SUB");
    assert_eq!(hello.property("Socket-Type"), Some(&b"SUB"[..]));
    let f = peer
        .read_frame()
        .expect("ferrozmq's SUB sent no subscription within 5 s of the handshake (the application made no call meanwhile)");
    match (minor, f.command()) {
        (_, Some((b"SUBSCRIBE", topic))) => {
            assert_eq!(minor, 1, "a SUBSCRIBE command sent to a ZMTP 3.0 peer");
            assert_eq!(topic, b"abc");
        }
        (_, None) => assert_eq!(f.body, b"\x01abc", "subscription message: {f:?}"),
        (_, Some(other)) => panic!("unexpected command {other:?}"),
    }
    // A message the raw PUB sends is received.
    peer.send_raw(&message_frame(b"abc-hello", false)).unwrap();
    assert_eq!(sub.recv_bytes(0).unwrap(), "abc-hello");
}

#[test]
fn sub_subscribes_zmtp30_publisher_with_messages() {
    sub_sends_subscription_to(0);
}

#[test]
fn sub_subscribes_zmtp31_publisher() {
    sub_sends_subscription_to(1);
}

// ---------------------------------------------------------------------------------------------
// Hostile peers

/// A ferrozmq PULL bound to tcp with a short handshake timeout and MAXMSGSIZE, and a good libzmq PUSH
/// connected to it.
struct Server {
    _lib_ctx: zmq::Context,
    good: zmq::Socket,
    pull: Socket,
    addr: SocketAddr,
    seq: u32,
    _ctx: Context,
}

const MAX_MSG: i64 = 4096;

/// A short description of a message that may be large: its frame sizes and the start of each frame.
fn sizes<T: AsRef<[u8]>>(m: &[T]) -> String {
    let parts: Vec<String> = m
        .iter()
        .map(|p| {
            let p = p.as_ref();
            format!(
                "{} bytes {:?}",
                p.len(),
                String::from_utf8_lossy(&p[..p.len().min(16)])
            )
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

impl Server {
    fn new() -> Self {
        let ctx = Context::new();
        let pull = ferro(&ctx, SocketType::Pull);
        pull.set_option_int(opt::HANDSHAKE_IVL, 1000).unwrap();
        pull.set_option_int(opt::MAXMSGSIZE, MAX_MSG).unwrap();
        pull.bind("tcp://127.0.0.1:*").unwrap();
        let ep = pull.last_endpoint();
        let lib_ctx = zmq::Context::new();
        let good = lib_ctx.socket(zmq::PUSH).unwrap();
        good.set_linger(0).unwrap();
        good.set_sndtimeo(TIMEOUT_MS).unwrap();
        good.connect(&ep).unwrap();
        let mut s = Self {
            _lib_ctx: lib_ctx,
            good,
            pull,
            addr: tcp_addr(&ep),
            seq: 0,
            _ctx: ctx,
        };
        s.good_round_trip("initial");
        s
    }

    /// The good peer's next message arrives (and nothing a bad peer sent comes in between).
    fn good_round_trip(&mut self, when: &str) {
        self.seq += 1;
        let body = format!("good {}", self.seq);
        self.good.send(body.as_bytes(), 0).unwrap();
        match self.pull.recv_multipart(0) {
            Ok(m) => assert!(
                m == vec![body.clone()],
                "{when}: expected {body:?}, got {}",
                sizes(&m)
            ),
            Err(e) => panic!("{when}: ferrozmq stopped serving the good peer: {e}"),
        }
    }

    fn raw(&self) -> RawPeer {
        RawPeer::connect(self.addr).expect("connect a raw peer")
    }
}

/// Sends `bytes` (ignoring errors: the server may already have closed), checks the server drops the
/// connection in time while still serving the good peer.
fn hostile(what: &str, server: &mut Server, mut peer: RawPeer, wait: Duration) {
    server.good_round_trip(&format!("while {what} is connected"));
    assert!(
        peer.closed_within(wait),
        "{what}: ferrozmq kept the connection open for {wait:?}"
    );
    server.good_round_trip(&format!("after {what}"));
}

const DROP_WAIT: Duration = Duration::from_secs(5);

#[test]
fn garbage_is_dropped() {
    let mut server = Server::new();
    // A first byte other than 0xFF makes a peer an unversioned ZMTP 1.0 one, as in libzmq: bytes that
    // parse as ZMTP 1.0 frames are messages (libzmq delivers `[4; 100]` as `[4, 4, 4]`s). A frame
    // size of 0 is not ZMTP 1.0, so this one is garbage for every version.
    let mut peer = server.raw();
    let _ = peer.send_raw(b"\x00GET / HTTP/1.1\r\nHost: ferrozmq\r\n\r\n");
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let _ = peer.send_raw(&noise);
    hostile("an HTTP request and noise", &mut server, peer, DROP_WAIT);

    let mut peer = server.raw();
    let _ = peer.send_raw(&[0xFF; 4096]);
    hostile("0xFF bytes", &mut server, peer, DROP_WAIT);
}

#[test]
fn wrong_greeting_is_dropped() {
    let mut server = Server::new();

    let mut g = greeting(1, "NULL", false);
    // Not 0xFF first: an unversioned ZMTP 1.0 peer for libzmq, and its first frame has size 0.
    g[0] = 0x00;
    let mut peer = server.raw();
    let _ = peer.send_raw(&g);
    hostile(
        "a greeting with a bad signature",
        &mut server,
        peer,
        DROP_WAIT,
    );

    let mut peer = server.raw();
    let _ = peer.send_raw(&greeting(1, "CURVE", false));
    hostile(
        "a CURVE greeting to a NULL server",
        &mut server,
        peer,
        DROP_WAIT,
    );

    let mut peer = server.raw();
    let _ = peer.send_raw(&greeting(1, "BOGUS", false));
    hostile("an unknown mechanism", &mut server, peer, DROP_WAIT);

    let mut peer = server.raw();
    let _ = peer.send_raw(&greeting(1, "NULL", false));
    let _ = peer.send_raw(&command("HELLO", b"\x00\x00"));
    hostile(
        "a PLAIN HELLO on a NULL connection",
        &mut server,
        peer,
        DROP_WAIT,
    );
}

#[test]
fn incompatible_socket_type_is_dropped() {
    let mut server = Server::new();
    for ty in ["PUB", "PULL", "REQ", "NOSUCH"] {
        let mut peer = server.raw();
        let _ = peer.send_raw(&greeting(1, "NULL", false));
        let _ = peer.send_raw(&ready(&[("Socket-Type", ty.as_bytes())]));
        let _ = peer.send_raw(&message_frame(b"must not arrive", false));
        hostile(
            &format!("a {ty} peer on a PULL"),
            &mut server,
            peer,
            DROP_WAIT,
        );
    }
    // (A READY without Socket-Type is left alone: libzmq 4.3 accepts it too.)
}

#[test]
fn frame_over_maxmsgsize_is_dropped() {
    let mut server = Server::new();

    // A good handshake and a small message first, so the drop is for the size alone.
    let mut peer = server.raw();
    peer.handshake(1, "PUSH").expect("handshake as PUSH");
    peer.send_raw(&message_frame(b"raw ok", false)).unwrap();
    assert_eq!(server.pull.recv_bytes(0).unwrap(), "raw ok");
    let big = vec![7u8; MAX_MSG as usize + 1];
    let _ = peer.send_raw(&message_frame(&big, false));
    hostile(
        "a frame one byte over MAXMSGSIZE",
        &mut server,
        peer,
        DROP_WAIT,
    );

    // MAXMSGSIZE applies to each frame, as in libzmq: a multipart message whose parts are each under
    // the limit is delivered even though together they exceed it.
    let mut peer = server.raw();
    peer.handshake(1, "PUSH").expect("handshake as PUSH");
    let half = vec![1u8; MAX_MSG as usize / 2 + 1];
    peer.send_raw(&message_frame(&half, true)).unwrap();
    peer.send_raw(&message_frame(&half, false)).unwrap();
    let got = server.pull.recv_multipart(0).unwrap();
    assert!(
        got.len() == 2 && got.iter().all(|p| p[..] == half[..]),
        "two frames under MAXMSGSIZE: {}",
        sizes(&got)
    );
    assert!(
        !peer.closed_within(Duration::from_millis(200)),
        "frames under MAXMSGSIZE closed the connection"
    );
    server.good_round_trip("after a multipart message with large parts");

    // Absurd sizes: 2^40 and 2^63-1 announced, a little data sent.
    for size in [1u64 << 40, i64::MAX as u64] {
        let mut peer = server.raw();
        peer.handshake(1, "PUSH").expect("handshake as PUSH");
        let mut bytes = vec![FLAG_LONG];
        bytes.extend_from_slice(&size.to_be_bytes());
        bytes.extend_from_slice(&[0u8; 1024]);
        let _ = peer.send_raw(&bytes);
        hostile(
            &format!("a frame announcing {size} bytes"),
            &mut server,
            peer,
            DROP_WAIT,
        );
    }
}

#[test]
fn stalled_handshake_is_dropped() {
    let mut server = Server::new();
    // HANDSHAKE_IVL is 1 s on the server; allow generous slack.
    let wait = Duration::from_secs(6);

    let peer = server.raw();
    hostile("a silent peer", &mut server, peer, wait);

    let mut peer = server.raw();
    let _ = peer.send_raw(&greeting(1, "NULL", false)[..10]);
    hostile(
        "a peer stalled after 10 greeting bytes",
        &mut server,
        peer,
        wait,
    );

    let mut peer = server.raw();
    let _ = peer.send_raw(&greeting(1, "NULL", false));
    hostile("a peer stalled before READY", &mut server, peer, wait);

    let mut peer = server.raw();
    let _ = peer.send_raw(&greeting(1, "NULL", false));
    let r = ready(&[("Socket-Type", b"PUSH")]);
    let _ = peer.send_raw(&r[..r.len() / 2]);
    hostile("a peer stalled inside READY", &mut server, peer, wait);
}

#[test]
fn many_hostile_peers_at_once() {
    let mut server = Server::new();
    let mut peers = Vec::new();
    for i in 0..20u8 {
        let mut p = server.raw();
        let bytes: Vec<u8> = match i % 4 {
            0 => [0].into_iter().chain(vec![i; 99]).collect(),
            1 => greeting(1, "CURVE", false).to_vec(),
            2 => {
                let mut b = greeting(1, "NULL", false).to_vec();
                b.extend_from_slice(&ready(&[("Socket-Type", b"ROUTER")]));
                b
            }
            _ => greeting(0, "NULL", false)[..5].to_vec(),
        };
        let _ = p.send_raw(&bytes);
        peers.push(p);
        server.good_round_trip(&format!("with {} hostile peers", i + 1));
    }
    for (i, mut p) in peers.into_iter().enumerate() {
        assert!(
            p.closed_within(Duration::from_secs(6)),
            "hostile peer {i} was kept"
        );
    }
    server.good_round_trip("after all hostile peers");
}
