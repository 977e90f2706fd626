//! REQ: sends a request, then receives its reply, strictly in turn (libzmq's `req_t`).
//!
//! Each request goes out, load balanced, behind an empty delimiter frame. Only a reply from the link the
//! request went to is accepted, and only if it starts with the delimiter; anything else is dropped whole. As
//! in libzmq, once the request's link is gone a reply from any link is accepted.
//!
//! REQ_RELAXED lets a new request be sent before the reply came (the old reply is then dropped);
//! REQ_CORRELATE puts a 4-byte request id (a counter from a random start, in native byte order as libzmq
//! writes it) before the delimiter, and accepts only a reply that starts with it.

use bytes::Bytes;
use zmtp::Frame;

use super::dealer::Dealer;
use super::{int_option, random_u32, Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::pipe::LinkId;

/// The REQ pattern: a DEALER (which handles PROBE_ROUTER) that keeps to the request/reply turns.
#[derive(Debug)]
pub(crate) struct Req {
    /// Sends load balanced, receives fair-queued.
    dealer: Dealer,
    /// A request was sent and its reply is awaited.
    receiving_reply: bool,
    /// The next frame sent or received starts a message.
    message_begins: bool,
    /// The link the last request went to; `None` once it is gone.
    reply_link: Option<LinkId>,
    /// REQ_RELAXED: a new request may be sent while a reply is awaited.
    relaxed: bool,
    /// REQ_CORRELATE: requests and replies carry a request id.
    correlate: bool,
    /// The id of the last request.
    request_id: u32,
}

/// `ZMQ_REQ_CORRELATE`.
const REQ_CORRELATE: i32 = 52;
/// `ZMQ_REQ_RELAXED`.
const REQ_RELAXED: i32 = 53;

impl Default for Req {
    fn default() -> Self {
        Self {
            dealer: Dealer::default(),
            receiving_reply: false,
            message_begins: true,
            reply_link: None,
            relaxed: false,
            correlate: false,
            request_id: random_u32(),
        }
    }
}

impl Req {
    /// The next frame from the link of the request; frames from other links are dropped.
    fn recv_reply_frame(&mut self, links: &mut Links) -> Result<Frame, Error> {
        loop {
            let (id, frame) = self.dealer.fq.recv(links).ok_or(Error::Again)?;
            if self.reply_link.is_none() || self.reply_link == Some(id) {
                return Ok(frame);
            }
        }
    }

    /// Sends the frames that start a request: the request id if correlating, then the delimiter.
    fn send_envelope(&mut self, links: &mut Links) -> bool {
        let delimiter = Frame::new(Bytes::new()).with_more(true);
        let first = if self.correlate {
            self.request_id = self.request_id.wrapping_add(1);
            Frame::new(Bytes::copy_from_slice(&self.request_id.to_ne_bytes())).with_more(true)
        } else {
            delimiter.clone()
        };
        let Ok(link) = self.dealer.lb.send(first, links) else {
            return false;
        };
        self.reply_link = link;
        if self.correlate {
            // The link took the first frame, so it takes the rest of the message.
            let _ = self.dealer.lb.send(delimiter, links);
        }
        true
    }

    /// Reads the envelope of the next acceptable reply, dropping replies that lack it.
    fn recv_envelope(&mut self, links: &mut Links) -> Result<(), Error> {
        loop {
            let mut first = self.recv_reply_frame(links)?;
            if self.correlate {
                if !first.more || first.data[..] != self.request_id.to_ne_bytes() {
                    self.dealer.fq.skip_rest(links);
                    continue;
                }
                first = self.recv_reply_frame(links)?;
            }
            if first.more && first.data.is_empty() {
                return Ok(());
            }
            self.dealer.fq.skip_rest(links);
        }
    }
}

impl Pattern for Req {
    fn attach(&mut self, id: LinkId, links: &mut Links) {
        self.dealer.attach(id, links);
    }

    fn detach(&mut self, id: LinkId) {
        self.dealer.detach(id);
        if self.reply_link == Some(id) {
            self.reply_link = None;
        }
    }

    fn read_activated(&mut self, id: LinkId) {
        self.dealer.read_activated(id);
    }

    fn write_activated(&mut self, id: LinkId) {
        self.dealer.write_activated(id);
    }

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        if self.receiving_reply {
            if !self.relaxed {
                return Err(SendError {
                    error: Error::WrongState,
                    frame,
                });
            }
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            if !self.send_envelope(links) {
                return Err(SendError::again(frame));
            }
            self.message_begins = false;
            // Drop stale replies, so an old reply is never taken for the answer to this request.
            while self.dealer.fq.recv(links).is_some() {}
        }
        let more = frame.more;
        // The delimiter went out, so the link takes the rest of the message (or it is dropped).
        self.dealer.send(frame, links)?;
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
        }
        Ok(())
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        if !self.receiving_reply {
            return Err(Error::WrongState);
        }
        if self.message_begins {
            self.recv_envelope(links)?;
            self.message_begins = false;
        }
        let frame = self.recv_reply_frame(links)?;
        if !frame.more {
            self.receiving_reply = false;
            self.message_begins = true;
        }
        Ok(frame)
    }

    fn has_in(&mut self, links: &mut Links) -> bool {
        self.receiving_reply && self.dealer.has_in(links)
    }

    fn has_out(&mut self, links: &mut Links) -> bool {
        (!self.receiving_reply || self.relaxed) && self.dealer.has_out(links)
    }

    fn set_option(&mut self, option: i32, value: &[u8], links: &mut Links) -> Result<bool, Error> {
        match option {
            REQ_RELAXED => self.relaxed = int_option(value)? != 0,
            REQ_CORRELATE => self.correlate = int_option(value)? != 0,
            _ => return self.dealer.set_option(option, value, links),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{frames, Peer};
    use super::*;

    fn setup(n: usize) -> (Links, Req, Vec<Peer>) {
        let mut links = Links::default();
        let mut req = Req::default();
        let peers: Vec<Peer> = (0..n).map(|_| Peer::attach(&mut links, 0, 0)).collect();
        for p in &peers {
            req.attach(p.id, &mut links);
        }
        (links, req, peers)
    }

    fn send(req: &mut Req, links: &mut Links, parts: &[&str]) {
        for f in frames(parts) {
            req.send(f, links).unwrap();
        }
    }

    fn recv_msg(req: &mut Req, links: &mut Links) -> Vec<Bytes> {
        let mut msg = Vec::new();
        loop {
            let f = req.recv(links).unwrap();
            msg.push(f.data);
            if !f.more {
                return msg;
            }
        }
    }

    #[test]
    fn request_has_delimiter_and_reply_is_stripped() {
        let (mut links, mut req, mut peers) = setup(1);
        assert!(matches!(req.recv(&mut links), Err(Error::WrongState)));
        send(&mut req, &mut links, &["hello", "world"]);
        assert_eq!(
            peers[0].recv_msg(),
            Some(vec!["".into(), "hello".into(), "world".into()])
        );
        assert!(matches!(
            req.send(Frame::new("again"), &mut links),
            Err(SendError {
                error: Error::WrongState,
                ..
            })
        ));
        assert!(matches!(req.recv(&mut links), Err(Error::Again)));
        peers[0].send(&["", "re", "ply"]);
        req.read_activated(peers[0].id);
        assert_eq!(recv_msg(&mut req, &mut links), ["re", "ply"]);
        assert!(matches!(req.recv(&mut links), Err(Error::WrongState)));
        send(&mut req, &mut links, &["next"]);
    }

    #[test]
    fn requests_alternate_and_replies_come_only_from_the_request_link() {
        let (mut links, mut req, mut peers) = setup(2);
        send(&mut req, &mut links, &["r1"]);
        assert!(peers[0].recv_msg().is_some());
        peers[1].send(&["", "wrong peer"]);
        peers[0].send(&["no delimiter"]);
        peers[0].send(&["", "right"]);
        req.read_activated(peers[0].id);
        req.read_activated(peers[1].id);
        assert_eq!(recv_msg(&mut req, &mut links), ["right"]);
        send(&mut req, &mut links, &["r2"]);
        assert!(
            peers[1].recv_msg().is_some(),
            "second request goes to the second link"
        );
    }

    #[test]
    fn stale_replies_are_dropped_when_a_request_starts() {
        let (mut links, mut req, mut peers) = setup(1);
        send(&mut req, &mut links, &["r1"]);
        peers[0].send(&["", "answer 1"]);
        peers[0].send(&["", "duplicate"]);
        req.read_activated(peers[0].id);
        assert_eq!(recv_msg(&mut req, &mut links), ["answer 1"]);
        send(&mut req, &mut links, &["r2"]);
        peers[0].send(&["", "answer 2"]);
        req.read_activated(peers[0].id);
        assert_eq!(recv_msg(&mut req, &mut links), ["answer 2"]);
    }

    #[test]
    fn relaxed_allows_a_new_request_and_drops_the_old_reply() {
        let (mut links, mut req, mut peers) = setup(2);
        assert!(req
            .set_option(REQ_RELAXED, &1i64.to_ne_bytes(), &mut links)
            .unwrap());
        send(&mut req, &mut links, &["r1"]);
        assert!(req.has_out(&mut links));
        send(&mut req, &mut links, &["r2"]);
        assert!(peers[0].recv_msg().is_some() && peers[1].recv_msg().is_some());
        peers[0].send(&["", "late answer to r1"]);
        peers[1].send(&["", "answer to r2"]);
        req.read_activated(peers[0].id);
        req.read_activated(peers[1].id);
        assert_eq!(recv_msg(&mut req, &mut links), ["answer to r2"]);
    }

    #[test]
    fn correlate_checks_the_request_id() {
        let (mut links, mut req, mut peers) = setup(1);
        assert!(req
            .set_option(REQ_CORRELATE, &[1, 0, 0, 0], &mut links)
            .unwrap());
        send(&mut req, &mut links, &["r1"]);
        let msg = peers[0].recv_msg().unwrap();
        assert_eq!(msg.len(), 3);
        assert_eq!(
            (msg[0].len(), &msg[1][..], &msg[2][..]),
            (4, &b""[..], &b"r1"[..])
        );
        let id = msg[0].clone();
        let stale = Bytes::copy_from_slice(&req.request_id.wrapping_sub(1).to_ne_bytes());
        peers[0].send_bytes(&[stale, Bytes::new(), "stale".into()]);
        peers[0].send_bytes(&[id.clone(), "no delimiter".into()]);
        peers[0].send(&["", "no id"]);
        peers[0].send_bytes(&[id, Bytes::new(), "good".into()]);
        req.read_activated(peers[0].id);
        assert_eq!(recv_msg(&mut req, &mut links), ["good"]);
    }

    #[test]
    fn send_blocks_without_room() {
        let (mut links, mut req, _peers) = setup(0);
        let e = req.send(Frame::new("x"), &mut links).unwrap_err();
        assert!(matches!(e.error, Error::Again) && e.frame.data == "x");
        assert!(!req.has_out(&mut links));
    }
}
