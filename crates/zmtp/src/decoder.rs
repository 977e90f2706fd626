//! The ZMTP 3.x frame decoder (`flags(1) size(1 | 8 BE) body`), libzmq's `v2_decoder` as a loop of
//! size-driven steps. It never allocates: bodies are split off the caller's buffer, or a caller that
//! collected a large body in its own buffer hands it over whole ([`Decoder::supply_body`]).

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{Error, Malformation};

/// Flag bit 0: more frames follow.
pub(crate) const FLAG_MORE: u8 = 0x01;
/// Flag bit 1: the size field is 8 bytes.
pub(crate) const FLAG_LONG: u8 = 0x02;
/// Flag bit 2: the frame is a command.
pub(crate) const FLAG_COMMAND: u8 = 0x04;
const KNOWN_FLAGS: u8 = FLAG_MORE | FLAG_LONG | FLAG_COMMAND;

/// A frame as it travels on the wire: a command or a message part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawFrame {
    /// A message frame.
    Message { body: Bytes, more: bool },
    /// A command frame (never has MORE).
    Command(Bytes),
}

/// A frame as decoded, its body still writable (CURVE decrypts it in place).
#[derive(Debug)]
pub(crate) struct WireFrame {
    /// The frame's flags byte.
    pub(crate) flags: u8,
    /// The body, split off the input buffer.
    pub(crate) body: BytesMut,
}

impl WireFrame {
    /// The frame as a [`RawFrame`], without copying its body.
    pub(crate) fn freeze(self) -> RawFrame {
        let body = self.body.freeze();
        if self.flags & FLAG_COMMAND != 0 {
            RawFrame::Command(body)
        } else {
            RawFrame::Message {
                body,
                more: self.flags & FLAG_MORE != 0,
            }
        }
    }
}

/// What the decoder waits for.
#[derive(Clone, Copy, Debug)]
enum Step {
    Flags,
    Size { flags: u8 },
    Body { flags: u8, len: usize },
}

/// Splits frames off an input buffer.
#[derive(Debug)]
pub(crate) struct Decoder {
    max_msg_size: Option<u64>,
    step: Step,
    /// A frame whose body the caller supplied, returned by the next [`Decoder::decode`].
    supplied: Option<RawFrame>,
}

impl Decoder {
    pub(crate) fn new(max_msg_size: Option<u64>) -> Self {
        Self {
            max_msg_size,
            step: Step::Flags,
            supplied: None,
        }
    }

    /// The length of the body the decoder waits for, once a frame header is in (the input it was
    /// last given ended inside that body, so all of what is left of it belongs to the body).
    pub(crate) fn awaited_body(&self) -> Option<usize> {
        match self.step {
            Step::Body { len, .. } if self.supplied.is_none() => Some(len),
            _ => None,
        }
    }

    /// Completes the awaited frame with `body`, which the caller collected itself (the start of it
    /// taken from the input, the rest read straight into its own buffer); the next
    /// [`decode`](Self::decode) returns that frame. `false`, and nothing changes, unless a body of
    /// exactly `body.len()` bytes is awaited.
    pub(crate) fn supply_body(&mut self, body: Bytes) -> bool {
        match self.step {
            Step::Body { flags, len } if len == body.len() && self.supplied.is_none() => {
                self.supplied = Some(frame(flags, body));
                self.step = Step::Flags;
                true
            }
            _ => false,
        }
    }

    /// Decodes the next frame, consuming its bytes; `Ok(None)` if `input` ends first (the header
    /// bytes read so far are consumed and remembered).
    pub(crate) fn decode(&mut self, input: &mut BytesMut) -> Result<Option<RawFrame>, Error> {
        if let Some(frame) = self.supplied.take() {
            return Ok(Some(frame));
        }
        Ok(self.split_frame(input)?.map(WireFrame::freeze))
    }

    /// As [`decode`](Self::decode), keeping the body writable (a supplied body is copied only if
    /// its buffer is shared).
    pub(crate) fn decode_wire(&mut self, input: &mut BytesMut) -> Result<Option<WireFrame>, Error> {
        if let Some(frame) = self.supplied.take() {
            let (flags, body) = match frame {
                RawFrame::Command(body) => (FLAG_COMMAND, body),
                RawFrame::Message { body, more } => (if more { FLAG_MORE } else { 0 }, body),
            };
            return Ok(Some(WireFrame {
                flags,
                body: BytesMut::from(body),
            }));
        }
        self.split_frame(input)
    }

    /// Splits the next frame off `input`, its body still writable.
    fn split_frame(&mut self, input: &mut BytesMut) -> Result<Option<WireFrame>, Error> {
        loop {
            match self.step {
                Step::Flags => {
                    let Some(&flags) = input.first() else {
                        return Ok(None);
                    };
                    if flags & !KNOWN_FLAGS != 0 {
                        return Err(Error::malformed(Malformation::ReservedFlags));
                    }
                    if flags & FLAG_COMMAND != 0 && flags & FLAG_MORE != 0 {
                        return Err(Error::malformed(Malformation::CommandWithMore));
                    }
                    input.advance(1);
                    self.step = Step::Size { flags };
                }
                Step::Size { flags } => {
                    let width = if flags & FLAG_LONG != 0 { 8 } else { 1 };
                    let Some(field) = input.get(..width) else {
                        return Ok(None);
                    };
                    let size = field.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
                    if let Some(max) = self.max_msg_size.filter(|&max| size > max) {
                        return Err(Error::MessageTooLarge { size, max });
                    }
                    let len = usize::try_from(size).map_err(|_| Error::MessageTooLarge {
                        size,
                        max: usize::MAX as u64,
                    })?;
                    input.advance(width);
                    self.step = Step::Body { flags, len };
                }
                Step::Body { flags, len } => {
                    if input.len() < len {
                        return Ok(None);
                    }
                    let body = input.split_to(len);
                    self.step = Step::Flags;
                    return Ok(Some(WireFrame { flags, body }));
                }
            }
        }
    }

    /// How many bytes the input must hold for the current step to complete: 1 or 8 for a header
    /// field, the body length (already checked against the size limit) for a body.
    pub(crate) fn needed(&self) -> usize {
        match self.step {
            Step::Flags => 1,
            Step::Size { flags } if flags & FLAG_LONG != 0 => 8,
            Step::Size { .. } => 1,
            Step::Body { .. } if self.supplied.is_some() => 0,
            Step::Body { len, .. } => len,
        }
    }
}

/// The frame a header's `flags` and a body make.
fn frame(flags: u8, body: Bytes) -> RawFrame {
    if flags & FLAG_COMMAND != 0 {
        RawFrame::Command(body)
    } else {
        RawFrame::Message {
            body,
            more: flags & FLAG_MORE != 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], max: Option<u64>) -> Result<Vec<RawFrame>, Error> {
        let mut dec = Decoder::new(max);
        let mut input = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(f) = dec.decode(&mut input)? {
            out.push(f);
        }
        assert!(input.is_empty(), "decoder left bytes behind");
        Ok(out)
    }

    fn msg(body: &[u8], more: bool) -> RawFrame {
        RawFrame::Message {
            body: Bytes::copy_from_slice(body),
            more,
        }
    }

    #[test]
    fn short_long_more_command() {
        let mut wire = vec![0x01, 3, b'a', b'b', b'c', 0x00, 0];
        wire.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 0, 1, 0]);
        wire.extend_from_slice(&[7u8; 256]);
        wire.extend_from_slice(&[0x04, 5, 4, b'P', b'O', b'N', b'G']);
        wire.extend_from_slice(&[0x06, 0, 0, 0, 0, 0, 0, 0, 1, b'x']);
        let frames = decode_all(&wire, None).unwrap();
        assert_eq!(
            frames,
            vec![
                msg(b"abc", true),
                msg(b"", false),
                msg(&[7u8; 256], false),
                RawFrame::Command(Bytes::from_static(b"\x04PONG")),
                RawFrame::Command(Bytes::from_static(b"x")),
            ]
        );
    }

    #[test]
    fn body_shares_the_input_buffer() {
        let mut input = BytesMut::from(&[0x00, 4, 1, 2, 3, 4][..]);
        let start = input.as_ptr() as usize;
        let Some(RawFrame::Message { body, .. }) = Decoder::new(None).decode(&mut input).unwrap()
        else {
            panic!("no frame")
        };
        assert_eq!(body.as_ptr() as usize, start + 2);
    }

    #[test]
    fn errors() {
        for flags in [0x08u8, 0x10, 0x80, 0xff] {
            assert_eq!(
                decode_all(&[flags, 0], None),
                Err(Error::malformed(Malformation::ReservedFlags))
            );
        }
        assert_eq!(
            decode_all(&[0x05, 0], None),
            Err(Error::malformed(Malformation::CommandWithMore))
        );
        assert_eq!(
            decode_all(&[0x00, 11], Some(10)),
            Err(Error::MessageTooLarge { size: 11, max: 10 })
        );
        // An absurd long size fails at the header, before any body byte arrives.
        let absurd = [0x02, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            decode_all(&absurd, Some(1 << 20)),
            Err(Error::MessageTooLarge { .. })
        ));
        let mut at_limit = vec![0x00, 10];
        at_limit.extend_from_slice(&[0u8; 10]);
        assert_eq!(decode_all(&at_limit, Some(10)).unwrap().len(), 1);
    }

    #[test]
    fn supplied_body_completes_the_awaited_frame() {
        let mut dec = Decoder::new(None);
        assert_eq!(dec.awaited_body(), None);
        assert!(
            !dec.supply_body(Bytes::from_static(b"abc")),
            "no header yet"
        );
        // MORE frame of 300 bytes, 2 of them in the input.
        let mut input = BytesMut::from(&[0x03, 0, 0, 0, 0, 0, 0, 1, 0x2c, 7, 7][..]);
        assert_eq!(dec.decode(&mut input).unwrap(), None);
        assert_eq!(dec.awaited_body(), Some(300));
        assert!(
            !dec.supply_body(Bytes::from(vec![7u8; 299])),
            "wrong length"
        );
        let body = Bytes::from(vec![7u8; 300]);
        assert!(dec.supply_body(body.clone()));
        assert_eq!(dec.awaited_body(), None);
        assert!(!dec.supply_body(body.clone()), "only once");
        // The caller took the body's start out of the input; what follows is the next frame.
        input.clear();
        input.extend_from_slice(&[0x00, 1, b'z']);
        let first = dec.decode(&mut input).unwrap().unwrap();
        assert_eq!(first, RawFrame::Message { body, more: true });
        assert_eq!(input.len(), 3, "the supplied frame consumed no input");
        assert_eq!(dec.decode(&mut input).unwrap(), Some(msg(b"z", false)));
        // A command body too.
        let mut input = BytesMut::from(&[0x04, 20][..]);
        assert_eq!(dec.decode(&mut input).unwrap(), None);
        assert!(dec.supply_body(Bytes::from(vec![1u8; 20])));
        assert_eq!(
            dec.decode(&mut input).unwrap(),
            Some(RawFrame::Command(Bytes::from(vec![1u8; 20])))
        );
    }

    #[test]
    fn needed_tracks_steps() {
        let mut dec = Decoder::new(Some(1000));
        let mut input = BytesMut::from(&[0x02, 0, 0, 0][..]);
        assert_eq!(dec.decode(&mut input).unwrap(), None);
        assert_eq!(dec.needed(), 8);
        input.extend_from_slice(&[0, 0, 0, 0x03, 0xe8, 1, 2]);
        assert_eq!(dec.decode(&mut input).unwrap(), None);
        assert_eq!(dec.needed(), 1000);
        assert_eq!(input.len(), 2);
    }
}
