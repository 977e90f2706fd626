//! STREAM (libzmq's `stream_t`): raw TCP peers, no ZMTP. Every message received is `[routing id, data]`, every
//! message sent is `[routing id, data]`; sending an empty data frame closes that connection. Each connection
//! gets a generated 5-byte id (`0x00` + a counter), or the CONNECT_ROUTING_ID given for its connect (a link
//! given an id another link still holds waits for that one to go); a connecting link keeps its id across
//! reconnects. With STREAM_NOTIFY (on by default) the session puts an
//! empty frame in the pipe when a connection starts and when it ends, so each arrives as `[routing id, ""]`.

use zmtp::Frame;

use super::fq::FairQueue;
use super::routing::RoutingTable;
use super::{Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::pipe::LinkId;

/// The STREAM pattern.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    /// Where messages come from: the identified links.
    fq: FairQueue,
    /// The routing id of each identified link.
    table: RoutingTable,
    /// The data frame after the routing id recv just returned.
    prefetched: Option<Frame>,
    /// The link the message being sent goes to (`Some(None)`: dropped), after its id frame.
    sending: Option<Option<LinkId>>,
}

impl Pattern for Stream {
    fn attach(&mut self, _id: LinkId, _links: &mut Links) {}

    fn peer_ready(&mut self, id: LinkId, links: &mut Links) {
        if self.table.routing_id(id).is_some() {
            // A connecting link reconnected: it keeps its id.
            return;
        }
        if let Some(given) = links.connect_routing_id(id).cloned() {
            if self.table.claim(given, id) {
                self.fq.attach(id);
            }
            return;
        }
        let routing_id = self.table.generate();
        self.table.insert(routing_id, id);
        self.fq.attach(id);
    }

    fn detach(&mut self, id: LinkId) {
        self.fq.detach(id);
        if self.sending == Some(Some(id)) {
            self.sending = Some(None);
        }
        if let Some(next) = self.table.release(id) {
            self.fq.attach(next);
        }
    }

    fn read_activated(&mut self, id: LinkId) {
        self.fq.activate(id);
    }

    fn write_activated(&mut self, _id: LinkId) {}

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        if let Some(target) = self.sending.take() {
            // The data frame; its MORE flag is ignored, as in libzmq.
            if let Some(id) = target {
                let _ = links.write(id, frame.with_more(false));
            }
            return Ok(());
        }
        if !frame.more {
            return Err(SendError {
                error: Error::invalid("a STREAM message is a routing id frame, then data"),
                frame,
            });
        }
        let Some(id) = self.table.link(&frame.data) else {
            return Err(SendError {
                error: Error::HostUnreachable,
                frame,
            });
        };
        if !links.can_write(id) {
            return Err(SendError::again(frame));
        }
        self.sending = Some(Some(id));
        Ok(())
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        if let Some(frame) = self.prefetched.take() {
            return Ok(frame);
        }
        let (id, frame) = self.fq.recv(links).ok_or(Error::Again)?;
        let routing_id = self.table.routing_id(id).cloned().unwrap_or_default();
        self.prefetched = Some(frame.with_more(false));
        Ok(Frame::new(routing_id).with_more(true))
    }

    fn has_in(&mut self, links: &mut Links) -> bool {
        self.prefetched.is_some() || self.fq.has_in(links)
    }

    fn has_out(&mut self, _links: &mut Links) -> bool {
        true
    }
}
