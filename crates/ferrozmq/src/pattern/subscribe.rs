//! SUB and XSUB (libzmq's `sub_t`, `xsub_t`): receive what publishers send, fair-queued.
//!
//! Subscriptions are counted locally and sent upstream as `\x01topic` / `\x00topic` (a cancel only when the
//! last subscription to a topic goes) to every link. A new link is sent every topic at once, so they wait
//! in its pipe for the connection (as in libzmq, no later call of the application is needed); a link whose
//! peer becomes ready again after a reconnect is sent every topic once more. A SUB subscribes through SUBSCRIBE / UNSUBSCRIBE and
//! also filters what it receives; an XSUB's user sends the subscription messages itself (and other messages,
//! which go to every publisher) and receives everything.

use zmtp::Frame;

use super::dist::Distributor;
use super::fq::FairQueue;
use super::trie::Trie;
use super::{Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::options::opt;
use crate::pipe::LinkId;

/// The SUB and XSUB patterns.
#[derive(Debug)]
pub(crate) struct Subscriber {
    fq: FairQueue,
    dist: Distributor,
    subs: Trie,
    /// Links that get subscriptions, in attach order.
    ready: Vec<LinkId>,
    /// Links sent every topic at attach whose peer has not been ready since.
    fresh: Vec<LinkId>,
    /// XSUB: the user sends messages and receives unfiltered.
    xsub: bool,
    /// The first frame of a matching message, read by `has_in`.
    prefetched: Option<Frame>,
    /// Inside a message being received.
    more_in: bool,
    /// XSUB: inside a message being sent; `Some(false)` if that message is dropped.
    sending: Option<bool>,
    /// Links that became ready while the user was inside a message; they get the subscriptions after it.
    deferred: Vec<LinkId>,
    /// INVERT_MATCHING (SUB): deliver the messages no subscription matches.
    invert: bool,
}

impl Subscriber {
    /// A SUB, or an XSUB when `xsub`.
    pub(crate) fn new(xsub: bool) -> Self {
        Self {
            fq: FairQueue::default(),
            dist: Distributor::default(),
            subs: Trie::default(),
            ready: Vec::new(),
            fresh: Vec::new(),
            xsub,
            prefetched: None,
            more_in: false,
            sending: None,
            deferred: Vec::new(),
            invert: false,
        }
    }

    /// A subscription message for `topic`.
    fn message(subscribe: bool, topic: &[u8]) -> Frame {
        let mut data = Vec::with_capacity(topic.len() + 1);
        data.push(u8::from(subscribe));
        data.extend_from_slice(topic);
        Frame::new(data)
    }

    /// Sends every subscribed topic to a link; a full link misses them, as in libzmq.
    fn send_topics(&self, id: LinkId, links: &mut Links) {
        self.subs.for_each(|topic| {
            let _ = links.write(id, Self::message(true, topic));
        });
    }

    /// Sends every topic to a link now, or after the user's message being sent (XSUB).
    fn resend(&mut self, id: LinkId, links: &mut Links) {
        if self.sending.is_some() {
            // Never in the middle of the user's message.
            self.deferred.push(id);
        } else {
            self.send_topics(id, links);
        }
    }

    /// Applies a subscribe or cancel locally; true if it must be sent upstream.
    fn apply(&mut self, frame: &Frame) -> bool {
        match frame.data.split_first() {
            Some((1, topic)) => {
                self.subs.add(topic);
                true
            }
            Some((0, topic)) => self.subs.remove(topic),
            _ => true,
        }
    }

    /// The first frame of the next message to receive, skipping messages no subscription matches (SUB).
    fn next_message(&mut self, links: &mut Links) -> Option<Frame> {
        loop {
            let (_, frame) = self.fq.recv(links)?;
            if self.xsub || self.subs.matches(&frame.data) != self.invert {
                return Some(frame);
            }
            self.fq.skip_rest(links);
        }
    }
}

impl Pattern for Subscriber {
    fn attach(&mut self, id: LinkId, links: &mut Links) {
        self.fq.attach(id);
        self.dist.attach(id);
        self.ready.push(id);
        self.fresh.push(id);
        self.resend(id, links);
    }

    fn peer_ready(&mut self, id: LinkId, links: &mut Links) {
        let before = self.fresh.len();
        self.fresh.retain(|&l| l != id);
        if self.fresh.len() == before && self.ready.contains(&id) {
            self.resend(id, links);
        }
    }

    fn detach(&mut self, id: LinkId) {
        self.fq.detach(id);
        self.dist.detach(id);
        self.ready.retain(|&l| l != id);
        self.fresh.retain(|&l| l != id);
        self.deferred.retain(|&l| l != id);
    }

    fn read_activated(&mut self, id: LinkId) {
        self.fq.activate(id);
    }

    fn write_activated(&mut self, id: LinkId) {
        self.dist.activate(id);
    }

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        if !self.xsub {
            return Err(SendError {
                error: Error::NotSupported,
                frame,
            });
        }
        let send = match self.sending {
            Some(send) => send,
            None => self.apply(&frame),
        };
        self.sending = frame.more.then_some(send);
        if send {
            self.dist.send(frame, links, Some(&self.ready));
        }
        if self.sending.is_none() {
            for id in std::mem::take(&mut self.deferred) {
                self.send_topics(id, links);
            }
        }
        Ok(())
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        let frame = match self.prefetched.take() {
            Some(frame) => frame,
            None if self.more_in => self.fq.recv(links).map(|(_, f)| f).ok_or(Error::Again)?,
            None => self.next_message(links).ok_or(Error::Again)?,
        };
        self.more_in = frame.more;
        Ok(frame)
    }

    fn has_in(&mut self, links: &mut Links) -> bool {
        if self.more_in || self.prefetched.is_some() {
            return true;
        }
        self.prefetched = self.next_message(links);
        self.prefetched.is_some()
    }

    fn has_out(&mut self, _links: &mut Links) -> bool {
        self.xsub
    }

    fn set_option(&mut self, option: i32, value: &[u8], links: &mut Links) -> Result<bool, Error> {
        let subscribe = match option {
            opt::INVERT_MATCHING => {
                self.invert = super::int_option(value)? != 0;
                return Ok(true);
            }
            opt::SUBSCRIBE if !self.xsub => true,
            opt::UNSUBSCRIBE if !self.xsub => false,
            _ => return Ok(false),
        };
        let frame = Self::message(subscribe, value);
        if self.apply(&frame) {
            self.dist.send(frame, links, Some(&self.ready));
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{drain, Peer};
    use super::*;

    fn recv_all(s: &mut Subscriber, links: &mut Links) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| s.recv(links).ok())
            .map(|f| f.data.to_vec())
            .collect()
    }

    fn setup(xsub: bool) -> (Links, Subscriber, Peer) {
        let mut links = Links::default();
        let mut s = Subscriber::new(xsub);
        let p = Peer::attach(&mut links, 0, 0);
        s.attach(p.id, &mut links);
        s.peer_ready(p.id, &mut links);
        (links, s, p)
    }

    fn set(s: &mut Subscriber, links: &mut Links, option: i32, topic: &str) {
        assert!(s.set_option(option, topic.as_bytes(), links).unwrap());
    }

    #[test]
    fn subscriptions_go_upstream_counted() {
        let (mut links, mut s, mut p) = setup(false);
        set(&mut s, &mut links, opt::SUBSCRIBE, "a");
        set(&mut s, &mut links, opt::SUBSCRIBE, "a");
        set(&mut s, &mut links, opt::UNSUBSCRIBE, "a");
        set(&mut s, &mut links, opt::UNSUBSCRIBE, "never");
        assert_eq!(drain(&mut p), [b"\x01a".to_vec(), b"\x01a".to_vec()]);
        set(&mut s, &mut links, opt::UNSUBSCRIBE, "a");
        assert_eq!(drain(&mut p), [b"\x00a".to_vec()]);
        assert!(matches!(
            s.send(Frame::new("x"), &mut links),
            Err(SendError {
                error: Error::NotSupported,
                ..
            })
        ));
    }

    #[test]
    fn new_link_gets_topics_at_once_and_again_after_reconnect() {
        let mut links = Links::default();
        let mut s = Subscriber::new(false);
        set(&mut s, &mut links, opt::SUBSCRIBE, "b");
        set(&mut s, &mut links, opt::SUBSCRIBE, "b");
        set(&mut s, &mut links, opt::SUBSCRIBE, "a");
        let mut p = Peer::attach(&mut links, 0, 0);
        s.attach(p.id, &mut links);
        assert_eq!(drain(&mut p), [b"\x01a".to_vec(), b"\x01b".to_vec()]);
        s.peer_ready(p.id, &mut links);
        assert!(
            drain(&mut p).is_empty(),
            "first handshake: topics already queued"
        );
        s.peer_ready(p.id, &mut links);
        assert_eq!(drain(&mut p), [b"\x01a".to_vec(), b"\x01b".to_vec()]);
    }

    #[test]
    fn sub_filters_whole_messages() {
        let (mut links, mut s, mut p) = setup(false);
        set(&mut s, &mut links, opt::SUBSCRIBE, "keep");
        p.send(&["drop", "drop tail"]);
        p.send(&["keep.1", "keep tail"]);
        p.send(&["kee"]);
        assert!(s.has_in(&mut links));
        assert_eq!(
            recv_all(&mut s, &mut links),
            [b"keep.1".to_vec(), b"keep tail".to_vec()]
        );
        set(&mut s, &mut links, opt::SUBSCRIBE, "");
        p.send(&["anything"]);
        s.read_activated(p.id);
        assert_eq!(recv_all(&mut s, &mut links), [b"anything".to_vec()]);
    }

    #[test]
    fn xsub_sends_subscriptions_and_receives_everything() {
        let (mut links, mut s, mut p) = setup(true);
        s.send(Frame::new("\x01t"), &mut links).unwrap();
        s.send(Frame::new("\x00nope"), &mut links).unwrap();
        s.send(Frame::new("user").with_more(true), &mut links)
            .unwrap();
        s.send(Frame::new("\x00 tail"), &mut links).unwrap();
        assert_eq!(
            drain(&mut p),
            [b"\x01t".to_vec(), b"user".to_vec(), b"\x00 tail".to_vec()]
        );
        p.send(&["unmatched"]);
        assert_eq!(recv_all(&mut s, &mut links), [b"unmatched".to_vec()]);
        assert!(!s.set_option(opt::SUBSCRIBE, b"t", &mut links).unwrap());
    }

    #[test]
    fn xsub_peer_ready_mid_message_waits_for_its_end() {
        let (mut links, mut s, mut p) = setup(true);
        s.send(Frame::new("\x01t"), &mut links).unwrap();
        s.send(Frame::new("part 1").with_more(true), &mut links)
            .unwrap();
        s.peer_ready(p.id, &mut links);
        s.send(Frame::new("part 2"), &mut links).unwrap();
        assert_eq!(
            drain(&mut p),
            [
                b"\x01t".to_vec(),
                b"part 1".to_vec(),
                b"part 2".to_vec(),
                b"\x01t".to_vec()
            ]
        );
    }
}
