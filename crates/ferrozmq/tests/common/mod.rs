//! Helpers shared by the integration tests: transports, bounded sockets, subscription probes.
//!
//! Every socket made here has RCVTIMEO and SNDTIMEO of [`TIMEOUT_MS`] and LINGER 0, so a broken
//! library fails a test with `Again` instead of hanging it.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrozmq::{opt, Context, Error, Socket, SocketType, DONTWAIT};

/// How long any single blocking call in a test may take before it counts as a failure.
pub(crate) const TIMEOUT_MS: i32 = 5_000;

/// The deadline for conditions a test waits for (a subscription reaching the publisher...).
pub(crate) const DEADLINE: Duration = Duration::from_secs(10);

/// The payload the subscription probe publishes; real test messages never equal it.
pub(crate) const PROBE: &[u8] = b"\x00probe";

/// The transports every pattern is tested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// `tcp://127.0.0.1:*`
    Tcp4,
    /// `tcp://[::1]:*` (sockets get IPV6=1, as libzmq requires)
    Tcp6,
    /// `ipc:///tmp/...`
    IpcPath,
    /// `ipc://@...` (Linux abstract namespace)
    IpcAbstract,
    /// `inproc://...`
    Inproc,
}

/// A name no other test in this process (or another test process) uses.
pub(crate) fn unique(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("ferrozmq-{tag}-{}-{n}-{nanos}", std::process::id())
}

impl Transport {
    /// An endpoint to bind a fresh socket to.
    pub(crate) fn bind_endpoint(self) -> String {
        match self {
            Self::Tcp4 => "tcp://127.0.0.1:*".to_owned(),
            Self::Tcp6 => "tcp://[::1]:*".to_owned(),
            Self::IpcPath => format!("ipc:///tmp/{}.sock", unique("ipc")),
            Self::IpcAbstract => format!("ipc://@{}", unique("abs")),
            Self::Inproc => format!("inproc://{}", unique("inproc")),
        }
    }

    /// An endpoint nobody listens on yet, usable for connect-before-bind: both connect and bind
    /// accept it as it is.
    pub(crate) fn fixed_endpoint(self) -> String {
        match self {
            Self::Tcp4 => format!("tcp://127.0.0.1:{}", free_tcp_port("127.0.0.1:0")),
            Self::Tcp6 => format!("tcp://[::1]:{}", free_tcp_port("[::1]:0")),
            _ => self.bind_endpoint(),
        }
    }

    /// Whether this machine can run the transport (IPv6 loopback may be missing in containers).
    pub(crate) fn available(self) -> bool {
        match self {
            Self::Tcp6 => std::net::TcpListener::bind("[::1]:0").is_ok(),
            _ => true,
        }
    }
}

/// A TCP port that was free a moment ago (bound by the OS, then released).
pub(crate) fn free_tcp_port(addr: &str) -> u16 {
    let l = std::net::TcpListener::bind(addr).expect("bind a probe listener");
    l.local_addr().expect("local_addr").port()
}

/// A socket with bounded timeouts and LINGER 0.
pub(crate) fn socket(ctx: &Context, ty: SocketType) -> Socket {
    let s = ctx.socket(ty).expect("create socket");
    s.set_rcvtimeo(TIMEOUT_MS).expect("RCVTIMEO");
    s.set_sndtimeo(TIMEOUT_MS).expect("SNDTIMEO");
    s.set_linger(0).expect("LINGER");
    s
}

/// A socket prepared for a transport (IPV6=1 for tcp over ::1).
pub(crate) fn socket_for(ctx: &Context, ty: SocketType, t: Transport) -> Socket {
    let s = socket(ctx, ty);
    if t == Transport::Tcp6 {
        s.set_option_int(opt::IPV6, 1).expect("IPV6");
    }
    s
}

/// Binds a socket of type `bind_ty` and connects one of type `connect_ty` to its resolved endpoint.
/// Returns (bound, connected).
pub(crate) fn pair(
    ctx: &Context,
    bind_ty: SocketType,
    connect_ty: SocketType,
    t: Transport,
) -> (Socket, Socket) {
    let b = socket_for(ctx, bind_ty, t);
    b.bind(&t.bind_endpoint()).expect("bind");
    let ep = b.last_endpoint();
    let c = socket_for(ctx, connect_ty, t);
    c.connect(&ep)
        .unwrap_or_else(|e| panic!("connect to {ep}: {e}"));
    (b, c)
}

/// `n` bytes of a recognisable pattern (so truncation or reordering inside a frame shows).
pub(crate) fn pattern_bytes(n: usize, seed: u8) -> Bytes {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

/// 1 MiB + 17 bytes: larger than any single read buffer and the 8-byte length form on the wire.
pub(crate) const LARGE: usize = (1 << 20) + 17;

/// Publishes [`PROBE`] on `publisher` until `subscriber` receives one, so the subscription is known to
/// have reached the publisher. The subscriber must be subscribed to a prefix of the probe.
pub(crate) fn await_subscription(publisher: &Socket, subscriber: &Socket) {
    let start = Instant::now();
    loop {
        publisher
            .send(PROBE, DONTWAIT)
            .expect("publishing a probe never blocks");
        let wait_until = Instant::now() + Duration::from_millis(50);
        while Instant::now() < wait_until {
            match subscriber.recv_bytes(DONTWAIT) {
                Ok(m) if m == PROBE => return,
                Ok(m) => panic!("unexpected message while waiting for the subscription: {m:?}"),
                Err(Error::Again) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => panic!("recv while waiting for the subscription: {e}"),
            }
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the subscription never reached the publisher"
        );
    }
}

/// Receives the next message that is not a trailing [`PROBE`].
pub(crate) fn recv_skip_probes(s: &Socket) -> Vec<Bytes> {
    loop {
        let m = s.recv_multipart(0).expect("recv");
        if m.len() == 1 && m[0] == PROBE {
            continue;
        }
        return m;
    }
}

/// Receives one whole message, panicking with context on failure.
pub(crate) fn recv(s: &Socket) -> Vec<Bytes> {
    s.recv_multipart(0).expect("recv")
}

/// Converts a list of byte-string literals into a message.
pub(crate) fn msg(parts: &[&[u8]]) -> Vec<Bytes> {
    parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
}

/// Asserts that no message is waiting on `s` right now, nor arrives within `wait`.
pub(crate) fn assert_nothing(s: &Socket, wait: Duration) {
    let until = Instant::now() + wait;
    loop {
        match s.recv_multipart(DONTWAIT) {
            Ok(m) if m.len() == 1 && m[0] == PROBE => {}
            Ok(m) => panic!("expected no message, got {m:?}"),
            Err(Error::Again) => {}
            Err(e) => panic!("recv: {e}"),
        }
        if Instant::now() >= until {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends with DONTWAIT until the send stops failing with `HostUnreachable` (the peer is not known yet).
pub(crate) fn send_when_routable(s: &Socket, parts: &[&[u8]]) {
    let start = Instant::now();
    loop {
        match s.send_multipart(msg(parts), DONTWAIT) {
            Ok(()) => return,
            Err(Error::HostUnreachable) | Err(Error::Again) => {
                assert!(start.elapsed() < DEADLINE, "the peer never became routable");
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("send: {e}"),
        }
    }
}

/// Starts monitoring `s` for `events`; returns the PAIR that reads them.
pub(crate) fn watch(ctx: &Context, s: &Socket, events: u32) -> Socket {
    let endpoint = format!("inproc://{}", unique("monitor"));
    s.monitor(endpoint.as_str(), events).expect("monitor");
    let reader = socket(ctx, SocketType::Pair);
    reader.connect(&endpoint).expect("connect to the monitor");
    reader
}

/// Blocks until the monitor reader gets an event of kind `event`, skipping others.
pub(crate) fn await_event(reader: &Socket, event: u32) {
    loop {
        let frames = reader.recv_multipart(0).expect("a monitor event in time");
        let e = ferrozmq::event::Event::parse(&frames).expect("a two-frame event");
        if e.event == event {
            return;
        }
    }
}
