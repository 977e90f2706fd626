//! CURVE traffic after the handshake: every frame (commands too) travels boxed in a MESSAGE, with a
//! short nonce that must strictly increase in each direction.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::AeadInPlace;
use crypto_box::SalsaBox;

use super::{nonce, read_u64, SHORT_NONCE_LEN, TAG_LEN};
use crate::decoder::RawFrame;
use crate::error::{Error, Malformation};

/// `MESSAGE` with its length byte, as libzmq matches it.
const MESSAGE: &[u8] = b"\x07MESSAGE";
/// Flag in the boxed flags byte: more frames follow.
const FLAG_MORE: u8 = 0x01;
/// Flag in the boxed flags byte: the frame is a command.
const FLAG_COMMAND: u8 = 0x02;
/// The smallest MESSAGE: name, nonce, tag, flags.
const MIN_MESSAGE: usize = MESSAGE.len() + SHORT_NONCE_LEN + TAG_LEN + 1;

/// Boxes and unboxes MESSAGE frames with the session key.
pub(super) struct MessageCodec {
    cipher: SalsaBox,
    /// The nonce of our next MESSAGE.
    send_nonce: u64,
    /// The nonce of the peer's last accepted command.
    peer_nonce: u64,
    send_prefix: &'static [u8; 16],
    recv_prefix: &'static [u8; 16],
}

impl std::fmt::Debug for MessageCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageCodec")
            .field("send_nonce", &self.send_nonce)
            .field("peer_nonce", &self.peer_nonce)
            .finish_non_exhaustive()
    }
}

impl MessageCodec {
    /// A codec continuing the handshake's nonces in both directions.
    pub(super) fn new(
        cipher: SalsaBox,
        send_nonce: u64,
        peer_nonce: u64,
        send_prefix: &'static [u8; 16],
        recv_prefix: &'static [u8; 16],
    ) -> Self {
        Self {
            cipher,
            send_nonce,
            peer_nonce,
            send_prefix,
            recv_prefix,
        }
    }

    /// Boxes one frame into a MESSAGE, sent as a plain final message frame (as libzmq does).
    pub(super) fn encode(&mut self, frame: RawFrame) -> Result<RawFrame, Error> {
        let (flags, data) = match frame {
            RawFrame::Message { body, more } => (if more { FLAG_MORE } else { 0 }, body),
            RawFrame::Command(body) => (FLAG_COMMAND, body),
        };
        let n = self.send_nonce;
        self.send_nonce = n.checked_add(1).ok_or(Error::InvalidSequence)?;
        let mut body = BytesMut::with_capacity(MIN_MESSAGE + data.len());
        body.put_slice(MESSAGE);
        body.put_u64(n);
        let start = body.len();
        body.put_bytes(0, TAG_LEN);
        body.put_u8(flags);
        body.put_slice(&data);
        let sealed = body
            .get_mut(start + TAG_LEN..)
            .ok_or(Error::Cryptographic)?;
        let tag = self
            .cipher
            .encrypt_in_place_detached(&nonce(self.send_prefix, &n.to_be_bytes()), b"", sealed)
            .map_err(|_| Error::Cryptographic)?;
        if let Some(slot) = body.get_mut(start..start + TAG_LEN) {
            slot.copy_from_slice(&tag);
        }
        Ok(RawFrame::Message {
            body: body.freeze(),
            more: false,
        })
    }

    /// Unboxes one MESSAGE. A nonce not above the last one is refused before any decryption.
    pub(super) fn decode(&mut self, frame: RawFrame) -> Result<RawFrame, Error> {
        let body = match frame {
            RawFrame::Message { body, more: false } | RawFrame::Command(body) => body,
            RawFrame::Message { more: true, .. } => {
                return Err(Error::malformed(Malformation::MessageCommand))
            }
        };
        if body.len() < MIN_MESSAGE || !body.starts_with(MESSAGE) {
            return Err(Error::malformed(Malformation::MessageCommand));
        }
        let short_nonce = body.slice(MESSAGE.len()..MESSAGE.len() + SHORT_NONCE_LEN);
        let n = read_u64(&short_nonce).ok_or(Error::malformed(Malformation::MessageCommand))?;
        if n <= self.peer_nonce {
            return Err(Error::InvalidSequence);
        }
        let boxed = MESSAGE.len() + SHORT_NONCE_LEN;
        let tag = body
            .get(boxed..boxed + TAG_LEN)
            .ok_or(Error::Cryptographic)?;
        let mut plain = BytesMut::from(body.get(boxed + TAG_LEN..).unwrap_or_default());
        self.cipher
            .decrypt_in_place_detached(
                &nonce(self.recv_prefix, &short_nonce),
                b"",
                &mut plain,
                GenericArray::from_slice(tag),
            )
            .map_err(|_| Error::Cryptographic)?;
        self.peer_nonce = n;
        let flags = plain.first().copied().unwrap_or_default();
        plain.advance(1);
        let data: Bytes = plain.freeze();
        Ok(if flags & FLAG_COMMAND != 0 {
            RawFrame::Command(data)
        } else {
            RawFrame::Message {
                body: data,
                more: flags & FLAG_MORE != 0,
            }
        })
    }
}
