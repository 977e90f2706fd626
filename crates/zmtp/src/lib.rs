//! Sans-IO ZMTP 3.1 (with ZMTP 3.0 peers): the greeting, the frame codec, commands, metadata,
//! security mechanisms (NULL, PLAIN, CURVE, with ZAP requests as events) and heartbeats of the ZeroMQ Message Transport Protocol
//! ([RFC 23](https://rfc.zeromq.org/spec/23/), [RFC 37](https://rfc.zeromq.org/spec/37/)), behaving
//! like libzmq 4.3 on the wire.
//!
//! This crate does no I/O: it opens no sockets, starts no threads and never reads the clock. Bytes
//! come in as a [`BytesMut`](bytes::BytesMut) the caller owns, time comes in as an [`Instant`]
//! argument, and output waits in a [`WriteBuf`] for the caller to write.
//!
//! ```text
//!   transport bytes ──► BytesMut ──► Connection::poll_event ──► Event::Ready(PeerInfo)
//!                                      │ greeting                Event::Frame(Frame)
//!                                      │ mechanism handshake
//!                                      │ frame decoder (PING → PONG handled inside)
//!                                      ▼
//!   transport ◄── writev ◄── WriteBuf ◄── encoder ◄── Connection::send(Frame)
//!
//!   Instant ──► handle_timeout (PING, handshake / heartbeat deadlines);  poll_timeout ──► next deadline
//! ```
//!
//! # A minimal loop
//! Two connections talking over in-memory buffers (a real caller reads and writes a socket):
//!
//! ```
//! use std::time::Instant;
//! use bytes::BytesMut;
//! use zmtp::{Config, Connection, Event, Frame, SocketType};
//!
//! /// Moves what `from` wants to write into `to`, the way `writev` would.
//! fn transfer(from: &mut Connection, to: &mut BytesMut) {
//!     let out = from.write_buf();
//!     while !out.is_empty() {
//!         let chunk = out.chunk();
//!         to.extend_from_slice(chunk);
//!         let n = chunk.len();
//!         out.advance(n);
//!     }
//! }
//!
//! let now = Instant::now();
//! let mut dealer = Connection::new(Config::new(SocketType::Dealer), now);
//! let mut router = Connection::new(Config::new(SocketType::Router), now);
//! let (mut to_dealer, mut to_router) = (BytesMut::new(), BytesMut::new());
//! let mut received = Vec::new();
//! for _ in 0..6 {
//!     transfer(&mut dealer, &mut to_router);
//!     transfer(&mut router, &mut to_dealer);
//!     while let Some(event) = dealer.poll_event(&mut to_dealer, now)? {
//!         if let Event::Ready(peer) = event {
//!             assert_eq!(peer.socket_type, SocketType::Router);
//!             dealer.send(Frame::new("hello"))?;
//!         }
//!     }
//!     while let Some(event) = router.poll_event(&mut to_router, now)? {
//!         if let Event::Frame(frame) = event {
//!             received.push(frame.data);
//!         }
//!     }
//! }
//! assert_eq!(received, ["hello"]);
//! # Ok::<(), zmtp::Error>(())
//! ```
//!
//! # Older peers
//! ZMTP 2.0 and 1.0 peers (versioned or not) are spoken to as libzmq speaks to them: their framing,
//! an identity message each way first, no commands, and only with the NULL mechanism (otherwise
//! [`Error::UnsupportedVersion`]). [`PeerInfo::version`] tells `(2, 0)` or `(1, 0)`.
//!
//! # Not (yet) here
//! GSSAPI, and the draft socket types' commands (JOIN/LEAVE).
//!
//! [`Instant`]: std::time::Instant
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod command;
mod config;
mod connection;
mod decoder;
mod encoder;
mod error;
mod event;
mod frame;
mod greeting;
mod heartbeat;
mod keys;
mod legacy;
mod mechanism;
mod metadata;
mod raw;
mod socket_type;
mod write_buf;
pub mod z85;
mod zap;

#[cfg(test)]
mod tests;

pub use config::{Config, MechanismConfig};
pub use connection::Connection;
pub use error::{protocol_code, Error, Malformation, ZapFailure};
pub use event::{Event, PeerInfo};
pub use frame::Frame;
pub use keys::{curve_keypair, curve_public, parse_key, CurveSecretKey, KEY_LEN, Z85_KEY_LEN};
pub use metadata::Metadata;
pub use raw::RawConnection;
pub use socket_type::SocketType;
pub use write_buf::WriteBuf;
pub use zap::{ZapReply, ZapRequest, ZAP_ENDPOINT};
