//! The server side of ZAP inside a mechanism: one request per handshake, then the verdict (libzmq's
//! `zap_client_t`).

use bytes::Bytes;

use super::PeerProperties;
use crate::config::Config;
use crate::error::Error;
use crate::{Metadata, ZapReply, ZapRequest};

/// The property a ZAP user id reaches messages as.
const USER_ID: &str = "User-Id";

/// Where a mechanism's ZAP exchange stands.
#[derive(Debug, Default)]
pub(super) enum Zap {
    /// Nothing asked.
    #[default]
    Idle,
    /// A request waits to be handed out.
    Pending(ZapRequest),
    /// The request is out; waiting for the reply.
    Waiting,
    /// The handler accepted; these properties go to the peer's metadata.
    Accepted(Metadata),
}

impl Zap {
    /// Asks the handler about a peer using `mechanism` with these credentials.
    pub(super) fn ask(config: &Config, mechanism: &'static str, credentials: Vec<Bytes>) -> Self {
        Self::Pending(ZapRequest::new(
            config.zap_domain.clone(),
            config.routing_id.clone(),
            mechanism,
            credentials,
        ))
    }

    /// The request, if it waits to be handed out.
    pub(super) fn take_request(&mut self) -> Option<ZapRequest> {
        match std::mem::take(self) {
            Self::Pending(request) => {
                *self = Self::Waiting;
                Some(request)
            }
            other => {
                *self = other;
                None
            }
        }
    }

    /// Whether a verdict is still awaited.
    pub(super) fn is_waiting(&self) -> bool {
        matches!(self, Self::Pending(_) | Self::Waiting)
    }

    /// Takes the handler's reply: `Ok(true)` if it accepted, `Ok(false)` if no request was
    /// outstanding, or the refusal, after putting in `out` the ERROR command that `error` makes of
    /// the status code, to send first (none for 300, which libzmq answers by just closing).
    pub(super) fn on_reply(
        &mut self,
        reply: ZapReply,
        out: &mut Option<Bytes>,
        error: fn(&str) -> Bytes,
    ) -> Result<bool, Error> {
        if !matches!(self, Self::Waiting) {
            return Ok(false);
        }
        if reply.status_code == 200 {
            let mut props = Metadata::new();
            if !reply.user_id.is_empty() {
                props.insert(USER_ID, reply.user_id);
            }
            for (name, value) in reply.metadata.iter() {
                props.insert(name, value.clone());
            }
            *self = Self::Accepted(props);
            return Ok(true);
        }
        *self = Self::Idle;
        *out = (reply.status_code != 300).then(|| error(&reply.status_code.to_string()));
        Err(Error::AuthFailed {
            status: u32::from(reply.status_code),
        })
    }

    /// The peer, once known, with what the handler said about it added to its metadata.
    pub(super) fn merge(&self, peer: Option<&PeerProperties>) -> Option<PeerProperties> {
        let mut merged = peer?.clone();
        if let Self::Accepted(props) = self {
            for (name, value) in props.iter() {
                merged.metadata.insert(name, value.clone());
            }
        }
        Some(merged)
    }
}
