//! ferrozmq to ferrozmq over tcp with PLAIN, CURVE and the Authenticator (ZAP): accepted peers talk,
//! refused ones never deliver a message, and a refused peer does not disturb an accepted one.

use ferrozmq::{event, Authenticator, Context, CurveAllow, Error, Socket, SocketType};

fn socket(ctx: &Context, ty: SocketType, timeout_ms: i32) -> Socket {
    let s = ctx.socket(ty).unwrap();
    s.set_rcvtimeo(timeout_ms).unwrap();
    s.set_sndtimeo(timeout_ms).unwrap();
    s.set_linger(0).unwrap();
    s
}

/// Nothing arrives within a short, bounded wait.
fn nothing_arrives(s: &Socket) {
    s.set_rcvtimeo(300).unwrap();
    assert!(matches!(s.recv_bytes(0), Err(Error::Again)));
}

#[test]
fn plain_with_authenticator_accepts_and_refuses() {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.configure_plain("*", [("admin", "secret")]);
    let server = socket(&ctx, SocketType::Pull, 5_000);
    server.set_plain_server(true).unwrap();
    // The server's own monitor reports the refusal with the ZAP status code, as libzmq's does.
    server
        .monitor(
            "inproc://plain-server-monitor",
            event::HANDSHAKE_FAILED_AUTH,
        )
        .unwrap();
    let events = socket(&ctx, SocketType::Pair, 5_000);
    events.connect("inproc://plain-server-monitor").unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let bad = socket(&ctx, SocketType::Push, 5_000);
    bad.set_plain_credentials(b"admin", b"guess").unwrap();
    bad.connect(&server.last_endpoint()).unwrap();
    bad.send("intruder", 0).unwrap();
    let good = socket(&ctx, SocketType::Push, 5_000);
    good.set_plain_credentials(b"admin", b"secret").unwrap();
    good.connect(&server.last_endpoint()).unwrap();
    good.send("welcome", 0).unwrap();
    let frame = server.recv_frame(0).unwrap();
    assert_eq!(frame.data, "welcome");
    // The handler's User-Id (the PLAIN user name) is a property of every message from that peer.
    assert_eq!(frame.property("User-Id").unwrap(), "admin");
    assert_eq!(frame.property("Socket-Type").unwrap(), "PUSH");
    nothing_arrives(&server);
    let refused = events.recv_multipart(0).unwrap();
    let id = u16::from_le_bytes(refused[0][..2].try_into().unwrap());
    let status = u32::from_le_bytes(refused[0][2..6].try_into().unwrap());
    assert_eq!((u32::from(id), status), (event::HANDSHAKE_FAILED_AUTH, 400));
}

#[test]
fn curve_with_allowed_keys_and_wrong_server_key() {
    let ctx = Context::new();
    let auth = Authenticator::start(&ctx).unwrap();
    let (client_public, client_secret) = ferrozmq::curve_keypair().unwrap();
    let key: [u8; 32] = ferrozmq::z85::decode(&client_public)
        .unwrap()
        .try_into()
        .unwrap();
    auth.configure_curve("*", CurveAllow::Keys([key].into()));
    let (server_public, server_secret) = ferrozmq::curve_keypair().unwrap();
    let server = socket(&ctx, SocketType::Rep, 5_000);
    server.set_curve_server(server_secret.as_bytes()).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.last_endpoint();

    let client = socket(&ctx, SocketType::Req, 5_000);
    client
        .set_curve_client(
            server_public.as_bytes(),
            client_public.as_bytes(),
            client_secret.as_bytes(),
        )
        .unwrap();
    client.connect(&ep).unwrap();
    client.send(vec![1u8; 200_000], 0).unwrap();
    assert_eq!(server.recv_bytes(0).unwrap().len(), 200_000);
    server.send("ok", 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), "ok");

    // A key the authenticator does not know, and a wrong server key.
    let (other_public, other_secret) = ferrozmq::curve_keypair().unwrap();
    let unknown = socket(&ctx, SocketType::Req, 5_000);
    unknown
        .set_curve_client(
            server_public.as_bytes(),
            other_public.as_bytes(),
            other_secret.as_bytes(),
        )
        .unwrap();
    unknown.connect(&ep).unwrap();
    unknown.send("let me in", 0).unwrap();
    let mistaken = socket(&ctx, SocketType::Req, 5_000);
    mistaken
        .set_curve_client(
            other_public.as_bytes(),
            client_public.as_bytes(),
            client_secret.as_bytes(),
        )
        .unwrap();
    mistaken.connect(&ep).unwrap();
    mistaken.send("me too", 0).unwrap();
    nothing_arrives(&server);

    // The accepted peer is undisturbed by the refused ones.
    client.send("still here", 0).unwrap();
    server.set_rcvtimeo(5_000).unwrap();
    assert_eq!(server.recv_bytes(0).unwrap(), "still here");
    server.send("ok", 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), "ok");
}

#[test]
fn key_helpers() {
    let (public, secret) = ferrozmq::curve_keypair().unwrap();
    assert_eq!(ferrozmq::curve_public(secret.as_bytes()).unwrap(), public);
    assert_eq!(
        ferrozmq::z85::encode(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]).unwrap(),
        "HelloWorld"
    );
    let s = Context::new().socket(SocketType::Req).unwrap();
    assert!(s
        .set_curve_client(b"short", public.as_bytes(), secret.as_bytes())
        .is_err());
    assert_eq!(s.option_int(ferrozmq::opt::MECHANISM).unwrap(), 0);
}

#[test]
fn curve_carries_large_bodies_intact() {
    // Bodies of 128 KiB and more are read straight into buffers of their own and opened from there.
    let ctx = Context::new();
    let (server_public, server_secret) = ferrozmq::curve_keypair().unwrap();
    let (client_public, client_secret) = ferrozmq::curve_keypair().unwrap();
    let pull = socket(&ctx, SocketType::Pull, 5_000);
    pull.set_curve_server(server_secret.as_bytes()).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let push = socket(&ctx, SocketType::Push, 5_000);
    push.set_curve_client(
        server_public.as_bytes(),
        client_public.as_bytes(),
        client_secret.as_bytes(),
    )
    .unwrap();
    push.connect(&pull.last_endpoint()).unwrap();
    let sizes = [131_072usize, 1 << 20, 3, (1 << 20) + 17, 200_000];
    let body =
        |i: usize, len: usize| -> Vec<u8> { (0..len).map(|j| (i * 31 + j * 7) as u8).collect() };
    for (i, &len) in sizes.iter().enumerate() {
        push.send(body(i, len), 0).unwrap();
    }
    for (i, &len) in sizes.iter().enumerate() {
        assert_eq!(pull.recv_bytes(0).unwrap(), body(i, len), "message {i}");
    }
}
