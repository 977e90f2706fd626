//! STREAM sockets against plain TCP peers (std's TcpStream): an HTTP-like exchange with STREAM binding and
//! with STREAM connecting, connect/disconnect notifications, and closing a connection from the socket.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use bytes::Bytes;
use common::{recv, socket};
use ferrozmq::{opt, Context, Error, SocketType, DONTWAIT};

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi";

/// Reads from `peer` until it has `n` bytes.
fn read_n(peer: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut got = vec![0; n];
    peer.read_exact(&mut got)
        .expect("read from the STREAM socket");
    got
}

/// Receives `[id, data]` messages until `want` bytes of data from `id` have arrived (TCP may split them).
fn recv_data(s: &ferrozmq::Socket, id: &Bytes, want: usize) -> Vec<u8> {
    let mut data = Vec::new();
    while data.len() < want {
        let m = recv(s);
        assert_eq!(m.len(), 2);
        assert_eq!(&m[0], id);
        assert!(!m[1].is_empty(), "no disconnect before the data");
        data.extend_from_slice(&m[1]);
    }
    data
}

#[test]
fn stream_binds_http_like_exchange() {
    let ctx = Context::new();
    let server = socket(&ctx, SocketType::Stream);
    server.bind("tcp://127.0.0.1:*").unwrap();
    let addr = server
        .last_endpoint()
        .trim_start_matches("tcp://")
        .to_owned();
    let mut client = TcpStream::connect(&addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();

    let hello = recv(&server);
    assert_eq!(hello.len(), 2);
    let id = hello[0].clone();
    assert_eq!((id.len(), id[0]), (5, 0), "a generated 5-byte id");
    assert!(hello[1].is_empty(), "the connect notification");

    client.write_all(REQUEST).unwrap();
    assert_eq!(recv_data(&server, &id, REQUEST.len()), REQUEST);
    server
        .send_multipart([id.clone(), Bytes::from_static(RESPONSE)], 0)
        .unwrap();
    // Sending an empty frame closes the connection, after what was queued before it.
    server
        .send_multipart([id.clone(), Bytes::new()], 0)
        .unwrap();
    let mut all = Vec::new();
    client.read_to_end(&mut all).unwrap();
    assert_eq!(all, RESPONSE);
    assert_eq!(
        recv(&server),
        vec![id.clone(), Bytes::new()],
        "the disconnect notification"
    );
    // The id is forgotten once the socket has read to the end of the connection's pipe (as in libzmq,
    // sends to it would block until then).
    let start = std::time::Instant::now();
    loop {
        assert!(matches!(server.recv_multipart(DONTWAIT), Err(Error::Again)));
        match server.send_multipart([id.clone(), Bytes::from_static(b"gone")], DONTWAIT) {
            Err(Error::HostUnreachable) => break,
            Ok(()) | Err(Error::Again) => {}
            Err(e) => panic!("send: {e}"),
        }
        assert!(
            start.elapsed() < common::DEADLINE,
            "the id was never forgotten"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A connecting STREAM names its peer by CONNECT_ROUTING_ID, with IMMEDIATE=0 (one link kept across
/// reconnects) and IMMEDIATE=1 (a link per connection, each taking the id once the last one is read out).
fn stream_connects_and_sees_the_peer_close(immediate: bool) {
    let ctx = Context::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = socket(&ctx, SocketType::Stream);
    client
        .set_option_int(opt::IMMEDIATE, immediate.into())
        .unwrap();
    client
        .set_option_bytes(opt::CONNECT_ROUTING_ID, b"web")
        .unwrap();
    client.connect(&format!("tcp://{addr}")).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let id = Bytes::from_static(b"web");
    assert_eq!(recv(&client), vec![id.clone(), Bytes::new()]);
    client
        .send_multipart([id.clone(), Bytes::from_static(REQUEST)], 0)
        .unwrap();
    assert_eq!(read_n(&mut peer, REQUEST.len()), REQUEST);
    peer.write_all(RESPONSE).unwrap();
    assert_eq!(recv_data(&client, &id, RESPONSE.len()), RESPONSE);
    drop(peer);
    assert_eq!(
        recv(&client),
        vec![id.clone(), Bytes::new()],
        "the disconnect notification"
    );
    // The STREAM reconnects, keeping the id, and announces the new connection.
    let (_again, _) = listener.accept().unwrap();
    assert_eq!(
        recv(&client),
        vec![id, Bytes::new()],
        "the reconnect notification"
    );
}

#[test]
fn stream_connects_and_sees_the_peer_close_immediate_0() {
    stream_connects_and_sees_the_peer_close(false);
}

#[test]
fn stream_connects_and_sees_the_peer_close_immediate_1() {
    stream_connects_and_sees_the_peer_close(true);
}

#[test]
fn stream_refuses_inproc_and_zmtp_options_stay_off() {
    let ctx = Context::new();
    let s = socket(&ctx, SocketType::Stream);
    assert!(matches!(
        s.bind("inproc://stream"),
        Err(Error::IncompatibleProtocol)
    ));
    s.set_option_int(opt::STREAM_NOTIFY, 0).unwrap();
    s.bind("tcp://127.0.0.1:*").unwrap();
    let addr = s.last_endpoint().trim_start_matches("tcp://").to_owned();
    let mut c = TcpStream::connect(&addr).unwrap();
    c.write_all(b"x").unwrap();
    let m = recv(&s);
    assert_eq!(
        &m[1][..],
        b"x",
        "no connect notification with STREAM_NOTIFY 0"
    );
}
