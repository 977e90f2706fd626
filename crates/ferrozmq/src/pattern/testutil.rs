//! Test helpers: a hand-driven peer at the far end of a real link.

use bytes::Bytes;
use zmtp::Frame;

use crate::links::Links;
use crate::pipe::{link, LinkEnd, LinkId, Read};

/// The far end of a link whose near end is in a [`Links`].
pub(crate) struct Peer {
    /// The link's id.
    pub(crate) id: LinkId,
    end: LinkEnd,
}

/// Frames of one message made of `parts`.
pub(crate) fn frames(parts: &[&str]) -> Vec<Frame> {
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| Frame::new(Bytes::copy_from_slice(p.as_bytes())).with_more(i < last))
        .collect()
}

/// Every frame the peer can read now, as bytes.
pub(crate) fn drain(peer: &mut Peer) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| peer.recv_frame())
        .map(|f| f.data.to_vec())
        .collect()
}

impl Peer {
    /// Links a new peer: the socket writes to it with `hwm_out`, the peer writes back with `hwm_in`.
    pub(crate) fn attach(links: &mut Links, hwm_out: usize, hwm_in: usize) -> Self {
        let (near, far) = link(hwm_out, hwm_in);
        let id = links.insert(near, None);
        Self { id, end: far }
    }

    /// Wraps the far end of a link already in a [`Links`].
    pub(crate) fn wrap(id: LinkId, end: LinkEnd) -> Self {
        Self { id, end }
    }

    /// Sends one message made of `parts`; false if the link was full.
    pub(crate) fn send(&mut self, parts: &[&str]) -> bool {
        frames(parts)
            .into_iter()
            .all(|f| self.end.writer.write(f).is_ok())
    }

    /// Sends one message made of `parts`; false if the link was full.
    pub(crate) fn send_bytes(&mut self, parts: &[Bytes]) -> bool {
        let last = parts.len().saturating_sub(1);
        parts.iter().enumerate().all(|(i, p)| {
            self.end
                .writer
                .write(Frame::new(p.clone()).with_more(i < last))
                .is_ok()
        })
    }

    /// The next frame the socket sent, if any.
    pub(crate) fn recv_frame(&mut self) -> Option<Frame> {
        match self.end.reader.read() {
            Read::Frame(f) => Some(f),
            Read::Empty | Read::Closed => None,
        }
    }

    /// The next whole message the socket sent, if any.
    pub(crate) fn recv_msg(&mut self) -> Option<Vec<Bytes>> {
        let mut msg = Vec::new();
        loop {
            let f = self.recv_frame()?;
            msg.push(f.data);
            if !f.more {
                return Some(msg);
            }
        }
    }
}
