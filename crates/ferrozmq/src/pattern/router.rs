//! ROUTER (libzmq's `router_t`): every message received is prefixed with its peer's routing id; every message
//! sent starts with the routing id of the peer it goes to.
//!
//! A link gets its routing id when its peer is ready: the one CONNECT_ROUTING_ID gave it at connect, else the
//! id the peer announced, else a generated 5-byte id (`0x00` + a counter starting at a random value). Until
//! then, and for a peer announcing an id already in use, the link is neither read nor written; with
//! ROUTER_HANDOVER the new peer takes the id over and the old link is closed. A link given a
//! CONNECT_ROUTING_ID another link still holds (an IMMEDIATE=1 reconnect while the last connection's messages
//! are unread) waits for that link to go, then takes the id. A message for an unknown or full peer is dropped,
//! or refused with ROUTER_MANDATORY. PROBE_ROUTER sends an empty message on every new link. ROUTER_NOTIFY's
//! notices are not made here: as in libzmq, the I/O session puts an empty message in the link's pipe after
//! each handshake and after each lost connection, so they arrive in order with the peer's data.

use bytes::Bytes;
use zmtp::Frame;

use super::fq::FairQueue;
use super::routing::RoutingTable;
use super::{int_option, Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::options::opt;
use crate::pipe::LinkId;

/// The ROUTER pattern.
#[derive(Debug, Default)]
pub(crate) struct Router {
    /// Where messages come from: the identified links.
    fq: FairQueue,
    /// The routing id of each identified link.
    table: RoutingTable,
    /// The first frame of the message whose routing id recv just returned.
    prefetched: Option<Frame>,
    /// Inside a message being received.
    more_in: bool,
    /// Inside a message being sent, with its link (`None`: the message is dropped).
    sending: Option<Option<LinkId>>,
    /// ROUTER_MANDATORY.
    mandatory: bool,
    /// ROUTER_HANDOVER.
    handover: bool,
    /// PROBE_ROUTER.
    probe: bool,
}

impl Router {
    /// The routing id for a link whose peer announced `announced`.
    fn routing_id(&mut self, announced: Option<Bytes>) -> Bytes {
        announced
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| self.table.generate())
    }

    /// Stops reading and writing a link.
    fn forget(&mut self, id: LinkId) {
        self.fq.detach(id);
        if self.sending == Some(Some(id)) {
            self.sending = Some(None);
        }
    }
}

impl Pattern for Router {
    fn attach(&mut self, id: LinkId, links: &mut Links) {
        if self.probe {
            let _ = links.write(id, Frame::new(Bytes::new()));
        }
    }

    fn peer_ready(&mut self, id: LinkId, links: &mut Links) {
        if self.table.routing_id(id).is_some() {
            // A reconnect: the peer keeps its routing id, as libzmq assumes.
            return;
        }
        if let Some(given) = links.connect_routing_id(id).cloned() {
            if self.table.claim(given, id) {
                self.fq.attach(id);
            }
            return;
        }
        let announced = links.peer(id).and_then(|p| p.routing_id.clone());
        let routing_id = self.routing_id(announced);
        if let Some(old) = self.table.link(&routing_id) {
            if !self.handover {
                return;
            }
            // The new peer takes the id over; the old link is closed.
            self.forget(old);
            self.table.remove(old);
            links.mark_dead(old);
        }
        self.table.insert(routing_id, id);
        self.fq.attach(id);
    }

    fn detach(&mut self, id: LinkId) {
        self.forget(id);
        if let Some(next) = self.table.release(id) {
            self.fq.attach(next);
        }
    }

    fn read_activated(&mut self, id: LinkId) {
        self.fq.activate(id);
    }

    fn write_activated(&mut self, _id: LinkId) {}

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        if let Some(target) = self.sending {
            let more = frame.more;
            if let Some(id) = target {
                if links.write(id, frame).is_err() {
                    self.sending = Some(None);
                }
            }
            if !more {
                self.sending = None;
            }
            return Ok(());
        }
        // The routing id frame; one without a message after it is ignored.
        if !frame.more {
            return Ok(());
        }
        let target = self.table.link(&frame.data);
        let writable = target.filter(|&id| links.can_write(id));
        if self.mandatory && writable.is_none() {
            let error = if target.is_some() {
                Error::Again
            } else {
                Error::HostUnreachable
            };
            return Err(SendError { error, frame });
        }
        self.sending = Some(writable);
        Ok(())
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        if let Some(frame) = self.prefetched.take() {
            self.more_in = frame.more;
            return Ok(frame);
        }
        let (id, frame) = self.fq.recv(links).ok_or(Error::Again)?;
        if self.more_in {
            self.more_in = frame.more;
            return Ok(frame);
        }
        let routing_id = self.table.routing_id(id).cloned().unwrap_or_default();
        self.prefetched = Some(frame);
        self.more_in = true;
        Ok(Frame::new(routing_id).with_more(true))
    }

    fn has_in(&mut self, links: &mut Links) -> bool {
        self.more_in || self.fq.has_in(links)
    }

    fn has_out(&mut self, links: &mut Links) -> bool {
        !self.mandatory || self.table.links().any(|id| links.can_write(id))
    }

    fn set_option(&mut self, option: i32, value: &[u8], _links: &mut Links) -> Result<bool, Error> {
        let on = || int_option(value).map(|v| v != 0);
        match option {
            opt::ROUTER_MANDATORY => self.mandatory = on()?,
            opt::ROUTER_HANDOVER => self.handover = on()?,
            opt::PROBE_ROUTER => self.probe = on()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{frames, Peer};
    use super::*;
    use crate::pipe::link;
    use zmtp::{PeerInfo, SocketType};

    fn peer(
        links: &mut Links,
        r: &mut Router,
        hwm: usize,
        routing_id: Option<&'static str>,
    ) -> Peer {
        let info = PeerInfo {
            socket_type: SocketType::Dealer,
            routing_id: routing_id.map(|r| Bytes::from_static(r.as_bytes())),
            metadata: Default::default(),
            version: (3, 1),
        };
        let (near, far) = link(hwm, 0);
        let id = links.insert(near, Some(info));
        r.attach(id, links);
        r.peer_ready(id, links);
        Peer::wrap(id, far)
    }

    fn recv_msg(r: &mut Router, links: &mut Links) -> Vec<Bytes> {
        let mut msg = Vec::new();
        loop {
            let f = r.recv(links).unwrap();
            msg.push(f.data);
            if !f.more {
                return msg;
            }
        }
    }

    fn send(r: &mut Router, links: &mut Links, parts: &[&str]) -> Result<(), Error> {
        for f in frames(parts) {
            r.send(f, links).map_err(|e| e.error)?;
        }
        Ok(())
    }

    #[test]
    fn recv_prefixes_routing_id_and_send_routes_by_it() {
        let mut links = Links::default();
        let mut r = Router::default();
        let mut a = peer(&mut links, &mut r, 0, Some("alice"));
        let mut b = peer(&mut links, &mut r, 0, None);
        a.send(&["", "hi"]);
        let msg = recv_msg(&mut r, &mut links);
        assert_eq!(msg, ["alice", "", "hi"]);
        b.send(&["anon"]);
        let msg = recv_msg(&mut r, &mut links);
        assert_eq!((msg[0].len(), msg[0][0], &msg[1][..]), (5, 0, &b"anon"[..]));
        r.send(Frame::new(msg[0].clone()).with_more(true), &mut links)
            .unwrap();
        r.send(Frame::new("to b"), &mut links).unwrap();
        send(&mut r, &mut links, &["alice", "", "to a"]).unwrap();
        send(&mut r, &mut links, &["nobody", "lost"]).unwrap();
        assert_eq!(a.recv_msg(), Some(vec!["".into(), "to a".into()]));
        assert_eq!(b.recv_msg(), Some(vec!["to b".into()]));
    }

    #[test]
    fn generated_ids_count_up_and_duplicates_are_ignored() {
        let mut links = Links::default();
        let mut r = Router::default();
        let first = r.routing_id(None);
        let second = r.routing_id(Some(Bytes::new()));
        let n = |id: &Bytes| u32::from_be_bytes([id[1], id[2], id[3], id[4]]);
        assert_eq!(n(&second), n(&first).wrapping_add(1));
        peer(&mut links, &mut r, 0, Some("same"));
        let mut dup = peer(&mut links, &mut r, 0, Some("same"));
        dup.send(&["ignored"]);
        assert!(matches!(r.recv(&mut links), Err(Error::Again)));
    }

    /// A link made by a connect with CONNECT_ROUTING_ID `n`, its peer ready.
    fn named(links: &mut Links, r: &mut Router) -> Peer {
        let (near, far) = link(0, 0);
        let id = links.insert(near, None);
        links.get_mut(id).unwrap().connect_routing_id = Some(Bytes::from_static(b"n"));
        r.attach(id, links);
        links.get_mut(id).unwrap().peer = Some(PeerInfo {
            socket_type: SocketType::Router,
            routing_id: None,
            metadata: Default::default(),
            version: (3, 1),
        });
        r.peer_ready(id, links);
        Peer::wrap(id, far)
    }

    #[test]
    fn a_connect_routing_id_in_use_waits_for_the_link_holding_it() {
        let mut links = Links::default();
        let mut r = Router::default();
        let mut old = named(&mut links, &mut r);
        let mut new = named(&mut links, &mut r);
        old.send(&["last"]);
        new.send(&["first"]);
        assert_eq!(recv_msg(&mut r, &mut links), ["n", "last"]);
        assert!(matches!(r.recv(&mut links), Err(Error::Again)));
        links.remove(old.id);
        r.detach(old.id);
        assert_eq!(recv_msg(&mut r, &mut links), ["n", "first"]);
        send(&mut r, &mut links, &["n", "reply"]).unwrap();
        assert_eq!(new.recv_msg(), Some(vec!["reply".into()]));
    }

    #[test]
    fn full_peer_drops_or_refuses_with_mandatory() {
        let mut links = Links::default();
        let mut r = Router::default();
        let mut a = peer(&mut links, &mut r, 1, Some("a"));
        send(&mut r, &mut links, &["a", "1"]).unwrap();
        send(&mut r, &mut links, &["a", "2"]).unwrap();
        assert!(r
            .set_option(opt::ROUTER_MANDATORY, &1i64.to_ne_bytes(), &mut links)
            .unwrap());
        assert!(matches!(
            send(&mut r, &mut links, &["a", "3"]),
            Err(Error::Again)
        ));
        assert!(matches!(
            send(&mut r, &mut links, &["zz", "3"]),
            Err(Error::HostUnreachable)
        ));
        assert!(!r.has_out(&mut links));
        assert_eq!(a.recv_msg(), Some(vec!["1".into()]));
        assert_eq!(a.recv_msg(), None);
    }
}
