//! ZAP, the ZeroMQ Authentication Protocol ([RFC 27](https://rfc.zeromq.org/spec/27/)): the request a
//! server-side mechanism asks a handler, and the handler's reply, as frames.
//!
//! A [`Connection`](crate::Connection) never talks to a handler itself: it reports
//! [`Event::ZapRequest`](crate::Event::ZapRequest) and waits for
//! [`Connection::zap_reply`](crate::Connection::zap_reply). The caller carries the frames to the handler
//! (libzmq: a REP or ROUTER socket bound at [`ZAP_ENDPOINT`]) and back.

use bytes::Bytes;

use crate::error::{Error, ZapFailure};
use crate::Metadata;

/// Where a ZAP handler binds, in the context of the sockets it serves.
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";
/// The protocol version frame.
const VERSION: &[u8] = b"1.0";
/// libzmq sends one request per connection, always with this id.
const REQUEST_ID: &[u8] = b"1";

/// A ZAP request: `"1.0" request-id domain address identity mechanism credentials…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapRequest {
    /// Correlates the reply (libzmq always uses `"1"`).
    pub request_id: Bytes,
    /// The server socket's `ZAP_DOMAIN`.
    pub domain: Bytes,
    /// The peer's address (its IP address for tcp); the connection leaves it empty for the caller to
    /// fill in.
    pub address: Bytes,
    /// The server socket's own routing id (what libzmq sends here).
    pub identity: Bytes,
    /// `NULL`, `PLAIN` or `CURVE`.
    pub mechanism: Bytes,
    /// PLAIN: user name and password; CURVE: the client's 32-byte public key; NULL: none.
    pub credentials: Vec<Bytes>,
}

impl ZapRequest {
    /// A request as a connection makes it (request id `"1"`, no address yet).
    pub(crate) fn new(
        domain: Bytes,
        identity: Bytes,
        mechanism: &'static str,
        credentials: Vec<Bytes>,
    ) -> Self {
        Self {
            request_id: Bytes::from_static(REQUEST_ID),
            domain,
            address: Bytes::new(),
            identity,
            mechanism: Bytes::from_static(mechanism.as_bytes()),
            credentials,
        }
    }

    /// The frames to send to a handler, starting with the empty delimiter frame a REP handler expects.
    pub fn to_frames(&self) -> Vec<Bytes> {
        let mut frames = vec![
            Bytes::new(),
            Bytes::from_static(VERSION),
            self.request_id.clone(),
            self.domain.clone(),
            self.address.clone(),
            self.identity.clone(),
            self.mechanism.clone(),
        ];
        frames.extend(self.credentials.iter().cloned());
        frames
    }

    /// A request as a REP handler receives it (no delimiter frame); `None` if it has fewer than six
    /// frames or another version than 1.0.
    pub fn parse(frames: &[Bytes]) -> Option<Self> {
        let [version, request_id, domain, address, identity, mechanism, credentials @ ..] = frames
        else {
            return None;
        };
        (version == VERSION).then(|| Self {
            request_id: request_id.clone(),
            domain: domain.clone(),
            address: address.clone(),
            identity: identity.clone(),
            mechanism: mechanism.clone(),
            credentials: credentials.to_vec(),
        })
    }
}

/// A ZAP reply: `"1.0" request-id status-code status-text user-id metadata`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapReply {
    /// The id of the request answered.
    pub request_id: Bytes,
    /// 200 (accepted), 300 (temporary failure), 400 (refused) or 500 (internal error).
    pub status_code: u16,
    /// Free text for humans.
    pub status_text: Bytes,
    /// The user id the peer's messages will carry as `User-Id`.
    pub user_id: Bytes,
    /// Further properties for the peer's messages.
    pub metadata: Metadata,
}

impl ZapReply {
    /// A reply to `request` with no metadata.
    pub fn new(
        request: &ZapRequest,
        status_code: u16,
        status_text: impl Into<Bytes>,
        user_id: impl Into<Bytes>,
    ) -> Self {
        Self {
            request_id: request.request_id.clone(),
            status_code,
            status_text: status_text.into(),
            user_id: user_id.into(),
            metadata: Metadata::new(),
        }
    }

    /// The frames a REP handler sends (its socket adds the delimiter frame).
    pub fn to_frames(&self) -> Vec<Bytes> {
        let mut metadata = bytes::BytesMut::new();
        self.metadata.encode_into(&mut metadata);
        vec![
            Bytes::from_static(VERSION),
            self.request_id.clone(),
            Bytes::from(self.status_code.to_string()),
            self.status_text.clone(),
            self.user_id.clone(),
            metadata.freeze(),
        ]
    }

    /// A reply as a connection's caller receives it from the handler: exactly seven frames, the first
    /// empty (the delimiter), checked as libzmq checks them.
    ///
    /// # Errors
    /// [`Error::ZapFailed`] with what was wrong.
    pub fn parse(frames: &[Bytes]) -> Result<Self, Error> {
        let fail = |kind| Error::ZapFailed { kind };
        let [delimiter, version, request_id, status, status_text, user_id, metadata] = frames
        else {
            return Err(fail(ZapFailure::MalformedReply));
        };
        if !delimiter.is_empty() {
            return Err(fail(ZapFailure::MalformedReply));
        }
        if version != VERSION {
            return Err(fail(ZapFailure::BadVersion));
        }
        if request_id != REQUEST_ID {
            return Err(fail(ZapFailure::BadRequestId));
        }
        let status_code = match &status[..] {
            b"200" => 200,
            b"300" => 300,
            b"400" => 400,
            b"500" => 500,
            _ => return Err(fail(ZapFailure::InvalidStatusCode)),
        };
        let metadata = Metadata::parse(metadata).map_err(|_| fail(ZapFailure::InvalidMetadata))?;
        Ok(Self {
            request_id: request_id.clone(),
            status_code,
            status_text: status_text.clone(),
            user_id: user_id.clone(),
            metadata,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn request_frames() {
        let mut req = ZapRequest::new(b("global"), b("id"), "PLAIN", vec![b("admin"), b("pw")]);
        req.address = b("127.0.0.1");
        let frames = req.to_frames();
        assert_eq!(
            frames,
            [
                "",
                "1.0",
                "1",
                "global",
                "127.0.0.1",
                "id",
                "PLAIN",
                "admin",
                "pw"
            ]
        );
        assert_eq!(ZapRequest::parse(&frames[1..]), Some(req));
        assert_eq!(ZapRequest::parse(&frames[2..]), None);
        assert_eq!(ZapRequest::parse(&frames[1..6]), None);
    }

    #[test]
    fn reply_round_trip_and_checks() {
        let req = ZapRequest::new(b(""), b(""), "NULL", vec![]);
        let mut reply = ZapReply::new(&req, 200, "OK", "alice");
        reply.metadata.insert("Hello", "World");
        let mut frames = vec![Bytes::new()];
        frames.extend(reply.to_frames());
        assert_eq!(ZapReply::parse(&frames).unwrap(), reply);
        let failure = |frames: &[Bytes]| match ZapReply::parse(frames) {
            Err(Error::ZapFailed { kind }) => kind,
            other => panic!("{other:?}"),
        };
        assert_eq!(failure(&frames[1..]), ZapFailure::MalformedReply);
        let mut bad = frames.clone();
        bad[0] = b("x");
        assert_eq!(failure(&bad), ZapFailure::MalformedReply);
        let mut bad = frames.clone();
        bad[1] = b("2.0");
        assert_eq!(failure(&bad), ZapFailure::BadVersion);
        let mut bad = frames.clone();
        bad[2] = b("2");
        assert_eq!(failure(&bad), ZapFailure::BadRequestId);
        let mut bad = frames.clone();
        bad[3] = b("201");
        assert_eq!(failure(&bad), ZapFailure::InvalidStatusCode);
        let mut bad = frames;
        bad[6] = b("\x05abc");
        assert_eq!(failure(&bad), ZapFailure::InvalidMetadata);
    }
}
