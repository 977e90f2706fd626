//! The errors a [`Connection`](crate::Connection) reports. Every error is fatal to the connection.

use crate::SocketType;

/// `ZMQ_PROTOCOL_ERROR_ZMTP_*` codes from libzmq's `zmq.h`, reported by [`Error::protocol_code`].
pub mod protocol_code {
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED`.
    pub const UNSPECIFIED: u32 = 0x1000_0000;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND`.
    pub const UNEXPECTED_COMMAND: u32 = 0x1000_0001;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE` (a CURVE nonce that did not increase).
    pub const INVALID_SEQUENCE: u32 = 0x1000_0002;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED`.
    pub const MALFORMED_COMMAND_UNSPECIFIED: u32 = 0x1000_0011;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE`.
    pub const MALFORMED_COMMAND_MESSAGE: u32 = 0x1000_0012;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO`.
    pub const MALFORMED_COMMAND_HELLO: u32 = 0x1000_0013;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE`.
    pub const MALFORMED_COMMAND_INITIATE: u32 = 0x1000_0014;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR`.
    pub const MALFORMED_COMMAND_ERROR: u32 = 0x1000_0015;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY`.
    pub const MALFORMED_COMMAND_READY: u32 = 0x1000_0016;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME`.
    pub const MALFORMED_COMMAND_WELCOME: u32 = 0x1000_0017;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA`.
    pub const INVALID_METADATA: u32 = 0x1000_0018;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC` (a box that does not open, a wrong key).
    pub const CRYPTOGRAPHIC: u32 = 0x1100_0001;
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`.
    pub const MECHANISM_MISMATCH: u32 = 0x1100_0002;
    /// `ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY`.
    pub const ZAP_MALFORMED_REPLY: u32 = 0x2000_0001;
    /// `ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID`.
    pub const ZAP_BAD_REQUEST_ID: u32 = 0x2000_0002;
    /// `ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION`.
    pub const ZAP_BAD_VERSION: u32 = 0x2000_0003;
    /// `ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE`.
    pub const ZAP_INVALID_STATUS_CODE: u32 = 0x2000_0004;
    /// `ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA`.
    pub const ZAP_INVALID_METADATA: u32 = 0x2000_0005;
}

/// What was wrong with a ZAP handler's reply, for [`Error::ZapFailed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZapFailure {
    /// Not seven frames, or a non-empty delimiter.
    MalformedReply,
    /// A request id other than the one sent.
    BadRequestId,
    /// A version other than `1.0`.
    BadVersion,
    /// A status code other than 200, 300, 400 or 500.
    InvalidStatusCode,
    /// A metadata frame that does not parse.
    InvalidMetadata,
}

impl ZapFailure {
    /// libzmq's `ZMQ_PROTOCOL_ERROR_ZAP_*` code for it.
    fn code(self) -> u32 {
        use protocol_code::*;
        match self {
            Self::MalformedReply => ZAP_MALFORMED_REPLY,
            Self::BadRequestId => ZAP_BAD_REQUEST_ID,
            Self::BadVersion => ZAP_BAD_VERSION,
            Self::InvalidStatusCode => ZAP_INVALID_STATUS_CODE,
            Self::InvalidMetadata => ZAP_INVALID_METADATA,
        }
    }
}

/// What exactly was malformed, for [`Error::Malformed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformation {
    /// A frame's flags byte had one of the reserved bits 3–7 set.
    ReservedFlags,
    /// A command frame had the MORE flag set.
    CommandWithMore,
    /// A command frame was empty or shorter than its declared name.
    Command,
    /// A message frame arrived during the handshake, where only commands are allowed.
    MessageDuringHandshake,
    /// An ERROR command whose reason overruns the command.
    ErrorCommand,
    /// READY metadata that does not parse as `name-len(1) name value-len(4) value` pairs.
    Metadata,
    /// READY metadata without a `Socket-Type` property.
    MissingSocketType,
    /// A PING command too short to hold its TTL.
    PingCommand,
    /// A PLAIN or CURVE HELLO of the wrong size or CURVE version.
    HelloCommand,
    /// A PLAIN or CURVE WELCOME of the wrong size.
    WelcomeCommand,
    /// A PLAIN or CURVE INITIATE too short or of the wrong layout.
    InitiateCommand,
    /// A CURVE READY too short.
    ReadyCommand,
    /// A CURVE MESSAGE too short or not a MESSAGE.
    MessageCommand,
}

impl Malformation {
    fn describe(self) -> &'static str {
        match self {
            Self::ReservedFlags => "frame flags with reserved bits set",
            Self::CommandWithMore => "command frame with the MORE flag",
            Self::Command => "command frame",
            Self::MessageDuringHandshake => "message frame during the handshake",
            Self::ErrorCommand => "ERROR command",
            Self::Metadata => "READY metadata",
            Self::MissingSocketType => "READY metadata without Socket-Type",
            Self::PingCommand => "PING command",
            Self::HelloCommand => "HELLO command",
            Self::WelcomeCommand => "WELCOME command",
            Self::InitiateCommand => "INITIATE command",
            Self::ReadyCommand => "READY command",
            Self::MessageCommand => "MESSAGE command",
        }
    }
}

impl std::fmt::Display for Malformation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// A fatal connection error. Once returned, every later call on the connection returns it again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer speaks ZMTP 1.0 or 2.0 (not supported yet).
    ///
    /// `revision` is the greeting's version byte, or `None` for an unversioned ZMTP 1.0 peer
    /// (first byte not `0xFF`, or byte 9 without bit 0).
    #[error("unsupported ZMTP version (revision {revision:?}); only ZMTP 3.x is spoken")]
    UnsupportedVersion {
        /// Byte 10 of the peer's greeting, if it sent a versioned signature.
        revision: Option<u8>,
    },
    /// The peer uses a different security mechanism.
    #[error("security mechanism mismatch: ours is {ours}, the peer's is {peer:?}")]
    MechanismMismatch {
        /// Our mechanism name.
        ours: &'static str,
        /// The peer's mechanism name (NUL padding removed).
        peer: String,
    },
    /// The peer's socket type cannot talk to ours (we sent an ERROR command before failing).
    #[error("peer socket type {peer:?} is not compatible with {ours}")]
    IncompatibleSocketType {
        /// Our socket type.
        ours: SocketType,
        /// The peer's `Socket-Type` value.
        peer: String,
    },
    /// A frame header declared a body larger than the configured maximum (`MAXMSGSIZE`).
    #[error("frame of {size} bytes exceeds the limit of {max} bytes")]
    MessageTooLarge {
        /// The size the peer declared.
        size: u64,
        /// The limit in force.
        max: u64,
    },
    /// The peer sent bytes that break the protocol.
    #[error("malformed {kind}")]
    Malformed {
        /// What was malformed.
        kind: Malformation,
    },
    /// The peer sent a command that is not valid at this point of the handshake.
    #[error("unexpected command {name:?}")]
    UnexpectedCommand {
        /// The command name.
        name: String,
    },
    /// The peer sent an ERROR command during the handshake.
    #[error("peer sent ERROR: {0}")]
    PeerError(String),
    /// The handshake did not complete within `handshake_ivl`.
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// Nothing was received within the heartbeat timeout or the peer's PING TTL.
    #[error("heartbeat timed out")]
    HeartbeatTimeout,
    /// A CURVE box did not open (forged or corrupted, or the peer used other keys), or the keys it
    /// carried were not the expected ones.
    #[error("CURVE cryptographic check failed")]
    Cryptographic,
    /// A CURVE nonce was not above the previous one (a replayed or reordered command).
    #[error("CURVE nonce did not increase")]
    InvalidSequence,
    /// The operating system gave no randomness for keys or nonces.
    #[error("no randomness available")]
    RandomUnavailable,
    /// A PLAIN server needs a ZAP handler to check passwords, and none is bound (libzmq refuses
    /// such a client too).
    #[error("no ZAP handler to authenticate the peer")]
    ZapUnavailable,
    /// Our ZAP handler refused the peer with this status (300, 400 or 500).
    #[error("ZAP handler refused the peer (status {status})")]
    AuthFailed {
        /// The ZAP status code.
        status: u32,
    },
    /// The ZAP handler's reply was not valid.
    #[error("invalid ZAP reply: {kind:?}")]
    ZapFailed {
        /// What was wrong.
        kind: ZapFailure,
    },
    /// [`Connection::send`](crate::Connection::send) was called before [`Event::Ready`](crate::Event::Ready).
    #[error("connection is not ready (handshake in progress)")]
    NotReady,
}

impl Error {
    pub(crate) fn malformed(kind: Malformation) -> Self {
        Self::Malformed { kind }
    }

    /// The `ZMQ_PROTOCOL_ERROR_ZMTP_*` value libzmq reports with `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`
    /// for this error, or `None` where libzmq reports no protocol event (timeouts, version refusal,
    /// oversized frames, a peer's ERROR command).
    pub fn protocol_code(&self) -> Option<u32> {
        use protocol_code::*;
        Some(match self {
            Self::MechanismMismatch { .. } => MECHANISM_MISMATCH,
            Self::IncompatibleSocketType { .. } => INVALID_METADATA,
            Self::UnexpectedCommand { .. } => UNEXPECTED_COMMAND,
            Self::Cryptographic => CRYPTOGRAPHIC,
            Self::InvalidSequence => INVALID_SEQUENCE,
            Self::ZapFailed { kind } => kind.code(),
            Self::Malformed { kind } => match kind {
                Malformation::ReservedFlags => UNSPECIFIED,
                Malformation::CommandWithMore
                | Malformation::Command
                | Malformation::PingCommand => MALFORMED_COMMAND_UNSPECIFIED,
                Malformation::MessageDuringHandshake => UNEXPECTED_COMMAND,
                Malformation::ErrorCommand => MALFORMED_COMMAND_ERROR,
                Malformation::Metadata | Malformation::MissingSocketType => INVALID_METADATA,
                Malformation::HelloCommand => MALFORMED_COMMAND_HELLO,
                Malformation::WelcomeCommand => MALFORMED_COMMAND_WELCOME,
                Malformation::InitiateCommand => MALFORMED_COMMAND_INITIATE,
                Malformation::ReadyCommand => MALFORMED_COMMAND_READY,
                Malformation::MessageCommand => MALFORMED_COMMAND_MESSAGE,
            },
            _ => return None,
        })
    }

    /// The ZAP status libzmq reports with `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`: our handler's refusal,
    /// or a peer's ERROR command whose reason is a ZAP status code (`"300"`, `"400"` or `"500"`).
    pub fn auth_status(&self) -> Option<u32> {
        match self {
            Self::AuthFailed { status } => Some(*status),
            Self::PeerError(reason) => match reason.as_bytes() {
                [d @ b'3'..=b'5', b'0', b'0'] => Some(u32::from(d - b'0') * 100),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(
            Error::malformed(Malformation::Metadata).protocol_code(),
            Some(0x1000_0018)
        );
        assert_eq!(Error::HandshakeTimeout.protocol_code(), None);
        assert_eq!(Error::PeerError("400".into()).auth_status(), Some(400));
        assert_eq!(Error::PeerError("401".into()).auth_status(), None);
        assert_eq!(Error::PeerError("nope".into()).auth_status(), None);
    }
}
