//! ZeroMQ socket types: names, libzmq's numeric values and the peer compatibility matrix.

/// A ZeroMQ socket type, as announced in the `Socket-Type` property of the READY command.
///
/// Only libzmq's stable types are listed; the draft types (SERVER, CLIENT, RADIO, ...) are not supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocketType {
    /// `ZMQ_PAIR` (0): exclusive pair.
    Pair,
    /// `ZMQ_PUB` (1): publisher.
    Pub,
    /// `ZMQ_SUB` (2): subscriber.
    Sub,
    /// `ZMQ_REQ` (3): strict request side.
    Req,
    /// `ZMQ_REP` (4): strict reply side.
    Rep,
    /// `ZMQ_DEALER` (5): asynchronous request side.
    Dealer,
    /// `ZMQ_ROUTER` (6): addressed reply side.
    Router,
    /// `ZMQ_PULL` (7): pipeline sink.
    Pull,
    /// `ZMQ_PUSH` (8): pipeline source.
    Push,
    /// `ZMQ_XPUB` (9): publisher that sees subscriptions.
    XPub,
    /// `ZMQ_XSUB` (10): subscriber that sends subscriptions as messages.
    XSub,
    /// `ZMQ_STREAM` (11): raw TCP; never speaks ZMTP, so it is compatible with no ZMTP peer.
    Stream,
}

impl SocketType {
    /// Every socket type, in libzmq's numeric order.
    pub const ALL: [Self; 12] = [
        Self::Pair,
        Self::Pub,
        Self::Sub,
        Self::Req,
        Self::Rep,
        Self::Dealer,
        Self::Router,
        Self::Pull,
        Self::Push,
        Self::XPub,
        Self::XSub,
        Self::Stream,
    ];

    /// The name sent on the wire in the `Socket-Type` property, e.g. `"DEALER"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pair => "PAIR",
            Self::Pub => "PUB",
            Self::Sub => "SUB",
            Self::Req => "REQ",
            Self::Rep => "REP",
            Self::Dealer => "DEALER",
            Self::Router => "ROUTER",
            Self::Pull => "PULL",
            Self::Push => "PUSH",
            Self::XPub => "XPUB",
            Self::XSub => "XSUB",
            Self::Stream => "STREAM",
        }
    }

    /// Parses a wire name. Matching is exact (upper case), as libzmq's `check_socket_type` compares.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().as_bytes() == name)
    }

    /// libzmq's numeric value (`ZMQ_PAIR` = 0 ... `ZMQ_XSUB` = 10, `ZMQ_STREAM` = 11).
    pub fn to_raw(self) -> i32 {
        match self {
            Self::Pair => 0,
            Self::Pub => 1,
            Self::Sub => 2,
            Self::Req => 3,
            Self::Rep => 4,
            Self::Dealer => 5,
            Self::Router => 6,
            Self::Pull => 7,
            Self::Push => 8,
            Self::XPub => 9,
            Self::XSub => 10,
            Self::Stream => 11,
        }
    }

    /// The socket type with libzmq's numeric value `v`, if it is one of the stable types.
    pub fn from_raw(v: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.to_raw() == v)
    }

    /// Whether a socket of this type may talk to a peer of type `peer`
    /// (libzmq's `mechanism_t::check_socket_type` matrix).
    pub fn is_compatible(self, peer: Self) -> bool {
        use SocketType::*;
        match self {
            Pair => peer == Pair,
            Pub | XPub => matches!(peer, Sub | XSub),
            Sub | XSub => matches!(peer, Pub | XPub),
            Req => matches!(peer, Rep | Router),
            Rep => matches!(peer, Req | Dealer),
            Dealer => matches!(peer, Rep | Dealer | Router),
            Router => matches!(peer, Req | Dealer | Router),
            Pull => peer == Push,
            Push => peer == Pull,
            Stream => false,
        }
    }

    /// Whether libzmq sends the `Identity` property in READY for this type (REQ, DEALER, ROUTER).
    pub(crate) fn sends_identity(self) -> bool {
        matches!(self, Self::Req | Self::Dealer | Self::Router)
    }
}

impl std::fmt::Display for SocketType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip() {
        for (i, t) in SocketType::ALL.into_iter().enumerate() {
            assert_eq!(t.to_raw(), i as i32);
            assert_eq!(SocketType::from_raw(t.to_raw()), Some(t));
            assert_eq!(SocketType::from_name(t.as_str().as_bytes()), Some(t));
        }
        assert_eq!(SocketType::from_raw(12), None);
        assert_eq!(SocketType::from_raw(-1), None);
        assert_eq!(SocketType::from_name(b"dealer"), None);
        assert_eq!(SocketType::from_name(b"SERVER"), None);
    }

    #[test]
    fn compatibility_matrix_is_libzmqs() {
        use SocketType::*;
        let expected: &[(SocketType, &[SocketType])] = &[
            (Pair, &[Pair]),
            (Pub, &[Sub, XSub]),
            (Sub, &[Pub, XPub]),
            (Req, &[Rep, Router]),
            (Rep, &[Req, Dealer]),
            (Dealer, &[Rep, Dealer, Router]),
            (Router, &[Req, Dealer, Router]),
            (Pull, &[Push]),
            (Push, &[Pull]),
            (XPub, &[Sub, XSub]),
            (XSub, &[Pub, XPub]),
            (Stream, &[]),
        ];
        for &(local, peers) in expected {
            for peer in SocketType::ALL {
                assert_eq!(
                    local.is_compatible(peer),
                    peers.contains(&peer),
                    "{local} -> {peer}"
                );
            }
        }
    }
}
