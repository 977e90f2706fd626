//! Socket patterns: where an outgoing message goes and where the next incoming one comes from.
//!
//! Each socket type is a small [`Pattern`] built from shared parts: [`lb::LoadBalancer`] (round-robin over
//! links with room), [`fq::FairQueue`] (round-robin over links with messages), [`dist::Distributor`]
//! (fan-out), [`trie::Trie`] (a SUB's counted subscriptions) and [`mtrie::Subscribers`] (a PUB's subscribers
//! per topic). Patterns know nothing of transports or threads: the socket calls them with its [`Links`] and
//! tells them about links coming, going and changing.
//!
//! Integer options reach [`Pattern::set_option`] as the native-endian bytes of an `i64`.

mod active;
mod dealer;
mod dist;
mod fq;
mod lb;
mod mtrie;
mod pair;
mod publish;
mod pull;
mod push;
mod rep;
mod req;
mod router;
mod routing;
mod stream;
mod subscribe;
#[cfg(test)]
mod testutil;
mod trie;

use zmtp::{Frame, SocketType};

use crate::error::Error;
use crate::links::Links;
use crate::options::Options;
use crate::pipe::LinkId;

/// A send that did not happen, with the frame handed back so a blocking send can retry it.
#[derive(Debug)]
pub(crate) struct SendError {
    /// Why: [`Error::Again`] when the socket should wait (or fail with DONTWAIT), else a final error.
    pub(crate) error: Error,
    /// The frame that was not sent.
    pub(crate) frame: Frame,
}

impl SendError {
    /// No room now: the socket should wait for it (or fail with DONTWAIT).
    fn again(frame: Frame) -> Self {
        Self {
            error: Error::Again,
            frame,
        }
    }
}

/// The behaviour of one socket type.
pub(crate) trait Pattern: Send + std::fmt::Debug {
    /// A new link; its peer may be unknown (`links.peer(id)` is `None`) until [`Pattern::peer_ready`].
    fn attach(&mut self, id: LinkId, links: &mut Links);
    /// The link's peer finished its handshake (for a connecting link, again after every reconnect).
    fn peer_ready(&mut self, _id: LinkId, _links: &mut Links) {}
    /// The link is gone; forget it.
    fn detach(&mut self, id: LinkId);
    /// The link has a message to read again.
    fn read_activated(&mut self, id: LinkId);
    /// The link has room to write again.
    fn write_activated(&mut self, id: LinkId);
    /// Sends one frame (`frame.more` marks all but the last frame of a message).
    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError>;
    /// Receives the next frame; [`Error::Again`] when none is ready.
    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error>;
    /// True when a recv would succeed now (`ZMQ_POLLIN`).
    fn has_in(&mut self, links: &mut Links) -> bool;
    /// True when a send would succeed now (`ZMQ_POLLOUT`).
    fn has_out(&mut self, links: &mut Links) -> bool;
    /// A pattern-specific option (SUBSCRIBE, ...); `Ok(false)` when this pattern does not handle it.
    fn set_option(
        &mut self,
        _option: i32,
        _value: &[u8],
        _links: &mut Links,
    ) -> Result<bool, Error> {
        Ok(false)
    }
}

/// Creates the pattern for a socket type.
pub(crate) fn new(socket_type: SocketType, options: &Options) -> Result<Box<dyn Pattern>, Error> {
    let _ = options;
    Ok(match socket_type {
        SocketType::Pair => Box::new(pair::Pair::default()),
        SocketType::Pub => Box::new(publish::Publisher::new(false)),
        SocketType::XPub => Box::new(publish::Publisher::new(true)),
        SocketType::Sub => Box::new(subscribe::Subscriber::new(false)),
        SocketType::XSub => Box::new(subscribe::Subscriber::new(true)),
        SocketType::Req => Box::new(req::Req::default()),
        SocketType::Rep => Box::new(rep::Rep::default()),
        SocketType::Dealer => Box::new(dealer::Dealer::default()),
        SocketType::Router => Box::new(router::Router::default()),
        SocketType::Pull => Box::new(pull::Pull::default()),
        SocketType::Push => Box::new(push::Push::default()),
        SocketType::Stream => Box::new(stream::Stream::default()),
    })
}

/// A random number, for counters that start at a random value (request ids, generated routing ids).
fn random_u32() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(0u8) as u32
}

/// An integer option value as the socket passes it: the native-endian bytes of an `i64` (or an `i32`).
fn int_option(value: &[u8]) -> Result<i64, Error> {
    if let Ok(b) = <[u8; 8]>::try_from(value) {
        Ok(i64::from_ne_bytes(b))
    } else if let Ok(b) = <[u8; 4]>::try_from(value) {
        Ok(i32::from_ne_bytes(b).into())
    } else {
        Err(Error::invalid("the option takes an integer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stable_socket_type_has_a_pattern() {
        use SocketType::*;
        for t in [
            Pair, Pub, Sub, Req, Rep, Dealer, Router, Pull, Push, XPub, XSub, Stream,
        ] {
            assert!(new(t, &Options::default()).is_ok());
        }
    }

    #[test]
    fn int_options_take_i64_or_i32_bytes() {
        assert_eq!(int_option(&(-2i64).to_ne_bytes()).unwrap(), -2);
        assert_eq!(int_option(&7i32.to_ne_bytes()).unwrap(), 7);
        assert!(int_option(b"x").is_err());
    }
}
