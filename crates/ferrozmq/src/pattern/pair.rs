//! PAIR: one peer only (libzmq's `pair_t`); further links are refused. Sends block while the peer's link is
//! full or there is none.

use zmtp::Frame;

use super::{Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::pipe::LinkId;

/// The PAIR pattern.
#[derive(Debug, Default)]
pub(crate) struct Pair {
    /// The one link.
    link: Option<LinkId>,
    /// Inside a message being sent.
    more_out: bool,
}

impl Pattern for Pair {
    fn attach(&mut self, id: LinkId, links: &mut Links) {
        if self.link.is_none() {
            self.link = Some(id);
        } else {
            // The socket closes links recorded dead.
            links.mark_dead(id);
        }
    }

    fn detach(&mut self, id: LinkId) {
        if self.link == Some(id) {
            self.link = None;
        }
    }

    fn read_activated(&mut self, _id: LinkId) {}

    fn write_activated(&mut self, _id: LinkId) {}

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        let more = frame.more;
        let result = match self.link {
            Some(id) => links.write(id, frame),
            None => Err(frame),
        };
        match result {
            Ok(()) => {}
            // Only a message's first frame can meet a full pipe; later ones fail when the link is gone.
            Err(_) if self.more_out => {}
            Err(frame) => {
                return Err(SendError {
                    error: Error::Again,
                    frame,
                })
            }
        }
        self.more_out = more;
        Ok(())
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        self.link.and_then(|id| links.read(id)).ok_or(Error::Again)
    }

    fn has_in(&mut self, links: &mut Links) -> bool {
        self.link.is_some_and(|id| links.can_read(id))
    }

    fn has_out(&mut self, links: &mut Links) -> bool {
        self.more_out || self.link.is_some_and(|id| links.can_write(id))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Peer;
    use super::*;

    #[test]
    fn pair_talks_to_its_first_link_only() {
        let mut links = Links::default();
        let mut p = Pair::default();
        assert!(p.send(Frame::new("x"), &mut links).is_err());
        let mut a = Peer::attach(&mut links, 1, 0);
        p.attach(a.id, &mut links);
        let b = Peer::attach(&mut links, 0, 0);
        p.attach(b.id, &mut links);
        assert_eq!(links.take_dead(), [b.id]);
        p.detach(b.id);
        p.send(Frame::new("1"), &mut links).unwrap();
        let e = p.send(Frame::new("2"), &mut links).unwrap_err();
        assert!(matches!(e.error, Error::Again));
        assert_eq!(a.recv_msg(), Some(vec!["1".into()]));
        a.send(&["back"]);
        assert_eq!(p.recv(&mut links).unwrap().data, "back");
    }
}
