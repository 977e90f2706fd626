//! Driving the `ferrozmq` binary as a user would: a child process with pipes, read line by line, every
//! wait bounded by a deadline, the child killed when a test ends however it ends.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How long any one step of a test may take.
pub(crate) const DEADLINE: Duration = Duration::from_secs(20);

/// The binary under test.
pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferrozmq"))
}

/// A name no other test (in this process or another) uses.
pub(crate) fn unique(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("ferrozmq-cli-{tag}-{}-{n}", std::process::id())
}

/// An ipc endpoint in the temporary directory.
pub(crate) fn ipc_endpoint(tag: &str) -> String {
    format!(
        "ipc://{}/{}.sock",
        std::env::temp_dir().display(),
        unique(tag)
    )
}

/// A running `ferrozmq`, killed on drop.
pub(crate) struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<Vec<u8>>,
    stderr: Receiver<String>,
    stdout_seen: Vec<u8>,
    stderr_seen: Vec<String>,
    label: String,
}

fn chunks(mut r: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

fn lines(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Proc {
    /// Starts `ferrozmq ARGS...` with all three standard streams piped.
    pub(crate) fn spawn(args: &[&str]) -> Self {
        let mut child = bin()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning ferrozmq");
        let stdin = child.stdin.take();
        let stdout = chunks(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
            stderr,
            stdout_seen: Vec::new(),
            stderr_seen: Vec::new(),
            label: format!("ferrozmq {}", args.join(" ")),
        }
    }

    /// Writes to the child's stdin.
    pub(crate) fn write(&mut self, data: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin already closed");
        stdin
            .write_all(data)
            .and_then(|()| stdin.flush())
            .expect("writing to the child's stdin");
    }

    /// Closes the child's stdin (end of input).
    pub(crate) fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits until stdout holds a complete line (up to `timeout`); returns it without the newline.
    pub(crate) fn stdout_line_within(&mut self, timeout: Duration) -> Option<String> {
        let end = Instant::now() + timeout;
        loop {
            if let Some(i) = self.stdout_seen.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.stdout_seen.drain(..=i).collect();
                return Some(String::from_utf8_lossy(&line[..i]).into_owned());
            }
            let left = end.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(chunk) => self.stdout_seen.extend(chunk),
                Err(_) => return None,
            }
        }
    }

    /// The next stdout line; panics after [`DEADLINE`].
    pub(crate) fn stdout_line(&mut self) -> String {
        match self.stdout_line_within(DEADLINE) {
            Some(l) => l,
            None => {
                let err = self.stderr_so_far();
                panic!(
                    "{}: no stdout line within {DEADLINE:?}; stderr: {err:?}",
                    self.label
                )
            }
        }
    }

    /// Waits for a stderr line containing `needle`; returns it.
    pub(crate) fn stderr_line_with(&mut self, needle: &str) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.stderr_seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "{}: no stderr line with {needle:?}; stderr: {:?}",
                        self.label, self.stderr_seen
                    )
                }
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "{}: exited without a stderr line with {needle:?}; stderr: {:?}",
                    self.label, self.stderr_seen
                ),
            }
        }
    }

    /// The endpoint in the next `ferrozmq: TYPE bound to ENDPOINT` line on stderr.
    pub(crate) fn bound_endpoint(&mut self) -> String {
        let line = self.stderr_line_with(" bound to ");
        line.rsplit(' ').next().unwrap().to_owned()
    }

    fn stderr_so_far(&mut self) -> Vec<String> {
        while let Ok(l) = self.stderr.try_recv() {
            self.stderr_seen.push(l);
        }
        self.stderr_seen.clone()
    }

    /// Waits for the child to exit (killing it after [`DEADLINE`] and failing); returns its status, the
    /// rest of its stdout and all of its stderr.
    pub(crate) fn finish(mut self) -> (ExitStatus, Vec<u8>, String) {
        self.close_stdin();
        let end = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break s;
            }
            if Instant::now() >= end {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let err = self.stderr_so_far();
                panic!(
                    "{}: still running after {DEADLINE:?}; stderr: {err:?}",
                    self.label
                );
            }
            // Polling the exit status: there is no portable way to wait for a child with a timeout.
            thread::sleep(Duration::from_millis(5));
        };
        let mut out = std::mem::take(&mut self.stdout_seen);
        // The reader threads end at EOF, which follows the exit; bounded anyway.
        while let Ok(chunk) = self.stdout.recv_timeout(DEADLINE) {
            out.extend(chunk);
        }
        let mut err = self.stderr_seen.clone();
        while let Ok(l) = self.stderr.recv_timeout(DEADLINE) {
            err.push(l);
        }
        (status, out, err.join("\n"))
    }

    /// Waits for exit and checks it succeeded; returns stdout as text.
    pub(crate) fn success(self) -> String {
        let label = self.label.clone();
        let (status, out, err) = self.finish();
        assert!(
            status.success(),
            "{label}: exited with {status}; stderr: {err}"
        );
        String::from_utf8(out).expect("utf-8 stdout")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `ferrozmq ARGS...` with no input to completion.
pub(crate) fn run(args: &[&str]) -> (ExitStatus, String, String) {
    let (status, out, err) = Proc::spawn(args).finish();
    (status, String::from_utf8_lossy(&out).into_owned(), err)
}
