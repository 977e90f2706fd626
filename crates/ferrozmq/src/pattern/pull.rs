//! PULL: receives from its peers in turn (fair queueing); cannot send.

use zmtp::Frame;

use super::fq::FairQueue;
use super::{Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::pipe::LinkId;

/// The PULL pattern.
#[derive(Debug, Default)]
pub(crate) struct Pull {
    fq: FairQueue,
}

impl Pattern for Pull {
    fn attach(&mut self, id: LinkId, _links: &mut Links) {
        self.fq.attach(id);
    }

    fn detach(&mut self, id: LinkId) {
        self.fq.detach(id);
    }

    fn read_activated(&mut self, id: LinkId) {
        self.fq.activate(id);
    }

    fn write_activated(&mut self, _id: LinkId) {}

    fn send(&mut self, frame: Frame, _links: &mut Links) -> Result<(), SendError> {
        Err(SendError {
            error: Error::NotSupported,
            frame,
        })
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        match self.fq.recv(links) {
            Some((_, frame)) => Ok(frame),
            // Made only when needed: building and dropping an unused error costs on every message.
            None => Err(Error::Again),
        }
    }

    fn has_in(&mut self, links: &mut Links) -> bool {
        self.fq.has_in(links)
    }

    fn has_out(&mut self, _links: &mut Links) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Peer;
    use super::*;

    #[test]
    fn pull_fair_queues_and_refuses_send() {
        let mut links = Links::default();
        let mut p = Pull::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        p.attach(a.id, &mut links);
        p.attach(b.id, &mut links);
        a.send(&["a1", "a1+"]);
        a.send(&["a2"]);
        b.send(&["b1"]);
        let got: Vec<_> = std::iter::from_fn(|| p.recv(&mut links).ok())
            .map(|f| (f.data, f.more))
            .collect();
        let expect = [("a1", true), ("a1+", false), ("b1", false), ("a2", false)];
        assert_eq!(got, expect.map(|(d, m)| (d.into(), m)));
        assert!(matches!(p.recv(&mut links), Err(Error::Again)));
        assert!(matches!(
            p.send(Frame::new("x"), &mut links),
            Err(SendError {
                error: Error::NotSupported,
                ..
            })
        ));
    }
}
