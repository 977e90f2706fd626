//! The direct path: in request-reply turns a socket's own thread moves its messages over its session's
//! stream, instead of handing each one to the I/O thread and waiting for it to hand the answer back.
//!
//! The session lives behind a mutex that the loop locks for every event and the socket's thread only
//! tries: whoever holds it drives the connection, so bytes never interleave and messages keep their order
//! (the socket's thread encodes only what the pipe holds, after what the session queued before). The loop
//! keeps its readiness events and timers; the socket's thread does the happy path only and hands anything
//! else (a failure, a write or read budget that ran out) back to the loop.
//!
//! - Send: the session's link end is owned by a [`DirectLink`]. When the socket queues a message while the
//!   session waits for one and the socket is answering (it received since its last whole message sent), the
//!   pipe's wake-up runs in the socket's thread: it encodes and writes the message itself rather than wake
//!   the loop.
//! - Receive: a socket with one link that waits for the answer to what it just sent reads and decodes its
//!   stream itself, and sleeps in `poll` on the stream and its mailbox rather than on the mailbox alone.

use std::cell::RefCell;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use super::session::Session;
use super::Shared;
use crate::mailbox::Mailbox;
use crate::pipe::{LinkId, PipeEvent, PipeOwner};

/// Bytes a direct read takes from the stream at once (a larger body is read straight into place).
const SCRATCH: usize = 64 * 1024;

thread_local! {
    /// The buffer direct reads go through, one per thread that reads directly.
    static READ_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// What a direct read found.
#[derive(Debug)]
pub(super) enum DirectRead {
    /// A whole message is in the pipe to the socket.
    Delivered,
    /// The stream has nothing more: poll `fd` (a duplicate of the stream's descriptor) for more. `kick`
    /// names the link when the socket's thread just took the stream's reads (the loop times the lease).
    WouldBlock {
        /// What to poll.
        fd: Arc<OwnedFd>,
        /// The link whose loop must look once.
        kick: Option<LinkId>,
    },
    /// The direct path cannot be taken now (the loop drives the connection).
    Unavailable,
    /// The loop must take over the connection of this link: it failed, or there is more to read than a
    /// direct read does.
    HandOff(LinkId),
}

/// The owner of a session's link end, and the socket's handle on the session for the direct path.
pub(crate) struct DirectLink {
    session: Weak<Mutex<Session>>,
    shared: Arc<Shared>,
    /// The socket's flag: set while it answers (see [`crate::socket::Core`]'s `answering`).
    turn: Arc<AtomicBool>,
    /// The socket's thread holds the lease on the stream's reads (the session's `Io::lease`).
    parked: AtomicBool,
}

impl std::fmt::Debug for DirectLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectLink").finish_non_exhaustive()
    }
}

impl DirectLink {
    /// The handle on `session`, whose loop is fed through `shared`; `turn` is its socket's answering flag.
    pub(super) fn new(
        session: Weak<Mutex<Session>>,
        shared: Arc<Shared>,
        turn: Arc<AtomicBool>,
    ) -> Self {
        Self {
            session,
            shared,
            turn,
            parked: AtomicBool::new(false),
        }
    }

    /// Records whether the socket's thread holds the lease on the stream's reads.
    pub(super) fn set_parked(&self, parked: bool) {
        self.parked.store(parked, Ordering::Relaxed);
    }

    /// The socket is about to wait on its mailbox, or to be polled: the loop takes the stream's reads
    /// back, so it hears of what arrives (cheap when the socket's thread holds no lease).
    pub(crate) fn release(&self) {
        if !self.parked.load(Ordering::Relaxed) {
            return;
        }
        let Some(session) = self.session.upgrade() else {
            return;
        };
        let kick = session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .release_direct(&self.shared.registry);
        if let Some(id) = kick {
            self.shared.pipe_event(id, PipeEvent::Readable);
        }
    }

    /// Runs `f` on the session if no one else drives it now.
    fn try_with<T>(&self, f: impl FnOnce(&mut Session) -> T) -> Option<T> {
        let session = self.session.upgrade()?;
        let mut guard = session.try_lock().ok()?;
        Some(f(&mut guard))
    }

    /// For a socket that waits for an answer on this, its only link: reads the stream until a whole
    /// message is in the pipe, sleeping in `poll` on the stream and on `mailbox` until `deadline`. False
    /// when the direct path cannot be taken (the caller waits on the mailbox as usual); true when the
    /// socket should look again (a message, a command, or the deadline).
    pub(crate) fn recv_wait(&self, mailbox: &Mailbox, deadline: Option<Instant>) -> bool {
        // The first look only decodes what is buffered: the answer has most likely not come yet.
        let mut readable = false;
        loop {
            let read = READ_BUF.with_borrow_mut(|buf| {
                if buf.is_empty() {
                    buf.resize(SCRATCH, 0);
                }
                self.try_with(|s| s.direct_read(buf, &self.shared.registry, readable))
            });
            match read {
                Some(DirectRead::Delivered) => return true,
                Some(DirectRead::WouldBlock { fd, kick }) => {
                    if let Some(id) = kick {
                        self.shared.pipe_event(id, PipeEvent::Readable);
                    }
                    if !mailbox.wait_or_readable(fd.as_fd(), deadline) {
                        return true;
                    }
                    readable = true;
                }
                Some(DirectRead::HandOff(id)) => {
                    self.shared.pipe_event(id, PipeEvent::Readable);
                    return false;
                }
                Some(DirectRead::Unavailable) | None => return false,
            }
        }
    }
}

impl PipeOwner for DirectLink {
    fn pipe_event(&self, id: LinkId, event: PipeEvent) {
        // Only the socket writes the pipe the session reads: a Readable event runs in the socket's thread.
        if event == PipeEvent::Readable
            && self.turn.load(Ordering::Relaxed)
            && self.try_with(|s| s.direct_flush(&self.shared.registry)) == Some(true)
        {
            return;
        }
        self.shared.pipe_event(id, event);
    }
}
