//! Fair queueing (libzmq's `fq_t`): the next message comes from the next link that has one, round-robin;
//! the frames of a message all come from its link.

use zmtp::Frame;

use super::active::ActiveLinks;
use crate::links::Links;
use crate::pipe::LinkId;

/// Round-robin over the links that have messages.
#[derive(Debug, Default)]
pub(crate) struct FairQueue {
    /// Every link in attach order; one that read empty sits out until it is activated again.
    active: ActiveLinks,
    /// The link of the message being read, between its first and its last frame.
    reading: Option<LinkId>,
}

impl FairQueue {
    /// Adds a link, active, after the others.
    pub(crate) fn attach(&mut self, id: LinkId) {
        self.active.attach(id);
    }

    /// Forgets a link.
    pub(crate) fn detach(&mut self, id: LinkId) {
        self.active.detach(id);
        if self.reading == Some(id) {
            self.reading = None;
        }
    }

    /// The link has messages again.
    pub(crate) fn activate(&mut self, id: LinkId) {
        self.active.activate(id);
    }

    /// The next frame and the link it came from.
    pub(crate) fn recv(&mut self, links: &mut Links) -> Option<(LinkId, Frame)> {
        if let Some(id) = self.reading {
            // The rest of a message is always there: pipes hand over whole messages.
            let frame = links.read(id);
            self.reading = frame.as_ref().filter(|f| f.more).map(|_| id);
            return frame.map(|f| (id, f));
        }
        let (id, frame) = self
            .active
            .round_robin((), |id, ()| links.read(id).ok_or(()))
            .ok()?;
        if frame.more {
            self.reading = Some(id);
        }
        Some((id, frame))
    }

    /// Reads and drops the rest of the message being read.
    pub(crate) fn skip_rest(&mut self, links: &mut Links) {
        while self.reading.is_some() && self.recv(links).is_some() {}
    }

    /// True when a frame can be read now; links found empty are deactivated.
    pub(crate) fn has_in(&mut self, links: &mut Links) -> bool {
        self.reading.is_some() || self.active.any_usable(|id| links.can_read(id))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Peer;
    use super::*;

    fn recv_all(fq: &mut FairQueue, links: &mut Links) -> Vec<(LinkId, String)> {
        std::iter::from_fn(|| fq.recv(links))
            .map(|(id, f)| (id, String::from_utf8_lossy(&f.data).into_owned()))
            .collect()
    }

    #[test]
    fn round_robin_per_message() {
        let mut links = Links::default();
        let mut fq = FairQueue::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        fq.attach(a.id);
        fq.attach(b.id);
        for m in ["a1", "a2", "a3"] {
            a.send(&[m]);
        }
        b.send(&["b1"]);
        b.send(&["b2"]);
        let got: Vec<String> = recv_all(&mut fq, &mut links)
            .into_iter()
            .map(|x| x.1)
            .collect();
        assert_eq!(got, ["a1", "b1", "a2", "b2", "a3"]);
    }

    #[test]
    fn multipart_is_read_whole_from_one_link() {
        let mut links = Links::default();
        let mut fq = FairQueue::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        fq.attach(a.id);
        fq.attach(b.id);
        a.send(&["a", "b", "c"]);
        b.send(&["x", "y"]);
        let got = recv_all(&mut fq, &mut links);
        let expect = [
            (a.id, "a"),
            (a.id, "b"),
            (a.id, "c"),
            (b.id, "x"),
            (b.id, "y"),
        ];
        assert_eq!(got, expect.map(|(id, s)| (id, s.to_owned())));
    }

    #[test]
    fn empty_link_is_skipped_until_activated() {
        let mut links = Links::default();
        let mut fq = FairQueue::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        fq.attach(a.id);
        assert!(!fq.has_in(&mut links));
        assert!(fq.recv(&mut links).is_none());
        a.send(&["late"]);
        assert!(!fq.has_in(&mut links), "inactive until read_activated");
        fq.activate(a.id);
        assert!(fq.has_in(&mut links));
        assert_eq!(recv_all(&mut fq, &mut links).len(), 1);
    }

    #[test]
    fn skip_rest_drops_the_message_tail() {
        let mut links = Links::default();
        let mut fq = FairQueue::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        fq.attach(a.id);
        a.send(&["1", "2", "3"]);
        a.send(&["next"]);
        assert!(fq.recv(&mut links).is_some());
        fq.skip_rest(&mut links);
        assert_eq!(recv_all(&mut fq, &mut links), [(a.id, "next".to_owned())]);
    }
}
