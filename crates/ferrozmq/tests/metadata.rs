//! Message metadata: received frames carry their connection's properties (`zmq_msg_gets`).

mod common;

use common::{socket, unique};
use ferrozmq::{Context, SocketType};

#[test]
fn tcp_frames_carry_socket_type_routing_id_and_peer_address() {
    let ctx = Context::new();
    let server = socket(&ctx, SocketType::Dealer);
    server.bind("tcp://127.0.0.1:*").unwrap();
    let client = socket(&ctx, SocketType::Dealer);
    client.set_routing_id(b"alice").unwrap();
    client.connect(&server.last_endpoint()).unwrap();
    client.send_multipart(["one", "two"], 0).unwrap();
    for expected in ["one", "two"] {
        let frame = server.recv_frame(0).unwrap();
        assert_eq!(frame.data, expected);
        assert_eq!(frame.property("Socket-Type").unwrap(), "DEALER");
        assert_eq!(frame.property("Routing-Id").unwrap(), "alice");
        assert_eq!(frame.property("identity").unwrap(), "alice");
        assert_eq!(frame.property("Peer-Address").unwrap(), "127.0.0.1");
        assert_eq!(frame.property("User-Id"), None);
    }
    // Every frame of the connection shares one property set.
    client.send_multipart(["a", "b"], 0).unwrap();
    let (a, b) = (server.recv_frame(0).unwrap(), server.recv_frame(0).unwrap());
    assert!(std::sync::Arc::ptr_eq(
        a.metadata().unwrap(),
        b.metadata().unwrap()
    ));
}

#[test]
fn ipc_has_no_peer_address_and_inproc_no_metadata() {
    let ctx = Context::new();
    let ipc = format!("ipc:///tmp/{}.sock", unique("meta"));
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind(&ipc).unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.connect(&ipc).unwrap();
    push.send("x", 0).unwrap();
    let frame = pull.recv_frame(0).unwrap();
    assert_eq!(frame.property("Socket-Type").unwrap(), "PUSH");
    assert_eq!(frame.property("Peer-Address"), None);
    assert_eq!(frame.property("Routing-Id"), None);

    let inproc = format!("inproc://{}", unique("meta"));
    let pull = socket(&ctx, SocketType::Pull);
    pull.bind(&inproc).unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.connect(&inproc).unwrap();
    push.send("y", 0).unwrap();
    let frame = pull.recv_frame(0).unwrap();
    assert_eq!(frame.data, "y");
    assert!(frame.metadata().is_none());
}
