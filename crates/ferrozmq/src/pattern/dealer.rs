//! DEALER: sends load balanced, receives fair-queued, with no envelope of its own. With PROBE_ROUTER, every
//! new link is sent an empty message first.

use bytes::Bytes;
use zmtp::Frame;

use super::fq::FairQueue;
use super::lb::LoadBalancer;
use super::{int_option, Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::options::opt;
use crate::pipe::LinkId;

/// The DEALER pattern; REQ is built on it (as libzmq's `req_t` on `dealer_t`).
#[derive(Debug, Default)]
pub(crate) struct Dealer {
    /// Where messages go.
    pub(super) lb: LoadBalancer,
    /// Where messages come from.
    pub(super) fq: FairQueue,
    /// PROBE_ROUTER.
    probe: bool,
}

impl Pattern for Dealer {
    fn attach(&mut self, id: LinkId, links: &mut Links) {
        if self.probe {
            let _ = links.write(id, Frame::new(Bytes::new()));
        }
        self.lb.attach(id);
        self.fq.attach(id);
    }

    fn detach(&mut self, id: LinkId) {
        self.lb.detach(id);
        self.fq.detach(id);
    }

    fn read_activated(&mut self, id: LinkId) {
        self.fq.activate(id);
    }

    fn write_activated(&mut self, id: LinkId) {
        self.lb.activate(id);
    }

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        self.lb
            .send(frame, links)
            .map(drop)
            .map_err(SendError::again)
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

    fn has_out(&mut self, links: &mut Links) -> bool {
        self.lb.has_out(links)
    }

    fn set_option(&mut self, option: i32, value: &[u8], _links: &mut Links) -> Result<bool, Error> {
        if option != opt::PROBE_ROUTER {
            return Ok(false);
        }
        self.probe = int_option(value)? != 0;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{frames, Peer};
    use super::*;

    #[test]
    fn dealer_sends_round_robin_and_receives_from_all() {
        let mut links = Links::default();
        let mut d = Dealer::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        d.attach(a.id, &mut links);
        d.attach(b.id, &mut links);
        for f in frames(&["", "1"]).into_iter().chain(frames(&["", "2"])) {
            d.send(f, &mut links).unwrap();
        }
        assert_eq!(a.recv_msg(), Some(vec!["".into(), "1".into()]));
        assert_eq!(b.recv_msg(), Some(vec!["".into(), "2".into()]));
        b.send(&["from b"]);
        a.send(&["from a"]);
        let got: Vec<_> = std::iter::from_fn(|| d.recv(&mut links).ok())
            .map(|f| f.data)
            .collect();
        assert_eq!(got, ["from a", "from b"]);
    }
}
