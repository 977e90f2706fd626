//! Per-connection configuration.

use std::time::Duration;

use bytes::Bytes;

use crate::{Metadata, SocketType};

/// The security mechanism a connection uses (RFC 23 §"Security mechanisms").
///
/// Both peers must use the same one. PLAIN and CURVE will be added as further variants carrying
/// their credentials and whether this side is the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MechanismConfig {
    /// No security (RFC 23 §"The NULL security mechanism").
    #[default]
    Null,
}

impl MechanismConfig {
    /// The mechanism name sent in the greeting, e.g. `"NULL"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Null => "NULL",
        }
    }

    /// The greeting's as-server flag (always `false` for NULL).
    pub(crate) fn as_server(&self) -> bool {
        match self {
            Self::Null => false,
        }
    }
}

/// Configuration of one [`Connection`](crate::Connection); mirrors the libzmq socket options that
/// act on the wire.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Our socket type, sent as `Socket-Type` and checked against the peer's.
    pub socket_type: SocketType,
    /// `ZMQ_ROUTING_ID`, sent as the `Identity` property (only from REQ, DEALER and ROUTER, like libzmq).
    pub routing_id: Bytes,
    /// The security mechanism.
    pub mechanism: MechanismConfig,
    /// `ZMQ_MAXMSGSIZE`: a frame declaring a larger body is an error as soon as its header is read.
    pub max_msg_size: Option<u64>,
    /// `ZMQ_HEARTBEAT_IVL`: send a PING this often once ready (`None` or zero: never).
    pub heartbeat_ivl: Option<Duration>,
    /// `ZMQ_HEARTBEAT_TTL`: the TTL announced in our PINGs (sent in deciseconds, at most 6553.5 s).
    pub heartbeat_ttl: Option<Duration>,
    /// `ZMQ_HEARTBEAT_TIMEOUT`: fail if nothing arrives this long after a PING (default: `heartbeat_ivl`).
    pub heartbeat_timeout: Option<Duration>,
    /// `ZMQ_HANDSHAKE_IVL`: the handshake must complete within this (`None` or zero: no limit).
    pub handshake_ivl: Option<Duration>,
    /// Extra properties (e.g. `X-*` application metadata) sent in READY after `Socket-Type` and
    /// `Identity`.
    pub metadata: Metadata,
}

impl Config {
    /// Defaults: empty routing id, NULL mechanism, no size limit, no heartbeats, 30 s handshake limit.
    pub fn new(socket_type: SocketType) -> Self {
        Self {
            socket_type,
            routing_id: Bytes::new(),
            mechanism: MechanismConfig::Null,
            max_msg_size: None,
            heartbeat_ivl: None,
            heartbeat_ttl: None,
            heartbeat_timeout: None,
            handshake_ivl: Some(Duration::from_secs(30)),
            metadata: Metadata::new(),
        }
    }
}
