//! STREAM against libzmq's STREAM over tcp, with ferrozmq binding or connecting: both ends see the empty connect
//! notification, raw bytes cross as `[id, data]`, and an empty frame from the ferrozmq end closes the connection.

use std::time::{Duration, Instant};

use ferrozmq::SocketType;

const TIMEOUT_MS: i32 = 5_000;
const DEADLINE: Duration = Duration::from_secs(10);

/// A STREAM socket of either library.
#[allow(clippy::large_enum_variant)] // two of them per test
enum Stream {
    Ferro(ferrozmq::Socket),
    Lib(zmq::Socket),
}

impl Stream {
    /// A STREAM socket with bounded timeouts and LINGER 0.
    fn new(ferro: bool, fctx: &ferrozmq::Context, lctx: &zmq::Context) -> Self {
        if ferro {
            let s = fctx.socket(SocketType::Stream).unwrap();
            s.set_rcvtimeo(TIMEOUT_MS).unwrap();
            s.set_sndtimeo(TIMEOUT_MS).unwrap();
            s.set_linger(0).unwrap();
            Self::Ferro(s)
        } else {
            let s = lctx.socket(zmq::STREAM).unwrap();
            s.set_rcvtimeo(TIMEOUT_MS).unwrap();
            s.set_sndtimeo(TIMEOUT_MS).unwrap();
            s.set_linger(0).unwrap();
            Self::Lib(s)
        }
    }

    fn bind_any(&self) -> String {
        match self {
            Self::Ferro(s) => {
                s.bind("tcp://127.0.0.1:*").unwrap();
                s.last_endpoint()
            }
            Self::Lib(s) => {
                s.bind("tcp://127.0.0.1:*").unwrap();
                s.get_last_endpoint().unwrap().unwrap()
            }
        }
    }

    fn connect(&self, ep: &str) {
        match self {
            Self::Ferro(s) => s.connect(ep).unwrap(),
            Self::Lib(s) => s.connect(ep).unwrap(),
        }
    }

    fn send(&self, id: &[u8], data: &[u8]) {
        match self {
            Self::Ferro(s) => s
                .send_multipart([id.to_vec(), data.to_vec()], 0)
                .expect("ferrozmq send"),
            Self::Lib(s) => s.send_multipart([id, data], 0).expect("libzmq send"),
        }
    }

    /// One `[id, data]` message.
    fn recv(&self) -> (Vec<u8>, Vec<u8>) {
        let parts: Vec<Vec<u8>> = match self {
            Self::Ferro(s) => s
                .recv_multipart(0)
                .expect("ferrozmq recv")
                .into_iter()
                .map(|b| b.to_vec())
                .collect(),
            Self::Lib(s) => s.recv_multipart(0).expect("libzmq recv"),
        };
        assert_eq!(parts.len(), 2, "STREAM delivers [id, data]");
        let mut it = parts.into_iter();
        (it.next().unwrap(), it.next().unwrap())
    }

    /// Data from `id` until `want` bytes have arrived (TCP may split them).
    fn recv_data(&self, id: &[u8], want: usize) -> Vec<u8> {
        let start = Instant::now();
        let mut data = Vec::new();
        while data.len() < want {
            assert!(start.elapsed() < DEADLINE, "data never arrived");
            let (from, chunk) = self.recv();
            assert_eq!(from, id);
            assert!(!chunk.is_empty(), "no disconnect before the data");
            data.extend_from_slice(&chunk);
        }
        data
    }
}

/// A STREAM of one library binds, a STREAM of the other connects; bytes go both ways, then the ferrozmq end closes.
fn stream_both(ferro_binds: bool) {
    let fctx = ferrozmq::Context::new();
    let lctx = zmq::Context::new();
    let server = Stream::new(ferro_binds, &fctx, &lctx);
    let client = Stream::new(!ferro_binds, &fctx, &lctx);
    client.connect(&server.bind_any());

    let (to_client, hello) = server.recv();
    assert!(hello.is_empty(), "the server's connect notification");
    let (to_server, hello) = client.recv();
    assert!(hello.is_empty(), "the client's connect notification");

    client.send(&to_server, b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(server.recv_data(&to_client, 18), b"GET / HTTP/1.0\r\n\r\n");
    let big = vec![7u8; 100_000];
    server.send(&to_client, &big);
    assert_eq!(client.recv_data(&to_server, big.len()), big);
    client.send(&to_server, b"bye");
    assert_eq!(server.recv_data(&to_client, 3), b"bye");

    // The ferrozmq end closes: libzmq 4.3.4's STREAM, bound, keeps the TCP connection open after an empty frame
    // (measured with a plain TCP peer), so only ferrozmq's close is checked here.
    let (closer, closer_to, peer, peer_to) = if ferro_binds {
        (&server, &to_client, &client, &to_server)
    } else {
        (&client, &to_server, &server, &to_client)
    };
    closer.send(closer_to, b"");
    assert_eq!(
        peer.recv(),
        (peer_to.clone(), Vec::new()),
        "the close reaches the libzmq end"
    );
}

#[test]
fn ferro_stream_binds_libzmq_stream_connects() {
    stream_both(true);
}

#[test]
fn libzmq_stream_binds_ferro_stream_connects() {
    stream_both(false);
}
