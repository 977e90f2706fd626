//! The direct path (request-reply turns driven by the socket's own thread over tcp and ipc): messages stay
//! whole and in order across sizes that take many reads, and whatever arrives while the socket's thread
//! holds its stream's reads still reaches pollers, later receives, heartbeats and the monitor.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::{pair, pattern_bytes, socket, unique, Transport, DEADLINE};
use ferrozmq::event::{self, Event};
use ferrozmq::{opt, poll, Context, Error, PollItem, Socket, SocketType, DONTWAIT, POLLIN};

/// Sizes from empty to one that takes more reads than a direct read does at once.
const SIZES: [usize; 7] = [0, 1, 300, 8_192, 70_000, 300_000, 2_100_000];

/// A REP that echoes `n` requests, then returns.
fn echo(rep: Socket, n: usize) -> thread::JoinHandle<Socket> {
    thread::spawn(move || {
        for _ in 0..n {
            let m = rep.recv_multipart(0).expect("request");
            rep.send_multipart(m, 0).expect("reply");
        }
        rep
    })
}

#[test]
fn req_rep_turns_keep_every_message_whole_and_in_order() {
    for t in [Transport::Tcp4, Transport::IpcPath] {
        let ctx = Context::new();
        let (rep, req) = pair(&ctx, SocketType::Rep, SocketType::Req, t);
        let rounds = 140;
        let server = echo(rep, rounds);
        for i in 0..rounds {
            let size = SIZES[i % SIZES.len()];
            let body = pattern_bytes(size, i as u8);
            let parts = if i % 3 == 0 {
                vec![body.clone()]
            } else {
                vec![body.clone(), pattern_bytes(i % 50, 7)]
            };
            req.send_multipart(parts.clone(), 0).expect("request");
            assert_eq!(
                req.recv_multipart(0).expect("reply"),
                parts,
                "{t:?} round {i}"
            );
        }
        server.join().expect("echo");
    }
}

#[test]
fn dealers_after_direct_turns_still_see_what_arrives_between_calls() {
    let ctx = Context::new();
    let (a, b) = pair(
        &ctx,
        SocketType::Dealer,
        SocketType::Dealer,
        Transport::Tcp4,
    );
    for round in 0..20u8 {
        // b waits for the answer to what it sent: it reads its stream itself.
        b.send(vec![round], 0).unwrap();
        assert_eq!(a.recv_bytes(0).unwrap(), vec![round]);
        a.send(vec![round, 1], 0).unwrap();
        assert_eq!(b.recv_bytes(0).unwrap(), vec![round, 1]);
    }
    // Sent while b is in no call: a poller on b sees it.
    a.send("polled", 0).unwrap();
    let mut items = [PollItem::new(&b, POLLIN)];
    assert_eq!(poll(&mut items, Some(DEADLINE)).unwrap(), 1);
    assert_eq!(b.recv_bytes(DONTWAIT).unwrap(), "polled");
    // Another turn, then a message nobody waits for: it reaches b's queue without b reading.
    b.send("again", 0).unwrap();
    assert_eq!(a.recv_bytes(0).unwrap(), "again");
    a.send("answer", 0).unwrap();
    assert_eq!(b.recv_bytes(0).unwrap(), "answer");
    a.send("unasked", 0).unwrap();
    let end = Instant::now() + DEADLINE;
    loop {
        match b.recv_bytes(DONTWAIT) {
            Ok(m) => {
                assert_eq!(m, "unasked");
                break;
            }
            Err(Error::Again) if Instant::now() < end => thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("unasked message not delivered: {e}"),
        }
    }
}

#[test]
fn a_peer_closing_after_direct_turns_is_seen() {
    let ctx = Context::new();
    let (rep, req) = pair(&ctx, SocketType::Rep, SocketType::Req, Transport::Tcp4);
    let endpoint = format!("inproc://{}", unique("direct-monitor"));
    req.monitor(endpoint.as_str(), event::DISCONNECTED).unwrap();
    let events = socket(&ctx, SocketType::Pair);
    events.connect(&endpoint).unwrap();
    let server = echo(rep, 3);
    for _ in 0..3 {
        req.send("x", 0).unwrap();
        assert_eq!(req.recv_bytes(0).unwrap(), "x");
    }
    drop(server.join().expect("echo"));
    let frames = events.recv_multipart(0).expect("DISCONNECTED in time");
    assert_eq!(Event::parse(&frames).unwrap().event, event::DISCONNECTED);
}

#[test]
fn rcvtimeo_bounds_a_direct_wait() {
    let ctx = Context::new();
    let (rep, req) = pair(&ctx, SocketType::Rep, SocketType::Req, Transport::Tcp4);
    req.set_rcvtimeo(100).unwrap();
    req.send("no answer", 0).unwrap();
    assert_eq!(rep.recv_bytes(0).unwrap(), "no answer");
    let start = Instant::now();
    assert!(matches!(req.recv_bytes(0), Err(Error::Again)));
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(90) && waited < DEADLINE,
        "{waited:?}"
    );
}

#[test]
fn heartbeats_are_answered_while_the_socket_idles_after_direct_turns() {
    let ctx = Context::new();
    let rep = socket(&ctx, SocketType::Rep);
    rep.set_option_int(opt::HEARTBEAT_IVL, 20).unwrap();
    rep.set_option_int(opt::HEARTBEAT_TIMEOUT, 150).unwrap();
    rep.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = format!("inproc://{}", unique("direct-heartbeat"));
    rep.monitor(endpoint.as_str(), event::DISCONNECTED).unwrap();
    let events = socket(&ctx, SocketType::Pair);
    events.connect(&endpoint).unwrap();
    let req = socket(&ctx, SocketType::Req);
    req.connect(&rep.last_endpoint()).unwrap();
    let server = echo(rep, 2);
    req.send("before", 0).unwrap();
    assert_eq!(req.recv_bytes(0).unwrap(), "before");
    // Idle for several heartbeat timeouts: the PINGs must still be answered.
    events.set_rcvtimeo(600).unwrap();
    assert!(matches!(events.recv_multipart(0), Err(Error::Again)));
    req.send("after", 0).unwrap();
    assert_eq!(req.recv_bytes(0).unwrap(), "after");
    server.join().expect("echo");
}

/// A REP peer spoken by hand over `stream`: the NULL handshake, then one request answered.
fn hand_rep(stream: &mut TcpStream) {
    let mut greeting = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
    greeting.extend_from_slice(b"NULL");
    greeting.resize(64, 0);
    stream.write_all(&greeting).unwrap();
    let mut theirs = [0u8; 64];
    stream.read_exact(&mut theirs).unwrap();
    let mut ready = vec![0x04, 25, 5];
    ready.extend_from_slice(b"READY");
    ready.push(11);
    ready.extend_from_slice(b"Socket-Type");
    ready.extend_from_slice(&3u32.to_be_bytes());
    ready.extend_from_slice(b"REP");
    stream.write_all(&ready).unwrap();
    let mut head = [0u8; 2];
    stream.read_exact(&mut head).unwrap();
    let mut body = vec![0u8; usize::from(head[1])];
    stream.read_exact(&mut body).unwrap();
    // The request: an empty delimiter, then "a".
    let mut request = [0u8; 5];
    stream.read_exact(&mut request).unwrap();
    assert_eq!(request, [1, 0, 0, 1, b'a']);
    stream.write_all(&[1, 0, 0, 1, b'b']).unwrap();
}

#[test]
fn a_connection_lost_under_a_direct_wait_really_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        hand_rep(&mut stream);
        // Silent from now on: the client's heartbeats go unanswered and it must drop the connection
        // (its socket's thread waits on the stream meanwhile).
        let silent = Instant::now();
        let mut sink = [0u8; 256];
        while stream.read(&mut sink).is_ok_and(|n| n > 0) {}
        silent.elapsed()
    });
    let ctx = Context::new();
    let req = socket(&ctx, SocketType::Req);
    req.set_option_int(opt::HEARTBEAT_IVL, 20).unwrap();
    req.set_option_int(opt::HEARTBEAT_TIMEOUT, 100).unwrap();
    req.set_rcvtimeo(2_000).unwrap();
    req.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    req.send("a", 0).unwrap();
    assert_eq!(req.recv_bytes(0).unwrap(), "b");
    req.send("a", 0).unwrap();
    assert!(matches!(req.recv_bytes(0), Err(Error::Again)));
    let closed_after = peer.join().expect("peer");
    assert!(
        closed_after < Duration::from_millis(1_000),
        "the peer saw the close after {closed_after:?}"
    );
}

#[test]
fn a_connection_dropped_under_a_direct_wait_really_closes() {
    let ctx = Context::new();
    let (rep, req) = pair(&ctx, SocketType::Rep, SocketType::Req, Transport::Tcp4);
    let endpoint = format!("inproc://{}", unique("direct-drop"));
    rep.monitor(endpoint.as_str(), event::DISCONNECTED).unwrap();
    let events = socket(&ctx, SocketType::Pair);
    events.connect(&endpoint).unwrap();
    req.send("one", 0).unwrap();
    assert_eq!(rep.recv_bytes(0).unwrap(), "one");
    rep.send("two", 0).unwrap();
    assert_eq!(req.recv_bytes(0).unwrap(), "two");
    req.send("unanswered", 0).unwrap();
    assert_eq!(rep.recv_bytes(0).unwrap(), "unanswered");
    req.set_rcvtimeo(800).unwrap();
    thread::scope(|s| {
        let waiting = s.spawn(|| req.recv_bytes(0));
        // The session drops the stream the waiting thread polls: the peer must see it close at once,
        // not when that thread's wait ends.
        req.disconnect(&rep.last_endpoint()).unwrap();
        events.set_rcvtimeo(600).unwrap();
        let frames = events
            .recv_multipart(0)
            .expect("DISCONNECTED before the wait ends");
        assert_eq!(Event::parse(&frames).unwrap().event, event::DISCONNECTED);
        assert!(matches!(waiting.join().unwrap(), Err(Error::Again)));
    });
}
