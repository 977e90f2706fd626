//! A socket's mailbox: the commands other threads send it, and the signal that wakes a thread blocked in it.

use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::task::Waker;
use std::time::Instant;

use bytes::Bytes;
use zmtp::PeerInfo;

use crate::pipe::{LinkEnd, LinkId, PipeEvent, PipeOwner};
use crate::signaler::Signaler;

/// A command for a socket, from its I/O sessions or from inproc peers.
#[derive(Debug)]
pub(crate) enum Command {
    /// A new link to a peer; `peer` is known for inproc and accepted connections, and comes later through
    /// [`Command::PeerReady`] for a link made at connect time.
    Attach {
        /// The socket's end of the link.
        end: LinkEnd,
        /// Who is at the other end, when known.
        peer: Option<PeerInfo>,
        /// The CONNECT_ROUTING_ID given to the connect that made the link (IMMEDIATE=1: made after the
        /// handshake).
        routing_id: Option<Bytes>,
    },
    /// The peer at the other end of a link completed its handshake (again, after a reconnect).
    PeerReady(LinkId, PeerInfo),
    /// A pipe of a link changed.
    Pipe(LinkId, PipeEvent),
    /// The session at the other end of a link lets the socket's thread drive its stream in request-reply
    /// turns (the direct path).
    Direct(LinkId, Arc<crate::engine::DirectLink>),
}

#[derive(Debug, Default)]
struct State {
    commands: Vec<Command>,
    waiting: bool,
    terminated: bool,
    /// Pollers waiting on this socket among others.
    watchers: Vec<Arc<Waiter>>,
    /// Async tasks to wake once, at the next command.
    wakers: Vec<Waker>,
    /// The pollable descriptor (`ZMQ_FD`), made on first request; until then posting costs no syscall.
    signal: Option<Signaler>,
    /// The descriptor is readable (signaled since the owner last took the commands).
    signaled: bool,
    /// The owner sleeps in `poll` on a stream and on `poll_wake` (the direct path).
    polling: bool,
    /// The owner's stream went away while it was not polling yet: its next poll returns at once.
    poll_kicked: bool,
}

impl State {
    /// Makes the descriptor readable, once per batch of commands.
    fn raise(&mut self) {
        if let (Some(signal), false) = (&self.signal, self.signaled) {
            signal.signal();
            self.signaled = true;
        }
    }
}

/// What a poller over several sockets waits on: every mailbox it watches signals it.
#[derive(Debug, Default)]
pub(crate) struct Waiter {
    signaled: Mutex<bool>,
    wake: Condvar,
}

impl Waiter {
    fn signal(&self) {
        *self.signaled.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.wake.notify_all();
    }

    /// Blocks until signaled or `deadline` passes, then clears the signal.
    pub(crate) fn wait(&self, deadline: Option<Instant>) {
        let mut signaled = self.signaled.lock().unwrap_or_else(|e| e.into_inner());
        while !*signaled {
            signaled = match deadline {
                None => self.wake.wait(signaled).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        break;
                    }
                    self.wake
                        .wait_timeout(signaled, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        *signaled = false;
    }
}

/// The mailbox; also the [`PipeOwner`] of every link end its socket holds.
#[derive(Debug, Default)]
pub(crate) struct Mailbox {
    state: Mutex<State>,
    wake: Condvar,
    /// Set whenever commands are posted, so the owner can skip the lock when there are none.
    pending: AtomicBool,
    /// Set once the context is terminated; read without the lock on every call.
    terminated: AtomicBool,
    /// What wakes an owner that sleeps in `poll` (made on first use; `None` if the OS refused one).
    poll_wake: OnceLock<Option<Signaler>>,
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Posts a command and wakes the owner if it is waiting.
    pub(crate) fn post(&self, command: Command) {
        let mut s = self.lock();
        s.commands.push(command);
        self.pending.store(true, Ordering::Release);
        if s.waiting {
            s.waiting = false;
            self.wake.notify_all();
        }
        for w in &s.watchers {
            w.signal();
        }
        s.raise();
        self.wake_poller(&mut s);
        let wakers = std::mem::take(&mut s.wakers);
        drop(s);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Wakes an owner sleeping in [`Mailbox::wait_or_readable`] without posting anything (its stream is
    /// going away).
    pub(crate) fn wake_poller_now(&self) {
        let mut s = self.lock();
        if s.polling {
            self.wake_poller(&mut s);
        } else {
            s.poll_kicked = true;
        }
    }

    /// Wakes an owner sleeping in [`Mailbox::wait_or_readable`].
    fn wake_poller(&self, s: &mut State) {
        if s.polling {
            s.polling = false;
            if let Some(Some(signal)) = self.poll_wake.get() {
                signal.signal();
            }
        }
    }

    /// Wakes `waker` once, at the next command posted (or at termination).
    pub(crate) fn wake_on_post(&self, waker: &Waker) {
        let mut s = self.lock();
        if !s.wakers.iter().any(|w| w.will_wake(waker)) {
            s.wakers.push(waker.clone());
        }
    }

    /// The descriptor that becomes readable whenever commands are posted (libzmq's `ZMQ_FD`): readable
    /// until the owner next takes them. Made on first call.
    ///
    /// # Errors
    /// The OS refused a descriptor.
    pub(crate) fn fd(&self) -> std::io::Result<RawFd> {
        let mut s = self.lock();
        if let Some(signal) = &s.signal {
            return Ok(signal.fd());
        }
        let signal = Signaler::new()?;
        let fd = signal.fd();
        s.signal = Some(signal);
        if !s.commands.is_empty() || s.terminated {
            s.raise();
        }
        Ok(fd)
    }

    /// Signals `waiter` on every command posted from now on, until [`Mailbox::unwatch`].
    pub(crate) fn watch(&self, waiter: &Arc<Waiter>) {
        self.lock().watchers.push(waiter.clone());
    }

    /// Stops signaling `waiter`.
    pub(crate) fn unwatch(&self, waiter: &Arc<Waiter>) {
        self.lock().watchers.retain(|w| !Arc::ptr_eq(w, waiter));
    }

    /// Moves every posted command into `into`; cheap when there are none.
    pub(crate) fn take(&self, into: &mut Vec<Command>) {
        // A plain load first: the common case (nothing posted) then costs no locked instruction.
        if !self.pending.load(Ordering::Relaxed) || !self.pending.swap(false, Ordering::Acquire) {
            return;
        }
        let mut s = self.lock();
        into.append(&mut s.commands);
        if s.signaled {
            s.signaled = false;
            if let Some(signal) = &s.signal {
                signal.drain();
            }
        }
    }

    /// Marks the context terminated and wakes the owner.
    pub(crate) fn terminate(&self) {
        let mut s = self.lock();
        s.terminated = true;
        self.terminated.store(true, Ordering::Release);
        self.pending.store(true, Ordering::Release);
        self.wake.notify_all();
        for w in &s.watchers {
            w.signal();
        }
        s.raise();
        self.wake_poller(&mut s);
        let wakers = std::mem::take(&mut s.wakers);
        drop(s);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// True once the context was terminated.
    pub(crate) fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::Acquire)
    }

    /// Gives the core away once and tells whether a command was posted meanwhile: for a caller that awaits
    /// an answer to what it just sent, cheaper than a sleep and a wake-up when the I/O thread or the peer
    /// needs the core (above all on one CPU).
    pub(crate) fn yield_for_post(&self) -> bool {
        std::thread::yield_now();
        self.pending.load(Ordering::Acquire)
    }

    /// Blocks until a command is posted, the context is terminated or `deadline` passes.
    pub(crate) fn wait(&self, deadline: Option<Instant>) {
        let mut s = self.lock();
        while s.commands.is_empty() && !s.terminated {
            s.waiting = true;
            s = match deadline {
                None => self.wake.wait(s).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        break;
                    }
                    self.wake
                        .wait_timeout(s, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        s.waiting = false;
    }
}

impl Mailbox {
    /// Blocks until a command is posted, the context is terminated, `deadline` passes or `stream` is
    /// readable (or failed); true in that last case only.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn wait_or_readable(
        &self,
        stream: BorrowedFd<'_>,
        deadline: Option<Instant>,
    ) -> bool {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let Some(wake) = self.poll_wake.get_or_init(|| Signaler::new().ok()) else {
            self.wait(deadline);
            return false;
        };
        // A timeout too large for a timespec waits forever.
        let timeout = deadline
            .and_then(|d| Timespec::try_from(d.saturating_duration_since(Instant::now())).ok());
        {
            let mut s = self.lock();
            if !s.commands.is_empty() || s.terminated || std::mem::take(&mut s.poll_kicked) {
                return false;
            }
            s.polling = true;
        }
        let mut fds = [
            PollFd::from_borrowed_fd(stream, PollFlags::IN),
            PollFd::from_borrowed_fd(wake.as_fd(), PollFlags::IN),
        ];
        let polled = poll(&mut fds, timeout.as_ref());
        let readable = polled.is_ok_and(|n| n > 0) && !fds[0].revents().is_empty();
        let mut s = self.lock();
        if s.polling {
            s.polling = false;
        } else {
            // Someone posted and signaled: make the descriptor quiet for next time.
            wake.drain();
        }
        readable && s.commands.is_empty() && !s.terminated
    }

    /// Blocks until a command is posted, the context is terminated or `deadline` passes (no `poll` here).
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn wait_or_readable(
        &self,
        _stream: BorrowedFd<'_>,
        deadline: Option<Instant>,
    ) -> bool {
        self.wait(deadline);
        false
    }
}

impl PipeOwner for Mailbox {
    fn pipe_event(&self, id: LinkId, event: PipeEvent) {
        self.post(Command::Pipe(id, event));
    }
}
