//! Runs the seed's example programs as separate processes talking to each other over `ipc://@...`
//! endpoints, and the demo, checking what they print.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Once;
use std::thread;
use std::time::{Duration, Instant};

use common::unique;

const DEADLINE: Duration = Duration::from_secs(20);

/// `target/<profile>/examples`, next to this test's own `target/<profile>/deps`.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>")
        .join("examples")
}

/// `cargo test` builds the examples before running tests; `cargo test --test examples` does not,
/// so build them here if they are missing.
fn ensure_built() {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let names = [
            "demo",
            "rep_server",
            "req_client",
            "pub_server",
            "sub_client",
            "pull_server",
            "worker",
            "push_client",
        ];
        if names.iter().all(|n| examples_dir().join(n).exists()) {
            return;
        }
        let profile = examples_dir()
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        let profile = match profile.as_deref() {
            Some("debug") | None => "dev".to_owned(),
            Some(p) => p.to_owned(),
        };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let status = Command::new(cargo)
            .args([
                "build",
                "--examples",
                "--profile",
                &profile,
                "--manifest-path",
                manifest,
            ])
            .status()
            .expect("run cargo build --examples");
        assert!(status.success(), "cargo build --examples failed");
    });
}

/// A running example; killed when dropped. Its stdout arrives line by line on `lines`.
struct Proc {
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

fn spawn(name: &'static str, args: &[&str]) -> Proc {
    ensure_built();
    let path = examples_dir().join(name);
    let mut child = Command::new(&path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", path.display()));
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stdin = child.stdin.take();
    Proc {
        name,
        child,
        stdin,
        lines,
    }
}

impl Proc {
    fn write_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .unwrap_or_else(|e| panic!("{}: write: {e}", self.name));
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next line printed, within `wait`.
    fn next_line(&self, wait: Duration) -> Option<String> {
        match self.lines.recv_timeout(wait) {
            Ok(l) => Some(l),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    fn expect_line(&self, want: &str) {
        let got = self.next_line(DEADLINE);
        assert_eq!(
            got.as_deref(),
            Some(want),
            "{} printed the wrong thing",
            self.name
        );
    }

    /// Waits for the process to exit by itself and checks it succeeded.
    fn expect_exit_ok(&mut self) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                assert!(status.success(), "{} exited with {status}", self.name);
                return;
            }
            assert!(start.elapsed() < DEADLINE, "{} did not exit", self.name);
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn rep_server_and_req_client() {
    let ep = format!("ipc://@{}", unique("ex-reqrep"));
    let server = spawn("rep_server", &[&ep]);
    let mut client = spawn("req_client", &[&ep]);
    client.write_line("hello");
    client.write_line("world, again");
    client.write_line("q");
    client.write_line("never sent");
    client.expect_line("server response!");
    client.expect_line("server response!");
    client.expect_exit_ok();
    assert_eq!(client.next_line(Duration::from_millis(100)), None);
    server.expect_line("hello");
    server.expect_line("world, again");
    assert_eq!(
        server.next_line(Duration::from_millis(200)),
        None,
        "a line after `q` was sent"
    );
}

#[test]
fn req_client_stops_at_end_of_input() {
    let ep = format!("ipc://@{}", unique("ex-eof"));
    let server = spawn("rep_server", &[&ep]);
    let mut client = spawn("req_client", &[&ep]);
    client.write_line("only line");
    client.close_stdin();
    client.expect_line("server response!");
    client.expect_exit_ok();
    server.expect_line("only line");
}

#[test]
fn pub_server_and_sub_client_with_filter() {
    let ep = format!("ipc://@{}", unique("ex-pubsub"));
    let mut server = spawn("pub_server", &[&ep]);
    let client = spawn("sub_client", &[&ep, "news"]);
    // Messages published before the subscription reaches the publisher are dropped by design, so
    // publish probes until the subscriber prints one.
    let start = Instant::now();
    loop {
        server.write_line("news probe");
        server.expect_line("published: news probe");
        if let Some(line) = client.next_line(Duration::from_millis(100)) {
            assert_eq!(line, "news probe");
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the subscription never reached pub_server"
        );
    }
    server.write_line("sport: not for this subscriber");
    server.write_line("news: the real thing");
    server.expect_line("published: sport: not for this subscriber");
    server.expect_line("published: news: the real thing");
    loop {
        let line = client
            .next_line(DEADLINE)
            .expect("sub_client printed nothing more");
        if line == "news probe" {
            continue;
        }
        assert_eq!(line, "news: the real thing");
        break;
    }
    server.close_stdin();
    server.expect_exit_ok();
}

#[test]
fn push_client_worker_pull_server_pipeline() {
    let tasks = format!("ipc://@{}", unique("ex-tasks"));
    let results = format!("ipc://@{}", unique("ex-results"));
    let sink = spawn("pull_server", &[&results]);
    let mut source = spawn("push_client", &[&tasks]);
    let worker = spawn("worker", &[&tasks, &results]);
    for i in 1..=3 {
        source.write_line(&format!("task {i}"));
    }
    for i in 1..=3 {
        source.expect_line(&format!("pushed: task {i}"));
    }
    for i in 1..=3 {
        worker.expect_line(&format!("forwarded: task {i}"));
        sink.expect_line(&format!("task {i}"));
    }
    source.close_stdin();
    source.expect_exit_ok();
}

#[test]
fn demo_runs_all_three_patterns() {
    let mut demo = spawn("demo", &[]);
    let mut transcript = Vec::new();
    let start = Instant::now();
    while let Some(line) = demo.next_line(DEADLINE.saturating_sub(start.elapsed())) {
        transcript.push(line);
    }
    demo.expect_exit_ok();
    let text = transcript.join("\n");
    for needle in [
        "client <- server response!",
        "subscriber <- weather.paris sunny",
        "subscriber <- weather.oslo snow",
        "pull_server <- task 4 (done)",
        "demo finished",
    ] {
        assert!(
            text.contains(needle),
            "demo transcript lacks {needle:?}:\n{text}"
        );
    }
    assert!(
        !text.contains("subscriber <- sport"),
        "the filter let a sport message through:\n{text}"
    );
}
