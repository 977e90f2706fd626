//! PUB and XPUB (libzmq's `pub_t`, `xpub_t`): fan-out by subscription, never blocking; a subscriber whose
//! link is at its high-water mark misses the message.
//!
//! Subscribers send `\x01topic` to subscribe and `\x00topic` to cancel, as the first frame of a message. A
//! PUB applies them and ignores anything else. An XPUB also hands them to its user through recv (only new
//! topics and topics nobody holds any more, unless verbose), along with any other message subscribers send.
//! Subscription messages are read lazily: from links that reported having some, before each message sent
//! and each recv.

use std::collections::VecDeque;

use zmtp::Frame;

use super::dist::Distributor;
use super::mtrie::{Removed, Subscribers};
use super::{int_option, Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::pipe::LinkId;

/// `ZMQ_XPUB_VERBOSE`: pass every subscribe up, not only new topics.
const XPUB_VERBOSE: i32 = 40;
/// `ZMQ_XPUB_VERBOSER`: pass every subscribe and every cancel up.
const XPUB_VERBOSER: i32 = 78;

/// The PUB and XPUB patterns.
#[derive(Debug)]
pub(crate) struct Publisher {
    dist: Distributor,
    subs: Subscribers,
    /// Links that may have unread subscription messages.
    unread: Vec<LinkId>,
    /// The links matching the message being sent.
    matched: Vec<LinkId>,
    /// XPUB only: what recv returns.
    upstream: Option<VecDeque<Frame>>,
    /// Pass up every subscribe.
    verbose_subs: bool,
    /// Pass up every cancel.
    verbose_unsubs: bool,
}

impl Publisher {
    /// A PUB, or an XPUB when `xpub`.
    pub(crate) fn new(xpub: bool) -> Self {
        Self {
            dist: Distributor::default(),
            subs: Subscribers::default(),
            unread: Vec::new(),
            matched: Vec::new(),
            upstream: xpub.then(VecDeque::new),
            verbose_subs: false,
            verbose_unsubs: false,
        }
    }

    /// Reads everything the links that reported messages have sent.
    fn read_subscriptions(&mut self, links: &mut Links) {
        while let Some(id) = self.unread.pop() {
            let mut first = true;
            while let Some(frame) = links.read(id) {
                let kind = frame.data.first().copied().filter(|&b| first && b <= 1);
                first = !frame.more;
                match kind {
                    Some(kind) => self.apply(id, kind == 1, frame),
                    None => {
                        if let Some(up) = &mut self.upstream {
                            up.push_back(frame);
                        }
                    }
                }
            }
        }
    }

    /// Applies a subscribe or cancel from link `id`, passing it up if the XPUB user should see it.
    fn apply(&mut self, id: LinkId, subscribe: bool, frame: Frame) {
        let topic = &frame.data[1..];
        let notify = if subscribe {
            self.subs.add(topic, id) || self.verbose_subs
        } else {
            self.subs.remove(topic, id) != Removed::OthersRemain || self.verbose_unsubs
        };
        if let Some(up) = self.upstream.as_mut().filter(|_| notify) {
            up.push_back(frame.with_more(false));
        }
    }
}

impl Pattern for Publisher {
    fn attach(&mut self, id: LinkId, _links: &mut Links) {
        self.dist.attach(id);
        self.unread.push(id);
    }

    fn detach(&mut self, id: LinkId) {
        self.dist.detach(id);
        self.unread.retain(|&l| l != id);
        let (upstream, verbose) = (&mut self.upstream, self.verbose_unsubs);
        self.subs.remove_link(id, |topic, removed| {
            if let Some(up) = upstream
                .as_mut()
                .filter(|_| verbose || removed == Removed::Last)
            {
                let mut cancel = Vec::with_capacity(topic.len() + 1);
                cancel.push(0);
                cancel.extend_from_slice(topic);
                up.push_back(Frame::new(cancel));
            }
        });
    }

    fn read_activated(&mut self, id: LinkId) {
        if !self.unread.contains(&id) {
            self.unread.push(id);
        }
    }

    fn write_activated(&mut self, id: LinkId) {
        self.dist.activate(id);
    }

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        if self.dist.in_message() {
            self.dist.send(frame, links, None);
            return Ok(());
        }
        self.read_subscriptions(links);
        self.matched.clear();
        self.subs.matching(&frame.data, &mut self.matched);
        self.dist.send(frame, links, Some(&self.matched));
        Ok(())
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        if self.upstream.is_none() {
            return Err(Error::NotSupported);
        }
        self.read_subscriptions(links);
        self.upstream
            .as_mut()
            .and_then(VecDeque::pop_front)
            .ok_or(Error::Again)
    }

    fn has_in(&mut self, links: &mut Links) -> bool {
        if self.upstream.is_none() {
            return false;
        }
        self.read_subscriptions(links);
        self.upstream.as_ref().is_some_and(|up| !up.is_empty())
    }

    fn has_out(&mut self, _links: &mut Links) -> bool {
        true
    }

    fn set_option(&mut self, option: i32, value: &[u8], _links: &mut Links) -> Result<bool, Error> {
        if self.upstream.is_none() {
            return Ok(false);
        }
        match option {
            XPUB_VERBOSE => self.verbose_subs = int_option(value)? != 0,
            XPUB_VERBOSER => {
                let on = int_option(value)? != 0;
                self.verbose_subs = on;
                self.verbose_unsubs = on;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{drain, frames, Peer};
    use super::*;

    fn publish(p: &mut Publisher, links: &mut Links, parts: &[&str]) {
        for f in frames(parts) {
            p.send(f, links).unwrap();
        }
    }

    fn subscriber(links: &mut Links, p: &mut Publisher, hwm: usize, topics: &[&str]) -> Peer {
        let mut s = Peer::attach(links, hwm, 0);
        p.attach(s.id, links);
        for t in topics {
            s.send(&[&format!("\x01{t}")]);
        }
        s
    }

    fn recv_all(p: &mut Publisher, links: &mut Links) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| p.recv(links).ok())
            .map(|f| f.data.to_vec())
            .collect()
    }

    #[test]
    fn pub_filters_by_prefix() {
        let mut links = Links::default();
        let mut p = Publisher::new(false);
        let mut a = subscriber(&mut links, &mut p, 0, &["news"]);
        let mut b = subscriber(&mut links, &mut p, 0, &["", "weather"]);
        let mut c = subscriber(&mut links, &mut p, 0, &[]);
        publish(&mut p, &mut links, &["news.uk", "body"]);
        publish(&mut p, &mut links, &["weather"]);
        publish(&mut p, &mut links, &["new"]);
        assert_eq!(drain(&mut a), [b"news.uk".to_vec(), b"body".to_vec()]);
        assert_eq!(
            drain(&mut b).len(),
            4,
            "\"\" matches everything, each message once"
        );
        assert!(drain(&mut c).is_empty());
        assert!(matches!(p.recv(&mut links), Err(Error::NotSupported)));
    }

    #[test]
    fn cancel_and_detach_remove_subscriptions() {
        let mut links = Links::default();
        let mut p = Publisher::new(false);
        let mut a = subscriber(&mut links, &mut p, 0, &["x", "y"]);
        let b = subscriber(&mut links, &mut p, 0, &["x"]);
        a.send(&["\x00x"]);
        a.send(&["not a subscription"]);
        p.read_activated(a.id);
        publish(&mut p, &mut links, &["x1"]);
        publish(&mut p, &mut links, &["y1"]);
        assert_eq!(drain(&mut a), [b"y1".to_vec()]);
        links.remove(b.id);
        p.detach(b.id);
        publish(&mut p, &mut links, &["x2"]);
        assert!(drain(&mut a).is_empty());
    }

    #[test]
    fn pub_drops_for_a_link_at_hwm() {
        let mut links = Links::default();
        let mut p = Publisher::new(false);
        let mut slow = subscriber(&mut links, &mut p, 2, &[""]);
        let mut fast = subscriber(&mut links, &mut p, 0, &[""]);
        for i in 0..5 {
            publish(&mut p, &mut links, &[&format!("m{i}"), "tail"]);
        }
        assert_eq!(drain(&mut slow).len(), 4, "two whole messages");
        assert_eq!(drain(&mut fast).len(), 10);
        p.write_activated(slow.id);
        publish(&mut p, &mut links, &["m5"]);
        assert_eq!(drain(&mut slow), [b"m5".to_vec()]);
    }

    #[test]
    fn xpub_passes_up_new_subscriptions_and_last_cancels() {
        let mut links = Links::default();
        let mut p = Publisher::new(true);
        let mut a = subscriber(&mut links, &mut p, 0, &["t", "u"]);
        let b = subscriber(&mut links, &mut p, 0, &["t"]);
        assert_eq!(
            recv_all(&mut p, &mut links),
            [b"\x01t".to_vec(), b"\x01u".to_vec()]
        );
        a.send(&["\x00t"]);
        a.send(&["hello", "upstream"]);
        p.read_activated(a.id);
        assert!(p.has_in(&mut links));
        assert_eq!(
            recv_all(&mut p, &mut links),
            [b"hello".to_vec(), b"upstream".to_vec()]
        );
        links.remove(b.id);
        p.detach(b.id);
        assert_eq!(recv_all(&mut p, &mut links), [b"\x00t".to_vec()]);
    }

    #[test]
    fn xpub_verbose_passes_every_subscribe() {
        let mut links = Links::default();
        let mut p = Publisher::new(true);
        assert!(p
            .set_option(XPUB_VERBOSE, &1i64.to_ne_bytes(), &mut links)
            .unwrap());
        subscriber(&mut links, &mut p, 0, &["t"]);
        subscriber(&mut links, &mut p, 0, &["t"]);
        assert_eq!(recv_all(&mut p, &mut links).len(), 2);
        assert!(!Publisher::new(false)
            .set_option(XPUB_VERBOSE, &[1, 0, 0, 0], &mut links)
            .unwrap());
    }
}
