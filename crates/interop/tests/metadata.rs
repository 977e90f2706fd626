//! Message metadata from libzmq peers: what a ferrozmq socket sees on frames a libzmq socket sent.

use ferrozmq::SocketType;

#[test]
fn libzmq_dealer_properties_on_ferrozmq_frames() {
    let ctx = ferrozmq::Context::new();
    let server = ctx.socket(SocketType::Dealer).unwrap();
    server.set_rcvtimeo(5_000).unwrap();
    server.set_linger(0).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let zctx = zmq::Context::new();
    let client = zctx.socket(zmq::DEALER).unwrap();
    client.set_linger(0).unwrap();
    client.set_identity(b"libzmq-peer").unwrap();
    client.connect(&server.last_endpoint()).unwrap();
    client.send("hello", 0).unwrap();
    let frame = server.recv_frame(0).unwrap();
    assert_eq!(frame.data, "hello");
    assert_eq!(frame.property("Socket-Type").unwrap(), "DEALER");
    assert_eq!(frame.property("Routing-Id").unwrap(), "libzmq-peer");
    assert_eq!(frame.property("Peer-Address").unwrap(), "127.0.0.1");
}
