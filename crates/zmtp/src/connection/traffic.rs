//! After the handshake: commands received in traffic, and the ZMTP 3.1 subscription conversion of
//! outgoing frames.

use std::time::Instant;

use bytes::{BufMut, Bytes, BytesMut};

use crate::command::{self, Command};
use crate::decoder::RawFrame;
use crate::error::Error;
use crate::heartbeat::Heartbeat;
use crate::{Frame, SocketType};

/// What to do about a command received after the handshake.
#[derive(Debug)]
pub(super) enum Incoming {
    /// Send this command back (PONG).
    Reply(Bytes),
    /// Hand this frame to the application (a subscription on PUB/XPUB).
    Deliver(Frame),
    /// Nothing (PONG, commands meant for other socket types, unknown commands: libzmq ignores them).
    Ignore,
}

/// Handles one command frame received after the handshake.
pub(super) fn on_command(
    local: SocketType,
    heartbeat: &mut Heartbeat,
    body: Bytes,
    now: Instant,
) -> Result<Incoming, Error> {
    let cmd = Command::parse(body)?;
    if cmd.is(command::PING) {
        let (ttl_ds, pong) = command::answer_ping(&cmd.data)?;
        heartbeat.on_peer_ping(ttl_ds, now);
        return Ok(Incoming::Reply(pong));
    }
    let flag = if cmd.is(command::SUBSCRIBE) {
        1
    } else if cmd.is(command::CANCEL) {
        0
    } else {
        return Ok(Incoming::Ignore);
    };
    if !matches!(local, SocketType::Pub | SocketType::XPub) {
        return Ok(Incoming::Ignore);
    }
    let mut data = BytesMut::with_capacity(1 + cmd.data.len());
    data.put_u8(flag);
    data.put_slice(&cmd.data);
    Ok(Incoming::Deliver(Frame::new(data.freeze())))
}

/// The wire form of an outgoing frame. From SUB/XSUB to a ZMTP 3.1 peer, a single-frame message
/// starting with `0x01`/`0x00` becomes a SUBSCRIBE/CANCEL command carrying the rest as topic.
/// `first` tells whether the frame starts a message.
pub(super) fn outgoing(
    local: SocketType,
    version: (u8, u8),
    first: bool,
    frame: Frame,
) -> RawFrame {
    let subscriber = matches!(local, SocketType::Sub | SocketType::XSub);
    if subscriber && version >= (3, 1) && first && !frame.more {
        match frame.data.split_first() {
            Some((1, topic)) => {
                return RawFrame::Command(command::build(command::SUBSCRIBE, topic))
            }
            Some((0, topic)) => return RawFrame::Command(command::build(command::CANCEL, topic)),
            _ => {}
        }
    }
    RawFrame::Message {
        body: frame.data,
        more: frame.more,
    }
}
