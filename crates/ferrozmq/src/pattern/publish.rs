//! PUB and XPUB (libzmq's `pub_t`, `xpub_t`): fan-out by subscription, never blocking; a subscriber whose
//! link is at its high-water mark misses the message (unless XPUB_NODROP, which makes the send wait).
//!
//! Subscribers send `\x01topic` to subscribe and `\x00topic` to cancel, as the first frame of a message. A
//! PUB applies them and ignores anything else. An XPUB also hands them to its user through recv (only new
//! topics and topics nobody holds any more, unless verbose), along with any other message subscribers send.
//! With XPUB_MANUAL, subscriptions are not applied: every one is handed up, and the user's SUBSCRIBE /
//! UNSUBSCRIBE on the XPUB applies to the subscriber whose subscription it received last. XPUB_WELCOME_MSG is
//! sent to every new subscriber; INVERT_MATCHING sends each message to the links that do *not* match.
//! Subscription messages are read lazily: from links that reported having some, before each message sent
//! and each recv.

use std::collections::VecDeque;

use bytes::Bytes;
use zmtp::Frame;

use super::dist::Distributor;
use super::mtrie::{Removed, Subscribers};
use super::{int_option, Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::options::opt;
use crate::pipe::LinkId;

/// The PUB and XPUB patterns.
#[derive(Debug)]
pub(crate) struct Publisher {
    dist: Distributor,
    subs: Subscribers,
    /// Links that may have unread subscription messages.
    unread: Vec<LinkId>,
    /// The links matching the message being sent.
    matched: Vec<LinkId>,
    /// XPUB only: what recv returns, each with the link whose subscription it is (XPUB_MANUAL).
    upstream: Option<VecDeque<(Frame, Option<LinkId>)>>,
    /// Pass up every subscribe.
    verbose_subs: bool,
    /// Pass up every cancel.
    verbose_unsubs: bool,
    /// XPUB_MANUAL: the user applies subscriptions.
    manual: bool,
    /// XPUB_MANUAL: what each subscriber asked for, to cancel when it goes.
    requested: Subscribers,
    /// XPUB_MANUAL: the subscriber whose subscription the user received last.
    last_link: Option<LinkId>,
    /// XPUB_WELCOME_MSG.
    welcome: Option<Bytes>,
    /// XPUB_NODROP.
    nodrop: bool,
    /// INVERT_MATCHING.
    invert: bool,
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
            manual: false,
            requested: Subscribers::default(),
            last_link: None,
            welcome: None,
            nodrop: false,
            invert: false,
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
                            up.push_back((frame, None));
                        }
                    }
                }
            }
        }
    }

    /// Applies a subscribe or cancel from link `id`, passing it up if the XPUB user should see it.
    fn apply(&mut self, id: LinkId, subscribe: bool, frame: Frame) {
        let topic = frame.data.get(1..).unwrap_or_default();
        let notify = if self.manual {
            if subscribe {
                self.requested.add(topic, id);
            } else {
                self.requested.remove(topic, id);
            }
            true
        } else if subscribe {
            self.subs.add(topic, id) || self.verbose_subs
        } else {
            self.subs.remove(topic, id) != Removed::OthersRemain || self.verbose_unsubs
        };
        if let Some(up) = self.upstream.as_mut().filter(|_| notify) {
            up.push_back((frame.with_more(false), Some(id)));
        }
    }

    /// The user's SUBSCRIBE / UNSUBSCRIBE on a manual XPUB, for the subscriber it heard from last.
    fn manual_subscription(&mut self, subscribe: bool, topic: &[u8]) {
        let Some(id) = self.last_link.filter(|_| self.manual) else {
            return;
        };
        if subscribe {
            self.subs.add(topic, id);
        } else {
            self.subs.remove(topic, id);
        }
    }

    /// Chooses the links the message starting with `first` goes to.
    fn choose_targets(&mut self, first: &[u8]) {
        self.matched.clear();
        self.subs.matching(first, &mut self.matched);
        if self.invert {
            let matching = std::mem::take(&mut self.matched);
            self.matched = self
                .dist
                .all()
                .iter()
                .copied()
                .filter(|id| !matching.contains(id))
                .collect();
        }
    }
}

impl Pattern for Publisher {
    fn attach(&mut self, id: LinkId, links: &mut Links) {
        if let Some(welcome) = &self.welcome {
            let _ = links.write(id, Frame::new(welcome.clone()));
        }
        self.dist.attach(id);
        self.unread.push(id);
    }

    fn detach(&mut self, id: LinkId) {
        self.dist.detach(id);
        self.unread.retain(|&l| l != id);
        if self.last_link == Some(id) {
            self.last_link = None;
        }
        let (upstream, verbose, manual) = (&mut self.upstream, self.verbose_unsubs, self.manual);
        let mut cancel = |topic: &[u8], removed: Removed| {
            if let Some(up) = upstream
                .as_mut()
                .filter(|_| manual || verbose || removed == Removed::Last)
            {
                let mut cancel = Vec::with_capacity(topic.len() + 1);
                cancel.push(0);
                cancel.extend_from_slice(topic);
                up.push_back((Frame::new(cancel), None));
            }
        };
        if manual {
            self.requested.remove_link(id, &mut cancel);
            self.subs.remove_link(id, |_, _| {});
        } else {
            self.subs.remove_link(id, cancel);
        }
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
        self.choose_targets(&frame.data);
        if self.nodrop {
            let matched = std::mem::take(&mut self.matched);
            let full = matched.iter().any(|&id| !links.can_write(id));
            self.matched = matched;
            if full {
                return Err(SendError {
                    error: Error::Again,
                    frame,
                });
            }
        }
        self.dist.send(frame, links, Some(&self.matched));
        Ok(())
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        if self.upstream.is_none() {
            return Err(Error::NotSupported);
        }
        self.read_subscriptions(links);
        let (frame, from) = self
            .upstream
            .as_mut()
            .and_then(VecDeque::pop_front)
            .ok_or(Error::Again)?;
        if self.manual {
            self.last_link = from;
        }
        Ok(frame)
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
        let on = || int_option(value).map(|v| v != 0);
        match option {
            opt::INVERT_MATCHING => self.invert = on()?,
            _ if self.upstream.is_none() => return Ok(false),
            opt::XPUB_VERBOSE => self.verbose_subs = on()?,
            opt::XPUB_VERBOSER => {
                let on = on()?;
                self.verbose_subs = on;
                self.verbose_unsubs = on;
            }
            opt::XPUB_MANUAL => self.manual = on()?,
            opt::XPUB_NODROP => self.nodrop = on()?,
            opt::XPUB_WELCOME_MSG => {
                self.welcome = (!value.is_empty()).then(|| Bytes::copy_from_slice(value));
            }
            opt::SUBSCRIBE if self.manual => self.manual_subscription(true, value),
            opt::UNSUBSCRIBE if self.manual => self.manual_subscription(false, value),
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
            .set_option(opt::XPUB_VERBOSE, &1i64.to_ne_bytes(), &mut links)
            .unwrap());
        subscriber(&mut links, &mut p, 0, &["t"]);
        subscriber(&mut links, &mut p, 0, &["t"]);
        assert_eq!(recv_all(&mut p, &mut links).len(), 2);
        assert!(!Publisher::new(false)
            .set_option(opt::XPUB_VERBOSE, &[1, 0, 0, 0], &mut links)
            .unwrap());
    }
}
