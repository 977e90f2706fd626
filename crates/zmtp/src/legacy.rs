//! ZMTP 1.0 and 2.0 peers, handled as libzmq handles them (`zmtp_engine_t::handshake_v1_0*`,
//! `handshake_v2_0`): no security mechanism (refused unless ours is NULL), no commands, and a first
//! message each way that carries the sender's identity.
//!
//! - ZMTP 2.0 (greeting revision 1) frames like ZMTP 3.x without the command flag: `flags size body`.
//! - ZMTP 1.0 (unversioned, or greeting revision 0) frames as `size flags body`, where `size` counts the
//!   flags byte and is one byte, or `0xFF` and eight bytes; `flags` bit 0 is MORE.
//!
//! An unversioned 1.0 peer never says its socket type; a PUB or XPUB receives a phantom
//! subscription to everything from it, since such peers filtered on their own side.

use bytes::{Buf, Bytes, BytesMut};

use crate::decoder::{Decoder, RawFrame};
use crate::error::{Error, Malformation};
use crate::write_buf::WriteBuf;
use crate::{encoder, Frame, SocketType};

/// Which framing a downgraded connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// ZMTP 1.0.
    V1,
    /// ZMTP 2.0.
    V2,
}

/// What the ZMTP 1.0 decoder waits for.
#[derive(Clone, Copy, Debug)]
enum Step {
    Size,
    LongSize,
    Flags { len: usize },
    Body { len: usize, more: bool },
}

/// The receiving side of a downgraded connection.
#[derive(Debug)]
pub(crate) struct LegacyDecoder {
    framing: Framing,
    v2: Decoder,
    max_msg_size: Option<u64>,
    step: Step,
}

impl LegacyDecoder {
    /// A decoder for `framing`, refusing bodies over `max_msg_size`.
    pub(crate) fn new(framing: Framing, max_msg_size: Option<u64>) -> Self {
        Self {
            framing,
            v2: Decoder::new(max_msg_size),
            max_msg_size,
            step: Step::Size,
        }
    }

    /// Decodes the next message frame, consuming its bytes; `Ok(None)` if `input` ends first.
    pub(crate) fn decode(&mut self, input: &mut BytesMut) -> Result<Option<Frame>, Error> {
        match self.framing {
            Framing::V2 => match self.v2.decode(input)? {
                None => Ok(None),
                Some(RawFrame::Message { body, more }) => {
                    Ok(Some(Frame::new(body).with_more(more)))
                }
                // ZMTP 2.0 has no commands.
                Some(RawFrame::Command(_)) => Err(Error::malformed(Malformation::ReservedFlags)),
            },
            Framing::V1 => self.decode_v1(input),
        }
    }

    fn decode_v1(&mut self, input: &mut BytesMut) -> Result<Option<Frame>, Error> {
        loop {
            match self.step {
                Step::Size => {
                    let Some(&size) = input.first() else {
                        return Ok(None);
                    };
                    input.advance(1);
                    self.step = match size {
                        0xFF => Step::LongSize,
                        _ => Step::Flags {
                            len: self.body_len(u64::from(size))?,
                        },
                    };
                }
                Step::LongSize => {
                    let Some(field) = input.get(..8) else {
                        return Ok(None);
                    };
                    let size = field.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
                    let len = self.body_len(size)?;
                    input.advance(8);
                    self.step = Step::Flags { len };
                }
                Step::Flags { len } => {
                    let Some(&flags) = input.first() else {
                        return Ok(None);
                    };
                    input.advance(1);
                    self.step = Step::Body {
                        len,
                        more: flags & 0x01 != 0,
                    };
                }
                Step::Body { len, more } => {
                    if input.len() < len {
                        return Ok(None);
                    }
                    let body = input.split_to(len).freeze();
                    self.step = Step::Size;
                    return Ok(Some(Frame::new(body).with_more(more)));
                }
            }
        }
    }

    /// The body length for a ZMTP 1.0 `size` (which counts the flags byte; 0 is malformed).
    fn body_len(&self, size: u64) -> Result<usize, Error> {
        let Some(len) = size.checked_sub(1) else {
            return Err(Error::malformed(Malformation::ReservedFlags));
        };
        if let Some(max) = self.max_msg_size.filter(|&max| len > max) {
            return Err(Error::MessageTooLarge { size: len, max });
        }
        usize::try_from(len).map_err(|_| Error::MessageTooLarge {
            size: len,
            max: usize::MAX as u64,
        })
    }

    /// Bytes the current step needs (for read hints).
    pub(crate) fn needed(&self) -> usize {
        match (self.framing, self.step) {
            (Framing::V2, _) => self.v2.needed(),
            (Framing::V1, Step::LongSize) => 8,
            (Framing::V1, Step::Body { len, .. }) => len,
            (Framing::V1, _) => 1,
        }
    }
}

/// What a downgraded connection decoded.
#[derive(Debug)]
pub(crate) enum Received {
    /// The peer's identity message (its routing id, if not empty): the handshake is over.
    Identity(Option<Bytes>),
    /// A message frame.
    Frame(Frame),
}

/// A connection downgraded to ZMTP 1.0 or 2.0, after the greeting.
#[derive(Debug)]
pub(crate) struct Downgraded {
    framing: Framing,
    decoder: LegacyDecoder,
    /// The peer's socket type: announced (2.0) or assumed (1.0).
    pub(crate) peer_type: SocketType,
    /// The peer's identity message has arrived.
    ready: bool,
    /// A phantom subscription to everything is still to be delivered (PUB/XPUB, unversioned peer).
    phantom_subscription: bool,
}

impl Downgraded {
    /// A downgraded connection for a socket of type `ours`; `peer_type` is `None` for an unversioned
    /// peer.
    pub(crate) fn new(
        framing: Framing,
        ours: SocketType,
        peer_type: Option<SocketType>,
        max_msg_size: Option<u64>,
    ) -> Self {
        Self {
            framing,
            decoder: LegacyDecoder::new(framing, max_msg_size),
            peer_type: peer_type.unwrap_or_else(|| assumed_peer_type(ours)),
            ready: false,
            phantom_subscription: peer_type.is_none()
                && matches!(ours, SocketType::Pub | SocketType::XPub),
        }
    }

    /// The version in effect: `(1, 0)` or `(2, 0)`.
    pub(crate) fn version(&self) -> (u8, u8) {
        match self.framing {
            Framing::V1 => (1, 0),
            Framing::V2 => (2, 0),
        }
    }

    /// Whether the peer's identity message has arrived.
    pub(crate) fn is_ready(&self) -> bool {
        self.ready
    }

    /// The next thing decoded from `input`.
    pub(crate) fn next(&mut self, input: &mut BytesMut) -> Result<Option<Received>, Error> {
        if self.ready && self.phantom_subscription {
            self.phantom_subscription = false;
            return Ok(Some(Received::Frame(Frame::new(&b"\x01"[..]))));
        }
        let Some(frame) = self.decoder.decode(input)? else {
            return Ok(None);
        };
        if self.ready {
            return Ok(Some(Received::Frame(frame)));
        }
        self.ready = true;
        Ok(Some(Received::Identity(
            (!frame.data.is_empty()).then_some(frame.data),
        )))
    }

    /// Queues one outgoing frame.
    pub(crate) fn send(&self, out: &mut WriteBuf, frame: Frame) {
        encode(out, self.framing, frame.data, frame.more);
    }

    /// Bytes the decoder needs (for read hints).
    pub(crate) fn needed(&self) -> usize {
        self.decoder.needed()
    }
}

/// Appends one message frame in `framing`.
pub(crate) fn encode(out: &mut WriteBuf, framing: Framing, body: Bytes, more: bool) {
    match framing {
        Framing::V2 => encoder::encode(out, RawFrame::Message { body, more }),
        Framing::V1 => {
            let size = body.len() as u64 + 1;
            match u8::try_from(size) {
                Ok(short) if short < 0xFF => out.put_slice(&[short, u8::from(more)]),
                _ => {
                    let mut header = [0u8; 10];
                    header[0] = 0xFF;
                    header[1..9].copy_from_slice(&size.to_be_bytes());
                    header[9] = u8::from(more);
                    out.put_slice(&header);
                }
            }
            out.put_bytes(body);
        }
    }
}

/// The type a ZMTP 1.0 peer is taken to have, since it never says: the first type that may talk to
/// ours.
pub(crate) fn assumed_peer_type(ours: SocketType) -> SocketType {
    SocketType::ALL
        .into_iter()
        .find(|t| ours.is_compatible(*t))
        .unwrap_or(ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(framing: Framing, body: &[u8], more: bool) -> Vec<u8> {
        let mut out = WriteBuf::default();
        encode(&mut out, framing, Bytes::copy_from_slice(body), more);
        let mut v = Vec::new();
        while !out.is_empty() {
            let c = out.chunk().to_vec();
            out.advance(c.len());
            v.extend(c);
        }
        v
    }

    #[test]
    fn v1_framing_round_trips_short_and_long() {
        assert_eq!(wire(Framing::V1, b"hi", true), b"\x03\x01hi");
        assert_eq!(wire(Framing::V2, b"hi", true), b"\x01\x02hi");
        let big = vec![7u8; 300];
        let long = wire(Framing::V1, &big, false);
        assert_eq!(&long[..10], &[0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x2D, 0]);
        let mut input = BytesMut::from(&b"\x03\x01hi"[..]);
        input.extend_from_slice(&long);
        let mut d = LegacyDecoder::new(Framing::V1, None);
        assert_eq!(
            d.decode(&mut input).unwrap(),
            Some(Frame::new("hi").with_more(true))
        );
        assert_eq!(d.decode(&mut input).unwrap(), Some(Frame::new(big)));
        assert!(input.is_empty());
    }

    #[test]
    fn v1_decoder_refuses_zero_size_and_oversize() {
        let mut d = LegacyDecoder::new(Framing::V1, Some(4));
        assert!(d.decode(&mut BytesMut::from(&b"\x00"[..])).is_err());
        let mut d = LegacyDecoder::new(Framing::V1, Some(4));
        assert!(matches!(
            d.decode(&mut BytesMut::from(&b"\x07\x00"[..])),
            Err(Error::MessageTooLarge { size: 6, max: 4 })
        ));
    }

    #[test]
    fn v1_decoder_takes_input_byte_by_byte() {
        let mut d = LegacyDecoder::new(Framing::V1, None);
        let mut input = BytesMut::new();
        let mut got = Vec::new();
        for &b in b"\x02\x00a\x01\x00" {
            input.extend_from_slice(&[b]);
            while let Some(f) = d.decode(&mut input).unwrap() {
                got.push(f.data);
            }
        }
        assert_eq!(got, ["a", ""]);
    }

    #[test]
    fn assumed_types() {
        assert_eq!(assumed_peer_type(SocketType::Pub), SocketType::Sub);
        assert!(SocketType::Req.is_compatible(assumed_peer_type(SocketType::Req)));
    }
}
