//! REP: receives a request, then sends its reply, strictly in turn (libzmq's `rep_t`).
//!
//! A request's envelope (every frame up to and including the first empty one) is kept with the link it came
//! from; the user sees only the body. The reply goes back to that link behind the same envelope, or is
//! dropped if the link is gone or full.

use zmtp::Frame;

use super::fq::FairQueue;
use super::{Pattern, SendError};
use crate::error::Error;
use crate::links::Links;
use crate::pipe::LinkId;

/// The REP pattern.
#[derive(Debug)]
pub(crate) struct Rep {
    fq: FairQueue,
    /// A request was received and its reply is owed.
    sending_reply: bool,
    /// The next frame received starts a request.
    request_begins: bool,
    /// The envelope of the request being answered, delimiter included.
    envelope: Vec<Frame>,
    /// The link of the request being answered.
    reply_link: Option<LinkId>,
    /// True between the first and the last frame of the reply.
    reply_started: bool,
    /// The reply in progress is dropped.
    dropping: bool,
}

impl Default for Rep {
    fn default() -> Self {
        Self {
            fq: FairQueue::default(),
            sending_reply: false,
            request_begins: true,
            envelope: Vec::new(),
            reply_link: None,
            reply_started: false,
            dropping: false,
        }
    }
}

impl Rep {
    /// Reads requests until one has an envelope, keeping that envelope and its link.
    fn read_envelope(&mut self, links: &mut Links) -> Result<(), Error> {
        loop {
            let (id, mut frame) = self.fq.recv(links).ok_or(Error::Again)?;
            self.envelope.clear();
            // A request without an empty frame before its last frame has no envelope: drop it whole.
            while frame.more {
                let bottom = frame.data.is_empty();
                self.envelope.push(frame);
                if bottom {
                    self.reply_link = Some(id);
                    return Ok(());
                }
                frame = match self.fq.recv(links) {
                    Some((_, f)) => f,
                    None => break,
                };
            }
        }
    }

    /// Writes the envelope to the reply link; false if the reply must be dropped.
    fn write_envelope(&mut self, links: &mut Links) -> bool {
        let Some(id) = self.reply_link else {
            return false;
        };
        self.envelope.drain(..).all(|f| links.write(id, f).is_ok())
    }
}

impl Pattern for Rep {
    fn attach(&mut self, id: LinkId, _links: &mut Links) {
        self.fq.attach(id);
    }

    fn detach(&mut self, id: LinkId) {
        self.fq.detach(id);
        if self.reply_link == Some(id) {
            self.reply_link = None;
        }
    }

    fn read_activated(&mut self, id: LinkId) {
        self.fq.activate(id);
    }

    fn write_activated(&mut self, _id: LinkId) {}

    fn send(&mut self, frame: Frame, links: &mut Links) -> Result<(), SendError> {
        if !self.sending_reply {
            return Err(SendError {
                error: Error::WrongState,
                frame,
            });
        }
        if !self.reply_started {
            self.reply_started = true;
            self.dropping = !self.write_envelope(links);
        }
        let more = frame.more;
        if !self.dropping {
            if let Some(id) = self.reply_link {
                self.dropping = links.write(id, frame).is_err();
            }
        }
        if !more {
            self.sending_reply = false;
            self.reply_started = false;
            self.dropping = false;
            self.envelope.clear();
            self.reply_link = None;
        }
        Ok(())
    }

    fn recv(&mut self, links: &mut Links) -> Result<Frame, Error> {
        if self.sending_reply {
            return Err(Error::WrongState);
        }
        if self.request_begins {
            self.read_envelope(links)?;
            self.request_begins = false;
        }
        // The body follows the envelope in the same message, so it is there.
        let (_, frame) = self.fq.recv(links).ok_or(Error::Again)?;
        if !frame.more {
            self.sending_reply = true;
            self.request_begins = true;
        }
        Ok(frame)
    }

    fn has_in(&mut self, links: &mut Links) -> bool {
        !self.sending_reply && self.fq.has_in(links)
    }

    fn has_out(&mut self, _links: &mut Links) -> bool {
        self.sending_reply
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{frames, Peer};
    use super::*;
    use bytes::Bytes;

    fn setup(hwm_out: usize) -> (Links, Rep, Peer) {
        let mut links = Links::default();
        let mut rep = Rep::default();
        let p = Peer::attach(&mut links, hwm_out, 0);
        rep.attach(p.id, &mut links);
        (links, rep, p)
    }

    fn recv_msg(rep: &mut Rep, links: &mut Links) -> Vec<Bytes> {
        let mut msg = Vec::new();
        loop {
            let f = rep.recv(links).unwrap();
            msg.push(f.data);
            if !f.more {
                return msg;
            }
        }
    }

    fn send(rep: &mut Rep, links: &mut Links, parts: &[&str]) {
        for f in frames(parts) {
            rep.send(f, links).unwrap();
        }
    }

    #[test]
    fn envelope_is_kept_and_replayed() {
        let (mut links, mut rep, mut p) = setup(0);
        assert!(matches!(
            rep.send(Frame::new("x"), &mut links),
            Err(SendError {
                error: Error::WrongState,
                ..
            })
        ));
        p.send(&["id1", "id2", "", "req", "uest"]);
        assert_eq!(recv_msg(&mut rep, &mut links), ["req", "uest"]);
        assert!(matches!(rep.recv(&mut links), Err(Error::WrongState)));
        send(&mut rep, &mut links, &["re", "ply"]);
        assert_eq!(
            p.recv_msg(),
            Some(vec![
                "id1".into(),
                "id2".into(),
                "".into(),
                "re".into(),
                "ply".into()
            ])
        );
        assert!(matches!(rep.recv(&mut links), Err(Error::Again)));
    }

    #[test]
    fn request_without_envelope_is_dropped_and_empty_body_kept() {
        let (mut links, mut rep, mut p) = setup(0);
        p.send(&["no", "delimiter"]);
        p.send(&["", "", "body"]);
        assert_eq!(recv_msg(&mut rep, &mut links), ["", "body"]);
        send(&mut rep, &mut links, &["ok"]);
        assert_eq!(p.recv_msg(), Some(vec!["".into(), "ok".into()]));
    }

    #[test]
    fn reply_to_full_or_gone_link_is_dropped() {
        let (mut links, mut rep, mut p) = setup(1);
        p.send(&["", "1"]);
        p.send(&["", "2"]);
        p.send(&["", "3"]);
        recv_msg(&mut rep, &mut links);
        send(&mut rep, &mut links, &["a1"]);
        recv_msg(&mut rep, &mut links);
        send(&mut rep, &mut links, &["a2", "dropped"]);
        assert_eq!(p.recv_msg(), Some(vec!["".into(), "a1".into()]));
        assert_eq!(p.recv_msg(), None);
        recv_msg(&mut rep, &mut links);
        links.remove(p.id);
        rep.detach(p.id);
        send(&mut rep, &mut links, &["a3"]);
        assert!(matches!(rep.recv(&mut links), Err(Error::Again)));
    }

    #[test]
    fn replies_go_to_the_requesting_link() {
        let mut links = Links::default();
        let mut rep = Rep::default();
        let mut a = Peer::attach(&mut links, 0, 0);
        let mut b = Peer::attach(&mut links, 0, 0);
        rep.attach(a.id, &mut links);
        rep.attach(b.id, &mut links);
        a.send(&["", "from a"]);
        b.send(&["", "from b"]);
        for _ in 0..2 {
            let body = recv_msg(&mut rep, &mut links);
            send(
                &mut rep,
                &mut links,
                &[&format!("re {}", String::from_utf8_lossy(&body[0]))],
            );
        }
        assert_eq!(a.recv_msg(), Some(vec!["".into(), "re from a".into()]));
        assert_eq!(b.recv_msg(), Some(vec!["".into(), "re from b".into()]));
    }
}
