//! Raw streams without ZMTP, for STREAM sockets: no greeting, no framing. Every chunk of bytes that arrives
//! is one frame (with `notify`, an empty frame comes first, announcing the connection); every frame sent is
//! written as it is, and an empty frame asks for the connection to be closed once what was queued before it
//! is written.

use bytes::BytesMut;

use crate::{Event, Frame, Metadata, PeerInfo, SocketType, WriteBuf};

/// The raw counterpart of [`Connection`](crate::Connection), with the same calling pattern.
#[derive(Debug, Default)]
pub struct RawConnection {
    out: WriteBuf,
    /// [`Event::Ready`] was returned.
    announced: bool,
    /// An empty frame was sent: close after flushing.
    closing: bool,
    /// The empty frame announcing the connection is still to come.
    notify: bool,
}

impl RawConnection {
    /// A raw connection; it is ready at once (the first event says so). With `notify`, an empty frame
    /// follows the ready event.
    pub fn new(notify: bool) -> Self {
        Self {
            notify,
            ..Self::default()
        }
    }

    /// The next event: [`Event::Ready`] first, then the empty notification frame if asked for, then one
    /// [`Event::Frame`] with everything in `input`.
    pub fn poll_event(&mut self, input: &mut BytesMut) -> Option<Event> {
        if !self.announced {
            self.announced = true;
            return Some(Event::Ready(PeerInfo {
                socket_type: SocketType::Stream,
                routing_id: None,
                metadata: Metadata::new(),
                version: (0, 0),
            }));
        }
        if std::mem::take(&mut self.notify) {
            return Some(Event::Frame(Frame::new(bytes::Bytes::new())));
        }
        if input.is_empty() || self.closing {
            input.clear();
            return None;
        }
        Some(Event::Frame(Frame::new(input.split().freeze())))
    }

    /// Queues a frame's bytes; an empty frame asks for the close.
    pub fn send(&mut self, frame: Frame) {
        if frame.data.is_empty() {
            self.closing = true;
        } else if !self.closing {
            self.out.put_bytes(frame.data);
        }
    }

    /// The bytes waiting to be written to the transport.
    pub fn write_buf(&mut self) -> &mut WriteBuf {
        &mut self.out
    }

    /// Whether the connection should be closed now (asked for, and everything before it written).
    pub fn wants_close(&self) -> bool {
        self.closing && self.out.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_then_chunks_then_close_after_flush() {
        let mut raw = RawConnection::new(true);
        let mut input = BytesMut::from(&b"GET /"[..]);
        assert!(matches!(raw.poll_event(&mut input), Some(Event::Ready(_))));
        match raw.poll_event(&mut input) {
            Some(Event::Frame(f)) => assert!(f.data.is_empty()),
            other => panic!("{other:?}"),
        }
        match raw.poll_event(&mut input) {
            Some(Event::Frame(f)) => assert_eq!(f.data, "GET /"),
            other => panic!("{other:?}"),
        }
        assert!(raw.poll_event(&mut input).is_none());
        raw.send(Frame::new("HTTP/1.0 200 OK\r\n\r\n"));
        raw.send(Frame::new(""));
        assert!(!raw.wants_close());
        let n = raw.write_buf().len();
        raw.write_buf().advance(n);
        assert!(raw.wants_close());
    }
}
