//! Socket monitor events (`ZMQ_EVENT_*`), as [`Socket::monitor`](crate::Socket::monitor) publishes them.
//!
//! Each event is one two-frame message on the monitor's PAIR socket, byte for byte what libzmq's
//! `zmq_socket_monitor` (event version 1) sends on the same machine:
//!
//! ```text
//!  frame 1 (6 bytes): event id (u16) | value (u32), native byte order (little-endian on x86)
//!  frame 2:           the endpoint, e.g. "tcp://127.0.0.1:5555" ("" for MONITOR_STOPPED)
//! ```
//!
//! The value is the file descriptor for CONNECTED, LISTENING, ACCEPTED, CLOSED and DISCONNECTED; an errno
//! for CONNECT_DELAYED, BIND_FAILED, ACCEPT_FAILED and HANDSHAKE_FAILED_NO_DETAIL; the reconnect interval
//! in ms for CONNECT_RETRIED; a `ZMQ_PROTOCOL_ERROR_ZMTP_*` code (see [`zmtp::protocol_code`]) for
//! HANDSHAKE_FAILED_PROTOCOL; the ZAP status code for HANDSHAKE_FAILED_AUTH; 0 otherwise.
//!
//! ```
//! use ferrozmq::{event, Context, SocketType};
//! let ctx = Context::new();
//! let server = ctx.socket(SocketType::Rep).unwrap();
//! server.monitor("inproc://events", event::ALL).unwrap();
//! let events = ctx.socket(SocketType::Pair).unwrap();
//! events.connect("inproc://events").unwrap();
//! server.bind("tcp://127.0.0.1:*").unwrap();
//! let e = event::Event::parse(&events.recv_multipart(0).unwrap()).unwrap();
//! assert_eq!(e.event, event::LISTENING);
//! assert_eq!(e.endpoint, server.last_endpoint());
//! ```

use bytes::Bytes;

/// A connection to a peer was made (`ZMQ_EVENT_CONNECTED`); value: the fd.
pub const CONNECTED: u32 = 0x0001;
/// A connect is in progress (`ZMQ_EVENT_CONNECT_DELAYED`); value: the errno (EINPROGRESS).
pub const CONNECT_DELAYED: u32 = 0x0002;
/// A connect will be retried (`ZMQ_EVENT_CONNECT_RETRIED`); value: the interval in ms.
pub const CONNECT_RETRIED: u32 = 0x0004;
/// The socket is bound (`ZMQ_EVENT_LISTENING`); value: the listener's fd.
pub const LISTENING: u32 = 0x0008;
/// A bind failed (`ZMQ_EVENT_BIND_FAILED`); value: the errno.
pub const BIND_FAILED: u32 = 0x0010;
/// A connection was accepted (`ZMQ_EVENT_ACCEPTED`); value: the fd.
pub const ACCEPTED: u32 = 0x0020;
/// Accepting failed (`ZMQ_EVENT_ACCEPT_FAILED`); value: the errno.
pub const ACCEPT_FAILED: u32 = 0x0040;
/// A listener was closed (`ZMQ_EVENT_CLOSED`); value: its fd.
pub const CLOSED: u32 = 0x0080;
/// Closing failed (`ZMQ_EVENT_CLOSE_FAILED`; never reported, kept for libzmq's numbering).
pub const CLOSE_FAILED: u32 = 0x0100;
/// A connection broke or was closed (`ZMQ_EVENT_DISCONNECTED`); value: the fd.
pub const DISCONNECTED: u32 = 0x0200;
/// The monitor was stopped (`ZMQ_EVENT_MONITOR_STOPPED`); the last event it sends.
pub const MONITOR_STOPPED: u32 = 0x0400;
/// The handshake failed for a reason other than the two below (`ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`);
/// value: an errno, or 0.
pub const HANDSHAKE_FAILED_NO_DETAIL: u32 = 0x0800;
/// The ZMTP handshake completed (`ZMQ_EVENT_HANDSHAKE_SUCCEEDED`).
pub const HANDSHAKE_SUCCEEDED: u32 = 0x1000;
/// The peer broke the protocol during the handshake (`ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`); value: a
/// `ZMQ_PROTOCOL_ERROR_ZMTP_*` code.
pub const HANDSHAKE_FAILED_PROTOCOL: u32 = 0x2000;
/// Authentication failed (`ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`); value: the ZAP status code.
pub const HANDSHAKE_FAILED_AUTH: u32 = 0x4000;
/// Every event (`ZMQ_EVENT_ALL`).
pub const ALL: u32 = 0xFFFF;

/// libzmq's name of an event constant, without the `ZMQ_EVENT_` prefix (`"CONNECTED"`); `None` for a
/// value that is not a single event.
pub fn name(event: u32) -> Option<&'static str> {
    Some(match event {
        CONNECTED => "CONNECTED",
        CONNECT_DELAYED => "CONNECT_DELAYED",
        CONNECT_RETRIED => "CONNECT_RETRIED",
        LISTENING => "LISTENING",
        BIND_FAILED => "BIND_FAILED",
        ACCEPTED => "ACCEPTED",
        ACCEPT_FAILED => "ACCEPT_FAILED",
        CLOSED => "CLOSED",
        CLOSE_FAILED => "CLOSE_FAILED",
        DISCONNECTED => "DISCONNECTED",
        MONITOR_STOPPED => "MONITOR_STOPPED",
        HANDSHAKE_FAILED_NO_DETAIL => "HANDSHAKE_FAILED_NO_DETAIL",
        HANDSHAKE_SUCCEEDED => "HANDSHAKE_SUCCEEDED",
        HANDSHAKE_FAILED_PROTOCOL => "HANDSHAKE_FAILED_PROTOCOL",
        HANDSHAKE_FAILED_AUTH => "HANDSHAKE_FAILED_AUTH",
        _ => return None,
    })
}

/// One decoded monitor event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Which event: one of this module's constants.
    pub event: u32,
    /// Its value (fd, errno, interval or code; see the module docs).
    pub value: u32,
    /// The endpoint it concerns.
    pub endpoint: String,
}

impl Event {
    /// The two frames that carry this event.
    pub fn to_frames(&self) -> [Bytes; 2] {
        // The id is one of the 16-bit constants above; a monitor refuses masks beyond 16 bits.
        let id = u16::try_from(self.event).unwrap_or(u16::MAX);
        let mut head = [0u8; 6];
        head[..2].copy_from_slice(&id.to_ne_bytes());
        head[2..].copy_from_slice(&self.value.to_ne_bytes());
        [
            Bytes::copy_from_slice(&head),
            Bytes::copy_from_slice(self.endpoint.as_bytes()),
        ]
    }

    /// Decodes an event message; `None` if it is not two frames with a 6-byte first frame.
    pub fn parse(frames: &[Bytes]) -> Option<Self> {
        let [head, endpoint] = frames else {
            return None;
        };
        let head: &[u8; 6] = head.as_ref().try_into().ok()?;
        let [e0, e1, v0, v1, v2, v3] = *head;
        Some(Self {
            event: u16::from_ne_bytes([e0, e1]).into(),
            value: u32::from_ne_bytes([v0, v1, v2, v3]),
            endpoint: String::from_utf8_lossy(endpoint).into_owned(),
        })
    }
}
