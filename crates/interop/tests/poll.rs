//! Polling across libraries: libzmq's `zmq_poll` waits on a ferrozmq socket's FD, and ferrozmq's poll
//! waits on a libzmq socket's FD, each side then reading EVENTS as libzmq documents.

use std::time::{Duration, Instant};

use ferrozmq::{PollItem, SocketType, POLLIN};

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn libzmq_poll_waits_on_a_ferrozmq_fd() {
    let fctx = ferrozmq::Context::new();
    let pull = fctx.socket(SocketType::Pull).unwrap();
    pull.set_linger(0).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let fd = pull.fd().unwrap();
    let zctx = zmq::Context::new();
    let push = zctx.socket(zmq::PUSH).unwrap();
    push.set_linger(0).unwrap();
    push.connect(&pull.last_endpoint()).unwrap();
    push.send("from libzmq", 0).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(Instant::now() < deadline, "nothing signalled");
        if pull.events().unwrap() & POLLIN != 0 {
            break;
        }
        let mut items = [zmq::PollItem::from_fd(fd, zmq::POLLIN)];
        zmq::poll(&mut items, WAIT.as_millis() as i64).unwrap();
    }
    assert_eq!(pull.recv_bytes(0).unwrap(), "from libzmq");
}

#[test]
fn ferrozmq_poll_waits_on_a_libzmq_fd() {
    let zctx = zmq::Context::new();
    let pull = zctx.socket(zmq::PULL).unwrap();
    pull.set_linger(0).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = pull.get_last_endpoint().unwrap().unwrap();
    let fd = pull.get_fd().unwrap();
    let fctx = ferrozmq::Context::new();
    let push = fctx.socket(SocketType::Push).unwrap();
    push.set_linger(0).unwrap();
    push.connect(&endpoint).unwrap();
    push.send("from ferrozmq", 0).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(Instant::now() < deadline, "nothing signalled");
        if pull.get_events().unwrap().contains(zmq::POLLIN) {
            break;
        }
        let mut items = [PollItem::from_fd(fd, POLLIN)];
        ferrozmq::poll(&mut items, Some(WAIT)).unwrap();
    }
    assert_eq!(pull.recv_bytes(0).unwrap(), b"from ferrozmq");
}
