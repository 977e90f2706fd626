//! The links a socket holds, keyed by id, as its pattern sees them.

use std::sync::Arc;

use bytes::Bytes;
use zmtp::{Frame, PeerInfo};

use crate::engine::DirectLink;
use crate::idmap::IdMap;
use crate::pipe::{LinkEnd, LinkId, Read, WriteError};

/// One link as the socket holds it.
#[derive(Debug)]
pub(crate) struct Link {
    /// The socket's end of the link.
    pub(crate) end: LinkEnd,
    /// Who is at the other end, once its handshake is done.
    pub(crate) peer: Option<PeerInfo>,
    /// The routing id the socket gives this link's peer (CONNECT_ROUTING_ID at connect).
    pub(crate) connect_routing_id: Option<Bytes>,
    /// The session at the other end, when the socket's thread may drive its stream (tcp and ipc).
    pub(crate) direct: Option<Arc<DirectLink>>,
}

/// Every link of one socket. Reads and writes that find a link gone record it; the socket detaches
/// such links after the pattern's call returns (see [`Links::take_dead`]).
#[derive(Debug, Default)]
pub(crate) struct Links {
    map: IdMap<Link>,
    dead: Vec<LinkId>,
}

impl Links {
    /// Adds a link.
    pub(crate) fn insert(&mut self, end: LinkEnd, peer: Option<PeerInfo>) -> LinkId {
        let id = end.id;
        self.map.insert(
            id,
            Link {
                end,
                peer,
                connect_routing_id: None,
                direct: None,
            },
        );
        id
    }

    /// The routing id CONNECT_ROUTING_ID gave the link's peer, if any.
    pub(crate) fn connect_routing_id(&self, id: LinkId) -> Option<&Bytes> {
        self.map
            .get(&id)
            .and_then(|l| l.connect_routing_id.as_ref())
    }

    /// Removes a link, closing the socket's ends of its pipes.
    pub(crate) fn remove(&mut self, id: LinkId) -> Option<Link> {
        self.map.remove(&id)
    }

    /// The direct path of the socket's only link, if it has exactly one and that one has it.
    pub(crate) fn only_direct(&self) -> Option<Arc<DirectLink>> {
        if self.map.len() != 1 {
            return None;
        }
        self.map.values().next().and_then(|l| l.direct.clone())
    }

    /// Takes the stream's reads back from the socket's thread on every link (see [`DirectLink::release`]).
    pub(crate) fn release_direct(&self) {
        for link in self.map.values() {
            if let Some(direct) = &link.direct {
                direct.release();
            }
        }
    }

    /// The link with this id.
    pub(crate) fn get_mut(&mut self, id: LinkId) -> Option<&mut Link> {
        self.map.get_mut(&id)
    }

    /// The peer at the other end of a link, once known.
    pub(crate) fn peer(&self, id: LinkId) -> Option<&PeerInfo> {
        self.map.get(&id).and_then(|l| l.peer.as_ref())
    }

    /// Reads the next frame from a link; `None` when it has nothing now (its owner will be told when it
    /// has) or is gone (it is then recorded as dead).
    pub(crate) fn read(&mut self, id: LinkId) -> Option<Frame> {
        let link = self.map.get_mut(&id)?;
        match link.end.reader.read() {
            Read::Frame(f) => Some(f),
            Read::Empty => None,
            Read::Closed => {
                self.dead.push(id);
                None
            }
        }
    }

    /// Writes a frame to a link; hands it back when the link is full or gone (then recorded as dead).
    pub(crate) fn write(&mut self, id: LinkId, frame: Frame) -> Result<(), Frame> {
        let Some(link) = self.map.get_mut(&id) else {
            return Err(frame);
        };
        match link.end.writer.write(frame) {
            Ok(()) => Ok(()),
            Err(WriteError::Full(f)) => Err(f),
            Err(WriteError::Closed(f)) => {
                self.dead.push(id);
                Err(f)
            }
        }
    }

    /// True when a whole message can be read from the link now.
    pub(crate) fn can_read(&mut self, id: LinkId) -> bool {
        self.map
            .get_mut(&id)
            .is_some_and(|l| l.end.reader.check_read())
    }

    /// True when a new message can be written to the link now.
    pub(crate) fn can_write(&mut self, id: LinkId) -> bool {
        self.map
            .get_mut(&id)
            .is_some_and(|l| l.end.writer.check_write())
    }

    /// True when links were found gone since the last [`Links::take_dead`].
    pub(crate) fn has_dead(&self) -> bool {
        !self.dead.is_empty()
    }

    /// Takes the links found gone since the last call.
    pub(crate) fn take_dead(&mut self) -> Vec<LinkId> {
        std::mem::take(&mut self.dead)
    }

    /// Records a link as gone.
    pub(crate) fn mark_dead(&mut self, id: LinkId) {
        self.dead.push(id);
    }
}
