//! # ferrozmq
//!
//! A pure-Rust ZeroMQ: libzmq's sockets and semantics, ZMTP 3.1 on the wire (3.0 peers handled as libzmq
//! does), and no C anywhere in the dependency tree.
//!
//! ```text
//!  user thread                         I/O thread (tcp, ipc)
//!  Socket ── Pattern ── Links ═pipes═ Session ── zmtp::Connection ── stream
//!                            ╚═pipes═ Socket (inproc: no encoding, no I/O thread)
//! ```
//!
//! ```
//! use ferrozmq::{Context, SocketType};
//! let ctx = Context::new();
//! let rep = ctx.socket(SocketType::Rep).unwrap();
//! rep.bind("inproc://example").unwrap();
//! let req = ctx.socket(SocketType::Req).unwrap();
//! req.connect("inproc://example").unwrap();
//! req.send("hello", 0).unwrap();
//! assert_eq!(rep.recv_bytes(0).unwrap(), "hello");
//! rep.send("world", 0).unwrap();
//! assert_eq!(req.recv_bytes(0).unwrap(), "world");
//! ```
//!
//! # Security
//! PLAIN and CURVE (with ZAP authentication) work as in libzmq, in pure Rust: see
//! [`Socket::set_curve_server`], [`Socket::set_plain_server`], [`curve_keypair`] and the
//! [`Authenticator`], a ZAP handler like pyzmq's `zmq.auth`.
#![forbid(unsafe_code)]

mod aio;
mod auth;
mod context;
mod endpoint;
mod engine;
mod error;
pub mod event;
mod idmap;
mod inproc;
mod links;
mod mailbox;
mod monitor;
mod options;
mod pattern;
mod pipe;
mod proxy;
mod signaler;
mod socket;
mod tcp_options;
mod transport;

pub use aio::AsyncSocket;
pub use auth::{Authenticator, CurveAllow};
pub use context::{ctx_opt, Context};
pub use error::{errno, Error, Result};
pub use options::opt;
pub use proxy::{proxy, proxy_steerable, ProxyStats, SideStats};
pub use socket::{poll, poll_ms, PollItem, Socket, DONTWAIT, POLLERR, POLLIN, POLLOUT, SNDMORE};
pub use zmtp::{curve_keypair, curve_public, z85, Frame, SocketType, ZAP_ENDPOINT};
