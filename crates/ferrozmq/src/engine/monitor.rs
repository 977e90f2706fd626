//! The events the I/O thread reports, at the points libzmq reports them, and [`emit`], which hands them
//! to the socket's monitor (if one runs; see [`crate::monitor`]).

use std::time::Duration;

use super::SocketRef;
use crate::event;

/// Why a handshake failed, in libzmq's three monitor kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandshakeFailure {
    /// `HANDSHAKE_FAILED_NO_DETAIL`, with an errno (0 when there is none: EOF, a timeout).
    NoDetail(i32),
    /// `HANDSHAKE_FAILED_PROTOCOL`, with a `ZMQ_PROTOCOL_ERROR_ZMTP_*` code.
    Protocol(u32),
    /// `HANDSHAKE_FAILED_AUTH`, with the ZAP status code.
    Auth(u32),
}

impl HandshakeFailure {
    /// The kind libzmq reports for a connection that ended with `error` before its handshake completed.
    pub(crate) fn of_protocol(error: &zmtp::Error) -> Self {
        if let Some(status) = error.auth_status() {
            Self::Auth(status)
        } else if let Some(code) = error.protocol_code() {
            Self::Protocol(code)
        } else {
            Self::NoDetail(0)
        }
    }
}

/// A transport event of one socket, named as libzmq's `ZMQ_EVENT_*`; fds are the OS descriptors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MonitorEvent {
    /// A connect completed (`CONNECTED`).
    Connected(i32),
    /// A connect is in progress (`CONNECT_DELAYED`).
    ConnectDelayed,
    /// A connect will be retried after this interval (`CONNECT_RETRIED`).
    ConnectRetried(Duration),
    /// A listener is bound (`LISTENING`).
    Listening(i32),
    /// A bind failed with this errno (`BIND_FAILED`).
    BindFailed(i32),
    /// A connection was accepted (`ACCEPTED`).
    Accepted(i32),
    /// Accepting failed with this errno (`ACCEPT_FAILED`).
    AcceptFailed(i32),
    /// A listener was closed (`CLOSED`).
    Closed(i32),
    /// An established connection broke or was closed (`DISCONNECTED`).
    Disconnected(i32),
    /// The ZMTP handshake completed (`HANDSHAKE_SUCCEEDED`).
    HandshakeSucceeded,
    /// The ZMTP handshake failed (`HANDSHAKE_FAILED_*`).
    HandshakeFailed(HandshakeFailure),
}

/// An fd or errno as the monitor's u32 value (libzmq casts the same way).
fn value(v: i32) -> u32 {
    v as u32
}

impl MonitorEvent {
    /// The `ZMQ_EVENT_*` id and value libzmq's monitor sends for this event.
    pub(crate) fn wire(&self) -> (u32, u32) {
        match *self {
            Self::Connected(fd) => (event::CONNECTED, value(fd)),
            Self::ConnectDelayed => (event::CONNECT_DELAYED, value(libc::EINPROGRESS)),
            Self::ConnectRetried(d) => (
                event::CONNECT_RETRIED,
                u32::try_from(d.as_millis()).unwrap_or(u32::MAX),
            ),
            Self::Listening(fd) => (event::LISTENING, value(fd)),
            Self::BindFailed(e) => (event::BIND_FAILED, value(e)),
            Self::Accepted(fd) => (event::ACCEPTED, value(fd)),
            Self::AcceptFailed(e) => (event::ACCEPT_FAILED, value(e)),
            Self::Closed(fd) => (event::CLOSED, value(fd)),
            Self::Disconnected(fd) => (event::DISCONNECTED, value(fd)),
            Self::HandshakeSucceeded => (event::HANDSHAKE_SUCCEEDED, 0),
            Self::HandshakeFailed(HandshakeFailure::NoDetail(e)) => {
                (event::HANDSHAKE_FAILED_NO_DETAIL, value(e))
            }
            Self::HandshakeFailed(HandshakeFailure::Protocol(code)) => {
                (event::HANDSHAKE_FAILED_PROTOCOL, code)
            }
            Self::HandshakeFailed(HandshakeFailure::Auth(status)) => {
                (event::HANDSHAKE_FAILED_AUTH, status)
            }
        }
    }
}

/// Reports `event` of `socket` on `endpoint` to its monitor.
pub(crate) fn emit(socket: &SocketRef, endpoint: &str, event: MonitorEvent) {
    #[cfg(test)]
    recorder::record(socket.id, endpoint, &event);
    let (id, value) = event.wire();
    socket.monitor.publish(id, value, endpoint);
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_ids_and_values_are_libzmqs() {
        let fd = 9;
        let cases = [
            (MonitorEvent::Connected(fd), 0x0001, 9),
            (
                MonitorEvent::ConnectDelayed,
                0x0002,
                libc::EINPROGRESS as u32,
            ),
            (
                MonitorEvent::ConnectRetried(Duration::from_millis(150)),
                0x0004,
                150,
            ),
            (MonitorEvent::Listening(fd), 0x0008, 9),
            (
                MonitorEvent::BindFailed(libc::EADDRINUSE),
                0x0010,
                libc::EADDRINUSE as u32,
            ),
            (MonitorEvent::Accepted(fd), 0x0020, 9),
            (
                MonitorEvent::AcceptFailed(libc::EMFILE),
                0x0040,
                libc::EMFILE as u32,
            ),
            (MonitorEvent::Closed(fd), 0x0080, 9),
            (MonitorEvent::Disconnected(fd), 0x0200, 9),
            (
                MonitorEvent::HandshakeFailed(HandshakeFailure::NoDetail(0)),
                0x0800,
                0,
            ),
            (MonitorEvent::HandshakeSucceeded, 0x1000, 0),
            (
                MonitorEvent::HandshakeFailed(HandshakeFailure::Protocol(0x1100_0002)),
                0x2000,
                0x1100_0002,
            ),
            (
                MonitorEvent::HandshakeFailed(HandshakeFailure::Auth(400)),
                0x4000,
                400,
            ),
        ];
        for (e, id, value) in cases {
            assert_eq!(e.wire(), (id, value), "{e:?}");
        }
        assert_eq!(
            HandshakeFailure::of_protocol(&zmtp::Error::PeerError("500".into())),
            HandshakeFailure::Auth(500)
        );
        assert_eq!(
            HandshakeFailure::of_protocol(&zmtp::Error::HandshakeTimeout),
            HandshakeFailure::NoDetail(0)
        );
    }
}

/// Test support: every emitted event, so tests can wait for one instead of sleeping.
#[cfg(test)]
pub(super) mod recorder {
    use std::sync::{Condvar, Mutex};
    use std::time::Instant;

    use super::MonitorEvent;

    static LOG: Mutex<Vec<(u64, String, MonitorEvent)>> = Mutex::new(Vec::new());
    static ADDED: Condvar = Condvar::new();

    pub(in crate::engine) fn record(socket: u64, endpoint: &str, event: &MonitorEvent) {
        LOG.lock()
            .unwrap()
            .push((socket, endpoint.to_owned(), event.clone()));
        ADDED.notify_all();
    }

    /// How many events of `socket` match `pred`.
    pub(in crate::engine) fn count(socket: u64, pred: impl Fn(&MonitorEvent) -> bool) -> usize {
        LOG.lock()
            .unwrap()
            .iter()
            .filter(|(s, _, e)| *s == socket && pred(e))
            .count()
    }

    /// Waits until `n` events of `socket` match `pred`, or `deadline`.
    pub(in crate::engine) fn wait(
        socket: u64,
        n: usize,
        deadline: Instant,
        pred: impl Fn(&MonitorEvent) -> bool,
    ) -> bool {
        let mut log = LOG.lock().unwrap();
        loop {
            if log
                .iter()
                .filter(|(s, _, e)| *s == socket && pred(e))
                .count()
                >= n
            {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            log = ADDED.wait_timeout(log, deadline - now).unwrap().0;
        }
    }
}
