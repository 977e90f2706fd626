//! The routing ids of a ROUTER's or STREAM's links, both ways, and the counter for generated ones (libzmq's
//! `routing_socket_base_t`); and the links waiting for a CONNECT_ROUTING_ID another link still holds.

use std::collections::HashMap;

use bytes::Bytes;

use super::random_u32;
use crate::idmap::IdMap;
use crate::pipe::LinkId;

/// Which link has which routing id.
#[derive(Debug)]
pub(crate) struct RoutingTable {
    /// The link of each routing id.
    links_by_id: HashMap<Bytes, LinkId>,
    /// The routing id of each identified link.
    ids: IdMap<Bytes>,
    /// The counter in the next generated routing id.
    next_id: u32,
    /// Links whose CONNECT_ROUTING_ID was in use when they came, with that id, oldest first: an IMMEDIATE=1
    /// connect makes a new link per connection, and the last one may still hold unread messages.
    waiting: Vec<(LinkId, Bytes)>,
}

impl Default for RoutingTable {
    fn default() -> Self {
        Self {
            links_by_id: HashMap::new(),
            ids: IdMap::default(),
            next_id: random_u32(),
            waiting: Vec::new(),
        }
    }
}

impl RoutingTable {
    /// A new 5-byte routing id: `0x00` then the counter, big-endian (the counter starts at a random value).
    pub(crate) fn generate(&mut self) -> Bytes {
        let mut id = vec![0];
        id.extend_from_slice(&self.next_id.to_be_bytes());
        self.next_id = self.next_id.wrapping_add(1);
        id.into()
    }

    /// The link with this routing id.
    pub(crate) fn link(&self, routing_id: &[u8]) -> Option<LinkId> {
        self.links_by_id.get(routing_id).copied()
    }

    /// The routing id of this link, once it has one.
    pub(crate) fn routing_id(&self, id: LinkId) -> Option<&Bytes> {
        self.ids.get(&id)
    }

    /// Every link that has a routing id.
    pub(crate) fn links(&self) -> impl Iterator<Item = LinkId> + '_ {
        self.ids.keys().copied()
    }

    /// Gives the link this routing id.
    pub(crate) fn insert(&mut self, routing_id: Bytes, id: LinkId) {
        self.links_by_id.insert(routing_id.clone(), id);
        self.ids.insert(id, routing_id);
    }

    /// Forgets a link; returns the routing id it had.
    pub(crate) fn remove(&mut self, id: LinkId) -> Option<Bytes> {
        self.waiting.retain(|(w, _)| *w != id);
        let routing_id = self.ids.remove(&id)?;
        if self.links_by_id.get(&routing_id) == Some(&id) {
            self.links_by_id.remove(&routing_id);
        }
        Some(routing_id)
    }

    /// Gives the link its CONNECT_ROUTING_ID; `false` when another link holds that id, and the link then
    /// waits for [`RoutingTable::release`] to free it.
    pub(crate) fn claim(&mut self, routing_id: Bytes, id: LinkId) -> bool {
        if self.waiting.iter().any(|(w, _)| *w == id) {
            return false;
        }
        if self.links_by_id.contains_key(&routing_id) {
            self.waiting.push((id, routing_id));
            return false;
        }
        self.insert(routing_id, id);
        true
    }

    /// Forgets a link that went away; a link waiting for its routing id gets it and is returned.
    pub(crate) fn release(&mut self, id: LinkId) -> Option<LinkId> {
        let routing_id = self.remove(id)?;
        let at = self.waiting.iter().position(|(_, r)| *r == routing_id)?;
        let (next, routing_id) = self.waiting.remove(at);
        self.insert(routing_id, next);
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Peer;
    use super::*;
    use crate::links::Links;

    #[test]
    fn ids_map_both_ways_until_removed() {
        let mut links = Links::default();
        let [a, b] = [(); 2].map(|()| Peer::attach(&mut links, 0, 0).id);
        let mut table = RoutingTable::default();
        let generated = table.generate();
        table.insert(generated.clone(), a);
        table.insert(Bytes::from_static(b"bob"), b);
        assert_eq!(table.link(&generated), Some(a));
        assert_eq!(table.routing_id(b).map(|r| &r[..]), Some(&b"bob"[..]));
        assert_eq!(table.links().count(), 2);
        assert_eq!(table.remove(a), Some(generated.clone()));
        assert_eq!((table.link(&generated), table.remove(a)), (None, None));
        assert_eq!(table.links().collect::<Vec<_>>(), [b]);
    }

    #[test]
    fn a_claimed_id_in_use_waits_for_its_holder_to_go() {
        let mut links = Links::default();
        let [a, b, c] = [(); 3].map(|()| Peer::attach(&mut links, 0, 0).id);
        let mut table = RoutingTable::default();
        let named = Bytes::from_static(b"named");
        assert!(table.claim(named.clone(), a));
        assert!(!table.claim(named.clone(), b));
        assert!(!table.claim(named.clone(), c));
        table.remove(c);
        assert_eq!(table.link(&named), Some(a));
        assert_eq!(table.release(a), Some(b));
        assert_eq!(
            (table.link(&named), table.routing_id(b)),
            (Some(b), Some(&named))
        );
        assert_eq!(table.release(b), None, "c stopped waiting when it went");
    }

    #[test]
    fn generated_ids_are_five_bytes_counting_up() {
        let mut table = RoutingTable::default();
        let (first, second) = (table.generate(), table.generate());
        assert_eq!((first.len(), first[0], second[0]), (5, 0, 0));
        let n = |id: &Bytes| u32::from_be_bytes([id[1], id[2], id[3], id[4]]);
        assert_eq!(n(&second), n(&first).wrapping_add(1));
    }
}
