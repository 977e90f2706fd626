//! tcp options at the socket level: CONNECT_TIMEOUT, IPV6 semantics as libzmq's, and the values read
//! back. (That SNDBUF, RCVBUF, TOS and TCP_KEEPALIVE* reach the kernel is tested in transport::tcp.)

mod common;

use std::time::{Duration, Instant};

use common::{socket, unique, DEADLINE};
use ferrozmq::event::{self, Event};
use ferrozmq::{opt, Context, Error, Socket, SocketType};

fn watch(ctx: &Context, s: &Socket, events: u32) -> Socket {
    let ep = format!("inproc://{}", unique("tcp-options"));
    s.monitor(ep.as_str(), events).unwrap();
    let r = socket(ctx, SocketType::Pair);
    r.connect(&ep).unwrap();
    r
}

fn next(r: &Socket) -> Event {
    Event::parse(&r.recv_multipart(0).expect("an event in time")).unwrap()
}

#[test]
fn options_read_back_with_libzmq_defaults() {
    let ctx = Context::new();
    let s = socket(&ctx, SocketType::Dealer);
    for (o, default, set) in [
        (opt::SNDBUF, -1, 65536),
        (opt::RCVBUF, -1, 65536),
        (opt::TCP_KEEPALIVE, -1, 1),
        (opt::TCP_KEEPALIVE_CNT, -1, 3),
        (opt::TCP_KEEPALIVE_IDLE, -1, 60),
        (opt::TCP_KEEPALIVE_INTVL, -1, 5),
        (opt::TOS, 0, 0x10),
        (opt::CONNECT_TIMEOUT, 0, 250),
        (opt::BACKLOG, 100, 10),
        (opt::HANDSHAKE_IVL, 30_000, 1_000),
        (opt::IPV6, 0, 1),
    ] {
        assert_eq!(s.option_int(o).unwrap(), default, "default of {o}");
        s.set_option_int(o, set).unwrap();
        assert_eq!(s.option_int(o).unwrap(), set, "option {o}");
    }
    assert!(s.set_option_int(opt::TCP_KEEPALIVE, 5).is_err());
}

#[test]
fn ipv6_addresses_need_the_ipv6_option() {
    let ctx = Context::new();
    let s = socket(&ctx, SocketType::Pull);
    // libzmq: ENODEV for a bind, and a connect that never gets further than CONNECT_RETRIED.
    assert!(matches!(s.bind("tcp://[::1]:*"), Err(Error::NoDevice)));
    let c = socket(&ctx, SocketType::Push);
    c.set_option_int(opt::RECONNECT_IVL, 10).unwrap();
    let events = watch(&ctx, &c, event::ALL);
    c.connect("tcp://[::1]:5555").unwrap();
    for _ in 0..3 {
        assert_eq!(next(&events).event, event::CONNECT_RETRIED);
    }
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        s.set_option_int(opt::IPV6, 1).unwrap();
        s.bind("tcp://[::1]:*").unwrap();
        assert!(s.last_endpoint().starts_with("tcp://[::1]:"));
    }
}

#[test]
fn connect_timeout_abandons_a_connect_that_hangs() {
    // A listener whose accept queue is full and is never accepted from: the kernel drops further SYNs, so
    // a connect to it hangs (for a second or more) until CONNECT_TIMEOUT gives up on it.
    let full = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    full.bind(
        &"127.0.0.1:0"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into(),
    )
    .unwrap();
    full.listen(0).unwrap();
    let addr = full.local_addr().unwrap().as_socket().unwrap();
    let fillers: Vec<socket2::Socket> = (0..3)
        .map(|_| {
            let f =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            f.set_nonblocking(true).unwrap();
            let _ = f.connect(&addr.into());
            f
        })
        .collect();

    let ctx = Context::new();
    let c = socket(&ctx, SocketType::Push);
    c.set_option_int(opt::CONNECT_TIMEOUT, 100).unwrap();
    c.set_option_int(opt::RECONNECT_IVL, 5_000).unwrap();
    let events = watch(&ctx, &c, event::ALL);
    c.connect(&format!("tcp://{addr}")).unwrap();
    assert_eq!(next(&events).event, event::CONNECT_DELAYED);
    let started = Instant::now();
    let retried = next(&events);
    assert_eq!(retried.event, event::CONNECT_RETRIED, "{retried:?}");
    assert!(started.elapsed() < Duration::from_millis(900) && started.elapsed() < DEADLINE);
    drop(fillers);
}
