//! Proxies: the built-in device that shuttles messages between two sockets (`zmq_proxy`,
//! `zmq_proxy_steerable`).

use std::time::Duration;

use bytes::Bytes;
use zmtp::SocketType;

use crate::error::{Error, Result};
use crate::socket::{poll, PollItem, Socket, DONTWAIT, POLLIN, SNDMORE};

/// Frame and byte counts of one side of a steerable proxy, as `STATISTICS` reports them. As in libzmq 4.3.5,
/// every frame (message part) counts as one message.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SideStats {
    /// Frames received from this socket.
    pub msgs_in: u64,
    /// Bytes received from this socket.
    pub bytes_in: u64,
    /// Frames sent to this socket.
    pub msgs_out: u64,
    /// Bytes sent to this socket.
    pub bytes_out: u64,
}

/// Counts for both sides of a proxy.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProxyStats {
    /// The frontend's counts.
    pub frontend: SideStats,
    /// The backend's counts.
    pub backend: SideStats,
}

/// Forwards messages between `frontend` and `backend` both ways, copying each to `capture` if given, until
/// the context is terminated (`zmq_proxy`).
///
/// # Errors
/// [`Error::Terminated`] when the context is terminated (the normal end), or the error of a failed send.
pub fn proxy(frontend: &Socket, backend: &Socket, capture: Option<&Socket>) -> Result<()> {
    proxy_steerable(frontend, backend, capture, None).map(|_| ())
}

/// Like [`proxy`], steered by messages on `control` (a REP or PAIR socket of the caller's): `PAUSE` stops
/// forwarding, `RESUME` restarts it, `TERMINATE` returns `Ok` with the counts, `STATISTICS` replies with
/// eight native-endian u64 frames (frontend frames in, bytes in, frames out, bytes out, then the same for
/// the backend). As in libzmq, a REP control socket gets an empty reply to every other command (so it can
/// take the next one); a PAIR gets none.
///
/// # Errors
/// [`Error::Terminated`] when the context is terminated, or the error of a failed send.
pub fn proxy_steerable(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
    control: Option<&Socket>,
) -> Result<ProxyStats> {
    let mut stats = ProxyStats::default();
    let mut paused = false;
    loop {
        let mut items = vec![
            PollItem::new(frontend, POLLIN),
            PollItem::new(backend, POLLIN),
        ];
        if let Some(c) = control {
            items.push(PollItem::new(c, POLLIN));
        }
        poll(&mut items, None::<Duration>)?;
        let ready: Vec<bool> = items.iter().map(|i| i.revents & POLLIN != 0).collect();
        if let (Some(c), Some(true)) = (control, ready.get(2)) {
            match c.recv_bytes(DONTWAIT) {
                Ok(cmd) => {
                    if &cmd[..] == b"STATISTICS" {
                        reply_stats(c, &stats)?;
                    } else {
                        match &cmd[..] {
                            b"PAUSE" => paused = true,
                            b"RESUME" => paused = false,
                            _ => {}
                        }
                        if c.socket_type() == SocketType::Rep {
                            c.send(Bytes::new(), 0)?;
                        }
                        if &cmd[..] == b"TERMINATE" {
                            return Ok(stats);
                        }
                    }
                }
                Err(Error::Again) => {}
                Err(e) => return Err(e),
            }
        }
        if paused {
            continue;
        }
        if ready[0] {
            let (f, b) = (&mut stats.frontend, &mut stats.backend);
            forward(frontend, backend, capture, f, b)?;
        }
        if ready[1] {
            let (b, f) = (&mut stats.backend, &mut stats.frontend);
            forward(backend, frontend, capture, b, f)?;
        }
    }
}

/// Moves one whole message from `from` to `to`, if one is ready.
fn forward(
    from: &Socket,
    to: &Socket,
    capture: Option<&Socket>,
    from_stats: &mut SideStats,
    to_stats: &mut SideStats,
) -> Result<()> {
    let first = match from.recv_frame(DONTWAIT) {
        Ok(f) => f,
        Err(Error::Again) => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut frame = first;
    loop {
        let bytes = frame.data.len() as u64;
        from_stats.msgs_in += 1;
        from_stats.bytes_in += bytes;
        let more = frame.more;
        if let Some(c) = capture {
            c.send(frame.data.clone(), if more { SNDMORE } else { 0 })?;
        }
        to.send_frame(frame, 0)?;
        to_stats.msgs_out += 1;
        to_stats.bytes_out += bytes;
        if !more {
            return Ok(());
        }
        frame = from.recv_frame(0)?;
    }
}

fn reply_stats(control: &Socket, stats: &ProxyStats) -> Result<()> {
    let values = [
        stats.frontend.msgs_in,
        stats.frontend.bytes_in,
        stats.frontend.msgs_out,
        stats.frontend.bytes_out,
        stats.backend.msgs_in,
        stats.backend.bytes_in,
        stats.backend.msgs_out,
        stats.backend.bytes_out,
    ];
    control.send_multipart(values.iter().map(|v| v.to_ne_bytes().to_vec()), 0)
}
