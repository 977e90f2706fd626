//! Per-connection configuration.

use std::time::Duration;

use bytes::Bytes;

use crate::keys::{CurveSecretKey, KEY_LEN};
use crate::{Metadata, SocketType};

/// The security mechanism a connection uses (RFC 23 §"Security mechanisms"), with this side's role
/// and credentials. Both peers must use the same mechanism, one as client and one as server.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MechanismConfig {
    /// No security (RFC 23 §"The NULL security mechanism").
    #[default]
    Null,
    /// PLAIN client (RFC 24): sends a user name and password in clear.
    PlainClient {
        /// `ZMQ_PLAIN_USERNAME` (at most 255 bytes are sent).
        username: Bytes,
        /// `ZMQ_PLAIN_PASSWORD` (at most 255 bytes are sent).
        password: Bytes,
    },
    /// PLAIN server (`ZMQ_PLAIN_SERVER`): a ZAP handler checks the credentials.
    PlainServer,
    /// CURVE client (RFC 25/26): needs its key pair and the server's public key.
    CurveClient {
        /// `ZMQ_CURVE_PUBLICKEY`.
        public_key: [u8; KEY_LEN],
        /// `ZMQ_CURVE_SECRETKEY`.
        secret_key: CurveSecretKey,
        /// `ZMQ_CURVE_SERVERKEY`.
        server_key: [u8; KEY_LEN],
    },
    /// CURVE server (`ZMQ_CURVE_SERVER`): needs its secret key (the public key is derived from it).
    CurveServer {
        /// `ZMQ_CURVE_SECRETKEY`.
        secret_key: CurveSecretKey,
    },
}

impl std::fmt::Debug for MechanismConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PlainClient { username, .. } => f
                .debug_struct("PlainClient")
                .field("username", username)
                .finish_non_exhaustive(),
            Self::CurveClient {
                public_key,
                server_key,
                ..
            } => f
                .debug_struct("CurveClient")
                .field("public_key", public_key)
                .field("server_key", server_key)
                .finish_non_exhaustive(),
            other => f.write_str(other.name()),
        }
    }
}

impl MechanismConfig {
    /// The mechanism name sent in the greeting, e.g. `"NULL"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Null => "NULL",
            Self::PlainClient { .. } | Self::PlainServer => "PLAIN",
            Self::CurveClient { .. } | Self::CurveServer { .. } => "CURVE",
        }
    }

    /// The greeting's as-server flag.
    pub(crate) fn as_server(&self) -> bool {
        matches!(self, Self::PlainServer | Self::CurveServer { .. })
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
    /// `ZMQ_ZAP_DOMAIN`, sent in ZAP requests; a NULL connection asks ZAP only when it is set.
    pub zap_domain: Bytes,
    /// A ZAP handler is available: PLAIN and CURVE servers (and NULL with a `zap_domain`) then
    /// report [`Event::ZapRequest`](crate::Event::ZapRequest) and wait for the reply. Without one,
    /// CURVE and NULL accept every peer and a PLAIN server refuses every client, like libzmq.
    pub zap_handler: bool,
}

impl Config {
    /// Defaults: empty routing id, NULL mechanism, no size limit, no heartbeats, 30 s handshake limit,
    /// no ZAP.
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
            zap_domain: Bytes::new(),
            zap_handler: false,
        }
    }
}
