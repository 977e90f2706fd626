//! DEALER, ROUTER, PAIR, XPUB/XSUB, REQ_RELAXED/REQ_CORRELATE, XPUB_NODROP, INVERT_MATCHING and CONFLATE against libzmq
//! over tcp, with ferrozmq on either side and either side binding.

use std::time::{Duration, Instant};

use ferrozmq::{opt, SocketType};

const TIMEOUT_MS: i32 = 5_000;
const DEADLINE: Duration = Duration::from_secs(10);

type Msg = Vec<Vec<u8>>;

fn m(parts: &[&[u8]]) -> Msg {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// What a send that did not happen says.
#[derive(Debug, PartialEq, Eq)]
enum SendFail {
    Again,
    HostUnreachable,
    Other(String),
}

/// A socket of either library, driven the same way.
trait Sock {
    fn who(&self) -> &'static str;
    fn bind_any(&self) -> String;
    fn connect_to(&self, ep: &str);
    fn try_send(&self, m: &Msg, dontwait: bool) -> Result<(), SendFail>;
    fn recv_msg(&self) -> Msg;
    fn set_id(&self, id: &[u8]);
    fn subscribe(&self, topic: &[u8], on: bool);
    fn send_msg(&self, msg: &Msg) {
        self.try_send(msg, false)
            .unwrap_or_else(|e| panic!("{} send: {e:?}", self.who()));
    }
}

struct Ferro(ferrozmq::Socket);
struct Lib(zmq::Socket);

impl Sock for Ferro {
    fn who(&self) -> &'static str {
        "ferrozmq"
    }
    fn bind_any(&self) -> String {
        self.0.bind("tcp://127.0.0.1:*").unwrap();
        self.0.last_endpoint()
    }
    fn connect_to(&self, ep: &str) {
        self.0.connect(ep).unwrap();
    }
    fn try_send(&self, msg: &Msg, dontwait: bool) -> Result<(), SendFail> {
        let flags = if dontwait { ferrozmq::DONTWAIT } else { 0 };
        self.0
            .send_multipart(msg.clone(), flags)
            .map_err(|e| match e {
                ferrozmq::Error::Again => SendFail::Again,
                ferrozmq::Error::HostUnreachable => SendFail::HostUnreachable,
                e => SendFail::Other(e.to_string()),
            })
    }
    fn recv_msg(&self) -> Msg {
        let parts = self.0.recv_multipart(0).expect("ferrozmq recv");
        parts.into_iter().map(|b| b.to_vec()).collect()
    }
    fn set_id(&self, id: &[u8]) {
        self.0.set_routing_id(id).unwrap();
    }
    fn subscribe(&self, topic: &[u8], on: bool) {
        if on {
            self.0.set_subscribe(topic).unwrap();
        } else {
            self.0.set_unsubscribe(topic).unwrap();
        }
    }
}

impl Sock for Lib {
    fn who(&self) -> &'static str {
        "libzmq"
    }
    fn bind_any(&self) -> String {
        self.0.bind("tcp://127.0.0.1:*").unwrap();
        self.0.get_last_endpoint().unwrap().unwrap()
    }
    fn connect_to(&self, ep: &str) {
        self.0.connect(ep).unwrap();
    }
    fn try_send(&self, msg: &Msg, dontwait: bool) -> Result<(), SendFail> {
        let flags = if dontwait { zmq::DONTWAIT } else { 0 };
        self.0
            .send_multipart(msg.iter(), flags)
            .map_err(|e| match e {
                zmq::Error::EAGAIN => SendFail::Again,
                zmq::Error::EHOSTUNREACH => SendFail::HostUnreachable,
                e => SendFail::Other(e.to_string()),
            })
    }
    fn recv_msg(&self) -> Msg {
        self.0.recv_multipart(0).expect("libzmq recv")
    }
    fn set_id(&self, id: &[u8]) {
        self.0.set_identity(id).unwrap();
    }
    fn subscribe(&self, topic: &[u8], on: bool) {
        if on {
            self.0.set_subscribe(topic).unwrap();
        } else {
            self.0.set_unsubscribe(topic).unwrap();
        }
    }
}

/// Makes sockets of both libraries with bounded timeouts and LINGER 0.
struct Ctx {
    ferro: ferrozmq::Context,
    lib: zmq::Context,
}

impl Ctx {
    fn new() -> Self {
        Self {
            ferro: ferrozmq::Context::new(),
            lib: zmq::Context::new(),
        }
    }

    fn ferro(&self, ty: SocketType) -> Ferro {
        let s = self.ferro.socket(ty).unwrap();
        s.set_rcvtimeo(TIMEOUT_MS).unwrap();
        s.set_sndtimeo(TIMEOUT_MS).unwrap();
        s.set_linger(0).unwrap();
        Ferro(s)
    }

    fn lib(&self, ty: SocketType) -> Lib {
        let raw = match ty {
            SocketType::Dealer => zmq::DEALER,
            SocketType::Router => zmq::ROUTER,
            SocketType::Pair => zmq::PAIR,
            SocketType::XPub => zmq::XPUB,
            SocketType::XSub => zmq::XSUB,
            SocketType::Sub => zmq::SUB,
            SocketType::Pub => zmq::PUB,
            SocketType::Req => zmq::REQ,
            SocketType::Rep => zmq::REP,
            other => panic!("no libzmq mapping for {other:?}"),
        };
        let s = self.lib.socket(raw).unwrap();
        s.set_rcvtimeo(TIMEOUT_MS).unwrap();
        s.set_sndtimeo(TIMEOUT_MS).unwrap();
        s.set_linger(0).unwrap();
        Lib(s)
    }

    fn make(&self, ferro: bool, ty: SocketType) -> Box<dyn Sock> {
        if ferro {
            Box::new(self.ferro(ty))
        } else {
            Box::new(self.lib(ty))
        }
    }
}

/// Sends with DONTWAIT until the peer is routable (ROUTER_MANDATORY set on `s`).
fn send_when_routable(s: &dyn Sock, msg: &Msg) {
    let start = Instant::now();
    loop {
        match s.try_send(msg, true) {
            Ok(()) => return,
            Err(SendFail::HostUnreachable) | Err(SendFail::Again) => {
                assert!(
                    start.elapsed() < DEADLINE,
                    "{}: peer never routable",
                    s.who()
                );
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("{} send: {e:?}", s.who()),
        }
    }
}

/// A ROUTER of one library binds, two DEALERs of the other connect (one named, one anonymous).
fn router_binds(ferro_router: bool) {
    let ctx = Ctx::new();
    let router = ctx.make(ferro_router, SocketType::Router);
    let ep = router.bind_any();
    let alice = ctx.make(!ferro_router, SocketType::Dealer);
    alice.set_id(b"alice");
    alice.connect_to(&ep);
    let anon = ctx.make(!ferro_router, SocketType::Dealer);
    anon.connect_to(&ep);
    alice.send_msg(&m(&[b"", b"hi"]));
    assert_eq!(router.recv_msg(), m(&[b"alice", b"", b"hi"]));
    anon.send_msg(&m(&[b"anon"]));
    let got = router.recv_msg();
    assert_eq!((got[0].len(), got[0][0]), (5, 0), "generated routing id");
    router.send_msg(&m(&[b"alice", b"", b"reply"]));
    router.send_msg(&vec![got[0].clone(), b"to anon".to_vec()]);
    assert_eq!(alice.recv_msg(), m(&[b"", b"reply"]));
    assert_eq!(anon.recv_msg(), m(&[b"to anon"]));
}

/// A DEALER of one library binds (with a routing id); a ROUTER of the other connects and sends first.
fn dealer_binds(ferro_dealer: bool) {
    let ctx = Ctx::new();
    let dealer = ctx.make(ferro_dealer, SocketType::Dealer);
    dealer.set_id(b"server");
    let ep = dealer.bind_any();
    let router: Box<dyn Sock> = if ferro_dealer {
        let r = ctx.lib(SocketType::Router);
        r.0.set_router_mandatory(true).unwrap();
        Box::new(r)
    } else {
        let r = ctx.ferro(SocketType::Router);
        r.0.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
        Box::new(r)
    };
    router.set_id(b"client");
    router.connect_to(&ep);
    send_when_routable(&*router, &m(&[b"server", b"ping"]));
    assert_eq!(dealer.recv_msg(), m(&[b"ping"]));
    dealer.send_msg(&m(&[b"pong", b""]));
    assert_eq!(router.recv_msg(), m(&[b"server", b"pong", b""]));
}

/// ferrozmq's ROUTER_MANDATORY against a libzmq DEALER: unknown ids fail, a full peer would block.
#[test]
fn ferro_router_mandatory_with_libzmq_dealer() {
    let ctx = Ctx::new();
    let router = ctx.ferro(SocketType::Router);
    router.0.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    router.0.set_sndhwm(1).unwrap();
    let ep = router.bind_any();
    assert_eq!(
        router.try_send(&m(&[b"nobody", b"x"]), false),
        Err(SendFail::HostUnreachable)
    );
    let dealer = ctx.lib(SocketType::Dealer);
    dealer.0.set_rcvhwm(1).unwrap();
    dealer.set_id(b"slow");
    dealer.connect_to(&ep);
    send_when_routable(&router, &m(&[b"slow", b"first"]));
    let big = vec![1u8; 64 * 1024];
    // The first refusal must be "would block" (the peer is known, only full). A second try could
    // succeed: the I/O thread keeps draining the queue into the kernel meanwhile.
    let mut sent = 0;
    let refusal = loop {
        match router.try_send(&vec![b"slow".to_vec(), big.clone()], true) {
            Ok(()) => sent += 1,
            Err(e) => break e,
        }
        assert!(sent < 10_000, "never reached the high-water mark");
    };
    assert_eq!(refusal, SendFail::Again);
    assert_eq!(dealer.recv_msg(), m(&[b"first"]));
}

fn pair_both(ferro_binds: bool) {
    let ctx = Ctx::new();
    let a = ctx.make(ferro_binds, SocketType::Pair);
    let b = ctx.make(!ferro_binds, SocketType::Pair);
    b.connect_to(&a.bind_any());
    for i in 0..3u8 {
        a.send_msg(&vec![vec![i], vec![], vec![i; 1000]]);
        assert_eq!(b.recv_msg(), vec![vec![i], vec![], vec![i; 1000]]);
        b.send_msg(&m(&[b"back"]));
        assert_eq!(a.recv_msg(), m(&[b"back"]));
    }
}

/// An XPUB of one library binds; SUBs and an XSUB of the other connect.
fn xpub_binds(ferro_xpub: bool) {
    let ctx = Ctx::new();
    let xpub = ctx.make(ferro_xpub, SocketType::XPub);
    let ep = xpub.bind_any();
    let s1 = ctx.make(!ferro_xpub, SocketType::Sub);
    s1.connect_to(&ep);
    s1.subscribe(b"a", true);
    assert_eq!(xpub.recv_msg(), m(&[b"\x01a"]));
    let s2 = ctx.make(!ferro_xpub, SocketType::Sub);
    s2.connect_to(&ep);
    s2.subscribe(b"a", true);
    s2.subscribe(b"b", true);
    assert_eq!(
        xpub.recv_msg(),
        m(&[b"\x01b"]),
        "a duplicate topic is no news"
    );
    xpub.send_msg(&m(&[b"a1"]));
    assert_eq!(s1.recv_msg(), m(&[b"a1"]));
    assert_eq!(s2.recv_msg(), m(&[b"a1"]));
    s1.subscribe(b"a", false);
    drop(s2);
    let mut cancels = [xpub.recv_msg(), xpub.recv_msg()];
    cancels.sort();
    assert_eq!(cancels, [m(&[b"\x00a"]), m(&[b"\x00b"])]);

    let xsub = ctx.make(!ferro_xpub, SocketType::XSub);
    xsub.connect_to(&ep);
    xsub.send_msg(&m(&[b"\x01c"]));
    assert_eq!(xpub.recv_msg(), m(&[b"\x01c"]));
    xpub.send_msg(&m(&[b"d1"]));
    xpub.send_msg(&m(&[b"c1", b"more"]));
    assert_eq!(xsub.recv_msg(), m(&[b"c1", b"more"]));
    xsub.send_msg(&m(&[b"\x00c"]));
    assert_eq!(xpub.recv_msg(), m(&[b"\x00c"]));
}

/// ferrozmq's XPUB_VERBOSE and XPUB_VERBOSER with libzmq SUBs.
#[test]
fn ferro_xpub_verbose_with_libzmq_subs() {
    let ctx = Ctx::new();
    let xpub = ctx.ferro(SocketType::XPub);
    xpub.0.set_option_int(opt::XPUB_VERBOSE, 1).unwrap();
    let ep = xpub.bind_any();
    let s1 = ctx.lib(SocketType::Sub);
    let s2 = ctx.lib(SocketType::Sub);
    s1.connect_to(&ep);
    s2.connect_to(&ep);
    s1.subscribe(b"t", true);
    assert_eq!(xpub.recv_msg(), m(&[b"\x01t"]));
    s2.subscribe(b"t", true);
    assert_eq!(xpub.recv_msg(), m(&[b"\x01t"]));
    s1.subscribe(b"t", false);
    s2.subscribe(b"t", false);
    assert_eq!(xpub.recv_msg(), m(&[b"\x00t"]));
    xpub.0.set_option_int(opt::XPUB_VERBOSER, 1).unwrap();
    for (s, sub) in [(&s1, true), (&s2, true), (&s1, false), (&s2, false)] {
        s.subscribe(b"u", sub);
        let want: &[u8] = if sub { b"\x01u" } else { b"\x00u" };
        assert_eq!(xpub.recv_msg(), m(&[want]), "VERBOSER passes each one");
    }
}

/// A relaxed, correlating REQ of one library against a ROUTER of the other.
fn req_correlate(ferro_req: bool) {
    let ctx = Ctx::new();
    let router = ctx.make(!ferro_req, SocketType::Router);
    let ep = router.bind_any();
    let req: Box<dyn Sock> = if ferro_req {
        let r = ctx.ferro(SocketType::Req);
        r.0.set_option_int(opt::REQ_RELAXED, 1).unwrap();
        r.0.set_option_int(opt::REQ_CORRELATE, 1).unwrap();
        Box::new(r)
    } else {
        let r = ctx.lib(SocketType::Req);
        r.0.set_req_relaxed(true).unwrap();
        r.0.set_req_correlate(true).unwrap();
        Box::new(r)
    };
    req.connect_to(&ep);
    req.send_msg(&m(&[b"first"]));
    let first = router.recv_msg();
    assert_eq!(first.len(), 4);
    assert_eq!(first[1].len(), 4);
    assert_eq!(&first[2..], &m(&[b"", b"first"])[..]);
    req.send_msg(&m(&[b"second"]));
    let second = router.recv_msg();
    assert_ne!(first[1], second[1]);
    let reply =
        |id: &[u8], body: &[u8]| vec![second[0].clone(), id.to_vec(), vec![], body.to_vec()];
    router.send_msg(&reply(&first[1], b"stale"));
    router.send_msg(&reply(&second[1], b"fresh"));
    assert_eq!(req.recv_msg(), m(&[b"fresh"]));
}

macro_rules! cases {
    ($($name:ident => $f:ident($arg:expr);)*) => {$(
        #[test]
        fn $name() {
            $f($arg);
        }
    )*};
}

cases! {
    ferro_router_binds_libzmq_dealers_connect => router_binds(true);
    libzmq_router_binds_ferro_dealers_connect => router_binds(false);
    ferro_dealer_binds_libzmq_router_connects => dealer_binds(true);
    libzmq_dealer_binds_ferro_router_connects => dealer_binds(false);
    ferro_pair_binds_libzmq_pair_connects => pair_both(true);
    libzmq_pair_binds_ferro_pair_connects => pair_both(false);
    ferro_xpub_binds_libzmq_subs_connect => xpub_binds(true);
    libzmq_xpub_binds_ferro_subs_connect => xpub_binds(false);
    ferro_req_correlate_libzmq_router => req_correlate(true);
    libzmq_req_correlate_ferro_router => req_correlate(false);
}

/// PROBE_ROUTER both ways: a probing DEALER of one library announces itself to a ROUTER of the other.
fn probe_router(ferro_dealer: bool) {
    let ctx = Ctx::new();
    let router = ctx.make(!ferro_dealer, SocketType::Router);
    let ep = router.bind_any();
    let dealer: Box<dyn Sock> = if ferro_dealer {
        let d = ctx.ferro(SocketType::Dealer);
        d.0.set_option_int(opt::PROBE_ROUTER, 1).unwrap();
        Box::new(d)
    } else {
        let d = ctx.lib(SocketType::Dealer);
        d.0.set_probe_router(true).unwrap();
        Box::new(d)
    };
    dealer.set_id(b"probe");
    dealer.connect_to(&ep);
    assert_eq!(router.recv_msg(), m(&[b"probe", b""]));
}

/// ferrozmq's ROUTER_HANDOVER and CONNECT_ROUTING_ID with libzmq DEALERs.
#[test]
fn ferro_router_handover_and_connect_routing_id_with_libzmq() {
    let ctx = Ctx::new();
    let router = ctx.ferro(SocketType::Router);
    router.0.set_option_int(opt::ROUTER_HANDOVER, 1).unwrap();
    let ep = router.bind_any();
    let old = ctx.lib(SocketType::Dealer);
    old.set_id(b"X");
    old.connect_to(&ep);
    old.send_msg(&m(&[b"old"]));
    assert_eq!(router.recv_msg(), m(&[b"X", b"old"]));
    let new = ctx.lib(SocketType::Dealer);
    new.set_id(b"X");
    new.connect_to(&ep);
    new.send_msg(&m(&[b"new"]));
    assert_eq!(router.recv_msg(), m(&[b"X", b"new"]));
    router.send_msg(&m(&[b"X", b"to new"]));
    assert_eq!(new.recv_msg(), m(&[b"to new"]));

    let server = ctx.lib(SocketType::Dealer);
    let server_ep = server.bind_any();
    router.0.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    router
        .0
        .set_option_bytes(opt::CONNECT_ROUTING_ID, b"srv")
        .unwrap();
    router.connect_to(&server_ep);
    send_when_routable(&router, &m(&[b"srv", b"hello"]));
    assert_eq!(server.recv_msg(), m(&[b"hello"]));
}

/// A ferrozmq ROUTER with IMMEDIATE=1 names the libzmq ROUTER it connects to by CONNECT_ROUTING_ID (its link
/// is made after the handshake) and reaches it by that id at once, as ROUTER-to-ROUTER setups need.
#[test]
fn ferro_immediate_router_connect_routing_id_to_libzmq_router() {
    let ctx = Ctx::new();
    let server = ctx.lib(SocketType::Router);
    let ep = server.bind_any();
    let router = ctx.ferro(SocketType::Router);
    router.set_id(b"client");
    router.0.set_option_int(opt::ROUTER_MANDATORY, 1).unwrap();
    router.0.set_option_int(opt::IMMEDIATE, 1).unwrap();
    router
        .0
        .set_option_bytes(opt::CONNECT_ROUTING_ID, b"srv")
        .unwrap();
    router.connect_to(&ep);
    send_when_routable(&router, &m(&[b"srv", b"hello"]));
    assert_eq!(server.recv_msg(), m(&[b"client", b"hello"]));
    server.send_msg(&m(&[b"client", b"back"]));
    assert_eq!(router.recv_msg(), m(&[b"srv", b"back"]));
}

/// A bound ferrozmq ROUTER with ROUTER_NOTIFY=3 reads a libzmq DEALER's connect notice, the messages it sent
/// and closed on before the ROUTER read any, then its disconnect notice.
#[test]
fn ferro_bound_router_notify_with_libzmq_dealer() {
    let ctx = Ctx::new();
    let router = ctx.ferro(SocketType::Router);
    router.0.set_option_int(opt::ROUTER_NOTIFY, 3).unwrap();
    let monitor = format!("inproc://bound-notify-monitor-{}", std::process::id());
    router
        .0
        .monitor(monitor.as_str(), ferrozmq::event::DISCONNECTED)
        .unwrap();
    let events = ctx.ferro(SocketType::Pair);
    events.connect_to(&monitor);
    let ep = router.bind_any();
    let dealer = ctx.lib(SocketType::Dealer);
    dealer.set_id(b"L");
    dealer.0.set_linger(5_000).unwrap();
    dealer.connect_to(&ep);
    for part in [b"one", b"two"] {
        dealer.send_msg(&m(&[part]));
    }
    drop(dealer);
    events.recv_msg();
    assert_eq!(router.recv_msg(), m(&[b"L", b""]), "connect");
    assert_eq!(router.recv_msg(), m(&[b"L", b"one"]));
    assert_eq!(router.recv_msg(), m(&[b"L", b"two"]));
    assert_eq!(router.recv_msg(), m(&[b"L", b""]), "disconnect");
}

/// A connecting ferrozmq ROUTER with ROUTER_NOTIFY=3 reports a libzmq DEALER's connect, its going away (after
/// the messages it sent before, unread until then) and a new one coming back on the same endpoint.
#[test]
fn ferro_connecting_router_notify_with_libzmq_dealer_coming_back() {
    let ctx = Ctx::new();
    let first = ctx.lib(SocketType::Dealer);
    first.set_id(b"D");
    first.0.set_linger(5_000).unwrap();
    let ep = first.bind_any();
    let router = ctx.ferro(SocketType::Router);
    router.0.set_option_int(opt::ROUTER_NOTIFY, 3).unwrap();
    router.0.set_option_int(opt::RECONNECT_IVL, 10).unwrap();
    let monitor = format!("inproc://notify-monitor-{}", std::process::id());
    router
        .0
        .monitor(monitor.as_str(), ferrozmq::event::CONNECT_RETRIED)
        .unwrap();
    let events = ctx.ferro(SocketType::Pair);
    events.connect_to(&monitor);
    router.connect_to(&ep);
    assert_eq!(router.recv_msg(), m(&[b"D", b""]), "connect");
    first.send_msg(&m(&[b"one"]));
    assert_eq!(router.recv_msg(), m(&[b"D", b"one"]));
    first.send_msg(&m(&[b"two"]));
    first.send_msg(&m(&[b"three"]));
    drop(first);
    // The ROUTER's side has taken in the loss when it schedules the reconnect.
    events.recv_msg();
    assert_eq!(router.recv_msg(), m(&[b"D", b"two"]));
    assert_eq!(router.recv_msg(), m(&[b"D", b"three"]));
    assert_eq!(router.recv_msg(), m(&[b"D", b""]), "disconnect");
    let second = ctx.lib(SocketType::Dealer);
    second.set_id(b"D");
    second.0.bind(&ep).unwrap();
    assert_eq!(router.recv_msg(), m(&[b"D", b""]), "reconnect");
    router.send_msg(&m(&[b"D", b"back"]));
    assert_eq!(second.recv_msg(), m(&[b"back"]));
}

/// ferrozmq's XPUB_WELCOME_MSG and XPUB_MANUAL with libzmq subscribers.
#[test]
fn ferro_xpub_welcome_and_manual_with_libzmq() {
    let ctx = Ctx::new();
    let xpub = ctx.ferro(SocketType::XPub);
    xpub.0
        .set_option_bytes(opt::XPUB_WELCOME_MSG, b"W")
        .unwrap();
    xpub.0.set_option_int(opt::XPUB_MANUAL, 1).unwrap();
    let ep = xpub.bind_any();
    let sub = ctx.lib(SocketType::Sub);
    sub.subscribe(b"W", true);
    sub.connect_to(&ep);
    assert_eq!(xpub.recv_msg(), m(&[b"\x01W"]));
    xpub.0.set_subscribe(b"").unwrap();
    assert_eq!(sub.recv_msg(), m(&[b"W"]));
    xpub.send_msg(&m(&[b"Wx"]));
    assert_eq!(sub.recv_msg(), m(&[b"Wx"]));
}

/// libzmq's XPUB_WELCOME_MSG reaches a ferrozmq SUB.
#[test]
fn libzmq_xpub_welcome_reaches_ferro_sub() {
    let ctx = Ctx::new();
    let xpub = ctx.lib(SocketType::XPub);
    xpub.0.set_xpub_welcome_msg(Some("W")).unwrap();
    let ep = xpub.bind_any();
    let sub = ctx.ferro(SocketType::Sub);
    sub.subscribe(b"W", true);
    sub.connect_to(&ep);
    assert_eq!(xpub.recv_msg(), m(&[b"\x01W"]));
    assert_eq!(sub.recv_msg(), m(&[b"W"]));
}

cases! {
    ferro_probing_dealer_libzmq_router => probe_router(true);
    libzmq_probing_dealer_ferro_router => probe_router(false);
}

/// ferrozmq's XPUB_NODROP with SNDHWM 1 towards a libzmq SUB that does not read: the send says Again.
#[test]
fn ferro_xpub_nodrop_with_slow_libzmq_sub() {
    let ctx = Ctx::new();
    let xpub = ctx.ferro(SocketType::XPub);
    xpub.0.set_option_int(opt::XPUB_NODROP, 1).unwrap();
    xpub.0.set_sndhwm(1).unwrap();
    let ep = xpub.bind_any();
    let sub = ctx.lib(SocketType::Sub);
    sub.0.set_rcvhwm(1).unwrap();
    sub.subscribe(b"", true);
    sub.connect_to(&ep);
    assert_eq!(xpub.recv_msg(), m(&[b"\x01"]));
    let big = vec![1u8; 64 * 1024];
    xpub.send_msg(&m(&[b"first"]));
    let mut sent = 0;
    let fail = loop {
        match xpub.try_send(&vec![big.clone()], true) {
            Ok(()) => sent += 1,
            Err(e) => break e,
        }
        assert!(sent < 10_000, "NODROP never pushed back");
    };
    assert_eq!(fail, SendFail::Again);
    assert_eq!(sub.recv_msg(), m(&[b"first"]), "nothing was dropped");
    for _ in 0..sent {
        assert_eq!(sub.recv_msg(), vec![big.clone()], "nothing was dropped");
    }
    assert_eq!(xpub.try_send(&m(&[b"after"]), false), Ok(()));
    assert_eq!(sub.recv_msg(), m(&[b"after"]));
}

/// Sets INVERT_MATCHING on a libzmq socket (the zmq crate 0.9 has no setter for it).
fn lib_invert_matching(s: &mut zmq::Socket) {
    let on: i32 = 1;
    // SAFETY: a live socket, a pointer to an i32 and its size, as zmq_setsockopt(3) asks for ZMQ_INVERT_MATCHING.
    #[allow(unsafe_code)]
    let rc = unsafe {
        zmq_sys::zmq_setsockopt(
            s.as_mut_ptr(),
            zmq_sys::ZMQ_INVERT_MATCHING as i32,
            (&on as *const i32).cast(),
            size_of::<i32>(),
        )
    };
    assert_eq!(rc, 0, "zmq_setsockopt(ZMQ_INVERT_MATCHING)");
}

/// Sends `[a, b]` pairs until `recv` yields something; returns it.
fn pump_until_received(send: impl Fn(&[u8]), recv: impl Fn() -> Option<Vec<u8>>) -> Vec<u8> {
    let start = Instant::now();
    loop {
        send(b"a-skip");
        send(b"b-keep");
        if let Some(got) = recv() {
            return got;
        }
        assert!(start.elapsed() < DEADLINE, "nothing ever arrived");
    }
}

/// ferrozmq's PUB with INVERT_MATCHING sends a libzmq XSUB (which does not filter) only what matches none of its
/// subscriptions.
#[test]
fn ferro_pub_invert_matching_with_libzmq_xsub() {
    let ctx = Ctx::new();
    let publ = ctx.ferro(SocketType::Pub);
    publ.0.set_option_int(opt::INVERT_MATCHING, 1).unwrap();
    let ep = publ.bind_any();
    let xsub = ctx.lib(SocketType::XSub);
    xsub.0.set_rcvtimeo(20).unwrap();
    xsub.connect_to(&ep);
    xsub.send_msg(&m(&[b"\x01a"]));
    // Until the subscription arrives the PUB matches nothing, so everything passes; after it, only "b-keep".
    let start = Instant::now();
    let mut in_a_row = 0;
    while in_a_row < 3 {
        assert!(start.elapsed() < DEADLINE, "the subscription never took");
        publ.send_msg(&m(&[b"a-skip"]));
        publ.send_msg(&m(&[b"b-keep"]));
        match xsub.0.recv_multipart(0) {
            Ok(got) if got == m(&[b"b-keep"]) => in_a_row += 1,
            Ok(_) => in_a_row = 0,
            Err(zmq::Error::EAGAIN) => {}
            Err(e) => panic!("libzmq recv: {e}"),
        }
    }
    for _ in 0..20 {
        match xsub.0.recv_multipart(0) {
            Ok(got) => assert_eq!(got, m(&[b"b-keep"]), "a matching message passed"),
            Err(zmq::Error::EAGAIN) => break,
            Err(e) => panic!("libzmq recv: {e}"),
        }
    }
}

/// A libzmq PUB and a ferrozmq SUB, both with INVERT_MATCHING (libzmq wants it on both sides): the SUB gets only
/// what matches none of its subscriptions.
#[test]
fn libzmq_inverted_pub_to_ferro_inverted_sub() {
    let ctx = Ctx::new();
    let mut publ = ctx.lib(SocketType::Pub);
    lib_invert_matching(&mut publ.0);
    let ep = publ.bind_any();
    let sub = ctx.ferro(SocketType::Sub);
    sub.0.set_option_int(opt::INVERT_MATCHING, 1).unwrap();
    sub.0.set_rcvtimeo(20).unwrap();
    sub.subscribe(b"a", true);
    sub.connect_to(&ep);
    let recv = || match sub.0.recv_multipart(0) {
        Ok(parts) => Some(parts.concat()),
        Err(ferrozmq::Error::Again) => None,
        Err(e) => panic!("ferrozmq recv: {e}"),
    };
    let first = pump_until_received(|t| publ.send_msg(&m(&[t])), recv);
    assert_eq!(first, b"b-keep");
    for _ in 0..20 {
        match recv() {
            Some(got) => assert_eq!(got, b"b-keep", "a matching message passed"),
            None => break,
        }
    }
}

/// Receives until `last` arrives; the messages seen must rise and be fewer than `sent` (CONFLATE dropped some).
fn conflated(s: &Ferro, sent: usize) {
    let last = format!("m{:04}", sent - 1).into_bytes();
    let mut seen = Vec::new();
    let start = Instant::now();
    while seen.last() != Some(&last) {
        assert!(start.elapsed() < DEADLINE, "the last message never came");
        let got = s.0.recv_multipart(0).unwrap_or_else(|e| {
            let seen: Vec<_> = seen.iter().map(|m| String::from_utf8_lossy(m)).collect();
            panic!("{e} after {seen:?}")
        });
        assert_eq!(got.len(), 1);
        let got: Msg = got.into_iter().map(|b| b.to_vec()).collect();
        seen.extend(got);
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order");
    assert!(seen.len() < sent, "CONFLATE kept only the newest");
}

/// A ferrozmq SUB with CONFLATE keeps only the newest of a libzmq PUB's burst.
#[test]
fn ferro_sub_conflate_with_libzmq_pub() {
    let ctx = Ctx::new();
    let publ = ctx.lib(SocketType::Pub);
    // No high-water mark on the PUB, so the burst is not cut short at the sender.
    publ.0.set_sndhwm(0).unwrap();
    let ep = publ.bind_any();
    let sub = ctx.ferro(SocketType::Sub);
    sub.0.set_option_int(opt::CONFLATE, 1).unwrap();
    sub.subscribe(b"m", true);
    sub.0.set_rcvtimeo(20).unwrap();
    sub.connect_to(&ep);
    pump_until_received(
        |_| publ.send_msg(&m(&[b"m-probe"])),
        || sub.0.recv_multipart(0).ok().map(|p| p.concat()),
    );
    sub.0.set_rcvtimeo(TIMEOUT_MS).unwrap();
    for i in 0..1000 {
        publ.send_msg(&vec![format!("m{i:04}").into_bytes()]);
    }
    conflated(&sub, 1000);
}

/// A ferrozmq DEALER with CONFLATE keeps only the newest of a libzmq DEALER's burst.
#[test]
fn ferro_dealer_conflate_with_libzmq_dealer() {
    let ctx = Ctx::new();
    let sender = ctx.lib(SocketType::Dealer);
    let ep = sender.bind_any();
    let dealer = ctx.ferro(SocketType::Dealer);
    dealer.0.set_option_int(opt::CONFLATE, 1).unwrap();
    dealer.connect_to(&ep);
    for i in 0..1000 {
        sender.send_msg(&vec![format!("m{i:04}").into_bytes()]);
    }
    conflated(&dealer, 1000);
}
