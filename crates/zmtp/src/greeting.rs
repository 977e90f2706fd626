//! The 64-byte ZMTP 3.x greeting (RFC 23 §"Version negotiation"), sent and read in libzmq's stages:
//! signature (10 bytes), then the major version once the peer's signature is in, then the rest once
//! the peer's major version is in. The stages let older peers be recognised as libzmq recognises them:
//! a ZMTP 1.0 peer sends no signature at all (its identity message comes first), a ZMTP 2.0 (or
//! versioned 1.0) peer ends its 12-byte greeting with its socket type.

use bytes::{Buf, BytesMut};

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
/// The greeting of a ZMTP 2.0 (or versioned 1.0) peer: signature, revision, socket type.
const LEGACY_GREETING_LEN: usize = 12;

/// Whether a peer announcing this major version (libzmq's revision) speaks ZMTP 1.0 (0) or 2.0 (1);
/// libzmq takes 2 and anything above 3 as ZMTP 3.1.
pub(crate) fn is_legacy(revision: u8) -> bool {
    revision <= 1
}
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

/// A complete peer greeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Greeted {
    /// ZMTP 3.x.
    V3(PeerGreeting),
    /// ZMTP 2.0 (revision 1) or versioned 1.0 (revision 0): a 12-byte greeting.
    Legacy {
        /// Byte 10.
        revision: u8,
        /// Byte 11: the peer's socket type number.
        socket_type: u8,
    },
    /// An unversioned ZMTP 1.0 peer: no greeting; the bytes taken so far begin its first (identity)
    /// message and must be decoded as such.
    Unversioned(Vec<u8>),
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

    /// The major version the peer announced, once it is in.
    pub(crate) fn revision(&self) -> Option<u8> {
        self.has_revision().then_some(self.buf[REVISION_POS])
    }

    /// Until the revision is known, read no further than it: a ZMTP 2.0 peer's greeting is shorter
    /// (12 bytes: the signature, its revision and its socket type).
    fn stage_end(&self) -> usize {
        match self.revision() {
            None => REVISION_POS + 1,
            Some(r) if is_legacy(r) => LEGACY_GREETING_LEN,
            Some(_) => GREETING_LEN,
        }
    }

    /// Consumes greeting bytes from `input`; the peer greeting once it is complete. Never consumes a
    /// byte past the greeting; an unversioned peer is recognised on its first or tenth byte.
    pub(crate) fn read(&mut self, input: &mut BytesMut) -> Option<Greeted> {
        loop {
            if self.unversioned() {
                return Some(Greeted::Unversioned(self.buf[..self.len].to_vec()));
            }
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
        }
        match self.revision() {
            Some(revision) if is_legacy(revision) && self.len == LEGACY_GREETING_LEN => {
                Some(Greeted::Legacy {
                    revision,
                    socket_type: self.buf[LEGACY_GREETING_LEN - 1],
                })
            }
            _ => (self.len == GREETING_LEN).then(|| Greeted::V3(self.peer_greeting())),
        }
    }

    /// libzmq's test: a first byte other than `0xFF`, or byte 9 without bit 0, is an unversioned ZMTP
    /// 1.0 peer whose identity message has begun.
    fn unversioned(&self) -> bool {
        (self.len >= 1 && self.buf[0] != 0xFF)
            || (self.has_signature() && self.buf[SIGNATURE_LEN - 1] & 0x01 == 0)
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
            let got = r.read(&mut input);
            assert_eq!(got.is_some(), i >= GREETING_LEN - 1);
            if let Some(Greeted::V3(g)) = got {
                assert_eq!(g.version, (3, 0));
                assert_eq!(g.mechanism, mechanism_field("NULL"));
                break;
            }
        }
        let mut input = BytesMut::from(&wire[..]);
        let Some(Greeted::V3(g)) = GreetingReader::new().read(&mut input) else {
            panic!("a ZMTP 3 greeting");
        };
        assert_eq!(g.version, (3, 0));
        assert_eq!(&input[..], b"\x04\x00next");
    }

    #[test]
    fn versions() {
        let v = |major, minor| {
            GreetingReader::new().read(&mut BytesMut::from(&full(0, major, minor, "NULL")[..]))
        };
        let version = |major, minor| match v(major, minor) {
            Some(Greeted::V3(g)) => g.version,
            other => panic!("{other:?}"),
        };
        assert_eq!(version(3, 1), (3, 1));
        assert_eq!(version(3, 7), (3, 1));
        assert_eq!(version(4, 0), (3, 1));
        assert_eq!(version(2, 0), (3, 1), "libzmq takes revision 2 as 3.x");
        // Older revisions stop after byte 11, their socket type (byte 11 of `full` is the minor).
        assert_eq!(
            v(1, 5),
            Some(Greeted::Legacy {
                revision: 1,
                socket_type: 5
            })
        );
        assert_eq!(
            v(0, 2),
            Some(Greeted::Legacy {
                revision: 0,
                socket_type: 2
            })
        );
        let mut input = BytesMut::from(&full(0, 1, 5, "NULL")[..]);
        GreetingReader::new().read(&mut input);
        assert_eq!(
            input.len(),
            GREETING_LEN - 12,
            "nothing past the 12 bytes taken"
        );
        // Unversioned: a first byte other than 0xFF, or byte 9 without bit 0.
        // What was taken is handed back, to be decoded as the peer's identity message.
        let mut input = BytesMut::from(&b"\x01\x00rest"[..]);
        assert_eq!(
            GreetingReader::new().read(&mut input),
            Some(Greeted::Unversioned(b"\x01\x00rest".to_vec()))
        );
        assert!(input.is_empty());
        let mut sig = signature(0);
        sig[9] = 0x7e;
        assert_eq!(
            GreetingReader::new().read(&mut BytesMut::from(&sig[..])),
            Some(Greeted::Unversioned(sig.to_vec()))
        );
        // Any padding, and any byte 9 with bit 0 set, is accepted.
        let mut g = full(0, 3, 1, "NULL");
        g[1..9].copy_from_slice(&[0xaa; 8]);
        g[9] = 0x01;
        assert!(matches!(
            GreetingReader::new().read(&mut BytesMut::from(&g[..])),
            Some(Greeted::V3(_))
        ));
    }
}
