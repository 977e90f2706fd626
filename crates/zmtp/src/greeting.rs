//! The 64-byte ZMTP 3.x greeting (RFC 23 §"Version negotiation"), sent and read in libzmq's stages:
//! signature (10 bytes), then the major version once the peer's signature is in, then the rest once
//! the peer's major version is in. The stages leave room for a later ZMTP 1.0/2.0 downgrade.

use bytes::{Buf, BytesMut};

use crate::error::Error;

/// Bytes 0–9: `FF`, 8 padding bytes, `7F`.
pub(crate) const SIGNATURE_LEN: usize = 10;
/// Byte 10: major version (libzmq's "revision").
const REVISION_POS: usize = 10;
/// Byte 11: minor version.
const MINOR_POS: usize = 11;
/// Bytes 12–31: mechanism name, NUL-padded.
const MECHANISM_POS: usize = 12;
/// Length of the mechanism field.
pub(crate) const MECHANISM_LEN: usize = 20;
/// Total greeting length.
pub(crate) const GREETING_LEN: usize = 64;
/// The major version we speak.
pub(crate) const MAJOR: u8 = 3;
/// The minor version we speak.
const MINOR: u8 = 1;

/// The first stage: `FF`, padding, `7F`. Like libzmq, the padding holds the 64-bit big-endian
/// length of a ZMTP 1.0 identity frame (`routing_id_len + 1`), so a 1.0 peer can parse it; with an
/// empty routing id that is the `00 .. 01` libzmq is seen sending.
pub(crate) fn signature(routing_id_len: usize) -> [u8; SIGNATURE_LEN] {
    let mut sig = [0u8; SIGNATURE_LEN];
    sig[0] = 0xFF;
    sig[1..9].copy_from_slice(&(routing_id_len as u64).saturating_add(1).to_be_bytes());
    sig[9] = 0x7F;
    sig
}

/// The NUL-padded 20-byte mechanism field for `name`.
pub(crate) fn mechanism_field(name: &str) -> [u8; MECHANISM_LEN] {
    let mut field = [0u8; MECHANISM_LEN];
    for (dst, src) in field.iter_mut().zip(name.bytes()) {
        *dst = src;
    }
    field
}

/// The last stage (bytes 11–63): minor version, mechanism, as-server, 31 bytes of filler.
pub(crate) fn rest(mechanism: &str, as_server: bool) -> [u8; GREETING_LEN - REVISION_POS - 1] {
    let mut rest = [0u8; GREETING_LEN - REVISION_POS - 1];
    rest[0] = MINOR;
    rest[1..1 + MECHANISM_LEN].copy_from_slice(&mechanism_field(mechanism));
    rest[1 + MECHANISM_LEN] = u8::from(as_server);
    rest
}

/// What a complete peer greeting told us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PeerGreeting {
    /// The version in effect: `(3, 0)` for a 3.0 peer, `(3, 1)` for 3.1 and anything newer.
    pub(crate) version: (u8, u8),
    /// The peer's raw mechanism field.
    pub(crate) mechanism: [u8; MECHANISM_LEN],
    // Byte 32 (as-server) is not read: like libzmq, each side takes its role from its own options.
}

/// Accumulates the peer's greeting, byte-exact (it never consumes a byte past the greeting).
#[derive(Debug)]
pub(crate) struct GreetingReader {
    buf: [u8; GREETING_LEN],
    len: usize,
}

impl GreetingReader {
    pub(crate) fn new() -> Self {
        Self {
            buf: [0; GREETING_LEN],
            len: 0,
        }
    }

    /// Whether the peer's whole signature (bytes 0–9) is in: time to send our major version.
    pub(crate) fn has_signature(&self) -> bool {
        self.len >= SIGNATURE_LEN
    }

    /// Whether the peer's major version (byte 10) is in: time to send the rest of ours.
    pub(crate) fn has_revision(&self) -> bool {
        self.len > REVISION_POS
    }

    /// Bytes still missing for the current stage.
    pub(crate) fn needed(&self) -> usize {
        self.stage_end() - self.len
    }

    /// Until the revision is known, read no further than it: a ZMTP 2.0 peer's greeting is shorter.
    fn stage_end(&self) -> usize {
        if self.has_revision() {
            GREETING_LEN
        } else {
            REVISION_POS + 1
        }
    }

    /// Consumes greeting bytes from `input`; the peer greeting once all 64 bytes are in.
    pub(crate) fn read(&mut self, input: &mut BytesMut) -> Result<Option<PeerGreeting>, Error> {
        loop {
            let n = self.needed().min(input.len());
            if n == 0 {
                break;
            }
            let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..self.len + n), input.get(..n))
            else {
                break;
            };
            dst.copy_from_slice(src);
            input.advance(n);
            self.len += n;
            self.check()?;
        }
        Ok((self.len == GREETING_LEN).then(|| self.peer_greeting()))
    }

    /// Refuses what is not ZMTP 3.x as soon as the deciding byte is in.
    ///
    /// This is the seam for ZMTP 1.0/2.0 support: libzmq treats a first byte other than `0xFF`, or
    /// byte 9 without bit 0, as an unversioned ZMTP 1.0 peer (identity frame follows), revision 0
    /// as ZMTP 1.0 and revision 1 as ZMTP 2.0 (answering with a socket-type byte instead of the rest).
    fn check(&self) -> Result<(), Error> {
        let unversioned = Error::UnsupportedVersion { revision: None };
        if self.len >= 1 && self.buf[0] != 0xFF {
            return Err(unversioned);
        }
        if self.has_signature() && self.buf[SIGNATURE_LEN - 1] & 0x01 == 0 {
            return Err(unversioned);
        }
        if self.has_revision() && self.buf[REVISION_POS] < MAJOR {
            return Err(Error::UnsupportedVersion {
                revision: Some(self.buf[REVISION_POS]),
            });
        }
        Ok(())
    }

    fn peer_greeting(&self) -> PeerGreeting {
        let version = match (self.buf[REVISION_POS], self.buf[MINOR_POS]) {
            (MAJOR, 0) => (3, 0),
            _ => (3, 1),
        };
        let mut mechanism = [0u8; MECHANISM_LEN];
        mechanism.copy_from_slice(&self.buf[MECHANISM_POS..MECHANISM_POS + MECHANISM_LEN]);
        PeerGreeting { version, mechanism }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(routing_id_len: usize, major: u8, minor: u8, mech: &str) -> Vec<u8> {
        let mut g = signature(routing_id_len).to_vec();
        g.push(major);
        let mut r = rest(mech, false);
        r[0] = minor;
        g.extend_from_slice(&r);
        g
    }

    #[test]
    fn layout_matches_libzmq() {
        let g = full(0, 3, 1, "NULL");
        assert_eq!(g.len(), GREETING_LEN);
        assert_eq!(&g[..12], &[0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1]);
        assert_eq!(&g[12..16], b"NULL");
        assert!(g[16..].iter().all(|&b| b == 0));
        assert_eq!(&signature(5)[..], &[0xff, 0, 0, 0, 0, 0, 0, 0, 6, 0x7f]);
    }

    #[test]
    fn reads_in_pieces_without_overreading() {
        let mut wire = full(3, 3, 0, "NULL");
        wire.extend_from_slice(b"\x04\x00next");
        let mut r = GreetingReader::new();
        let mut input = BytesMut::new();
        for (i, &b) in wire.iter().enumerate() {
            input.extend_from_slice(&[b]);
            let got = r.read(&mut input).unwrap();
            assert_eq!(got.is_some(), i >= GREETING_LEN - 1);
            if let Some(g) = got {
                assert_eq!(g.version, (3, 0));
                assert_eq!(g.mechanism, mechanism_field("NULL"));
                break;
            }
        }
        let mut input = BytesMut::from(&wire[..]);
        let g = GreetingReader::new().read(&mut input).unwrap().unwrap();
        assert_eq!(g.version, (3, 0));
        assert_eq!(&input[..], b"\x04\x00next");
    }

    #[test]
    fn versions() {
        let v = |major, minor| {
            GreetingReader::new().read(&mut BytesMut::from(&full(0, major, minor, "NULL")[..]))
        };
        assert_eq!(v(3, 1).unwrap().unwrap().version, (3, 1));
        assert_eq!(v(3, 7).unwrap().unwrap().version, (3, 1));
        assert_eq!(v(4, 0).unwrap().unwrap().version, (3, 1));
        assert_eq!(
            v(1, 0),
            Err(Error::UnsupportedVersion { revision: Some(1) })
        );
        assert_eq!(
            v(0, 0),
            Err(Error::UnsupportedVersion { revision: Some(0) })
        );
        let mut r = GreetingReader::new();
        assert_eq!(
            r.read(&mut BytesMut::from(&b"\x01"[..])),
            Err(Error::UnsupportedVersion { revision: None })
        );
        let mut sig = signature(0);
        sig[9] = 0x7e;
        assert_eq!(
            GreetingReader::new().read(&mut BytesMut::from(&sig[..])),
            Err(Error::UnsupportedVersion { revision: None })
        );
        // Any padding, and any byte 9 with bit 0 set, is accepted.
        let mut g = full(0, 3, 1, "NULL");
        g[1..9].copy_from_slice(&[0xaa; 8]);
        g[9] = 0x01;
        assert!(GreetingReader::new()
            .read(&mut BytesMut::from(&g[..]))
            .unwrap()
            .is_some());
    }
}
