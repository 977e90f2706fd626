//! CURVE traffic after the handshake: every frame (commands too) travels boxed in a MESSAGE, with a
//! short nonce that must strictly increase in each direction.

use bytes::{Buf, BufMut};
use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::AeadInPlace;
use crypto_box::SalsaBox;

use super::{nonce, read_u64, SHORT_NONCE_LEN, TAG_LEN};
use crate::decoder::{RawFrame, WireFrame, FLAG_MORE as FLAG_WIRE_MORE};
use crate::encoder;
use crate::error::{Error, Malformation};
use crate::write_buf::WriteBuf;

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

    /// Boxes one frame into a MESSAGE, sent as a plain final message frame (as libzmq does), written
    /// straight into `out` and encrypted there.
    pub(super) fn encode(&mut self, frame: RawFrame, out: &mut WriteBuf) -> Result<(), Error> {
        let (flags, data) = match frame {
            RawFrame::Message { body, more } => (if more { FLAG_MORE } else { 0 }, body),
            RawFrame::Command(body) => (FLAG_COMMAND, body),
        };
        let n = self.send_nonce;
        let next = n.checked_add(1).ok_or(Error::InvalidSequence)?;
        let len = MIN_MESSAGE + data.len();
        let (header, header_len) = encoder::header(0, len);
        let header = header.get(..header_len).unwrap_or_default();
        let cipher = &self.cipher;
        let nonce = nonce(self.send_prefix, &n.to_be_bytes());
        out.put_with(header.len() + len, |buf| {
            buf.put_slice(header);
            buf.put_slice(MESSAGE);
            buf.put_u64(n);
            let start = buf.len();
            buf.put_bytes(0, TAG_LEN);
            buf.put_u8(flags);
            buf.put_slice(&data);
            let sealed = buf.get_mut(start + TAG_LEN..).ok_or(Error::Cryptographic)?;
            let tag = cipher
                .encrypt_in_place_detached(&nonce, b"", sealed)
                .map_err(|_| Error::Cryptographic)?;
            buf.get_mut(start..start + TAG_LEN)
                .ok_or(Error::Cryptographic)?
                .copy_from_slice(&tag);
            Ok(())
        })?;
        self.send_nonce = next;
        Ok(())
    }

    /// Unboxes one MESSAGE in place. A nonce not above the last one is refused before any
    /// decryption.
    pub(super) fn decode(&mut self, frame: WireFrame) -> Result<RawFrame, Error> {
        let bad = || Error::malformed(Malformation::MessageCommand);
        if frame.flags & FLAG_WIRE_MORE != 0 {
            return Err(bad());
        }
        let mut body = frame.body;
        if body.len() < MIN_MESSAGE || !body.starts_with(MESSAGE) {
            return Err(bad());
        }
        body.advance(MESSAGE.len());
        let short_nonce = body.get(..SHORT_NONCE_LEN).ok_or_else(bad)?;
        let n = read_u64(short_nonce).ok_or_else(bad)?;
        if n <= self.peer_nonce {
            return Err(Error::InvalidSequence);
        }
        let nonce = nonce(self.recv_prefix, short_nonce);
        body.advance(SHORT_NONCE_LEN);
        let tag: [u8; TAG_LEN] = body
            .get(..TAG_LEN)
            .and_then(|t| t.try_into().ok())
            .ok_or_else(bad)?;
        body.advance(TAG_LEN);
        self.cipher
            .decrypt_in_place_detached(&nonce, b"", &mut body, GenericArray::from_slice(&tag))
            .map_err(|_| Error::Cryptographic)?;
        self.peer_nonce = n;
        let flags = body.first().copied().unwrap_or_default();
        body.advance(1);
        let data = body.freeze();
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
