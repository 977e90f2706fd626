//! Load balancing (libzmq's `lb_t`): each message goes whole to the next link with room, round-robin in
//! attach order.

use zmtp::Frame;

use super::active::ActiveLinks;
use crate::links::Links;
use crate::pipe::LinkId;

/// Round-robin over the links that have room for a message.
#[derive(Debug, Default)]
pub(crate) struct LoadBalancer {
    /// Every link in attach order; one that was found full sits out until it is activated again.
    active: ActiveLinks,
    /// The link taking the message in progress, between its first and its last frame.
    sending: Option<LinkId>,
    /// The rest of the message in progress is dropped: its link went away.
    dropping: bool,
}

impl LoadBalancer {
    /// Adds a link, active, after the others.
    pub(crate) fn attach(&mut self, id: LinkId) {
        self.active.attach(id);
    }

    /// Forgets a link; if it was taking a message, the rest of that message is dropped.
    pub(crate) fn detach(&mut self, id: LinkId) {
        self.active.detach(id);
        if self.sending == Some(id) {
            self.sending = None;
            self.dropping = true;
        }
    }

    /// The link has room again.
    pub(crate) fn activate(&mut self, id: LinkId) {
        self.active.activate(id);
    }

    /// True between the first and the last frame of a message.
    pub(crate) fn in_message(&self) -> bool {
        self.sending.is_some() || self.dropping
    }

    /// Sends a frame: the first frame of a message to the next link with room, the others after it.
    /// Returns the link written, or `None` when the frame was dropped (its link went away mid-message);
    /// hands the frame back when no link has room for a new message.
    pub(crate) fn send(
        &mut self,
        frame: Frame,
        links: &mut Links,
    ) -> Result<Option<LinkId>, Frame> {
        let more = frame.more;
        if self.dropping {
            self.dropping = more;
            return Ok(None);
        }
        if let Some(id) = self.sending {
            let written = links.write(id, frame).is_ok();
            if !more {
                self.sending = None;
            } else if !written {
                self.sending = None;
                self.dropping = true;
            }
            return Ok(written.then_some(id));
        }
        let (id, ()) = self
            .active
            .round_robin(frame, |id, frame| links.write(id, frame))?;
        if more {
            self.sending = Some(id);
        }
        Ok(Some(id))
    }

    /// True when a frame can be sent now; links found full are deactivated.
    pub(crate) fn has_out(&mut self, links: &mut Links) -> bool {
        self.in_message() || self.active.any_usable(|id| links.can_write(id))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{drain, frames, Peer};
    use super::*;

    #[test]
    fn round_robin_in_attach_order() {
        let mut links = Links::default();
        let mut lb = LoadBalancer::default();
        let mut peers: Vec<Peer> = (0..3).map(|_| Peer::attach(&mut links, 0, 0)).collect();
        for p in &peers {
            lb.attach(p.id);
        }
        for i in 0..6u8 {
            lb.send(Frame::new(vec![i]), &mut links).unwrap();
        }
        let got: Vec<Vec<Vec<u8>>> = peers.iter_mut().map(drain).collect();
        assert_eq!(
            got,
            [
                vec![vec![0], vec![3]],
                vec![vec![1], vec![4]],
                vec![vec![2], vec![5]]
            ]
        );
    }

    #[test]
    fn multipart_stays_on_one_link() {
        let mut links = Links::default();
        let mut lb = LoadBalancer::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        lb.attach(a.id);
        lb.attach(b.id);
        for f in frames(&["1a", "1b", "1c"]) {
            lb.send(f, &mut links).unwrap();
        }
        lb.send(Frame::new("2"), &mut links).unwrap();
        assert_eq!(
            a.recv_msg(),
            Some(vec!["1a".into(), "1b".into(), "1c".into()])
        );
        assert_eq!(b.recv_msg(), Some(vec!["2".into()]));
    }

    #[test]
    fn full_link_is_skipped_until_activated() {
        let mut links = Links::default();
        let mut lb = LoadBalancer::default();
        let mut a = Peer::attach(&mut links, 1, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        lb.attach(a.id);
        lb.attach(b.id);
        for i in 0..4u8 {
            lb.send(Frame::new(vec![i]), &mut links).unwrap();
        }
        assert_eq!(drain(&mut a), [vec![0]]);
        assert_eq!(drain(&mut b), [vec![1], vec![2], vec![3]]);
        lb.activate(a.id);
        lb.send(Frame::new("x"), &mut links).unwrap();
        lb.send(Frame::new("y"), &mut links).unwrap();
        assert_eq!(drain(&mut a).len() + drain(&mut b).len(), 2);
    }

    #[test]
    fn no_room_hands_the_frame_back() {
        let mut links = Links::default();
        let mut lb = LoadBalancer::default();
        assert!(lb.send(Frame::new("x"), &mut links).is_err());
        let a = Peer::attach(&mut links, 1, 0);
        lb.attach(a.id);
        assert!(lb.has_out(&mut links));
        lb.send(Frame::new("1"), &mut links).unwrap();
        assert!(!lb.has_out(&mut links));
        let back = lb.send(Frame::new("2"), &mut links).unwrap_err();
        assert_eq!(back.data, "2");
    }

    #[test]
    fn detach_mid_message_drops_the_rest() {
        let mut links = Links::default();
        let mut lb = LoadBalancer::default();
        let a = Peer::attach(&mut links, 0, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        lb.attach(a.id);
        lb.attach(b.id);
        lb.send(Frame::new("1a").with_more(true), &mut links)
            .unwrap();
        links.remove(a.id);
        lb.detach(a.id);
        assert_eq!(lb.send(Frame::new("1b"), &mut links).unwrap(), None);
        lb.send(Frame::new("2"), &mut links).unwrap();
        assert_eq!(drain(&mut b), [b"2".to_vec()]);
    }
}
