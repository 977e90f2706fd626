//! Fan-out (libzmq's `dist_t`): a message goes to every chosen link that has room for it. A link that is
//! full when a message starts misses that whole message; a sender never blocks.

use zmtp::Frame;

use crate::idmap::IdSet;
use crate::links::Links;
use crate::pipe::LinkId;

/// Sends each message to a set of links chosen at its first frame.
#[derive(Debug, Default)]
pub(crate) struct Distributor {
    /// Every link.
    links: Vec<LinkId>,
    /// Links found full, until they are activated again.
    full: IdSet,
    /// The links taking the message in progress.
    targets: Vec<LinkId>,
    /// True between the first and the last frame of a message.
    more: bool,
}

impl Distributor {
    /// Adds a link; it takes messages from the next one that starts.
    pub(crate) fn attach(&mut self, id: LinkId) {
        self.links.push(id);
    }

    /// Forgets a link.
    pub(crate) fn detach(&mut self, id: LinkId) {
        self.links.retain(|&l| l != id);
        self.targets.retain(|&l| l != id);
        self.full.remove(&id);
    }

    /// Every link, in attach order.
    pub(crate) fn all(&self) -> &[LinkId] {
        &self.links
    }

    /// The link has room again.
    pub(crate) fn activate(&mut self, id: LinkId) {
        self.full.remove(&id);
    }

    /// True between the first and the last frame of a message.
    pub(crate) fn in_message(&self) -> bool {
        self.more
    }

    /// Sends a frame. At the first frame of a message, `matching` names the links it goes to (duplicates
    /// allowed; `None` means every link); later frames follow the first. The frame is dropped for links
    /// that are full or gone.
    pub(crate) fn send(&mut self, frame: Frame, links: &mut Links, matching: Option<&[LinkId]>) {
        let first = !self.more;
        self.more = frame.more;
        if first {
            self.targets.clear();
            match matching {
                None => self.targets.extend_from_slice(&self.links),
                Some(ids) => {
                    self.targets.extend_from_slice(ids);
                    self.targets.sort_unstable();
                    self.targets.dedup();
                }
            }
            let full = &self.full;
            self.targets.retain(|id| !full.contains(id));
        }
        let full = &mut self.full;
        self.targets
            .retain(|&id| match links.write(id, frame.clone()) {
                Ok(()) => true,
                Err(_) => {
                    // Only a new message meets a full pipe; later frames fail only when the link is gone.
                    if first {
                        full.insert(id);
                    }
                    false
                }
            });
        if !self.more {
            self.targets.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{drain, frames, Peer};
    use super::*;

    #[test]
    fn fan_out_to_all_and_to_matching() {
        let mut links = Links::default();
        let mut d = Distributor::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        d.attach(a.id);
        d.attach(b.id);
        d.send(Frame::new("all"), &mut links, None);
        d.send(Frame::new("b only"), &mut links, Some(&[b.id, b.id]));
        assert_eq!(drain(&mut a), [b"all".to_vec()]);
        assert_eq!(drain(&mut b), [b"all".to_vec(), b"b only".to_vec()]);
    }

    #[test]
    fn full_link_misses_whole_messages_until_activated() {
        let mut links = Links::default();
        let mut d = Distributor::default();
        let mut a = Peer::attach(&mut links, 1, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        d.attach(a.id);
        d.attach(b.id);
        d.send(Frame::new("1"), &mut links, None);
        for f in frames(&["2a", "2b"]) {
            d.send(f, &mut links, None);
        }
        assert_eq!(drain(&mut a), [b"1".to_vec()]);
        d.send(Frame::new("3"), &mut links, None);
        assert!(drain(&mut a).is_empty(), "still deactivated");
        d.activate(a.id);
        d.send(Frame::new("4"), &mut links, None);
        assert_eq!(drain(&mut a), [b"4".to_vec()]);
        assert_eq!(drain(&mut b).len(), 5);
    }

    #[test]
    fn link_attached_mid_message_gets_only_the_next_message() {
        let mut links = Links::default();
        let mut d = Distributor::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        d.attach(a.id);
        d.send(Frame::new("1a").with_more(true), &mut links, None);
        let mut b = Peer::attach(&mut links, 0, 0);
        d.attach(b.id);
        d.send(Frame::new("1b"), &mut links, None);
        d.send(Frame::new("2"), &mut links, None);
        assert_eq!(a.recv_msg().map(|m| m.len()), Some(2));
        assert_eq!(drain(&mut b), [b"2".to_vec()]);
    }
}
