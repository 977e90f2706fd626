//! Security mechanisms (RFC 23 §"Security mechanisms"), shaped like libzmq's `mechanism.hpp`.
//!
//! A mechanism runs the handshake that follows the greeting: the connection hands it every command
//! received ([`Mechanism::process_handshake_command`]), sends every command it produces
//! ([`Mechanism::next_handshake_command`]) and asks its [`Status`] after each step. Once ready, every
//! frame passes through [`Mechanism::encode`] / [`Mechanism::decode`], where CURVE will box and unbox
//! MESSAGE commands; NULL leaves frames as they are.
//!
//! A server-side mechanism that wants a ZAP (RFC 27) verdict hands out a request through
//! [`Mechanism::zap_request`] and stays handshaking until [`Mechanism::zap_reply`]; the connection
//! surfaces the request as an event. Nothing here talks to a socket.

mod curve;
pub(crate) mod null;
mod plain;
mod zap;

use bytes::Bytes;

use crate::command::{self, Command};
use crate::config::{Config, MechanismConfig};
use crate::decoder::{RawFrame, WireFrame};
use crate::encoder;
use crate::error::{Error, Malformation};
use crate::write_buf::WriteBuf;
use crate::{Metadata, SocketType, ZapReply, ZapRequest};

/// Property names libzmq reads from READY.
const SOCKET_TYPE: &str = "Socket-Type";
const IDENTITY: &str = "Identity";

/// `HELLO` (PLAIN and CURVE).
const HELLO: &[u8] = b"HELLO";
/// `WELCOME` (PLAIN and CURVE).
const WELCOME: &[u8] = b"WELCOME";
/// `INITIATE` (PLAIN and CURVE).
const INITIATE: &[u8] = b"INITIATE";

/// Where a mechanism's handshake stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// More commands must be exchanged.
    Handshaking,
    /// The handshake is complete; traffic may flow.
    Ready,
}

impl Status {
    /// [`Status::Ready`] once the mechanism expects no more commands and has none left to send.
    fn when(done: bool, out: &Option<Bytes>) -> Self {
        if done && out.is_none() {
            Self::Ready
        } else {
            Self::Handshaking
        }
    }
}

/// What the handshake learned about the peer.
#[derive(Clone, Debug)]
pub(crate) struct PeerProperties {
    pub(crate) socket_type: SocketType,
    pub(crate) metadata: Metadata,
}

/// One side of a security handshake plus the per-frame hooks used after it.
pub(crate) trait Mechanism: std::fmt::Debug + Send {
    /// The next command body to send, if the mechanism has one now.
    fn next_handshake_command(&mut self) -> Option<Bytes>;

    /// Splits a command frame received during the handshake into name and data.
    fn parse_command(&self, body: Bytes) -> Result<Command, Error> {
        Command::parse(body)
    }

    /// Takes one command received during the handshake. An error is fatal; any command the
    /// mechanism wants sent first (e.g. ERROR) is then available from `next_handshake_command`.
    fn process_handshake_command(&mut self, command: Command) -> Result<(), Error>;

    /// Where the handshake stands.
    fn status(&self) -> Status;

    /// The peer's properties (with what ZAP said about it), once its READY (or equivalent) has been
    /// accepted.
    fn peer_properties(&self) -> Option<PeerProperties>;

    /// A ZAP request to hand to the handler, once (server side, when a handler is available).
    fn zap_request(&mut self) -> Option<ZapRequest> {
        None
    }

    /// The handler's verdict on the request handed out; ignored if none is outstanding. A refusal is
    /// an error, after queueing the ERROR command libzmq sends for it (400 and 500).
    fn zap_reply(&mut self, reply: ZapReply) -> Result<(), Error> {
        let _ = reply;
        Ok(())
    }

    /// Writes an outgoing frame after the handshake to `out` (CURVE encrypts it into a MESSAGE in
    /// place there).
    fn encode(&mut self, frame: RawFrame, out: &mut WriteBuf) -> Result<(), Error> {
        encoder::encode(out, frame);
        Ok(())
    }

    /// Transforms an incoming frame after the handshake (CURVE decrypts MESSAGE in place).
    fn decode(&mut self, frame: WireFrame) -> Result<RawFrame, Error> {
        Ok(frame.freeze())
    }
}

/// The mechanism `config` asks for.
pub(crate) fn new(config: &Config) -> Result<Box<dyn Mechanism>, Error> {
    Ok(match &config.mechanism {
        MechanismConfig::Null => Box::new(null::NullMechanism::new(config)),
        MechanismConfig::PlainClient { username, password } => {
            Box::new(plain::PlainClient::new(config, username, password))
        }
        MechanismConfig::PlainServer => Box::new(plain::PlainServer::new(config)),
        MechanismConfig::CurveClient {
            public_key,
            secret_key,
            server_key,
        } => Box::new(curve::CurveClient::new(
            config, public_key, secret_key, server_key,
        )?),
        MechanismConfig::CurveServer { secret_key } => {
            Box::new(curve::CurveServer::new(config, secret_key))
        }
    })
}

/// Our metadata as libzmq sends it: `Socket-Type`, `Identity` (REQ, DEALER, ROUTER only), then
/// the configured extra properties; prefixed with `name` (READY, or INITIATE for PLAIN).
pub(crate) fn metadata_command(name: &[u8], config: &Config) -> Bytes {
    let mut body = command::start(name, 64);
    put_metadata(&mut body, config);
    body.freeze()
}

/// Appends our metadata properties (see [`metadata_command`]) to `body`.
pub(crate) fn put_metadata(body: &mut bytes::BytesMut, config: &Config) {
    Metadata::encode_property(body, SOCKET_TYPE, config.socket_type.as_str().as_bytes());
    if config.socket_type.sends_identity() {
        Metadata::encode_property(body, IDENTITY, &config.routing_id);
    }
    config.metadata.encode_into(body);
}

/// Parses the peer's metadata and checks its socket type against ours.
pub(crate) fn parse_peer_metadata(
    local: SocketType,
    data: &Bytes,
) -> Result<PeerProperties, Error> {
    let metadata = Metadata::parse(data)?;
    let name = metadata
        .get(SOCKET_TYPE)
        .ok_or(Error::malformed(Malformation::MissingSocketType))?;
    match SocketType::from_name(name) {
        Some(peer) if local.is_compatible(peer) => Ok(PeerProperties {
            socket_type: peer,
            metadata,
        }),
        _ => Err(Error::IncompatibleSocketType {
            ours: local,
            peer: String::from_utf8_lossy(name).into_owned(),
        }),
    }
}

/// The error for a command the handshake did not expect now: what a received ERROR stands for, else
/// [`Error::UnexpectedCommand`].
fn unexpected(cmd: &Command) -> Error {
    if cmd.is(command::ERROR) {
        match command::parse_error_reason(&cmd.data) {
            Ok(reason) => Error::PeerError(reason),
            Err(e) => e,
        }
    } else {
        Error::UnexpectedCommand {
            name: cmd.name_lossy(),
        }
    }
}

/// The peer's routing id: its `Identity` property, if present and not empty.
pub(crate) fn peer_routing_id(metadata: &Metadata) -> Option<Bytes> {
    metadata.get(IDENTITY).filter(|id| !id.is_empty()).cloned()
}
