//! Security mechanisms (RFC 23 §"Security mechanisms"), shaped like libzmq's `mechanism.hpp`.
//!
//! A mechanism runs the handshake that follows the greeting: the connection hands it every command
//! received ([`Mechanism::process_handshake_command`]), sends every command it produces
//! ([`Mechanism::next_handshake_command`]) and asks its [`Status`] after each step. Once ready, every
//! frame passes through [`Mechanism::encode`] / [`Mechanism::decode`], where CURVE will box and unbox
//! MESSAGE commands; NULL leaves frames as they are.
//!
//! ZAP (RFC 27) will be a further status, "waiting for a ZAP reply", surfaced by the connection as an
//! event carrying the request, plus a method taking the reply; nothing here talks to a socket.

pub(crate) mod null;

use bytes::Bytes;

use crate::command::{self, Command};
use crate::config::{Config, MechanismConfig};
use crate::decoder::RawFrame;
use crate::error::{Error, Malformation};
use crate::{Metadata, SocketType};

/// Property names libzmq reads from READY.
const SOCKET_TYPE: &str = "Socket-Type";
const IDENTITY: &str = "Identity";

/// Where a mechanism's handshake stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// More commands must be exchanged.
    Handshaking,
    /// The handshake is complete; traffic may flow.
    Ready,
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

    /// Takes one command received during the handshake. An error is fatal; any command the
    /// mechanism wants sent first (e.g. ERROR) is then available from `next_handshake_command`.
    fn process_handshake_command(&mut self, command: Command) -> Result<(), Error>;

    /// Where the handshake stands.
    fn status(&self) -> Status;

    /// The peer's properties, once its READY (or equivalent) has been accepted.
    fn peer_properties(&self) -> Option<&PeerProperties>;

    /// Transforms an outgoing frame after the handshake (CURVE encrypts it into MESSAGE).
    fn encode(&mut self, frame: RawFrame) -> RawFrame {
        frame
    }

    /// Transforms an incoming frame after the handshake (CURVE decrypts MESSAGE).
    fn decode(&mut self, frame: RawFrame) -> Result<RawFrame, Error> {
        Ok(frame)
    }
}

/// The mechanism `config` asks for.
pub(crate) fn new(config: &Config) -> Box<dyn Mechanism> {
    match config.mechanism {
        MechanismConfig::Null => Box::new(null::NullMechanism::new(config)),
    }
}

/// Our metadata as libzmq sends it: `Socket-Type`, `Identity` (REQ, DEALER, ROUTER only), then
/// the configured extra properties; prefixed with `name` (READY, or INITIATE for PLAIN/CURVE).
pub(crate) fn metadata_command(name: &[u8], config: &Config) -> Bytes {
    let mut body = command::start(name, 64);
    Metadata::encode_property(
        &mut body,
        SOCKET_TYPE,
        config.socket_type.as_str().as_bytes(),
    );
    if config.socket_type.sends_identity() {
        Metadata::encode_property(&mut body, IDENTITY, &config.routing_id);
    }
    config.metadata.encode_into(&mut body);
    body.freeze()
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

/// The peer's routing id: its `Identity` property, if present and not empty.
pub(crate) fn peer_routing_id(metadata: &Metadata) -> Option<Bytes> {
    metadata.get(IDENTITY).filter(|id| !id.is_empty()).cloned()
}
