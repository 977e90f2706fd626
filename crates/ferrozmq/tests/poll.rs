//! Polling sockets and raw file descriptors together (`zmq_poll`), and the socket's own descriptor with
//! FD + EVENTS semantics, watched by an independent OS poller.

mod common;

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

use common::{socket, unique, DEADLINE};
use ferrozmq::{
    opt, poll, poll_ms, Context, PollItem, Socket, SocketType, POLLERR, POLLIN, POLLOUT,
};

/// A PUSH connected to a PULL over inproc.
fn push_pull(ctx: &Context) -> (Socket, Socket) {
    let ep = format!("inproc://{}", unique("poll"));
    let pull = socket(ctx, SocketType::Pull);
    pull.bind(&ep).unwrap();
    let push = socket(ctx, SocketType::Push);
    push.connect(&ep).unwrap();
    (push, pull)
}

#[test]
fn sockets_and_fds_level_triggered() {
    let ctx = Context::new();
    let (push, pull) = push_pull(&ctx);
    let (mut a, b) = UnixStream::pair().unwrap();
    let mut items = [
        PollItem::new(&pull, POLLIN),
        PollItem::from_fd(b.as_raw_fd(), POLLIN),
    ];
    assert_eq!(poll_ms(&mut items, 0).unwrap(), 0);
    assert_eq!((items[0].revents, items[1].revents), (0, 0));

    a.write_all(b"x").unwrap();
    assert_eq!(poll_ms(&mut items, 5_000).unwrap(), 1);
    assert_eq!((items[0].revents, items[1].revents), (0, POLLIN));
    // Level-triggered: still ready while unread.
    assert_eq!(poll_ms(&mut items, 0).unwrap(), 1);
    assert_eq!(items[1].revents, POLLIN);

    push.send("m", 0).unwrap();
    assert_eq!(poll_ms(&mut items, 5_000).unwrap(), 2);
    assert_eq!((items[0].revents, items[1].revents), (POLLIN, POLLIN));
    assert_eq!(poll_ms(&mut items, 0).unwrap(), 2);

    let mut buf = [0u8; 1];
    (&b).read_exact(&mut buf).unwrap();
    assert_eq!(pull.recv_bytes(0).unwrap(), "m");
    assert_eq!(poll_ms(&mut items, 0).unwrap(), 0);

    // A writable descriptor and a socket that can send.
    let mut items = [
        PollItem::new(&push, POLLOUT),
        PollItem::from_fd(b.as_raw_fd(), POLLOUT),
    ];
    assert_eq!(poll_ms(&mut items, 5_000).unwrap(), 2);
    assert_eq!((items[0].revents, items[1].revents), (POLLOUT, POLLOUT));
}

#[test]
fn waits_for_an_fd_or_a_socket_and_honours_the_timeout() {
    let ctx = Context::new();
    let (push, pull) = push_pull(&ctx);
    let (a, b) = UnixStream::pair().unwrap();

    let started = Instant::now();
    let mut items = [
        PollItem::new(&pull, POLLIN),
        PollItem::from_fd(b.as_raw_fd(), POLLIN),
    ];
    assert_eq!(poll_ms(&mut items, 50).unwrap(), 0);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(50) && waited < DEADLINE,
        "{waited:?}"
    );

    // -1 waits until something happens: a message from another thread...
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        push.send("late", 0).unwrap();
        push
    });
    assert_eq!(poll_ms(&mut items, -1).unwrap(), 1);
    assert_eq!(items[0].revents, POLLIN);
    let _push = sender.join().unwrap();
    pull.recv_bytes(0).unwrap();

    // ... or bytes on the descriptor.
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        (&a).write_all(b"y").unwrap();
        a
    });
    assert_eq!(poll(&mut items, None).unwrap(), 1);
    assert_eq!(items[1].revents, POLLIN);
    drop(writer.join().unwrap());
}

#[test]
fn a_descriptor_twice_and_a_regular_file_as_poll_2_has_them() {
    let ctx = Context::new();
    let (push, pull) = push_pull(&ctx);
    let (mut a, b) = UnixStream::pair().unwrap();
    // The same descriptor in two items (and a socket twice): each item gets its share.
    let mut items = [
        PollItem::from_fd(b.as_raw_fd(), POLLIN),
        PollItem::new(&pull, POLLIN),
        PollItem::from_fd(b.as_raw_fd(), POLLOUT),
        PollItem::new(&pull, POLLIN),
    ];
    assert_eq!(poll_ms(&mut items, 5_000).unwrap(), 1);
    assert_eq!(items.map(|i| i.revents), [0, 0, POLLOUT, 0]);
    a.write_all(b"x").unwrap();
    push.send("m", 0).unwrap();
    let mut items = [
        PollItem::from_fd(b.as_raw_fd(), POLLIN),
        PollItem::new(&pull, POLLIN),
        PollItem::from_fd(b.as_raw_fd(), POLLIN),
        PollItem::new(&pull, POLLIN),
    ];
    assert_eq!(poll_ms(&mut items, 5_000).unwrap(), 4);
    assert_eq!(items.map(|i| i.revents), [POLLIN; 4]);

    // A regular file (epoll refuses it) is always ready, as poll(2) reports it.
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    let mut buf = [0u8; 1];
    (&b).read_exact(&mut buf).unwrap();
    assert_eq!(pull.recv_bytes(0).unwrap(), "m");
    let mut items = [
        PollItem::new(&pull, POLLIN),
        PollItem::from_fd(file.as_raw_fd(), POLLIN | POLLOUT),
        PollItem::from_fd(b.as_raw_fd(), POLLIN),
    ];
    assert_eq!(poll_ms(&mut items, 5_000).unwrap(), 1);
    assert_eq!(items.map(|i| i.revents), [0, POLLIN | POLLOUT, 0]);
}

#[test]
fn pollerr_for_a_failed_descriptor() {
    // A non-blocking connect to a closed port fails: the descriptor reports an error.
    let port = common::free_tcp_port("127.0.0.1:0");
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.set_nonblocking(true).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let _ = s.connect(&addr.into());
    let mut items = [PollItem::from_fd(s.as_raw_fd(), POLLOUT)];
    assert_eq!(poll_ms(&mut items, 5_000).unwrap(), 1);
    assert_ne!(items[0].revents & POLLERR, 0, "{:#x}", items[0].revents);
}

#[test]
fn socket_fd_signals_changes_for_an_outside_poller() {
    let ctx = Context::new();
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let fd = pull.fd().unwrap();
    assert_eq!(pull.option_int(opt::FD).unwrap(), i64::from(fd));
    assert_eq!(pull.option_int(opt::EVENTS).unwrap(), 0);

    // An independent OS poller (epoll through mio) waits on the descriptor.
    let mut poller = mio::Poll::new().unwrap();
    poller
        .registry()
        .register(
            &mut mio::unix::SourceFd(&fd),
            mio::Token(0),
            mio::Interest::READABLE,
        )
        .unwrap();
    let mut events = mio::Events::with_capacity(4);
    let push = socket(&ctx, SocketType::Push);
    push.connect(&pull.last_endpoint()).unwrap();
    for round in 0..3 {
        push.send_multipart([format!("msg {round}")], 0).unwrap();
        // Wake on the descriptor, then read EVENTS until it no longer shows POLLIN (libzmq's contract).
        let deadline = Instant::now() + DEADLINE;
        let got = loop {
            assert!(Instant::now() < deadline, "no message signalled in time");
            poller.poll(&mut events, Some(DEADLINE)).unwrap();
            if pull.events().unwrap() & POLLIN != 0 {
                break pull.recv_bytes(0).unwrap();
            }
        };
        assert_eq!(got, format!("msg {round}"));
        assert_eq!(pull.events().unwrap() & POLLIN, 0);
        // Reading EVENTS reset the descriptor: it is not readable now.
        let mut items = [PollItem::from_fd(fd, POLLIN)];
        assert_eq!(poll_ms(&mut items, 0).unwrap(), 0);
    }
}
