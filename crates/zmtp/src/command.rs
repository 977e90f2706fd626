//! ZMTP command bodies: `name-len(1) name data` (RFC 23 §"Commands", RFC 37 for PING/PONG and
//! SUBSCRIBE/CANCEL).

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{Error, Malformation};

/// `READY` (handshake, all mechanisms).
pub(crate) const READY: &[u8] = b"READY";
/// `ERROR` (handshake failure).
pub(crate) const ERROR: &[u8] = b"ERROR";
/// `SUBSCRIBE` (ZMTP 3.1).
pub(crate) const SUBSCRIBE: &[u8] = b"SUBSCRIBE";
/// `CANCEL` (ZMTP 3.1).
pub(crate) const CANCEL: &[u8] = b"CANCEL";
/// `PING` (ZMTP 3.1 heartbeat).
pub(crate) const PING: &[u8] = b"PING";
/// `PONG` (ZMTP 3.1 heartbeat reply).
pub(crate) const PONG: &[u8] = b"PONG";

/// libzmq echoes at most this much PING context.
const MAX_PING_CONTEXT: usize = 16;

/// A parsed command: its name and the data after it, both sharing the frame body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Command {
    pub(crate) name: Bytes,
    pub(crate) data: Bytes,
}

impl Command {
    /// Splits a command frame body into name and data.
    pub(crate) fn parse(body: Bytes) -> Result<Self, Error> {
        let name_len = usize::from(
            *body
                .first()
                .ok_or(Error::malformed(Malformation::Command))?,
        );
        if body.len() < 1 + name_len {
            return Err(Error::malformed(Malformation::Command));
        }
        Ok(Self {
            name: body.slice(1..1 + name_len),
            data: body.slice(1 + name_len..),
        })
    }

    /// Whether this is the command `name` (case-sensitive, as libzmq compares).
    pub(crate) fn is(&self, name: &[u8]) -> bool {
        self.name == name
    }

    /// The name for error messages.
    pub(crate) fn name_lossy(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
}

/// Starts a command body: the length-prefixed `name`, with room for `data_len` more bytes.
/// Every name used here is a short constant, so the length always fits a byte.
pub(crate) fn start(name: &[u8], data_len: usize) -> BytesMut {
    let mut body = BytesMut::with_capacity(1 + name.len() + data_len);
    body.put_u8(u8::try_from(name.len()).unwrap_or(u8::MAX));
    body.put_slice(name);
    body
}

/// A complete command body `name` + `data`.
pub(crate) fn build(name: &[u8], data: &[u8]) -> Bytes {
    let mut body = start(name, data.len());
    body.put_slice(data);
    body.freeze()
}

/// `ERROR` with a reason (truncated to 255 bytes).
pub(crate) fn error(reason: &str) -> Bytes {
    let reason = &reason.as_bytes()[..reason.len().min(255)];
    let mut body = start(ERROR, 1 + reason.len());
    body.put_u8(reason.len() as u8);
    body.put_slice(reason);
    body.freeze()
}

/// The reason carried by an ERROR command's data.
pub(crate) fn parse_error_reason(data: &[u8]) -> Result<String, Error> {
    let (&len, rest) = data
        .split_first()
        .ok_or(Error::malformed(Malformation::ErrorCommand))?;
    let reason = rest
        .get(..usize::from(len))
        .ok_or(Error::malformed(Malformation::ErrorCommand))?;
    Ok(String::from_utf8_lossy(reason).into_owned())
}

/// `PING` with a TTL in deciseconds and no context (as libzmq sends it).
pub(crate) fn ping(ttl_ds: u16) -> Bytes {
    build(PING, &ttl_ds.to_be_bytes())
}

/// A received PING: its TTL (deciseconds) and the `PONG` reply echoing up to 16 bytes of context.
pub(crate) fn answer_ping(data: &[u8]) -> Result<(u16, Bytes), Error> {
    let (ttl, context) = data
        .split_at_checked(2)
        .ok_or(Error::malformed(Malformation::PingCommand))?;
    let ttl = u16::from_be_bytes(
        ttl.try_into()
            .map_err(|_| Error::malformed(Malformation::PingCommand))?,
    );
    let context = &context[..context.len().min(MAX_PING_CONTEXT)];
    Ok((ttl, build(PONG, context)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_build() {
        let body = build(SUBSCRIBE, b"topic");
        assert_eq!(&body[..], b"\x09SUBSCRIBEtopic");
        let cmd = Command::parse(body).unwrap();
        assert!(cmd.is(SUBSCRIBE));
        assert_eq!(&cmd.data[..], b"topic");
        assert_eq!(&build(CANCEL, b"")[..], b"\x06CANCEL");
        assert_eq!(&ping(300)[..], b"\x04PING\x01\x2c");
    }

    #[test]
    fn malformed_commands() {
        assert!(Command::parse(Bytes::new()).is_err());
        assert!(Command::parse(Bytes::from_static(b"\x05REA")).is_err());
        assert_eq!(
            Command::parse(Bytes::from_static(b"\x00"))
                .unwrap()
                .name
                .len(),
            0
        );
    }

    #[test]
    fn error_reason() {
        let cmd = Command::parse(error("no")).unwrap();
        assert!(cmd.is(ERROR));
        assert_eq!(parse_error_reason(&cmd.data).unwrap(), "no");
        assert!(parse_error_reason(b"").is_err());
        assert!(parse_error_reason(b"\x05abc").is_err());
        let long = "x".repeat(300);
        let cmd = Command::parse(error(&long)).unwrap();
        assert_eq!(parse_error_reason(&cmd.data).unwrap().len(), 255);
    }

    #[test]
    fn pong_echoes_context_up_to_16_bytes() {
        let (ttl, pong) = answer_ping(b"\x00\x0aabc").unwrap();
        assert_eq!(ttl, 10);
        assert_eq!(&pong[..], b"\x04PONGabc");
        let (_, pong) = answer_ping(&[
            0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
        ])
        .unwrap();
        assert_eq!(pong.len(), 5 + 16);
        assert!(answer_ping(b"\x01").is_err());
    }
}
