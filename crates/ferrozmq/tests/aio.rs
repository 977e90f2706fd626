//! The async face, driven by a minimal executor (thread park/unpark), so no runtime is assumed.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use ferrozmq::{AsyncSocket, Context, Error, SocketType, SNDMORE};

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread; panics if it takes longer than 10 s.
fn block_on<F: Future>(future: F) -> F::Output {
    let deadline = Instant::now() + Duration::from_secs(10);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = TaskContext::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        let now = Instant::now();
        assert!(now < deadline, "the future did not complete in time");
        thread::park_timeout(deadline - now);
    }
}

#[test]
fn req_rep_over_tcp_both_async() {
    let ctx = Context::new();
    let rep = AsyncSocket::new(ctx.socket(SocketType::Rep).unwrap());
    rep.get_ref().bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = rep.get_ref().last_endpoint();
    let server = thread::spawn(move || {
        block_on(async {
            for _ in 0..3 {
                let request = rep.recv_bytes().await.unwrap();
                let mut reply = b"re: ".to_vec();
                reply.extend_from_slice(&request);
                rep.send(reply, 0).await.unwrap();
            }
        })
    });
    let req = AsyncSocket::new(ctx.socket(SocketType::Req).unwrap());
    req.get_ref().connect(&endpoint).unwrap();
    block_on(async {
        for i in 0..3 {
            req.send(format!("hello {i}"), 0).await.unwrap();
            assert_eq!(req.recv_bytes().await.unwrap(), format!("re: hello {i}"));
        }
    });
    server.join().unwrap();
}

#[test]
fn a_pending_recv_wakes_when_a_message_arrives() {
    let ctx = Context::new();
    let pull = AsyncSocket::new(ctx.socket(SocketType::Pull).unwrap());
    pull.get_ref().bind("inproc://aio-wake").unwrap();
    let push = ctx.socket(SocketType::Push).unwrap();
    push.connect("inproc://aio-wake").unwrap();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50)); // the receiver is (very likely) pending by now
        push.send_multipart(["a", "b"], 0).unwrap();
    });
    let parts = block_on(pull.recv_multipart()).unwrap();
    assert_eq!(parts, ["a", "b"]);
    sender.join().unwrap();
}

#[test]
fn a_send_at_hwm_waits_for_room() {
    let ctx = Context::new();
    let push = AsyncSocket::new(ctx.socket(SocketType::Push).unwrap());
    push.get_ref().set_sndhwm(1).unwrap();
    push.get_ref().connect("inproc://aio-hwm").unwrap();
    let pull = ctx.socket(SocketType::Pull).unwrap();
    pull.set_rcvhwm(1).unwrap();
    pull.set_rcvtimeo(5000).unwrap();
    pull.bind("inproc://aio-hwm").unwrap();
    let receiver = thread::spawn(move || {
        (0..20)
            .map(|_| pull.recv_bytes(0).unwrap())
            .collect::<Vec<_>>()
    });
    block_on(async {
        for i in 0..20u8 {
            push.send(vec![i], 0).await.unwrap();
        }
    });
    let got = receiver.join().unwrap();
    assert_eq!(got.len(), 20);
    assert!(got.iter().enumerate().all(|(i, m)| m[..] == [i as u8]));
}

#[test]
fn multipart_and_termination() {
    let ctx = Context::new();
    let pair = AsyncSocket::new(ctx.socket(SocketType::Pair).unwrap());
    pair.get_ref().bind("inproc://aio-term").unwrap();
    let other = ctx.socket(SocketType::Pair).unwrap();
    other.connect("inproc://aio-term").unwrap();
    block_on(pair.send("x", SNDMORE)).unwrap();
    block_on(pair.send_multipart(["y"])).unwrap();
    assert_eq!(other.recv_multipart(0).unwrap(), ["x", "y"]);
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        ctx.shutdown();
    });
    assert!(matches!(
        block_on(pair.recv_frame()),
        Err(Error::Terminated)
    ));
    stopper.join().unwrap();
}
