"""CURVE and PLAIN security with ZAP authentication (``ferrozmq.auth``), between ferrozmq sockets and
against pyzmq (real libzmq) with its own ``zmq.auth.thread.ThreadAuthenticator``."""

from __future__ import annotations

import pytest

import ferrozmq
from ferrozmq.auth import CURVE_ALLOW_ANY, create_certificates, load_certificate
from ferrozmq.auth.thread import ThreadAuthenticator
from ferrozmq.utils.monitor import recv_monitor_message

from conftest import bind_any


def bounded(sock, ms: int = 5000):
    sock.linger = 0
    sock.rcvtimeo = ms
    sock.sndtimeo = ms
    return sock


def curve_server(lib, ctx, kind=None):
    """A REP socket serving CURVE over tcp with a new key pair; returns it, its endpoint and public key."""
    public, secret = lib.curve_keypair()
    s = bounded(ctx.socket(kind or lib.REP))
    s.curve_server = True
    s.curve_secretkey = secret
    return s, bind_any(s), public


def curve_client(lib, ctx, server_key, kind=None):
    """A REQ socket with a new CURVE key pair, trusting ``server_key``; returns it and its public key."""
    public, secret = lib.curve_keypair()
    c = bounded(ctx.socket(kind or lib.REQ))
    c.curve_publickey = public
    c.curve_secretkey = secret
    c.curve_serverkey = server_key
    return c, public


def test_curve_keys():
    public, secret = ferrozmq.curve_keypair()
    assert len(public) == 40 and len(secret) == 40
    assert ferrozmq.curve_public(secret) == public
    assert ferrozmq.curve_public(secret.decode()) == public
    assert public != secret
    assert ferrozmq.curve_keypair() != (public, secret)
    with pytest.raises(ferrozmq.ZMQError) as exc:
        ferrozmq.curve_public(b"not a key")
    assert exc.value.errno == ferrozmq.EINVAL


def test_curve_keys_agree_with_libzmq():
    zmq = pytest.importorskip("zmq")
    public, secret = ferrozmq.curve_keypair()
    assert zmq.curve_public(secret) == public
    zpublic, zsecret = zmq.curve_keypair()
    assert ferrozmq.curve_public(zsecret) == zpublic


def test_security_options_pass_through(ctx):
    public, secret = ferrozmq.curve_keypair()
    s = bounded(ctx.socket(ferrozmq.REP))
    assert s.mechanism == ferrozmq.NULL
    s.setsockopt(ferrozmq.CURVE_SERVER, 1)
    s.setsockopt(ferrozmq.CURVE_SECRETKEY, secret)
    assert s.getsockopt(ferrozmq.CURVE_SERVER) == 1
    assert s.getsockopt(ferrozmq.MECHANISM) == ferrozmq.CURVE
    p = bounded(ctx.socket(ferrozmq.REQ))
    p.plain_username = b"admin"
    p.setsockopt_string(ferrozmq.PLAIN_PASSWORD, "secret")
    p.zap_domain = b"global"
    assert p.mechanism == ferrozmq.PLAIN
    assert p.plain_username == b"admin"
    assert p.getsockopt_string(ferrozmq.ZAP_DOMAIN) == "global"
    with pytest.raises(ferrozmq.ZMQError):
        s.setsockopt(ferrozmq.CURVE_SECRETKEY, b"too short")


def test_curve_req_rep_with_thread_authenticator(ctx):
    auth = ThreadAuthenticator(ctx)
    auth.start()
    assert auth.is_alive()
    auth.configure_curve(domain="*", location=CURVE_ALLOW_ANY)
    server, ep, server_key = curve_server(ferrozmq, ctx)
    client, client_key = curve_client(ferrozmq, ctx, server_key)
    client.connect(ep)
    client.send(b"hello")
    frame = server.recv(copy=False)
    assert frame.bytes == b"hello"
    assert frame.get("User-Id") == client_key.decode()
    assert frame.get("Socket-Type") == "REQ"
    assert frame.get("Peer-Address") == "127.0.0.1"
    with pytest.raises(ferrozmq.ZMQError):
        frame.get("No-Such-Property")
    server.send(b"world")
    assert client.recv() == b"world"
    auth.stop()
    assert not auth.is_alive()


def test_curve_key_directory_refuses_unknown_client(ctx, tmp_path):
    allowed_public, _ = load_certificate(create_certificates(tmp_path, "allowed")[0])
    with ThreadAuthenticator(ctx) as auth:
        auth.configure_curve(domain="*", location=tmp_path)
        server, ep, server_key = curve_server(ferrozmq, ctx)
        events = bounded(server.get_monitor_socket(ferrozmq.EVENT_HANDSHAKE_FAILED_AUTH | ferrozmq.EVENT_HANDSHAKE_SUCCEEDED))
        stranger, _ = curve_client(ferrozmq, ctx, server_key)
        stranger.connect(ep)
        assert recv_monitor_message(events)["event"] == ferrozmq.EVENT_HANDSHAKE_FAILED_AUTH
        # The certificate's own key is let in.
        public, secret = load_certificate(str(tmp_path / "allowed.key_secret"))
        assert public == allowed_public
        friend = bounded(ctx.socket(ferrozmq.REQ))
        friend.curve_publickey, friend.curve_secretkey, friend.curve_serverkey = public, secret, server_key
        friend.connect(ep)
        assert recv_monitor_message(events)["event"] == ferrozmq.EVENT_HANDSHAKE_SUCCEEDED
        friend.send(b"hi")
        assert server.recv(copy=False).get("User-Id") == public.decode()


def test_plain_with_allow_and_deny(ctx):
    with ThreadAuthenticator(ctx) as auth:
        auth.configure_plain(domain="*", passwords={"admin": "secret"})
        server = bounded(ctx.socket(ferrozmq.PULL))
        server.plain_server = True
        ep = bind_any(server)
        events = bounded(server.get_monitor_socket(ferrozmq.EVENT_HANDSHAKE_FAILED_AUTH | ferrozmq.EVENT_HANDSHAKE_SUCCEEDED))

        clients = []  # kept open: a collected socket closes before its handshake

        def client(password: bytes):
            c = bounded(ctx.socket(ferrozmq.PUSH))
            c.plain_username, c.plain_password = b"admin", password
            c.connect(ep)
            clients.append(c)
            return c

        client(b"wrong")
        assert recv_monitor_message(events)["event"] == ferrozmq.EVENT_HANDSHAKE_FAILED_AUTH
        good = client(b"secret")
        assert recv_monitor_message(events)["event"] == ferrozmq.EVENT_HANDSHAKE_SUCCEEDED
        good.send(b"in")
        assert server.recv(copy=False).get("User-Id") == "admin"
        auth.deny("127.0.0.1")
        client(b"secret")
        assert recv_monitor_message(events)["event"] == ferrozmq.EVENT_HANDSHAKE_FAILED_AUTH


def test_authenticator_needs_a_start(ctx):
    auth = ThreadAuthenticator(ctx)
    with pytest.raises(RuntimeError):
        auth.allow("127.0.0.1")
    auth.start()
    with pytest.raises(ferrozmq.ZMQError) as exc:
        ThreadAuthenticator(ctx).start()
    assert exc.value.errno == ferrozmq.EADDRINUSE
    auth.stop()
    auth.stop()


# --- interop with pyzmq -------------------------------------------------------------------------------


def test_curve_ferrozmq_client_to_pyzmq_server_with_pyzmq_authenticator(ctx, zctx):
    zmq = pytest.importorskip("zmq")
    from zmq.auth.thread import ThreadAuthenticator as ZAuth

    auth = ZAuth(zctx)
    auth.start()
    try:
        auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
        server, ep, server_key = curve_server(zmq, zctx)
        client, client_key = curve_client(ferrozmq, ctx, server_key)
        client.connect(ep)
        client.send(b"hello")
        frame = server.recv(copy=False)
        assert frame.bytes == b"hello"
        assert frame.get("User-Id") == client_key.decode()
        server.send(b"world")
        assert client.recv() == b"world"
    finally:
        auth.stop()


def test_curve_pyzmq_client_to_ferrozmq_server_with_pyzmq_certificates(ctx, zctx, tmp_path):
    zmq = pytest.importorskip("zmq")
    import zmq.auth

    public_file, secret_file = zmq.auth.create_certificates(tmp_path, "client")
    client_public, client_secret = zmq.auth.load_certificate(secret_file)
    with ThreadAuthenticator(ctx) as auth:
        auth.configure_curve(domain="*", location=str(tmp_path))
        server, ep, server_key = curve_server(ferrozmq, ctx)
        client = bounded(zctx.socket(zmq.REQ))
        client.curve_publickey, client.curve_secretkey, client.curve_serverkey = client_public, client_secret, server_key
        client.connect(ep)
        client.send(b"hello")
        frame = server.recv(copy=False)
        assert frame.get("User-Id") == client_public.decode()
        assert frame.get("Socket-Type") == "REQ"
        server.send(b"world")
        assert client.recv() == b"world"


def test_plain_pyzmq_client_to_ferrozmq_server(ctx, zctx):
    zmq = pytest.importorskip("zmq")
    with ThreadAuthenticator(ctx) as auth:
        auth.configure_plain(passwords={b"admin": b"secret"})
        server = bounded(ctx.socket(ferrozmq.REP))
        server.plain_server = True
        ep = bind_any(server)
        client = bounded(zctx.socket(zmq.REQ))
        client.plain_username, client.plain_password = b"admin", b"secret"
        client.connect(ep)
        client.send(b"hello")
        assert server.recv(copy=False).get("User-Id") == "admin"
        server.send(b"world")
        assert client.recv() == b"world"


def test_plain_pyzmq_client_refused_by_ferrozmq_server_sees_auth_400(ctx, zctx):
    zmq = pytest.importorskip("zmq")
    from zmq.utils.monitor import recv_monitor_message as zmq_recv_monitor_message

    with ThreadAuthenticator(ctx) as auth:
        auth.configure_plain(passwords={b"admin": b"secret"})
        server = bounded(ctx.socket(ferrozmq.REP))
        server.plain_server = True
        ep = bind_any(server)
        client = bounded(zctx.socket(zmq.REQ))
        client.plain_username, client.plain_password = b"admin", b"guess"
        events = bounded(client.get_monitor_socket())
        client.connect(ep)
        outcomes = {
            zmq.EVENT_HANDSHAKE_FAILED_AUTH,
            zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
            zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL,
            zmq.EVENT_HANDSHAKE_SUCCEEDED,
        }
        while True:
            event = zmq_recv_monitor_message(events)
            if event["event"] in outcomes:
                break
        # libzmq's PLAIN client knows an ERROR only as libzmq's PLAIN server spells it; ferrozmq's does.
        assert (event["event"], event["value"]) == (zmq.EVENT_HANDSHAKE_FAILED_AUTH, 400)
        client.disable_monitor()
