//! PUSH: sends each message to the next peer with room (load balancing); cannot receive.

use zmtp::Frame;

use super::lb::LoadBalancer;
use super::{Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::pipe::LinkId;

/// The PUSH pattern.
#[derive(Debug, Default)]
pub(crate) struct Push {
    lb: LoadBalancer,
}

impl Pattern for Push {
    fn attach(&mut self, id: LinkId, _links: &mut Links) {
        self.lb.attach(id);
    }

    fn detach(&mut self, id: LinkId) {
        self.lb.detach(id);
    }

    fn read_activated(&mut self, _id: LinkId) {}

    fn write_activated(&mut self, id: LinkId) {
        self.lb.activate(id);
    }

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        self.lb
            .send(frame, links)
            .map(drop)
            .map_err(SendError::again)
    }

    fn recv(&mut self, _links: &mut Links) -> Result<Frame, Error> {
        Err(Error::NotSupported)
    }

    fn has_in(&mut self, _links: &mut Links) -> bool {
        false
    }

    fn has_out(&mut self, links: &mut Links) -> bool {
        self.lb.has_out(links)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Peer;
    use super::*;

    #[test]
    fn push_balances_and_blocks_when_all_full() {
        let mut links = Links::default();
        let mut p = Push::default();
        let mut a = Peer::attach(&mut links, 1, 0);
        let mut b = Peer::attach(&mut links, 1, 0);
        p.attach(a.id, &mut links);
        p.attach(b.id, &mut links);
        p.send(Frame::new("1"), &mut links).unwrap();
        p.send(Frame::new("2"), &mut links).unwrap();
        let e = p.send(Frame::new("3"), &mut links).unwrap_err();
        assert!(matches!(e.error, Error::Again) && e.frame.data == "3");
        assert!(!p.has_out(&mut links));
        assert_eq!(a.recv_msg(), Some(vec!["1".into()]));
        p.write_activated(a.id);
        p.send(Frame::new("3"), &mut links).unwrap();
        assert_eq!(a.recv_msg(), Some(vec!["3".into()]));
        assert_eq!(b.recv_msg(), Some(vec!["2".into()]));
        assert!(matches!(p.recv(&mut links), Err(Error::NotSupported)));
    }
}
