//! ZMTP 2.0 and 1.0 peers over real tcp, as raw byte scripts (libzmq 4.3 cannot play them): ferrozmq
//! downgrades as libzmq does — identities first, the older framing, a phantom subscription from an
//! unversioned subscriber.

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ferrozmq::{Context, Socket, SocketType};
use interop::RawPeer;

const WAIT: Duration = Duration::from_secs(10);
/// The signature of a peer with an empty routing id.
const SIG: [u8; 10] = [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f];

fn ferro(ctx: &Context, ty: SocketType) -> Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_linger(0).unwrap();
    s.set_rcvtimeo(5_000).unwrap();
    s.set_sndtimeo(5_000).unwrap();
    s
}

fn bound(ctx: &Context, ty: SocketType) -> (Socket, SocketAddr) {
    let s = ferro(ctx, ty);
    s.bind("tcp://127.0.0.1:*").unwrap();
    let addr = s
        .last_endpoint()
        .trim_start_matches("tcp://")
        .parse()
        .unwrap();
    (s, addr)
}

#[test]
fn zmtp_2_0_pusher_to_a_ferrozmq_pull() {
    let ctx = Context::new();
    let (pull, addr) = bound(&ctx, SocketType::Pull);
    let mut peer = RawPeer::connect(addr).unwrap();
    let mut hello = SIG.to_vec();
    hello.extend_from_slice(&[1, 8]); // revision 1 (ZMTP 2.0), PUSH
    peer.send_raw(&hello).unwrap();
    // ferrozmq answers: signature, major 3, then its type (PULL = 7) and its empty identity message.
    let answer = peer.read_exact(14).unwrap();
    assert_eq!(&answer[..10], &[0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]);
    assert_eq!(&answer[10..], &[3, 7, 0, 0]);
    peer.send_raw(b"\x00\x05oldie\x01\x03one\x00\x03two")
        .unwrap();
    let msg = pull.recv_multipart(0).unwrap();
    assert_eq!(msg, ["one", "two"]);
    let frame = {
        peer.send_raw(b"\x00\x01x").unwrap();
        pull.recv_frame(0).unwrap()
    };
    assert_eq!(frame.property("Routing-Id").unwrap(), "oldie");
    assert_eq!(frame.property("Socket-Type").unwrap(), "PUSH");
}

#[test]
fn ferrozmq_push_to_a_zmtp_2_0_puller() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ctx = Context::new();
    let push = ferro(&ctx, SocketType::Push);
    push.connect(&format!("tcp://{}", listener.local_addr().unwrap()))
        .unwrap();
    push.send_multipart(["queued", "early"], 0).unwrap();
    let mut peer = RawPeer::accept(&listener, WAIT).unwrap();
    assert_eq!(peer.read_exact(10).unwrap(), SIG);
    let mut hello = SIG.to_vec();
    hello.extend_from_slice(&[1, 7, 0, 0]); // ZMTP 2.0, PULL, empty identity
    peer.send_raw(&hello).unwrap();
    assert_eq!(peer.read_exact(2).unwrap(), [3, 8]); // major 3, PUSH
    assert_eq!(peer.read_exact(2).unwrap(), [0, 0]); // empty identity
    assert_eq!(
        peer.read_message().unwrap(),
        [b"queued".to_vec(), b"early".to_vec()]
    );
}

#[test]
fn unversioned_zmtp_1_0_subscriber_gets_everything() {
    let ctx = Context::new();
    let (publisher, addr) = bound(&ctx, SocketType::Pub);
    let mut peer = RawPeer::connect(addr).unwrap();
    // No greeting: a ZMTP 1.0 peer starts with its identity message (empty: size 1, flags 0).
    peer.send_raw(b"\x01\x00").unwrap();
    // ferrozmq's signature is its (empty) identity message in ZMTP 1.0 framing.
    assert_eq!(peer.read_exact(10).unwrap(), SIG);
    // The phantom subscription lets everything through: publish until the peer has a message (those
    // published before the subscription took effect are dropped, as PUB drops them).
    let stop = Arc::new(AtomicBool::new(false));
    let publishing = {
        let stop = stop.clone();
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                publisher.send_multipart(["news", "today"], 0).unwrap();
                thread::sleep(Duration::from_millis(5));
            }
        })
    };
    // size 5 ("news" + flags), MORE; then size 6, final.
    let got = peer.read_exact(2 + 4 + 2 + 5).unwrap();
    stop.store(true, Ordering::Relaxed);
    publishing.join().unwrap();
    assert_eq!(got, b"\x05\x01news\x06\x00today");
}

#[test]
fn zmtp_1_0_with_a_zero_size_frame_is_dropped() {
    let ctx = Context::new();
    let (_pull, addr) = bound(&ctx, SocketType::Pull);
    let mut peer = RawPeer::connect(addr).unwrap();
    peer.send_raw(b"\x01\x00\x00").unwrap();
    assert!(peer.closed_within(WAIT));
}
