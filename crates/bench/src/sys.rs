//! Process-level helpers: endpoints, resident memory, the open-file limit, and the idle-connection clients.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::case::Transport;

/// A fresh endpoint to bind; for tcp the port is left to the OS (`*`, or `0` for the zeromq crate).
pub(crate) fn bind_endpoint(t: Transport, zero_port: bool) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    match t {
        Transport::Tcp if zero_port => "tcp://127.0.0.1:0".into(),
        Transport::Tcp => "tcp://127.0.0.1:*".into(),
        Transport::Ipc => format!(
            "ipc://{}/zmq-bench-{}-{n}.ipc",
            std::env::temp_dir().display(),
            std::process::id()
        ),
        Transport::Inproc => format!("inproc://bench-{n}"),
    }
}

/// Removes the socket file of an ipc endpoint.
pub(crate) fn cleanup(endpoint: &str) {
    if let Some(path) = endpoint.strip_prefix("ipc://") {
        let _ = std::fs::remove_file(path);
    }
}

/// This process's resident memory in MB (VmRSS).
pub(crate) fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Raises the soft open-file limit to the hard one (10,000 connections need more than 1,024).
pub(crate) fn raise_nofile() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// Starts `count` raw ZMTP DEALER clients in a child process against `tcp://127.0.0.1:port` and waits
/// until each has completed its handshake.
pub(crate) fn spawn_idle_clients(port: u16, count: u64) -> Child {
    let exe = std::env::current_exe().expect("own executable");
    let mut child = Command::new(exe)
        .args(["idle-clients", &port.to_string(), &count.to_string()])
        .stdout(Stdio::piped())
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn the idle clients");
    let out = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("clients' ready line");
    assert_eq!(line.trim(), "ready", "the idle clients failed");
    // Let the server settle whatever the last handshakes allocated.
    std::thread::sleep(Duration::from_millis(300));
    child
}

/// The port of a resolved tcp endpoint such as `tcp://127.0.0.1:5555`.
pub(crate) fn port_of(endpoint: &str) -> u16 {
    endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a tcp endpoint with a port")
}

/// A loopback port where nothing listens (bound, then released).
pub(crate) fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
