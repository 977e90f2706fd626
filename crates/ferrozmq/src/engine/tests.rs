//! Loopback tests of the I/O thread without the socket layer: hand-made "sockets" (a mailbox and the link
//! ends it receives) on 127.0.0.1, ::1 and ipc. Every wait is on a condition with a deadline.

use std::collections::HashMap;
use std::io::{ErrorKind, Read as _, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use zmtp::{Frame, PeerInfo, SocketType};

use super::monitor::{recorder, MonitorEvent};
use super::{IoThread, SocketRef};
use crate::endpoint::parse;
use crate::error::Error;
use crate::mailbox::{Command, Mailbox};
use crate::options::Options;
use crate::pipe::{self, LinkEnd, LinkId, Read};

/// The longest any wait may take.
const WAIT: Duration = Duration::from_secs(10);

/// When a wait gives up.
fn deadline() -> Instant {
    Instant::now() + WAIT
}

/// A stand-in for a socket: its mailbox, the link ends it was given, and what it heard.
struct Fake {
    id: u64,
    socket_type: SocketType,
    options: Options,
    mailbox: Arc<Mailbox>,
    ends: HashMap<LinkId, LinkEnd>,
    ready: Vec<(LinkId, PeerInfo)>,
    attached: Vec<LinkId>,
}

impl Fake {
    /// A fake socket with a fresh id and a 10 ms reconnect interval.
    fn new(socket_type: SocketType) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1_000);
        Self {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            socket_type,
            options: Options {
                reconnect_ivl: Some(Duration::from_millis(10)),
                ..Options::default()
            },
            mailbox: Arc::default(),
            ends: HashMap::new(),
            ready: Vec::new(),
            attached: Vec::new(),
        }
    }

    /// The snapshot the I/O thread gets.
    fn socket_ref(&self) -> SocketRef {
        SocketRef {
            id: self.id,
            socket_type: self.socket_type,
            options: self.options.clone(),
            mailbox: self.mailbox.clone(),
            inproc: std::sync::Weak::new(),
            monitor: Arc::default(),
            turn: Arc::default(),
        }
    }

    /// Connects with IMMEDIATE=0: the link exists at once and this side holds its end.
    fn connect(&mut self, io: &IoThread, endpoint: &str) -> LinkId {
        let (mine, theirs) = pipe::link(self.options.sndhwm, self.options.rcvhwm);
        mine.set_owner(self.mailbox.clone());
        let id = mine.id;
        self.ends.insert(id, mine);
        io.connect(self.socket_ref(), &parse(endpoint).unwrap(), Some(theirs))
            .unwrap();
        id
    }

    /// Binds; returns the resolved endpoint.
    fn bind(&self, io: &IoThread, endpoint: &str) -> String {
        io.bind(self.socket_ref(), &parse(endpoint).unwrap())
            .unwrap()
    }

    /// Applies the mailbox's commands as a socket would.
    fn apply(&mut self) {
        let mut commands = Vec::new();
        self.mailbox.take(&mut commands);
        for c in commands {
            match c {
                Command::Attach { end, peer, .. } => {
                    end.set_owner(self.mailbox.clone());
                    self.attached.push(end.id);
                    if let Some(peer) = peer {
                        self.ready.push((end.id, peer));
                    }
                    self.ends.insert(end.id, end);
                }
                Command::PeerReady(id, peer) => self.ready.push((id, peer)),
                _ => {}
            }
        }
    }

    /// Applies commands until `cond` holds; false at the deadline.
    fn wait(&mut self, mut cond: impl FnMut(&mut Self) -> bool) -> bool {
        let end = deadline();
        loop {
            self.apply();
            if cond(self) {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            self.mailbox
                .wait(Some((Instant::now() + Duration::from_millis(50)).min(end)));
        }
    }

    /// Waits for the `n`th Attach; returns its link.
    fn wait_attached(&mut self, n: usize) -> LinkId {
        assert!(self.wait(|s| s.attached.len() >= n), "no attach");
        self.attached[n - 1]
    }

    /// Writes one message into the link.
    fn send(&mut self, id: LinkId, parts: &[&[u8]]) {
        let end = self.ends.get_mut(&id).unwrap();
        for (i, p) in parts.iter().enumerate() {
            let frame = Frame::new(Bytes::copy_from_slice(p)).with_more(i + 1 < parts.len());
            end.writer.write(frame).unwrap();
        }
    }

    /// Receives one whole message from the link.
    fn recv(&mut self, id: LinkId) -> Vec<Bytes> {
        let mut parts = Vec::new();
        let ok = self.wait(|s| loop {
            match s.ends.get_mut(&id).unwrap().reader.read() {
                Read::Frame(f) => {
                    let more = f.more;
                    parts.push(f.data);
                    if !more {
                        return true;
                    }
                }
                Read::Empty => return false,
                Read::Closed => panic!("link closed"),
            }
        });
        assert!(ok, "no message");
        parts
    }

    /// Waits until the link reads as closed (the session dropped its end).
    fn wait_closed(&mut self, id: LinkId) -> bool {
        self.wait(|s| loop {
            match s.ends.get_mut(&id).unwrap().reader.read() {
                Read::Frame(_) => {}
                Read::Empty => return false,
                Read::Closed => return true,
            }
        })
    }
}

/// Two PAIR fakes over `bind_at`: messages queued before the connection, both ways, multipart.
fn pair_over(bind_at: &str) {
    let io = IoThread::start().unwrap();
    let mut server = Fake::new(SocketType::Pair);
    // IPv6 addresses need the IPV6 option, as in libzmq.
    server.options.ipv6 = true;
    let endpoint = server.bind(&io, bind_at);
    let mut client = Fake::new(SocketType::Pair);
    client.options.ipv6 = true;
    let link = client.connect(&io, &endpoint);
    // Queued before the connection exists.
    client.send(link, &[b"hello", b"world"]);
    for i in 0..500u32 {
        client.send(link, &[&i.to_be_bytes()]);
    }
    let theirs = server.wait_attached(1);
    assert_eq!(server.recv(theirs), ["hello", "world"]);
    for i in 0..500u32 {
        assert_eq!(
            server.recv(theirs),
            [Bytes::copy_from_slice(&i.to_be_bytes())]
        );
    }
    assert_eq!(server.ready[0].1.socket_type, SocketType::Pair);
    assert!(client.wait(|c| !c.ready.is_empty()));
    assert_eq!(client.ready[0].0, link);
    server.send(theirs, &[b"back"]);
    assert_eq!(client.recv(link), ["back"]);
    drop((server, client));
    shutdown_within(io);
}

#[test]
fn tcp_ipv4_round_trip() {
    pair_over("tcp://127.0.0.1:*");
}

#[test]
fn tcp_ipv6_round_trip() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        return; // No IPv6 loopback here.
    }
    pair_over("tcp://[::1]:0");
}

#[test]
fn ipc_round_trip() {
    let dir = std::env::temp_dir().join(format!("ferrozmq-engine-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ipc-round-trip");
    // A stale file is replaced, as libzmq does.
    std::fs::write(&path, b"stale").unwrap();
    pair_over(&format!("ipc://{}", path.display()));
    assert!(
        !path.exists(),
        "the socket file is removed when the listener closes"
    );
    let _ = std::fs::remove_dir(&dir);
}

#[test]
fn ipc_wildcard_round_trip() {
    pair_over("ipc://*");
}

#[cfg(target_os = "linux")]
#[test]
fn ipc_abstract_round_trip() {
    pair_over(&format!(
        "ipc://@ferrozmq-engine-test-{}",
        std::process::id()
    ));
}

#[test]
fn resolved_endpoints_and_errors() {
    let io = IoThread::start().unwrap();
    let s = Fake::new(SocketType::Pull);
    let resolved = s.bind(&io, "tcp://127.0.0.1:*");
    assert!(
        resolved.starts_with("tcp://127.0.0.1:") && !resolved.ends_with(":0"),
        "{resolved}"
    );
    let again = io.bind(s.socket_ref(), &parse(&resolved).unwrap());
    assert!(matches!(again, Err(Error::AddressInUse)), "{again:?}");
    assert!(matches!(
        io.unbind(s.id, "tcp://127.0.0.1:1"),
        Err(Error::NoEndpoint)
    ));
    assert!(matches!(
        io.unbind(s.id + 1, &resolved),
        Err(Error::NoEndpoint)
    ));
    assert!(matches!(
        io.disconnect(s.id, "tcp://127.0.0.1:1"),
        Err(Error::NoEndpoint)
    ));
    io.unbind(s.id, &resolved).unwrap();
    // Synchronous: the port is free now.
    let rebound = s.bind(&io, &resolved);
    assert_eq!(rebound, resolved);
    assert!(matches!(
        io.bind(s.socket_ref(), &parse("tcp://localhost:0").unwrap()),
        Err(Error::NoDevice)
    ));
    assert!(matches!(
        io.connect(s.socket_ref(), &parse("tcp://*:1").unwrap(), None),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        io.connect(s.socket_ref(), &parse("tcp://127.0.0.1:*").unwrap(), None),
        Err(Error::Invalid(_))
    ));
    // Binding `*` answers to the name given too.
    let fixed = resolved.rsplit_once(':').unwrap().1;
    io.unbind(s.id, &resolved).unwrap();
    assert_eq!(
        s.bind(&io, &format!("tcp://*:{fixed}")),
        format!("tcp://0.0.0.0:{fixed}")
    );
    io.unbind(s.id, &format!("tcp://*:{fixed}")).unwrap();
    shutdown_within(io);
}

#[test]
fn host_names_resolve_on_connect() {
    let io = IoThread::start().unwrap();
    let mut server = Fake::new(SocketType::Dealer);
    let endpoint = server.bind(&io, "tcp://127.0.0.1:*");
    let port = endpoint.rsplit_once(':').unwrap().1;
    let mut client = Fake::new(SocketType::Dealer);
    let link = client.connect(&io, &format!("tcp://localhost:{port}"));
    client.send(link, &[b"by name"]);
    let theirs = server.wait_attached(1);
    assert_eq!(server.recv(theirs), ["by name"]);
    drop((server, client));
    shutdown_within(io);
}

#[test]
fn large_messages_and_a_full_pipe() {
    let io = IoThread::start().unwrap();
    let mut server = Fake::new(SocketType::Pair);
    server.options.rcvhwm = 2;
    let endpoint = server.bind(&io, "tcp://127.0.0.1:*");
    let mut client = Fake::new(SocketType::Pair);
    client.options.sndhwm = 0;
    let link = client.connect(&io, &endpoint);
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    for i in 0..300u32 {
        client.send(link, &[b"head", &i.to_le_bytes()]);
        if i % 100 == 0 {
            client.send(link, &[&big]);
        }
    }
    let theirs = server.wait_attached(1);
    for i in 0..300u32 {
        assert_eq!(
            server.recv(theirs),
            [
                Bytes::from_static(b"head"),
                Bytes::copy_from_slice(&i.to_le_bytes())
            ]
        );
        if i % 100 == 0 {
            assert!(server.recv(theirs)[0] == big, "big body intact");
        }
    }
    drop((server, client));
    shutdown_within(io);
}

/// Bodies around and beyond the sizes read into buffers of their own, whole or between small frames, their
/// contents different each time (a recycled buffer must not show an earlier body), over `bind_at`.
fn large_bodies_over(bind_at: &str) {
    use super::body::{DIRECT_MAX, DIRECT_MIN};
    let io = IoThread::start().unwrap();
    let mut server = Fake::new(SocketType::Pair);
    server.options.rcvhwm = 2;
    let endpoint = server.bind(&io, bind_at);
    let mut client = Fake::new(SocketType::Pair);
    client.options.sndhwm = 0;
    let link = client.connect(&io, &endpoint);
    let sizes = [
        DIRECT_MIN - 1,
        DIRECT_MIN,
        DIRECT_MIN + 1,
        65_536,
        300_001,
        (1 << 20) + 3,
        DIRECT_MAX + 5,
    ];
    let body = |size: usize, seed: usize| -> Vec<u8> {
        (0..size)
            .map(|i| (i.wrapping_mul(seed) % 253) as u8)
            .collect()
    };
    let messages: Vec<Vec<Vec<u8>>> = (0..3)
        .flat_map(|round| {
            sizes
                .iter()
                .enumerate()
                .map(move |(k, &size)| (round, k, size))
        })
        // One body beyond DIRECT_MAX is enough (it grows with what arrives instead).
        .filter(|&(round, _, size)| round == 0 || size <= DIRECT_MAX)
        .map(|(round, k, size)| {
            let big = body(size, 3 + round * 7 + k);
            match k % 3 {
                0 => vec![big],
                1 => vec![b"h".to_vec(), big, b"t".to_vec()],
                _ => vec![big.clone(), b"".to_vec(), big],
            }
        })
        .collect();
    for m in &messages {
        let parts: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
        client.send(link, &parts);
    }
    let theirs = server.wait_attached(1);
    for (i, m) in messages.iter().enumerate() {
        let got = server.recv(theirs);
        assert!(
            got.len() == m.len() && got.iter().zip(m).all(|(g, w)| g[..] == w[..]),
            "message {i} intact"
        );
    }
    drop((server, client));
    shutdown_within(io);
}

#[test]
fn large_bodies_tcp() {
    large_bodies_over("tcp://127.0.0.1:*");
}

#[test]
fn large_bodies_ipc() {
    large_bodies_over("ipc://*");
}

#[test]
fn reconnects_keep_the_link_and_its_queue() {
    let io = IoThread::start().unwrap();
    let mut first = Fake::new(SocketType::Push);
    first.socket_type = SocketType::Pull;
    let endpoint = first.bind(&io, "tcp://127.0.0.1:*");
    let mut client = Fake::new(SocketType::Push);
    let link = client.connect(&io, &endpoint);
    client.send(link, &[b"one"]);
    let theirs = first.wait_attached(1);
    assert_eq!(first.recv(theirs), ["one"]);

    io.unbind(first.id, &endpoint).unwrap();
    assert!(first.wait_closed(theirs), "unbind drops accepted sessions");
    let gone = |e: &MonitorEvent| matches!(e, MonitorEvent::Disconnected(_));
    assert!(
        recorder::wait(client.id, 1, deadline(), gone),
        "the client saw the disconnect"
    );
    assert!(client.wait(|c| c.ready.len() == 1), "one handshake so far");
    client.send(link, &[b"two"]);
    client.send(link, &[b"three"]);

    let mut second = Fake::new(SocketType::Pull);
    assert_eq!(second.bind(&io, &endpoint), endpoint);
    let theirs = second.wait_attached(1);
    assert_eq!(second.recv(theirs), ["two"]);
    assert_eq!(second.recv(theirs), ["three"]);
    assert!(
        client.wait(|c| c.ready.len() == 2),
        "PeerReady after each handshake"
    );
    assert!(client
        .ready
        .iter()
        .all(|(id, p)| *id == link && p.socket_type == SocketType::Pull));
    drop((first, second, client));
    shutdown_within(io);
}

#[test]
fn immediate_links_after_handshake_and_disconnect_drops_it() {
    let io = IoThread::start().unwrap();
    let server = Fake::new(SocketType::Rep);
    let endpoint = server.bind(&io, "tcp://127.0.0.1:*");
    let mut client = Fake::new(SocketType::Req);
    client.options.immediate = true;
    io.connect(client.socket_ref(), &parse(&endpoint).unwrap(), None)
        .unwrap();
    let link = client.wait_attached(1);
    assert_eq!(client.ready[0].1.socket_type, SocketType::Rep);
    assert!(matches!(
        io.disconnect(client.id, "tcp://nowhere:1"),
        Err(Error::NoEndpoint)
    ));
    io.disconnect(client.id, &endpoint).unwrap();
    assert!(client.wait_closed(link));
    assert!(matches!(
        io.disconnect(client.id, &endpoint),
        Err(Error::NoEndpoint)
    ));
    drop((server, client));
    shutdown_within(io);
}

#[test]
fn bad_peers_lose_only_their_connection() {
    let io = IoThread::start().unwrap();
    let mut server = Fake::new(SocketType::Pull);
    let endpoint = server.bind(&io, "tcp://127.0.0.1:*");
    let addr = endpoint.strip_prefix("tcp://").unwrap().to_owned();
    let garbage: [&[u8]; 3] = [
        // Signature byte 9 without bit 0 makes an unversioned ZMTP 1.0 peer (as libzmq takes it);
        // read that way, this is a frame of size 0.
        &[0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 3, 1],
        // A ZMTP 3 greeting, then a frame with reserved flag bits.
        &[
            [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0].as_slice(),
            b"NULL",
            &[0; 16],
            &[0; 32],
            &[0x80, 0],
        ]
        .concat(),
        // Not ZMTP of any version (a first byte 0 is a ZMTP 1.0 frame of size 0).
        b"\x00GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    ];
    for bytes in garbage {
        let mut raw = std::net::TcpStream::connect(&addr).unwrap();
        raw.set_read_timeout(Some(WAIT)).unwrap();
        raw.write_all(bytes).unwrap();
        let mut sink = Vec::new();
        // The session closes the connection: EOF (or a reset) after our greeting bytes.
        let result = raw.read_to_end(&mut sink);
        let timed_out = result
            .as_ref()
            .is_err_and(|e| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut));
        assert!(!timed_out, "{bytes:?}: still open");
        assert!(sink.len() < 1024, "no flood back");
    }
    // A wrong socket type fails the handshake too.
    let mut wrong = Fake::new(SocketType::Pull);
    wrong.connect(&io, &endpoint);
    let failed = |e: &MonitorEvent| {
        *e == MonitorEvent::HandshakeFailed(super::monitor::HandshakeFailure::Protocol(
            zmtp::protocol_code::INVALID_METADATA,
        ))
    };
    assert!(recorder::wait(wrong.id, 1, deadline(), failed));
    assert!(recorder::wait(wrong.id, 1, deadline(), |e| matches!(
        e,
        MonitorEvent::ConnectRetried(_)
    )));
    // The listener still serves good peers.
    let mut good = Fake::new(SocketType::Push);
    let link = good.connect(&io, &endpoint);
    good.send(link, &[b"fine"]);
    let theirs = server.wait(|s| !s.attached.is_empty());
    assert!(theirs);
    let id = server.attached[0];
    assert_eq!(server.recv(id), ["fine"]);
    assert_eq!(
        recorder::count(wrong.id, |e| *e == MonitorEvent::HandshakeSucceeded),
        0
    );
    drop((server, wrong, good));
    shutdown_within(io);
}

#[test]
fn oversized_messages_close_the_connection() {
    let io = IoThread::start().unwrap();
    let mut server = Fake::new(SocketType::Pull);
    server.options.max_msg_size = Some(100);
    let endpoint = server.bind(&io, "tcp://127.0.0.1:*");
    let mut client = Fake::new(SocketType::Push);
    let link = client.connect(&io, &endpoint);
    client.send(link, &[&[7; 101]]);
    let theirs = server.wait_attached(1);
    assert!(server.wait_closed(theirs), "the accepted session ends");
    assert!(recorder::wait(client.id, 1, deadline(), |e| matches!(
        e,
        MonitorEvent::Disconnected(_)
    )));
    drop((server, client));
    shutdown_within(io);
}

#[test]
fn linger_flushes_queued_messages_after_close() {
    let io = IoThread::start().unwrap();
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", probe.local_addr().unwrap());
    drop(probe);
    let mut client = Fake::new(SocketType::Push);
    let link = client.connect(&io, &endpoint);
    for i in 0..10u8 {
        client.send(link, &[&[i]]);
    }
    // The socket closes: its end goes, then the I/O thread is told.
    client.ends.clear();
    io.close_socket(client.id, None);
    let mut server = Fake::new(SocketType::Pull);
    server.bind(&io, &endpoint);
    let theirs = server.wait_attached(1);
    for i in 0..10u8 {
        assert_eq!(server.recv(theirs), [Bytes::copy_from_slice(&[i])]);
    }
    drop(server);
    shutdown_within(io);
}

#[test]
fn zero_linger_drops_at_once() {
    let io = IoThread::start().unwrap();
    let mut client = Fake::new(SocketType::Push);
    let link = client.connect(&io, "tcp://127.0.0.1:9");
    client.send(link, &[b"never sent"]);
    client.ends.clear();
    io.close_socket(client.id, Some(Duration::ZERO));
    shutdown_within(io);
}

#[test]
fn silent_peers_time_out() {
    let io = IoThread::start().unwrap();
    let mut server = Fake::new(SocketType::Pull);
    server.options.handshake_ivl = Some(Duration::from_millis(50));
    server.options.heartbeat_ivl = Some(Duration::from_millis(10));
    server.options.heartbeat_timeout = Some(Duration::from_millis(50));
    let endpoint = server.bind(&io, "tcp://127.0.0.1:*");
    let addr = endpoint.strip_prefix("tcp://").unwrap().to_owned();

    // Connects and never sends: the handshake timer closes it.
    let mut mute = std::net::TcpStream::connect(&addr).unwrap();
    mute.set_read_timeout(Some(WAIT)).unwrap();
    let mut sink = Vec::new();
    let result = mute.read_to_end(&mut sink);
    assert!(!result.is_err_and(|e| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)));

    // Completes the handshake, then stops answering PINGs: the heartbeat timer closes it.
    let mut raw = std::net::TcpStream::connect(&addr).unwrap();
    raw.set_read_timeout(Some(WAIT)).unwrap();
    let mut conn = zmtp::Connection::new(zmtp::Config::new(SocketType::Push), Instant::now());
    let mut input = bytes::BytesMut::new();
    let mut buf = [0u8; 4096];
    while !conn.is_ready() {
        let out = conn.write_buf();
        while !out.is_empty() {
            let n = raw.write(out.chunk()).unwrap();
            out.advance(n);
        }
        let n = raw.read(&mut buf).unwrap();
        assert!(n > 0, "closed during the handshake");
        input.extend_from_slice(&buf[..n]);
        while conn
            .poll_event(&mut input, Instant::now())
            .unwrap()
            .is_some()
        {}
    }
    let out = conn.write_buf();
    while !out.is_empty() {
        let n = raw.write(out.chunk()).unwrap();
        out.advance(n);
    }
    assert!(server.wait(|s| !s.attached.is_empty()));
    let result = raw.read_to_end(&mut sink);
    assert!(!result.is_err_and(|e| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)));
    let id = server.attached[0];
    assert!(server.wait_closed(id));
    drop(server);
    shutdown_within(io);
}

/// Shuts `io` down, failing if that takes longer than [`WAIT`].
fn shutdown_within(io: IoThread) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        io.shutdown();
        let _ = tx.send(());
    });
    assert!(rx.recv_timeout(WAIT).is_ok(), "shutdown hangs");
}

/// Throughput of small messages through two sessions (run with `--ignored --nocapture`, in release).
#[test]
#[ignore = "a benchmark, not a test: run with --ignored --nocapture in release"]
fn throughput_small_messages() {
    let io = IoThread::start().unwrap();
    let mut server = Fake::new(SocketType::Pull);
    let endpoint = server.bind(&io, "tcp://127.0.0.1:*");
    let mut client = Fake::new(SocketType::Push);
    let link = client.connect(&io, &endpoint);
    let theirs = {
        client.send(link, &[b"warm-up"]);
        let id = server.wait_attached(1);
        server.recv(id);
        id
    };
    const N: usize = 2_000_000;
    let start = Instant::now();
    let sender = std::thread::spawn(move || {
        let payload = Bytes::from_static(&[7; 16]);
        let mut sent = 0;
        while sent < N {
            let end = client.ends.get_mut(&link).unwrap();
            match end.writer.write(Frame::new(payload.clone())) {
                Ok(()) => sent += 1,
                Err(_) => {
                    client
                        .mailbox
                        .wait(Some(Instant::now() + Duration::from_millis(10)));
                    client.apply();
                }
            }
        }
        client
    });
    for _ in 0..N {
        server.recv(theirs);
    }
    let elapsed = start.elapsed();
    let client = sender.join().unwrap();
    eprintln!(
        "{N} x 16 B in {elapsed:?}: {:.0} msg/s",
        N as f64 / elapsed.as_secs_f64()
    );
    drop((server, client));
    shutdown_within(io);
}
