//! The `ferrozmq` binary driven as a user drives it: processes with stdin and stdout, talking to each
//! other over tcp and ipc.

mod common;

use std::time::{Duration, Instant};

use common::{ipc_endpoint, run, Proc, DEADLINE};

#[test]
fn rep_echoes_and_req_prints_replies_over_tcp() {
    let mut rep = Proc::spawn(&["rep", "--bind", "tcp://127.0.0.1:*", "--count", "2"]);
    let ep = rep.bound_endpoint();
    assert!(ep.starts_with("tcp://127.0.0.1:"), "{ep}");
    let req = Proc::spawn(&["req", "--connect", &ep, "-m", "hello", "-m", "how are you?"]);
    assert_eq!(req.success(), "hello\nhow are you?\n");
    assert_eq!(rep.success(), "hello\nhow are you?\n");
}

#[test]
fn rep_fixed_reply_and_req_from_stdin_over_ipc() {
    let ep = ipc_endpoint("rep");
    let rep = Proc::spawn(&["rep", "--bind", &ep, "--reply", "server response!"]);
    let mut req = Proc::spawn(&["req", "--connect", &ep]);
    req.write(b"first\n");
    assert_eq!(req.stdout_line(), "server response!");
    req.write(b"second\r\n");
    assert_eq!(req.stdout_line(), "server response!");
    req.close_stdin();
    assert_eq!(req.success(), "");
    drop(rep); // rep serves until killed
}

#[test]
fn push_to_pull_in_order() {
    let mut pull = Proc::spawn(&["pull", "--bind", "tcp://127.0.0.1:*", "--count", "3"]);
    let ep = pull.bound_endpoint();
    let mut push = Proc::spawn(&["push", "--connect", &ep]);
    push.write(b"one\ntwo\n\nthree\n");
    // --count 3 on pull: "one", "two", "" (the empty line is an empty message).
    assert_eq!(pull.success(), "one\ntwo\n\n");
    push.close_stdin();
    // "three" has no receiver any more: push lingers for ever by default, so it is killed on drop.
    drop(push);
}

#[test]
fn push_count_and_linger_end_the_sender() {
    let ep = ipc_endpoint("pushcount");
    let mut pull = Proc::spawn(&["pull", "--bind", &ep, "--count", "2", "--format", "json"]);
    // Connect before the puller's bind is certain: the connection is made in the background.
    let mut push = Proc::spawn(&["push", "--connect", &ep, "--count", "2", "--linger", "5000"]);
    push.write(b"a\nb\nc\n");
    assert_eq!(push.success(), "");
    assert_eq!(pull.stdout_line(), r#"["a"]"#);
    assert_eq!(pull.stdout_line(), r#"["b"]"#);
    assert_eq!(pull.success(), "");
}

/// Publishes `line` over and over until the subscriber prints something (a subscription reaches the
/// publisher asynchronously; until it has, a PUB drops what it sends); returns what it printed.
fn publish_until_received(publisher: &mut Proc, subscriber: &mut Proc, lines: &[u8]) -> String {
    let end = Instant::now() + DEADLINE;
    loop {
        assert!(
            Instant::now() < end,
            "the subscriber received nothing within {DEADLINE:?}"
        );
        publisher.write(lines);
        if let Some(line) = subscriber.stdout_line_within(Duration::from_millis(50)) {
            return line;
        }
    }
}

#[test]
fn sub_receives_only_its_subscription() {
    let mut sub = Proc::spawn(&[
        "sub",
        "--bind",
        "tcp://127.0.0.1:*",
        "--subscribe",
        "weather.",
    ]);
    let ep = sub.bound_endpoint();
    let mut publisher = Proc::spawn(&["pub", "--connect", &ep]);
    let first = publish_until_received(
        &mut publisher,
        &mut sub,
        b"sport.football 2-1\nweather.paris sunny\n",
    );
    assert_eq!(first, "weather.paris sunny");
    publisher
        .write(b"news.tech x\nweather.oslo snow\nsport.tennis\nweather.rome rain\nweather.end\n");
    let mut rest = Vec::new();
    loop {
        let line = sub.stdout_line();
        match line.as_str() {
            "weather.end" => break,
            "weather.paris sunny" => {} // a copy of the probe still in flight
            _ => rest.push(line),
        }
    }
    assert_eq!(rest, ["weather.oslo snow", "weather.rome rain"]);
}

#[test]
fn sub_without_subscribe_gets_everything() {
    let mut publisher = Proc::spawn(&["pub", "--bind", "tcp://127.0.0.1:*"]);
    let ep = publisher.bound_endpoint();
    let mut sub = Proc::spawn(&["sub", "--connect", &ep, "--count", "1"]);
    assert_eq!(
        publish_until_received(&mut publisher, &mut sub, b"anything at all\n"),
        "anything at all"
    );
    assert_eq!(sub.success(), "");
}

#[test]
fn multipart_input_and_output_formats() {
    for (format, separator, expected) in [
        ("text", "|", "a|b||c"),
        ("text", ", ", "a, b, , c"),
        ("hex", "|", "61|62||63"),
        ("json", "|", r#"["a","b","","c"]"#),
    ] {
        let ep = ipc_endpoint("fmt");
        let pull = Proc::spawn(&[
            "pull",
            "--bind",
            &ep,
            "--count",
            "1",
            "--format",
            format,
            "--separator",
            separator,
        ]);
        let input = format!("a{separator}b{separator}{separator}c");
        let push = Proc::spawn(&[
            "push",
            "--connect",
            &ep,
            "--multipart",
            "--separator",
            separator,
            "-m",
            &input,
        ]);
        assert_eq!(
            pull.success(),
            format!("{expected}\n"),
            "{format} {separator:?}"
        );
        assert_eq!(push.success(), "");
    }
}

#[test]
fn json_escapes_and_binary_frames() {
    let ep = ipc_endpoint("json");
    let pull = Proc::spawn(&["pull", "--bind", &ep, "--count", "1", "--format", "json"]);
    let mut push = Proc::spawn(&["push", "--connect", &ep, "--raw"]);
    // Two frames in ZMTP encoding: "q\"t\\" with MORE, then the 2 bytes ff 00.
    push.write(&[0x01, 4, b'q', b'"', b't', b'\\', 0x00, 2, 0xff, 0x00]);
    assert_eq!(pull.success(), "[\"q\\\"t\\\\\",{\"hex\":\"ff00\"}]\n");
    assert_eq!(push.success(), "");
}

#[test]
fn raw_frames_round_trip_including_long_ones() {
    let ep = ipc_endpoint("raw");
    let pull = Proc::spawn(&["pull", "--bind", &ep, "--count", "2", "--format", "raw"]);
    let mut input = Vec::new();
    let big = vec![7u8; 300];
    // Message 1: one empty frame. Message 2: "ab" (MORE) then 300 bytes (LONG: 8-byte size).
    input.extend_from_slice(&[0x00, 0]);
    input.extend_from_slice(&[0x01, 2, b'a', b'b', 0x02]);
    input.extend_from_slice(&300u64.to_be_bytes());
    input.extend_from_slice(&big);
    let mut push = Proc::spawn(&["push", "--connect", &ep, "--raw"]);
    push.write(&input);
    let (status, out, err) = pull.finish();
    assert!(status.success(), "{err}");
    assert_eq!(out, input);
    assert_eq!(push.success(), "");
}

#[test]
fn raw_input_cut_inside_a_message_is_an_error() {
    let ep = ipc_endpoint("rawcut");
    let mut push = Proc::spawn(&["push", "--bind", &ep, "--raw"]);
    push.write(&[0x01, 1, b'a']);
    let (status, _, err) = push.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("raw input"), "{err}");
}

#[test]
fn receive_timeout_ends_or_fails() {
    let (status, out, err) = run(&["pull", "--bind", "tcp://127.0.0.1:*", "--timeout", "100"]);
    assert!(status.success(), "{err}");
    assert_eq!(out, "");
    let (status, _, err) = run(&[
        "pull",
        "--bind",
        "tcp://127.0.0.1:*",
        "--timeout",
        "100",
        "--count",
        "1",
    ]);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("timed out"), "{err}");
    let ep = ipc_endpoint("noreply");
    let (status, _, err) = run(&[
        "req",
        "--connect",
        &ep,
        "-m",
        "anyone?",
        "--timeout",
        "100",
        "--linger",
        "0",
    ]);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("no reply within 100 ms"), "{err}");
}

/// Checks a usage error: exit code 2 and a message on stderr containing `needle`.
fn usage_error(args: &[&str], needle: &str) {
    let (status, out, err) = run(args);
    assert_eq!(status.code(), Some(2), "{args:?}: stderr {err}");
    assert!(
        err.contains(needle),
        "{args:?}: stderr {err:?} lacks {needle:?}"
    );
    assert_eq!(out, "", "{args:?}");
}

#[test]
fn bad_arguments_exit_2_with_a_clear_message() {
    usage_error(&["frobnicate"], "unrecognized subcommand");
    usage_error(
        &["req"],
        "req needs at least one --bind or --connect endpoint",
    );
    usage_error(
        &["req", "--connect", "bogus://x"],
        "cannot connect req to bogus://x",
    );
    usage_error(
        &["push", "--bind", "tcp://127.0.0.1:notaport"],
        "cannot bind push to tcp://127.0.0.1:notaport",
    );
    usage_error(
        &["push", "--bind", "nonsense"],
        "cannot bind push to nonsense",
    );
    usage_error(
        &["pull", "--bind", "tcp://127.0.0.1:*", "--hwm", "-5"],
        "--hwm",
    );
    usage_error(
        &["pull", "--bind", "tcp://127.0.0.1:*", "--format", "xml"],
        "invalid value 'xml'",
    );
    usage_error(
        &["pull", "--bind", "tcp://127.0.0.1:*", "--subscribe", "x"],
        "--subscribe applies to sub and xsub",
    );
    usage_error(
        &["pull", "--bind", "tcp://127.0.0.1:*", "-m", "x"],
        "pull cannot send",
    );
    usage_error(
        &["push", "--bind", "tcp://127.0.0.1:*", "--echo"],
        "--reply and --echo apply to",
    );
    usage_error(
        &[
            "proxy",
            "pul",
            "tcp://127.0.0.1:*",
            "push",
            "tcp://127.0.0.1:*",
        ],
        "unknown socket type \"pul\"",
    );
    usage_error(
        &[
            "proxy",
            "sub",
            "tcp://127.0.0.1:*",
            "pull",
            "tcp://127.0.0.1:*",
        ],
        "no message can flow",
    );
    usage_error(
        &["bench", "local-thr", "tcp://127.0.0.1:*", "64"],
        "required",
    );
    usage_error(
        &["monitor", "--type", "nope", "tcp://127.0.0.1:5555"],
        "unknown socket type",
    );
    usage_error(&["monitor", "tcp://"], "cannot connect");
}

#[test]
fn monitor_prints_a_connections_events() {
    let ctx = ferrozmq::Context::new();
    let server = ctx.socket(ferrozmq::SocketType::Router).unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = server.last_endpoint();
    let (status, out, err) = run(&["monitor", "--count", "3", "--timeout", "5000", &endpoint]);
    assert!(status.success(), "{err}");
    // CONNECT_DELAYED comes first when the kernel reports the connect as in progress.
    let names: Vec<&str> = out
        .lines()
        .map(|l| l.split(' ').next().unwrap_or(""))
        .filter(|n| *n != "CONNECT_DELAYED")
        .collect();
    assert_eq!(names[..2], ["CONNECTED", "HANDSHAKE_SUCCEEDED"], "{out}");
    assert!(
        out.lines()
            .all(|l| l.ends_with(&format!("endpoint={endpoint}"))),
        "{out}"
    );
}

#[test]
fn keygen_prints_a_matching_z85_key_pair() {
    let (status, out, _) = run(&["keygen"]);
    assert!(status.success());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], "== CURVE PUBLIC KEY ==");
    assert_eq!(lines[2], "== CURVE SECRET KEY ==");
    let (public, secret) = (lines[1], lines[3]);
    assert_eq!((public.len(), secret.len()), (40, 40));
    assert_eq!(ferrozmq::curve_public(secret).as_deref(), Some(public));
    let (_, again, _) = run(&["keygen"]);
    assert_ne!(again, out, "every run makes a new pair");
}

#[test]
fn bad_endpoint_error_is_one_line() {
    let (status, _, err) = run(&["sub", "--connect", "tcp://"]);
    assert_eq!(status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        err.starts_with("ferrozmq: cannot connect sub to tcp://"),
        "{err:?}"
    );
}

#[test]
fn address_in_use_is_a_usage_error() {
    let mut first = Proc::spawn(&["pull", "--bind", "tcp://127.0.0.1:*"]);
    let ep = first.bound_endpoint();
    usage_error(&["pull", "--bind", &ep], "Address already in use");
}

#[test]
fn help_lists_every_subcommand() {
    let (status, out, _) = run(&["--help"]);
    assert!(status.success());
    for cmd in [
        "req",
        "rep",
        "pub",
        "sub",
        "push",
        "pull",
        "pair",
        "dealer",
        "router",
        "xpub",
        "xsub",
        "proxy",
        "streamer",
        "forwarder",
        "queue",
        "monitor",
        "keygen",
        "demo",
        "bench",
    ] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(&format!("{cmd} "))),
            "{cmd} missing from:\n{out}"
        );
    }
}

#[test]
fn demo_runs_the_three_patterns_and_measures() {
    let started = Instant::now();
    let (status, out, err) = run(&["demo", "--duration", "300"]);
    assert!(status.success(), "stderr: {err}\nstdout: {out}");
    for needle in [
        "1. request-reply",
        "client  <- \"server response! #3\"",
        "2. publish-subscribe",
        "SUB #1    <- \"weather.oslo snow\"",
        "SUB #2    <- \"sport.football 2-1\"",
        "3. pipeline",
        "server  <- \"task 4 (done by the worker)\"",
        "throughput: PUSH->PULL over tcp, 64 B messages:",
        "demo finished",
    ] {
        assert!(out.contains(needle), "{needle:?} missing from:\n{out}");
    }
    assert!(
        !out.contains("SUB #1    <- \"sport"),
        "the weather subscriber got sport:\n{out}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the demo took {:?}",
        started.elapsed()
    );
}

#[test]
fn streamer_device_between_push_and_pull() {
    let mut device = Proc::spawn(&[
        "streamer",
        "tcp://127.0.0.1:*",
        "tcp://127.0.0.1:*",
        "--stats",
    ]);
    let front = device.bound_endpoint();
    let back = device.bound_endpoint();
    let pull = Proc::spawn(&["pull", "--connect", &back, "--count", "3"]);
    let push = Proc::spawn(&[
        "push",
        "--connect",
        &front,
        "-m",
        "t1",
        "-m",
        "t2",
        "-m",
        "t3",
    ]);
    assert_eq!(pull.success(), "t1\nt2\nt3\n");
    assert_eq!(push.success(), "");
    // The statistics line (printed every second) counts the three messages.
    device.stderr_line_with("front->back 3 messages (6 bytes)");
}

#[test]
fn proxy_with_connecting_ends_and_capture() {
    // The seed's worker shape with the device connecting out on both sides, plus a capture PUB.
    let mut pull = Proc::spawn(&["pull", "--bind", "tcp://127.0.0.1:*", "--count", "2"]);
    let sink = pull.bound_endpoint();
    let mut push = Proc::spawn(&["push", "--bind", "tcp://127.0.0.1:*"]);
    let source = push.bound_endpoint();
    let capture = ipc_endpoint("capture");
    let _device = Proc::spawn(&[
        "proxy",
        "PULL",
        &format!(">{source}"),
        "push",
        &format!(">{sink}"),
        "--capture",
        &capture,
    ]);
    let mut captured = Proc::spawn(&["sub", "--connect", &capture, "--count", "1"]);
    push.write(b"job 1\n");
    assert_eq!(pull.stdout_line(), "job 1");
    // The capture subscriber may join late: keep pushing until it sees a job.
    let seen = publish_until_received(&mut push, &mut captured, b"job n\n");
    assert!(seen == "job 1" || seen == "job n", "{seen}");
    assert_eq!(pull.success(), "job n\n");
}

#[test]
fn bench_in_process_on_every_transport() {
    for transport in ["tcp", "ipc", "inproc"] {
        let (status, out, err) = run(&[
            "bench",
            "--transport",
            transport,
            "--count",
            "20000",
            "--roundtrips",
            "200",
            "--progress",
        ]);
        assert!(status.success(), "{transport}: {err}");
        assert!(
            out.contains(&format!(
                "throughput over {transport}: 20000 messages of 64 B"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "latency over {transport}: 200 round trips of 64 B"
            )),
            "{out}"
        );
        assert!(err.contains("throughput: 20000/20000 (100%)"), "{err}");
    }
    let (status, out, err) = run(&[
        "bench",
        "latency",
        "--transport",
        "inproc",
        "--roundtrips",
        "100",
        "--size",
        "1",
    ]);
    assert!(status.success(), "{err}");
    assert!(
        out.starts_with("latency over inproc: 100 round trips of 1 B"),
        "{out}"
    );
}

/// Checks libzmq's perf output: `message size: S [B]` then the given lines' prefixes.
fn check_perf_output(out: &str, prefixes: &[&str]) {
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), prefixes.len(), "{out}");
    for (line, prefix) in lines.iter().zip(prefixes) {
        assert!(
            line.starts_with(prefix),
            "{line:?} does not start with {prefix:?}"
        );
    }
}

#[test]
fn perf_tools_thr_and_lat_between_two_ferrozmq_processes() {
    let mut local = Proc::spawn(&["bench", "local-thr", "tcp://127.0.0.1:*", "100", "5000"]);
    let ep = local.bound_endpoint();
    let remote = Proc::spawn(&["bench", "remote-thr", &ep, "100", "5000"]);
    assert_eq!(remote.success(), "");
    let out = local.success();
    check_perf_output(
        &out,
        &[
            "message size: 100 [B]",
            "message count: 5000",
            "mean throughput: ",
            "mean throughput: ",
        ],
    );
    assert!(out.lines().nth(3).unwrap().ends_with(" [Mb/s]"), "{out}");

    let ep = ipc_endpoint("lat");
    let local = Proc::spawn(&["bench", "local-lat", &ep, "10", "300"]);
    let remote = Proc::spawn(&["bench", "remote-lat", &ep, "10", "300"]);
    let out = remote.success();
    check_perf_output(
        &out,
        &[
            "message size: 10 [B]",
            "roundtrip count: 300",
            "average latency: ",
        ],
    );
    assert!(out.trim_end().ends_with(" [us]"), "{out}");
    assert_eq!(local.success(), "");
}

#[test]
fn perf_tool_size_mismatch_fails() {
    let ep = ipc_endpoint("size");
    let local = Proc::spawn(&["bench", "local-thr", &ep, "10", "2"]);
    let remote = Proc::spawn(&["bench", "remote-thr", &ep, "11", "2"]);
    let (status, out, _) = local.finish();
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out),
        "message of incorrect size received\n"
    );
    drop(remote);
}

#[test]
fn remote_thr_delivers_everything_before_it_exits() {
    // The sender closes its socket and context right after its last send, often while its handshake is
    // still running; the context must wait for the lingering session (a context dropped by the I/O
    // thread itself used to make that thread join itself, and the process exited with the messages).
    for round in 0..40 {
        let ep = ipc_endpoint("linger");
        let path = ep.trim_start_matches("ipc://").to_owned();
        let local = Proc::spawn(&["bench", "local-thr", &ep, "10", "2"]);
        let end = Instant::now() + DEADLINE;
        while !std::path::Path::new(&path).exists() {
            assert!(Instant::now() < end, "local-thr never bound");
            std::thread::yield_now();
        }
        let remote = Proc::spawn(&["bench", "remote-thr", &ep, "10", "2"]);
        let (status, _, err) = remote.finish();
        assert!(
            status.success() && !err.contains("panicked"),
            "round {round}: {err}"
        );
        let (status, _, err) = local.finish();
        assert!(status.success(), "round {round}: {err}");
    }
}
