//! What a [`Connection`](crate::Connection) reports to its caller.

use bytes::Bytes;

use crate::{Frame, Metadata, SocketType, ZapRequest};

/// What the handshake told us about the peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's `Socket-Type` (already checked to be compatible with ours).
    pub socket_type: SocketType,
    /// The peer's `Identity` property, if it sent a non-empty one (REQ, DEALER and ROUTER do).
    pub routing_id: Option<Bytes>,
    /// Every property of the peer's READY, in wire order (including `Socket-Type` and `Identity`),
    /// then, when a ZAP handler accepted the peer, `User-Id` (if not empty) and the handler's metadata.
    pub metadata: Metadata,
    /// The ZMTP version in effect: `(3, 0)` or `(3, 1)`; `(2, 0)` or `(1, 0)` for an older peer
    /// (whose socket type a 1.0 peer never names: then it is the first type compatible with ours).
    pub version: (u8, u8),
}

/// An event decoded from the peer's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The handshake is complete; [`Connection::send`](crate::Connection::send) may now be used.
    Ready(PeerInfo),
    /// One message frame. On PUB and XPUB, a ZMTP 3.1 SUBSCRIBE/CANCEL command also arrives this
    /// way, as a frame `0x01`/`0x00` + topic (the form ZMTP 3.0 peers send anyway).
    Frame(Frame),
    /// The security handshake needs the ZAP handler's verdict on the peer: deliver the request (with
    /// the peer's address filled in) and pass the reply to
    /// [`Connection::zap_reply`](crate::Connection::zap_reply). The handshake waits until then.
    ZapRequest(ZapRequest),
}
