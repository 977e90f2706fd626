//! The ZMTP 3.x frame encoder: headers are copied into the [`WriteBuf`], bodies go by reference
//! when large.

use bytes::Bytes;

use crate::decoder::{RawFrame, FLAG_COMMAND, FLAG_LONG, FLAG_MORE};
use crate::write_buf::WriteBuf;

/// Appends one frame (header and body) to `out`.
pub(crate) fn encode(out: &mut WriteBuf, frame: RawFrame) {
    let (flags, body) = match frame {
        RawFrame::Message { body, more } => (if more { FLAG_MORE } else { 0 }, body),
        RawFrame::Command(body) => (FLAG_COMMAND, body),
    };
    put_header(out, flags, body.len());
    out.put_bytes(body);
}

/// Appends a command frame carrying `body`.
pub(crate) fn encode_command(out: &mut WriteBuf, body: Bytes) {
    encode(out, RawFrame::Command(body));
}

fn put_header(out: &mut WriteBuf, flags: u8, len: usize) {
    let (header, used) = header(flags, len);
    out.put_slice(header.get(..used).unwrap_or_default());
}

/// The header of a frame of `len` body bytes: the first `.1` bytes of `.0` (2 short, 9 long).
pub(crate) fn header(flags: u8, len: usize) -> ([u8; 9], usize) {
    let mut header = [0u8; 9];
    match u8::try_from(len) {
        Ok(short) => {
            header[0] = flags;
            header[1] = short;
            (header, 2)
        }
        Err(_) => {
            header[0] = flags | FLAG_LONG;
            header[1..].copy_from_slice(&(len as u64).to_be_bytes());
            (header, 9)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(frame: RawFrame) -> Vec<u8> {
        let mut out = WriteBuf::default();
        encode(&mut out, frame);
        let mut v = Vec::new();
        while !out.is_empty() {
            let c = out.chunk().to_vec();
            out.advance(c.len());
            v.extend(c);
        }
        v
    }

    #[test]
    fn short_and_long_headers() {
        assert_eq!(
            wire(RawFrame::Message {
                body: Bytes::from_static(b"hi"),
                more: true
            }),
            b"\x01\x02hi"
        );
        assert_eq!(
            wire(RawFrame::Message {
                body: Bytes::new(),
                more: false
            }),
            b"\x00\x00"
        );
        assert_eq!(
            wire(RawFrame::Command(Bytes::from_static(b"\x04PONG"))),
            b"\x04\x05\x04PONG"
        );
        let v = wire(RawFrame::Message {
            body: Bytes::from(vec![1u8; 256]),
            more: false,
        });
        assert_eq!(&v[..9], &[0x02, 0, 0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(v.len(), 9 + 256);
        let v = wire(RawFrame::Command(Bytes::from(vec![0u8; 70_000])));
        assert_eq!(&v[..9], &[0x06, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    }
}
