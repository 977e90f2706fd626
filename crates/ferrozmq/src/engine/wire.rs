//! What a session speaks over its stream: ZMTP, or raw bytes for a STREAM socket. The ZMTP path is a
//! plain delegation; only STREAM sockets take the raw one.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use zmtp::{Connection, Event, Frame, RawConnection, SocketType, WriteBuf};

use super::SocketRef;

/// A session's protocol state over one connection.
#[derive(Debug)]
pub(super) enum Wire {
    /// ZMTP 3.x.
    Zmtp(Box<Connection>),
    /// No protocol (STREAM).
    Raw(RawConnection),
}

impl Wire {
    /// The protocol for a new connection of this socket.
    pub(super) fn new(socket: &SocketRef, now: Instant) -> Self {
        if socket.socket_type == SocketType::Stream {
            Self::Raw(RawConnection::new(socket.options.stream_notify))
        } else {
            let mut config = socket.options.zmtp_config(socket.socket_type);
            config.zap_handler = super::zap::handler_bound(&socket.inproc);
            Self::Zmtp(Box::new(Connection::new(config, now)))
        }
    }

    /// See [`Connection::read_hint`].
    pub(super) fn read_hint(&self) -> usize {
        match self {
            Self::Zmtp(c) => c.read_hint(),
            Self::Raw(_) => 0,
        }
    }

    /// See [`Connection::awaited_body`]; a raw connection has no frames.
    pub(super) fn awaited_body(&self) -> Option<usize> {
        match self {
            Self::Zmtp(c) => c.awaited_body(),
            Self::Raw(_) => None,
        }
    }

    /// See [`Connection::supply_body`].
    pub(super) fn supply_body(&mut self, body: Bytes) -> bool {
        match self {
            Self::Zmtp(c) => c.supply_body(body),
            Self::Raw(_) => false,
        }
    }

    /// See [`Connection::poll_event`].
    pub(super) fn poll_event(
        &mut self,
        input: &mut BytesMut,
        now: Instant,
    ) -> Result<Option<Event>, zmtp::Error> {
        match self {
            Self::Zmtp(c) => c.poll_event(input, now),
            Self::Raw(r) => Ok(r.poll_event(input)),
        }
    }

    /// See [`Connection::zap_reply`].
    pub(super) fn zap_reply(&mut self, reply: zmtp::ZapReply) -> Result<(), zmtp::Error> {
        match self {
            Self::Zmtp(c) => c.zap_reply(reply),
            Self::Raw(_) => Ok(()),
        }
    }

    /// See [`Connection::send`].
    pub(super) fn send(&mut self, frame: Frame) -> Result<(), zmtp::Error> {
        match self {
            Self::Zmtp(c) => c.send(frame),
            Self::Raw(r) => {
                r.send(frame);
                Ok(())
            }
        }
    }

    /// See [`Connection::write_buf`].
    pub(super) fn write_buf(&mut self) -> &mut WriteBuf {
        match self {
            Self::Zmtp(c) => c.write_buf(),
            Self::Raw(r) => r.write_buf(),
        }
    }

    /// See [`Connection::handle_timeout`].
    pub(super) fn handle_timeout(&mut self, now: Instant) -> Result<(), zmtp::Error> {
        match self {
            Self::Zmtp(c) => c.handle_timeout(now),
            Self::Raw(_) => Ok(()),
        }
    }

    /// See [`Connection::poll_timeout`].
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Self::Zmtp(c) => c.poll_timeout(),
            Self::Raw(_) => None,
        }
    }

    /// See [`Connection::is_ready`].
    pub(super) fn is_ready(&self) -> bool {
        match self {
            Self::Zmtp(c) => c.is_ready(),
            Self::Raw(_) => true,
        }
    }

    /// Whether this is a ZMTP connection past its handshake, which the socket's thread may drive (the
    /// direct path); raw connections stay with the I/O thread.
    pub(super) fn is_established(&self) -> bool {
        matches!(self, Self::Zmtp(c) if c.is_ready() && c.peer().is_some())
    }

    /// See [`Connection::peer`]; a raw connection has no handshake and counts as ready.
    pub(super) fn handshake_done(&self) -> bool {
        match self {
            Self::Zmtp(c) => c.peer().is_some(),
            Self::Raw(_) => true,
        }
    }

    /// Whether the socket is told of this connection's end by an empty frame (STREAM_NOTIFY).
    pub(super) fn notifies_end(&self, socket: &SocketRef) -> bool {
        matches!(self, Self::Raw(_)) && socket.options.stream_notify
    }

    /// Whether the socket asked for this connection to be closed, and it is flushed (STREAM).
    pub(super) fn wants_close(&self) -> bool {
        matches!(self, Self::Raw(r) if r.wants_close())
    }
}
