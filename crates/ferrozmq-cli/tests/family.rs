//! The rest of the socket family from the shell: DEALER, ROUTER, PAIR, XPUB, XSUB, and the forwarder and
//! queue devices built on them.

mod common;

use std::time::{Duration, Instant};

use common::{ipc_endpoint, Proc, DEADLINE};

#[test]
fn router_echo_server_with_and_without_envelope() {
    let mut router = Proc::spawn(&[
        "router",
        "--bind",
        "tcp://127.0.0.1:*",
        "--echo",
        "--count",
        "2",
        "--format",
        "hex",
    ]);
    let ep = router.bound_endpoint();
    let req = Proc::spawn(&["req", "--connect", &ep, "-m", "hi", "-m", "again"]);
    assert_eq!(req.success(), "hi\nagain\n");
    // ROUTER shows the REQ's generated routing id (0x00 + 4 bytes), the empty delimiter, the body.
    let out = router.success();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for (line, body) in lines.iter().zip(["6869", "616761696e"]) {
        let parts: Vec<&str> = line.split('|').collect();
        assert_eq!(parts.len(), 3, "{line}");
        assert!(parts[0].len() == 10 && parts[0].starts_with("00"), "{line}");
        assert_eq!(parts[1..], ["", body]);
    }

    let ep = ipc_endpoint("router");
    let router = Proc::spawn(&[
        "router",
        "--bind",
        &ep,
        "--reply",
        "pong",
        "--count",
        "1",
        "--no-envelope",
    ]);
    let req = Proc::spawn(&[
        "req",
        "--connect",
        &ep,
        "--identity",
        "client-7",
        "-m",
        "ping",
    ]);
    assert_eq!(req.success(), "pong\n");
    assert_eq!(router.success(), "ping\n");
}

#[test]
fn router_sends_to_a_named_peer() {
    let ep = ipc_endpoint("named");
    // No --count on the router: it would stop after receiving one message, before reading its answer.
    let mut router = Proc::spawn(&["router", "--bind", &ep, "--multipart"]);
    let mut dealer = Proc::spawn(&[
        "dealer",
        "--connect",
        &ep,
        "--identity",
        "d1",
        "--count",
        "1",
    ]);
    // The dealer says hello first so that the router knows its id, then the router answers by name.
    dealer.write(b"hello\n");
    assert_eq!(router.stdout_line(), "d1|hello");
    router.write(b"d1|welcome\n");
    assert_eq!(dealer.success(), "welcome\n");
}

#[test]
fn dealer_talks_to_rep_with_an_explicit_delimiter() {
    let ep = ipc_endpoint("dealer");
    let rep = Proc::spawn(&["rep", "--bind", &ep, "--reply", "pong", "--count", "2"]);
    let dealer = Proc::spawn(&[
        "dealer",
        "--connect",
        &ep,
        "--multipart",
        "-m",
        "|a",
        "-m",
        "|b",
        "--count",
        "2",
    ]);
    assert_eq!(dealer.success(), "|pong\n|pong\n");
    assert_eq!(rep.success(), "a\nb\n");
    let ep = ipc_endpoint("dealer2");
    let rep = Proc::spawn(&["rep", "--bind", &ep, "--count", "1"]);
    let dealer = Proc::spawn(&[
        "dealer",
        "--connect",
        &ep,
        "--multipart",
        "-m",
        "|x|y",
        "--count",
        "1",
        "--no-envelope",
    ]);
    assert_eq!(dealer.success(), "x|y\n");
    assert_eq!(rep.success(), "x|y\n");
}

#[test]
fn pair_both_ways() {
    let ep = ipc_endpoint("pair");
    let mut a = Proc::spawn(&["pair", "--bind", &ep]);
    let mut b = Proc::spawn(&["pair", "--connect", &ep]);
    a.write(b"from a\n");
    assert_eq!(b.stdout_line(), "from a");
    b.write(b"from b\n");
    assert_eq!(a.stdout_line(), "from b");
    let ep = ipc_endpoint("pair-echo");
    let _echo = Proc::spawn(&["pair", "--bind", &ep, "--echo"]);
    let c = Proc::spawn(&["pair", "--connect", &ep, "-m", "boomerang", "--count", "1"]);
    assert_eq!(c.success(), "boomerang\n");
}

#[test]
fn xpub_sees_subscriptions_and_xsub_receives() {
    let mut xpub = Proc::spawn(&["xpub", "--bind", "tcp://127.0.0.1:*", "--format", "hex"]);
    let ep = xpub.bound_endpoint();
    let mut xsub = Proc::spawn(&["xsub", "--connect", &ep, "--subscribe", "w", "--count", "2"]);
    // The subscription arrives as a message: 0x01 then the prefix. After it, nothing is lost.
    assert_eq!(xpub.stdout_line(), "0177");
    xpub.write(b"w hello\nx filtered out\nw two\n");
    assert_eq!(xsub.stdout_line(), "w hello");
    assert_eq!(xsub.stdout_line(), "w two");
    assert_eq!(xsub.success(), "");
    // The xsub went away: its unsubscription reaches the xpub (0x00 then the prefix).
    assert_eq!(xpub.stdout_line(), "0077");
}

/// Writes `lines` to `writer` until `reader` prints a line (within [`DEADLINE`]); returns the line.
fn send_until_received(writer: &mut Proc, reader: &mut Proc, lines: &[u8]) -> String {
    let end = Instant::now() + DEADLINE;
    loop {
        assert!(Instant::now() < end, "nothing received within {DEADLINE:?}");
        writer.write(lines);
        if let Some(line) = reader.stdout_line_within(Duration::from_millis(50)) {
            return line;
        }
    }
}

#[test]
fn forwarder_between_pub_and_sub() {
    let mut device = Proc::spawn(&[
        "forwarder",
        "tcp://127.0.0.1:*",
        "tcp://127.0.0.1:*",
        "--stats",
    ]);
    let front = device.bound_endpoint();
    let back = device.bound_endpoint();
    let mut sub = Proc::spawn(&[
        "sub",
        "--connect",
        &back,
        "--subscribe",
        "a",
        "--count",
        "1",
    ]);
    let mut publisher = Proc::spawn(&["pub", "--connect", &front]);
    assert_eq!(
        send_until_received(&mut publisher, &mut sub, b"b not this\na this\n"),
        "a this"
    );
    assert_eq!(sub.success(), "");
    // The subscription went back->front (1 message or more: the unsubscription may follow).
    device.stderr_line_with("back->front ");
}

#[test]
fn queue_between_req_and_rep() {
    let back = ipc_endpoint("queue-back");
    let mut device = Proc::spawn(&["queue", "tcp://127.0.0.1:*", &back]);
    let front = device.bound_endpoint();
    let rep = Proc::spawn(&["rep", "--connect", &back, "--reply", "R", "--count", "2"]);
    let req = Proc::spawn(&["req", "--connect", &front, "-m", "Q1", "-m", "Q2"]);
    assert_eq!(req.success(), "R\nR\n");
    assert_eq!(rep.success(), "Q1\nQ2\n");
}
