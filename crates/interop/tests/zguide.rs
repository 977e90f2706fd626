//! The zguide's classic patterns with ferrozmq and libzmq sockets mixed: the request-reply broker (ROUTER /
//! DEALER through ferrozmq's proxy), the load-balancing broker, the lazy-pirate client against a server that
//! restarts, the XSUB/XPUB forwarder with late subscribers, and the steerable proxy's commands.

use std::thread;
use std::time::{Duration, Instant};

use ferrozmq::{opt, poll, PollItem, Socket, SocketType, POLLIN};

const TIMEOUT_MS: i32 = 5_000;
const DEADLINE: Duration = Duration::from_secs(10);

fn ferro(ctx: &ferrozmq::Context, ty: SocketType) -> Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_linger(0).unwrap();
    s
}

fn lib(ctx: &zmq::Context, ty: zmq::SocketType) -> zmq::Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_rcvtimeo(TIMEOUT_MS).unwrap();
    s.set_sndtimeo(TIMEOUT_MS).unwrap();
    s.set_linger(0).unwrap();
    s
}

fn lib_endpoint(s: &zmq::Socket) -> String {
    s.get_last_endpoint().unwrap().unwrap()
}

/// A steerable proxy in a thread, stopped by TERMINATE on a PAIR when the guard is dropped.
struct ProxyThread {
    control: Socket,
    handle: Option<thread::JoinHandle<ferrozmq::Result<ferrozmq::ProxyStats>>>,
}

impl ProxyThread {
    fn start(ctx: &ferrozmq::Context, frontend: Socket, backend: Socket) -> Self {
        let name = format!("inproc://zguide-control-{}", rand_tag());
        let theirs = ferro(ctx, SocketType::Pair);
        theirs.bind(&name).unwrap();
        let control = ferro(ctx, SocketType::Pair);
        control.connect(&name).unwrap();
        let handle = thread::spawn(move || {
            ferrozmq::proxy_steerable(&frontend, &backend, None, Some(&theirs))
        });
        Self {
            control,
            handle: Some(handle),
        }
    }
}

impl Drop for ProxyThread {
    fn drop(&mut self) {
        self.control.send("TERMINATE", 0).unwrap();
        if let Some(h) = self.handle.take() {
            let result = h.join().expect("the proxy thread panicked");
            if !thread::panicking() {
                result.expect("the proxy failed");
            }
        }
    }
}

fn rand_tag() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// rrbroker: REQ clients → ROUTER ⇄ proxy ⇄ DEALER → REP workers; one client and one worker of each library.
#[test]
fn request_reply_broker() {
    let fctx = ferrozmq::Context::new();
    let lctx = zmq::Context::new();
    let frontend = ferro(&fctx, SocketType::Router);
    frontend.bind("tcp://127.0.0.1:*").unwrap();
    let backend = ferro(&fctx, SocketType::Dealer);
    backend.bind("tcp://127.0.0.1:*").unwrap();
    let (front_ep, back_ep) = (frontend.last_endpoint(), backend.last_endpoint());
    let _proxy = ProxyThread::start(&fctx, frontend, backend);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = {
        let stop = stop.clone();
        move || stop.load(std::sync::atomic::Ordering::Relaxed)
    };
    let lib_worker = lib(&lctx, zmq::REP);
    lib_worker.set_rcvtimeo(20).unwrap();
    lib_worker.connect(&back_ep).unwrap();
    let ferro_worker = ferro(&fctx, SocketType::Rep);
    ferro_worker.set_rcvtimeo(20).unwrap();
    ferro_worker.connect(&back_ep).unwrap();
    let lib_stopped = stopped.clone();
    let workers = [
        thread::spawn(move || {
            // Serve until told to stop (checked whenever a short recv times out).
            while !lib_stopped() {
                if let Ok(req) = lib_worker.recv_bytes(0) {
                    let mut reply = b"lib:".to_vec();
                    reply.extend_from_slice(&req);
                    lib_worker.send(reply, 0).unwrap();
                }
            }
        }),
        thread::spawn(move || {
            while !stopped() {
                if let Ok(req) = ferro_worker.recv_bytes(0) {
                    let mut reply = b"ferro:".to_vec();
                    reply.extend_from_slice(&req);
                    ferro_worker.send(reply, 0).unwrap();
                }
            }
        }),
    ];

    let lib_client = lib(&lctx, zmq::REQ);
    lib_client.connect(&front_ep).unwrap();
    let ferro_client = ferro(&fctx, SocketType::Req);
    ferro_client.connect(&front_ep).unwrap();
    let mut served_by = std::collections::HashSet::new();
    for i in 0..20 {
        let req = format!("req{i}");
        let reply = if i % 2 == 0 {
            lib_client.send(req.as_bytes(), 0).unwrap();
            lib_client.recv_bytes(0).unwrap()
        } else {
            ferro_client.send(req.clone(), 0).unwrap();
            ferro_client.recv_bytes(0).unwrap().to_vec()
        };
        let reply = String::from_utf8(reply).unwrap();
        let (who, body) = reply.split_once(':').unwrap();
        assert_eq!(body, req);
        served_by.insert(who.to_owned());
    }
    assert_eq!(served_by.len(), 2, "both workers took requests");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
}

/// lbbroker: workers (REQ) announce READY to a ROUTER backend; client requests go to the least recently
/// used worker, replies go back to the client by its routing id.
#[test]
fn load_balancing_broker() {
    const PER_CLIENT: usize = 10;
    let fctx = ferrozmq::Context::new();
    let lctx = zmq::Context::new();
    let frontend = ferro(&fctx, SocketType::Router);
    frontend.bind("tcp://127.0.0.1:*").unwrap();
    let backend = ferro(&fctx, SocketType::Router);
    backend.bind("tcp://127.0.0.1:*").unwrap();
    let (front_ep, back_ep) = (frontend.last_endpoint(), backend.last_endpoint());

    let mut threads = Vec::new();
    // Workers: two libzmq, one ferrozmq; each ends on an "END" request.
    for n in 0..3 {
        let ep = back_ep.clone();
        if n < 2 {
            let w = lib(&lctx, zmq::REQ);
            threads.push(thread::spawn(move || {
                w.connect(&ep).unwrap();
                w.send("READY", 0).unwrap();
                loop {
                    let [client, empty, req] =
                        <[Vec<u8>; 3]>::try_from(w.recv_multipart(0).unwrap()).unwrap();
                    if req == b"END" {
                        return;
                    }
                    w.send_multipart([client, empty, b"OK".to_vec()], 0)
                        .unwrap();
                }
            }));
        } else {
            let w = ferro(&fctx, SocketType::Req);
            threads.push(thread::spawn(move || {
                w.connect(&ep).unwrap();
                w.send("READY", 0).unwrap();
                loop {
                    let m = w.recv_multipart(0).unwrap();
                    if m[2] == "END" {
                        return;
                    }
                    w.send_multipart([m[0].clone(), m[1].clone(), "OK".into()], 0)
                        .unwrap();
                }
            }));
        }
    }
    // Clients: one of each library, each sending PER_CLIENT requests.
    let c1 = lib(&lctx, zmq::REQ);
    let ep = front_ep.clone();
    threads.push(thread::spawn(move || {
        c1.connect(&ep).unwrap();
        for _ in 0..PER_CLIENT {
            c1.send("HELLO", 0).unwrap();
            assert_eq!(c1.recv_bytes(0).unwrap(), b"OK");
        }
    }));
    let c2 = ferro(&fctx, SocketType::Req);
    threads.push(thread::spawn(move || {
        c2.connect(&front_ep).unwrap();
        for _ in 0..PER_CLIENT {
            c2.send("HELLO", 0).unwrap();
            assert_eq!(c2.recv_bytes(0).unwrap(), "OK");
        }
    }));

    // The broker: poll the frontend only while a worker is free.
    let mut free: Vec<bytes::Bytes> = Vec::new();
    let mut replies = 0;
    let start = Instant::now();
    while replies < 2 * PER_CLIENT {
        assert!(start.elapsed() < DEADLINE, "the broker stalled");
        let mut items = vec![PollItem::new(&backend, POLLIN)];
        if !free.is_empty() {
            items.push(PollItem::new(&frontend, POLLIN));
        }
        poll(&mut items, Some(Duration::from_millis(100))).unwrap();
        let front_ready = items.get(1).is_some_and(|i| i.revents & POLLIN != 0);
        if items[0].revents & POLLIN != 0 {
            let m = backend.recv_multipart(0).unwrap();
            free.push(m[0].clone());
            if m[2] != "READY" {
                // [worker, "", client, "", reply]
                frontend.send_multipart(m[2..].to_vec(), 0).unwrap();
                replies += 1;
            }
        }
        if front_ready {
            let m = frontend.recv_multipart(0).unwrap();
            let worker = free.remove(0);
            let mut out = vec![worker, bytes::Bytes::new()];
            out.extend(m);
            backend.send_multipart(out, 0).unwrap();
        }
    }
    while free.len() < 3 {
        let m = backend.recv_multipart(0).unwrap();
        free.push(m[0].clone());
    }
    for w in free {
        backend
            .send_multipart([w, "".into(), "x".into(), "".into(), "END".into()], 0)
            .unwrap();
    }
    for t in threads {
        t.join().unwrap();
    }
}

/// Lazy pirate: a relaxed, correlating ferrozmq REQ retries a request whose server (libzmq REP) crashed,
/// and gets the answer from the restarted server on the same endpoint.
#[test]
fn lazy_pirate_against_a_restarting_server() {
    let fctx = ferrozmq::Context::new();
    let lctx = zmq::Context::new();
    let server = lib(&lctx, zmq::REP);
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = lib_endpoint(&server);
    let client = ferro(&fctx, SocketType::Req);
    client.set_option_int(opt::REQ_RELAXED, 1).unwrap();
    client.set_option_int(opt::REQ_CORRELATE, 1).unwrap();
    client.set_option_int(opt::RECONNECT_IVL, 20).unwrap();
    client.connect(&ep).unwrap();

    client.send("1", 0).unwrap();
    assert_eq!(server.recv_bytes(0).unwrap(), b"1");
    server.send("reply 1", 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), "reply 1");
    // The server takes request 2 and dies without answering.
    client.send("2", 0).unwrap();
    assert_eq!(server.recv_bytes(0).unwrap(), b"2");
    drop(server);
    let restarted = lib(&lctx, zmq::REP);
    let start = Instant::now();
    while restarted.bind(&ep).is_err() {
        assert!(start.elapsed() < DEADLINE, "could not rebind {ep}");
        thread::sleep(Duration::from_millis(10));
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    restarted.set_rcvtimeo(20).unwrap();
    let server_thread = thread::spawn(move || {
        // Answer every retry that reaches the new server, until told to stop.
        while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
            if let Ok(req) = restarted.recv_bytes(0) {
                let mut reply = b"reply ".to_vec();
                reply.extend_from_slice(&req);
                restarted.send(reply, 0).unwrap();
            }
        }
    });
    let mut retries = 0;
    let reply = loop {
        let mut items = [PollItem::new(&client, POLLIN)];
        poll(&mut items, Some(Duration::from_millis(250))).unwrap();
        if items[0].revents & POLLIN != 0 {
            break client.recv_bytes(0).unwrap();
        }
        retries += 1;
        assert!(retries < 40, "the restarted server never answered");
        client.send("2", 0).unwrap();
    };
    assert_eq!(reply, "reply 2");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    server_thread.join().unwrap();
}

/// The forwarder: a libzmq PUB → ferrozmq XSUB ⇄ proxy ⇄ ferrozmq XPUB → SUBs of both libraries that join late.
#[test]
fn xsub_xpub_forwarder_with_late_subscribers() {
    let fctx = ferrozmq::Context::new();
    let lctx = zmq::Context::new();
    let xsub = ferro(&fctx, SocketType::XSub);
    xsub.bind("tcp://127.0.0.1:*").unwrap();
    let xpub = ferro(&fctx, SocketType::XPub);
    xpub.bind("tcp://127.0.0.1:*").unwrap();
    let (front_ep, back_ep) = (xsub.last_endpoint(), xpub.last_endpoint());
    let _proxy = ProxyThread::start(&fctx, xsub, xpub);
    let publisher = lib(&lctx, zmq::PUB);
    publisher.connect(&front_ep).unwrap();
    // The publisher is already publishing when the subscribers arrive.
    for i in 0..10 {
        publisher.send(format!("news {i}").as_bytes(), 0).unwrap();
    }
    let lib_sub = lib(&lctx, zmq::SUB);
    lib_sub.set_subscribe(b"news").unwrap();
    lib_sub.connect(&back_ep).unwrap();
    let ferro_sub = ferro(&fctx, SocketType::Sub);
    ferro_sub.set_subscribe(b"news").unwrap();
    ferro_sub.connect(&back_ep).unwrap();
    let (mut lib_got, mut ferro_got) = (false, false);
    let start = Instant::now();
    while !(lib_got && ferro_got) {
        assert!(start.elapsed() < DEADLINE, "a late subscriber got nothing");
        publisher.send("news late", 0).unwrap();
        publisher.send("sport", 0).unwrap();
        thread::sleep(Duration::from_millis(5));
        while let Ok(m) = lib_sub.recv_bytes(zmq::DONTWAIT) {
            assert!(m.starts_with(b"news"));
            lib_got = true;
        }
        while let Ok(m) = ferro_sub.recv_bytes(ferrozmq::DONTWAIT) {
            assert!(m.starts_with(b"news"));
            ferro_got = true;
        }
    }
}

/// proxy_steerable: PAUSE, RESUME, STATISTICS and TERMINATE from a libzmq REQ to a REP control socket, which
/// gets an empty reply to every command but STATISTICS (8 frames of u64).
#[test]
fn steerable_proxy_commands_over_a_rep_control_socket() {
    let fctx = ferrozmq::Context::new();
    let lctx = zmq::Context::new();
    let frontend = ferro(&fctx, SocketType::Pull);
    frontend.bind("tcp://127.0.0.1:*").unwrap();
    let backend = ferro(&fctx, SocketType::Push);
    backend.bind("tcp://127.0.0.1:*").unwrap();
    let control = ferro(&fctx, SocketType::Rep);
    control.bind("tcp://127.0.0.1:*").unwrap();
    let (front_ep, back_ep, ctl_ep) = (
        frontend.last_endpoint(),
        backend.last_endpoint(),
        control.last_endpoint(),
    );
    let proxy =
        thread::spawn(move || ferrozmq::proxy_steerable(&frontend, &backend, None, Some(&control)));
    let src = lib(&lctx, zmq::PUSH);
    src.connect(&front_ep).unwrap();
    let dst = lib(&lctx, zmq::PULL);
    dst.connect(&back_ep).unwrap();
    let ctl = lib(&lctx, zmq::REQ);
    ctl.connect(&ctl_ep).unwrap();
    let command = |cmd: &str| -> Vec<Vec<u8>> {
        ctl.send(cmd, 0).unwrap();
        ctl.recv_multipart(0).unwrap()
    };

    src.send("ab", 0).unwrap();
    src.send_multipart(["x", "yz"], 0).unwrap();
    assert_eq!(dst.recv_bytes(0).unwrap(), b"ab");
    assert_eq!(
        dst.recv_multipart(0).unwrap(),
        [b"x".to_vec(), b"yz".to_vec()]
    );
    assert_eq!(command("PAUSE"), [Vec::<u8>::new()]);
    src.send("held", 0).unwrap();
    dst.set_rcvtimeo(100).unwrap();
    assert!(
        dst.recv_bytes(0).is_err(),
        "a paused proxy forwards nothing"
    );
    dst.set_rcvtimeo(TIMEOUT_MS).unwrap();
    assert_eq!(command("RESUME"), [Vec::<u8>::new()]);
    assert_eq!(dst.recv_bytes(0).unwrap(), b"held");
    let stats: Vec<u64> = command("STATISTICS")
        .iter()
        .map(|v| u64::from_ne_bytes(<[u8; 8]>::try_from(&v[..]).unwrap()))
        .collect();
    // Every frame counts: 4 frames of 9 bytes in at the frontend and out at the backend.
    assert_eq!(stats, [4, 9, 0, 0, 0, 0, 4, 9]);
    assert_eq!(command("TERMINATE"), [Vec::<u8>::new()]);
    let final_stats = proxy.join().unwrap().unwrap();
    assert_eq!(final_stats.frontend.msgs_in, 4);
    assert_eq!(final_stats.backend.bytes_out, 9);
}
