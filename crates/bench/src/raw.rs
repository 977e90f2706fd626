//! Plain-socket baselines (loopback TCP bandwidth and ping-pong) and the idle ZMTP clients.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use crate::case::{Case, Kind};

/// Runs a raw case: bytes per second divided by `size` (so comparable to msg/s), or one-way µs.
pub(crate) fn run(c: &Case) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (size, count) = (c.size, c.count);
    match c.kind {
        Kind::Thr => {
            let writer = thread::spawn(move || {
                let mut s = TcpStream::connect(addr).expect("connect");
                let buf = vec![0u8; size];
                for _ in 0..count {
                    s.write_all(&buf).expect("write");
                }
            });
            let (mut s, _) = listener.accept().expect("accept");
            let mut buf = vec![0u8; 256 * 1024];
            let total = size as u64 * count;
            let mut got = s.read(&mut buf).expect("read") as u64;
            let start = Instant::now();
            while got < total {
                let n = s.read(&mut buf).expect("read");
                assert!(n > 0, "raw tcp: early end");
                got += n as u64;
            }
            let secs = start.elapsed().as_secs_f64().max(1e-9);
            writer.join().expect("writer");
            count as f64 / secs
        }
        Kind::Lat => {
            let echo = thread::spawn(move || {
                let (mut s, _) = listener.accept().expect("accept");
                s.set_nodelay(true).expect("nodelay");
                let mut buf = vec![0u8; size];
                for _ in 0..count {
                    s.read_exact(&mut buf).expect("read");
                    s.write_all(&buf).expect("write");
                }
            });
            let mut s = TcpStream::connect(addr).expect("connect");
            s.set_nodelay(true).expect("nodelay");
            let mut buf = vec![0u8; size];
            let start = Instant::now();
            for _ in 0..count {
                s.write_all(&buf).expect("write");
                s.read_exact(&mut buf).expect("read");
            }
            let us = start.elapsed().as_secs_f64() * 1e6 / (count as f64 * 2.0);
            echo.join().expect("echo");
            us
        }
        _ => unreachable!("raw runs only thr and lat"),
    }
}

/// The ZMTP 3.0 greeting of a NULL-mechanism client followed by its READY for a DEALER.
fn dealer_hello() -> Vec<u8> {
    let mut g = vec![0u8; 64];
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 3;
    g[12..16].copy_from_slice(b"NULL");
    let mut body = vec![5];
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&6u32.to_be_bytes());
    body.extend_from_slice(b"DEALER");
    g.push(0x04);
    g.push(body.len() as u8);
    g.extend_from_slice(&body);
    g
}

/// `bench idle-clients PORT N`: opens N connections, handshakes each as a DEALER, prints `ready`,
/// then holds them until stdin closes.
pub(crate) fn idle_clients(port: u16, n: u64) {
    crate::sys::raise_nofile();
    let hello = dealer_hello();
    let mut conns = Vec::new();
    for _ in 0..n {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.write_all(&hello).expect("hello");
        conns.push(s);
    }
    // The server's greeting (64 bytes) and its READY: the handshake is complete on both sides.
    for s in &mut conns {
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut greeting = [0u8; 64 + 2];
        s.read_exact(&mut greeting).expect("server greeting");
        let mut rest = vec![0u8; usize::from(greeting[65])];
        s.read_exact(&mut rest).expect("server READY");
    }
    println!("ready");
    let _ = std::io::stdin().read(&mut [0u8; 1]);
}
