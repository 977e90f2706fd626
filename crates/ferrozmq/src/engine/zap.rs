//! A session's link to the context's ZAP handler (RFC 27): the request goes out as one multipart
//! message, the reply comes back as one (libzmq's `session_base_t::write_zap_msg` / `read_zap_msg`).

use std::sync::{Mutex, MutexGuard, Weak};

use bytes::Bytes;
use zmtp::{Frame, ZapReply, ZapRequest};

use crate::inproc::Registry;
use crate::pipe::{LinkEnd, LinkId, Read};

/// How many frames a reply may have before it is malformed anyway (libzmq reads exactly seven).
const MAX_REPLY_FRAMES: usize = 7;

/// The session's end of its link to the handler, and the reply read so far.
#[derive(Debug)]
pub(super) struct ZapLink {
    end: LinkEnd,
    reply: Vec<Bytes>,
}

/// Whether the context of a socket (its inproc registry) has a ZAP handler bound now.
pub(super) fn handler_bound(inproc: &Weak<Mutex<Registry>>) -> bool {
    inproc.upgrade().is_some_and(|r| lock(&r).has_zap_handler())
}

fn lock(registry: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(|e| e.into_inner())
}

impl ZapLink {
    /// Links to the handler and sends `request`; `None` if no handler is bound (any more).
    pub(super) fn open(inproc: &Weak<Mutex<Registry>>, request: &ZapRequest) -> Option<Self> {
        let registry = inproc.upgrade()?;
        let mut end = lock(&registry).connect_zap()?;
        let frames = request.to_frames();
        let last = frames.len().saturating_sub(1);
        for (i, data) in frames.into_iter().enumerate() {
            // The link is unbounded, so a write fails only if the handler already went away; the
            // reply then never comes and the read reports the link closed.
            let _ = end.writer.write(Frame::new(data).with_more(i < last));
        }
        Some(Self {
            end,
            reply: Vec::new(),
        })
    }

    /// Makes `owner` (the I/O thread) hear of the handler's reply.
    pub(super) fn set_owner(&self, owner: std::sync::Arc<dyn crate::pipe::PipeOwner>) {
        self.end.set_owner(owner);
    }

    /// The link's id, for routing its pipe events to the session.
    pub(super) fn id(&self) -> LinkId {
        self.end.id
    }

    /// The handler's reply once it is all in: `Some(Ok)` for a valid reply, `Some(Err)` for an invalid
    /// one or a handler that went away, `None` while waiting.
    pub(super) fn poll_reply(&mut self) -> Option<Result<ZapReply, zmtp::Error>> {
        loop {
            match self.end.reader.read() {
                Read::Frame(frame) => {
                    if self.reply.len() < MAX_REPLY_FRAMES + 1 {
                        self.reply.push(frame.data);
                    }
                    if !frame.more {
                        return Some(ZapReply::parse(&self.reply));
                    }
                }
                Read::Empty => return None,
                Read::Closed => return Some(Err(zmtp::Error::ZapUnavailable)),
            }
        }
    }
}
