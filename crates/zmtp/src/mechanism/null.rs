//! The NULL mechanism (RFC 23 §"The NULL security mechanism"): each side sends READY with its
//! metadata and waits for the peer's. With a ZAP domain and a handler, READY waits for the handler's
//! verdict (libzmq's `null_mechanism_t`).

use bytes::Bytes;

use super::zap::Zap;
use super::{unexpected, Mechanism, PeerProperties, Status};
use crate::command::{self, Command};
use crate::config::Config;
use crate::error::Error;
use crate::{SocketType, ZapReply, ZapRequest};

/// The reason in the ERROR command we send to a peer of an incompatible socket type.
const INCOMPATIBLE_REASON: &str = "Incompatible socket type";

/// NULL: no security, just a READY each way.
#[derive(Debug)]
pub(crate) struct NullMechanism {
    local: SocketType,
    /// Our READY, until it is handed out for sending.
    ready: Option<Bytes>,
    /// An ERROR to send before the connection fails.
    error: Option<Bytes>,
    peer: Option<PeerProperties>,
    zap: Zap,
}

impl NullMechanism {
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            local: config.socket_type,
            ready: Some(super::metadata_command(command::READY, config)),
            error: None,
            peer: None,
            zap: if config.zap_handler && !config.zap_domain.is_empty() {
                Zap::ask(config, "NULL", Vec::new())
            } else {
                Zap::Idle
            },
        }
    }
}

impl Mechanism for NullMechanism {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        if self.error.is_some() {
            return self.error.take();
        }
        if self.zap.is_waiting() {
            return None;
        }
        self.ready.take()
    }

    fn process_handshake_command(&mut self, cmd: Command) -> Result<(), Error> {
        if self.peer.is_some() {
            return Err(Error::UnexpectedCommand {
                name: cmd.name_lossy(),
            });
        }
        if cmd.is(command::READY) {
            let result = super::parse_peer_metadata(self.local, &cmd.data);
            if let Err(Error::IncompatibleSocketType { .. }) = result {
                self.ready = None;
                self.error = Some(command::error(INCOMPATIBLE_REASON));
            }
            self.peer = Some(result?);
            Ok(())
        } else {
            Err(unexpected(&cmd))
        }
    }

    fn status(&self) -> Status {
        Status::when(self.peer.is_some(), &self.ready)
    }

    fn peer_properties(&self) -> Option<PeerProperties> {
        self.zap.merge(self.peer.as_ref())
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        self.zap.take_request()
    }

    fn zap_reply(&mut self, reply: ZapReply) -> Result<(), Error> {
        let verdict = self.zap.on_reply(reply, &mut self.error, command::error);
        if verdict.is_err() {
            // Refused: no READY, only the ERROR (if any).
            self.ready = None;
        }
        verdict.map(drop)
    }
}
