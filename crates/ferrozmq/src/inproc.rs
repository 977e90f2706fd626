//! The inproc transport: sockets of one context linked by pipes directly, with no encoding.
//!
//! As in libzmq 4, bind and connect may come in either order: a connect to a name nobody has bound yet
//! makes its link at once (so messages queue) and hands the other end to the socket that binds later.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;

use zmtp::{PeerInfo, SocketType};

use crate::error::{Error, Result};
use crate::mailbox::{Command, Mailbox};
use crate::pipe::{self, LinkEnd, LinkId};
use crate::socket::Core;

/// The inproc name a ZAP handler binds ([`zmtp::ZAP_ENDPOINT`] without its scheme).
const ZAP_NAME: &str = "zeromq.zap.01";

/// A bound name.
#[derive(Debug)]
struct Binding {
    socket_id: u64,
    mailbox: Arc<Mailbox>,
    peer: PeerInfo,
    sndhwm: usize,
    rcvhwm: usize,
}

/// A connect waiting for its name to be bound.
#[derive(Debug)]
struct Pending {
    connector_id: u64,
    connector: Arc<Mailbox>,
    peer: PeerInfo,
    /// The end the binder will hold.
    end: LinkEnd,
}

/// The inproc names of one context.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    bound: HashMap<String, Binding>,
    pending: HashMap<String, Vec<Pending>>,
    connected: HashMap<(u64, String), Vec<LinkId>>,
}

/// libzmq's inproc queue size: the sender's SNDHWM plus the receiver's RCVHWM, unlimited if either is.
fn sum_hwm(snd: usize, rcv: usize) -> usize {
    if snd == 0 || rcv == 0 {
        0
    } else {
        snd + rcv
    }
}

impl Registry {
    /// Binds `name` for the socket `id`, taking the links of connects that came first.
    pub(crate) fn bind(&mut self, name: &str, id: u64, core: &mut Core) -> Result<()> {
        if self.bound.contains_key(name) {
            return Err(Error::AddressInUse);
        }
        self.bound.insert(
            name.to_owned(),
            Binding {
                socket_id: id,
                mailbox: core.mailbox.clone(),
                peer: core.peer_info(),
                sndhwm: core.options.sndhwm,
                rcvhwm: core.options.rcvhwm,
            },
        );
        let me = core.peer_info();
        for p in self.pending.remove(name).unwrap_or_default() {
            let link = p.end.id;
            core.attach(p.end, Some(p.peer), None);
            p.connector.post(Command::PeerReady(link, me.clone()));
        }
        Ok(())
    }

    /// Whether a ZAP handler is bound (`inproc://zeromq.zap.01`).
    pub(crate) fn has_zap_handler(&self) -> bool {
        self.bound.contains_key(ZAP_NAME)
    }

    /// A link to the ZAP handler for a session (libzmq's `session_base_t::zap_connect`): unbounded
    /// both ways, handed to the handler at once; `None` if no handler is bound.
    pub(crate) fn connect_zap(&self) -> Option<LinkEnd> {
        let handler = self.bound.get(ZAP_NAME)?;
        let (mine, theirs) = pipe::link(0, 0);
        let session = PeerInfo {
            socket_type: SocketType::Dealer,
            routing_id: None,
            metadata: Default::default(),
            version: (3, 1),
        };
        handler.mailbox.post(Command::Attach {
            end: theirs,
            peer: Some(session),
            routing_id: None,
        });
        Some(mine)
    }

    /// Connects the socket `id` to `name`; `routing_id` names the peer (CONNECT_ROUTING_ID).
    pub(crate) fn connect(
        &mut self,
        name: &str,
        id: u64,
        core: &mut Core,
        routing_id: Option<Bytes>,
    ) {
        let me = core.peer_info();
        let link = match self.bound.get(name) {
            Some(b) => {
                let (mine, theirs) = pipe::inproc_link(
                    sum_hwm(core.options.sndhwm, b.rcvhwm),
                    sum_hwm(b.sndhwm, core.options.rcvhwm),
                );
                b.mailbox.post(Command::Attach {
                    end: theirs,
                    peer: Some(me),
                    routing_id: None,
                });
                core.attach(mine, Some(b.peer.clone()), routing_id)
            }
            None => {
                let (mine, theirs) = pipe::inproc_link(core.options.sndhwm, core.options.rcvhwm);
                self.pending
                    .entry(name.to_owned())
                    .or_default()
                    .push(Pending {
                        connector_id: id,
                        connector: core.mailbox.clone(),
                        peer: me,
                        end: theirs,
                    });
                core.attach(mine, None, routing_id)
            }
        };
        self.connected
            .entry((id, name.to_owned()))
            .or_default()
            .push(link);
    }

    /// Unbinds `name`; links already made stay.
    pub(crate) fn unbind(&mut self, name: &str, id: u64) -> Result<()> {
        match self.bound.get(name) {
            Some(b) if b.socket_id == id => {
                self.bound.remove(name);
                Ok(())
            }
            _ => Err(Error::NoEndpoint),
        }
    }

    /// Drops the links the socket `id` made to `name`.
    pub(crate) fn disconnect(&mut self, name: &str, id: u64, core: &mut Core) -> Result<()> {
        let links = self
            .connected
            .remove(&(id, name.to_owned()))
            .ok_or(Error::NoEndpoint)?;
        if let Some(pending) = self.pending.get_mut(name) {
            pending.retain(|p| p.connector_id != id);
        }
        for link in links {
            core.detach(link);
        }
        Ok(())
    }

    /// Forgets everything of a closed socket.
    pub(crate) fn socket_closed(&mut self, id: u64) {
        self.bound.retain(|_, b| b.socket_id != id);
        for pending in self.pending.values_mut() {
            pending.retain(|p| p.connector_id != id);
        }
        self.pending.retain(|_, p| !p.is_empty());
        self.connected.retain(|(socket, _), _| *socket != id);
    }
}
