//! Where the socket monitor (`zmq_socket_monitor`) will plug in: the events the I/O thread reports, at the
//! points libzmq reports them. Nothing listens yet; [`emit`] is the single place to connect a monitor to.

use std::time::Duration;

use super::SocketRef;

/// A transport event of one socket, named as libzmq's `ZMQ_EVENT_*`.
#[derive(Debug, Clone, PartialEq, Eq)]
// The payloads are read by the monitor, which is not built yet.
#[allow(dead_code)]
pub(crate) enum MonitorEvent {
    /// A connect completed (`CONNECTED`).
    Connected,
    /// A connect is in progress (`CONNECT_DELAYED`).
    ConnectDelayed,
    /// A connect will be retried after this interval (`CONNECT_RETRIED`).
    ConnectRetried(Duration),
    /// A listener is bound (`LISTENING`).
    Listening,
    /// A bind failed with this errno (`BIND_FAILED`).
    BindFailed(i32),
    /// A connection was accepted (`ACCEPTED`).
    Accepted,
    /// Accepting failed with this errno (`ACCEPT_FAILED`).
    AcceptFailed(i32),
    /// A listener was closed (`CLOSED`).
    Closed,
    /// An established connection broke or was closed (`DISCONNECTED`).
    Disconnected,
    /// The ZMTP handshake completed (`HANDSHAKE_SUCCEEDED`).
    HandshakeSucceeded,
    /// The ZMTP handshake failed for a reason with no protocol code, described here
    /// (`HANDSHAKE_FAILED_NO_DETAIL`).
    HandshakeFailed(String),
    /// The peer broke the protocol: a `ZMQ_PROTOCOL_ERROR_*` code (`HANDSHAKE_FAILED_PROTOCOL`).
    HandshakeFailedProtocol(u32),
    /// Authentication failed with this ZAP status code (`HANDSHAKE_FAILED_AUTH`): our handler refused
    /// the peer, or the peer's refused us.
    HandshakeFailedAuth(u32),
}

/// Reports `event` of `socket` on `endpoint`. Today a no-op: the monitor (issue 3) will post it to the
/// socket's monitor pipe from here.
pub(crate) fn emit(socket: &SocketRef, endpoint: &str, event: MonitorEvent) {
    #[cfg(test)]
    recorder::record(socket.id, endpoint, &event);
    let _ = (socket, endpoint, event);
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
