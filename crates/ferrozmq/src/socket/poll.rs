//! Polling: waiting until one of several sockets or file descriptors is ready (`zmq_poll`), and the
//! socket's own pollable descriptor (`ZMQ_FD` + `ZMQ_EVENTS`) for outside event loops.

use std::collections::BTreeMap;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Token};

use super::Socket;
use crate::error::{Error, Result};
use crate::mailbox::Waiter;

/// Poll event: a message can be received, or the descriptor is readable (`ZMQ_POLLIN`).
pub const POLLIN: i16 = 1;
/// Poll event: a message can be sent, or the descriptor is writable (`ZMQ_POLLOUT`).
pub const POLLOUT: i16 = 2;
/// Poll event: an error condition on a descriptor (`ZMQ_POLLERR`; never set for sockets). Reported
/// whether asked for or not.
pub const POLLERR: i16 = 4;

/// What a [`PollItem`] watches.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Socket(&'a Socket),
    Fd(RawFd),
}

/// One socket or file descriptor to poll, and what happened to it.
#[derive(Debug)]
pub struct PollItem<'a> {
    target: Target<'a>,
    /// The events to wait for: [`POLLIN`], [`POLLOUT`] or both.
    pub events: i16,
    /// The events that are ready, set by [`poll`].
    pub revents: i16,
}

impl<'a> PollItem<'a> {
    /// An item waiting for `events` on `socket`.
    pub fn new(socket: &'a Socket, events: i16) -> Self {
        Self {
            target: Target::Socket(socket),
            events,
            revents: 0,
        }
    }

    /// An item waiting for `events` on a file descriptor the caller owns (a pipe, a TCP socket, a
    /// socket's [`Socket::fd`] ...); it must stay open during the poll.
    pub fn from_fd(fd: RawFd, events: i16) -> Self {
        Self {
            target: Target::Fd(fd),
            events,
            revents: 0,
        }
    }

    /// The socket this item watches, if it watches one.
    pub fn socket(&self) -> Option<&'a Socket> {
        match self.target {
            Target::Socket(s) => Some(s),
            Target::Fd(_) => None,
        }
    }

    /// The file descriptor this item watches, if it watches one.
    pub fn fd(&self) -> Option<RawFd> {
        match self.target {
            Target::Socket(_) => None,
            Target::Fd(fd) => Some(fd),
        }
    }
}

/// Waits until at least one item is ready or `timeout` passes (`None` waits forever; zero returns at once).
/// Level-triggered like `zmq_poll`: returns the number of ready items and sets their `revents`.
///
/// ```
/// use std::time::Duration;
/// use ferrozmq::{poll, Context, PollItem, SocketType, POLLIN};
/// let ctx = Context::new();
/// let pull = ctx.socket(SocketType::Pull).unwrap();
/// pull.bind("inproc://poll-doc").unwrap();
/// let push = ctx.socket(SocketType::Push).unwrap();
/// push.connect("inproc://poll-doc").unwrap();
/// push.send("ready", 0).unwrap();
/// let mut items = [PollItem::new(&pull, POLLIN)];
/// assert_eq!(poll(&mut items, Some(Duration::from_secs(5))).unwrap(), 1);
/// assert_eq!(items[0].revents, POLLIN);
/// ```
///
/// # Errors
/// [`Error::Terminated`] when the context of a socket is terminated; [`Error::Io`] when a descriptor
/// cannot be polled (closed, or not pollable).
pub fn poll(items: &mut [PollItem<'_>], timeout: Option<Duration>) -> Result<usize> {
    let deadline = timeout.map(|t| Instant::now() + t);
    if items.iter().any(|i| matches!(i.target, Target::Fd(_))) {
        return poll_fds(items, deadline);
    }
    let ready = scan(items)?;
    if ready > 0 || deadline.is_some_and(|d| Instant::now() >= d) {
        return Ok(ready);
    }
    let waiter = Arc::new(Waiter::default());
    let sockets: Vec<&Socket> = items.iter().filter_map(PollItem::socket).collect();
    for s in &sockets {
        s.mailbox.watch(&waiter);
    }
    let result = loop {
        match scan(items) {
            Ok(0) if deadline.is_none_or(|d| Instant::now() < d) => waiter.wait(deadline),
            other => break other,
        }
    };
    for s in &sockets {
        s.mailbox.unwatch(&waiter);
    }
    result
}

/// [`poll`] with libzmq's timeout convention: milliseconds, `-1` (any negative) waits forever, 0 returns
/// at once.
///
/// # Errors
/// As for [`poll`].
pub fn poll_ms(items: &mut [PollItem<'_>], timeout_ms: i64) -> Result<usize> {
    poll(
        items,
        u64::try_from(timeout_ms).ok().map(Duration::from_millis),
    )
}

/// The sockets' ready events; descriptors' `revents` cleared. Returns how many sockets are ready.
fn scan(items: &mut [PollItem<'_>]) -> Result<usize> {
    let mut ready = 0;
    for item in items.iter_mut() {
        item.revents = match item.target {
            Target::Socket(s) => s.events()? & item.events,
            Target::Fd(_) => 0,
        };
        if item.revents != 0 {
            ready += 1;
        }
    }
    Ok(ready)
}

/// The descriptor an item makes the OS poller watch: a socket's [`Socket::fd`], or the item's own.
fn os_fd(item: &PollItem<'_>) -> Result<(RawFd, Interest)> {
    Ok(match item.target {
        Target::Socket(s) => (s.fd()?, Interest::READABLE),
        Target::Fd(fd) => (fd, fd_interest(item.events)),
    })
}

/// The general case: sockets through their descriptors, and raw descriptors, in one OS poller made for
/// this call. Registering reports a descriptor's current readiness, so level-triggered results follow.
///
/// As with `poll(2)`: a descriptor may appear in several items (it is registered once, for all their
/// events, and each item gets its share), and a regular file, which the OS poller refuses, is always
/// ready for reading and writing.
fn poll_fds(items: &mut [PollItem<'_>], deadline: Option<Instant>) -> Result<usize> {
    let mut poller = mio::Poll::new()?;
    let fds = items.iter().map(os_fd).collect::<Result<Vec<_>>>()?;
    // Each descriptor once, under the index of its first item, for the union of the items' interests.
    let mut first: BTreeMap<RawFd, (usize, Interest)> = BTreeMap::new();
    for (i, &(fd, interest)) in fds.iter().enumerate() {
        first
            .entry(fd)
            .and_modify(|(_, all)| *all = all.add(interest))
            .or_insert((i, interest));
    }
    let mut always_ready = vec![false; items.len()];
    for (&fd, &(i, interest)) in &first {
        match poller
            .registry()
            .register(&mut SourceFd(&fd), Token(i), interest)
        {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                for (flag, &(other, _)) in always_ready.iter_mut().zip(&fds) {
                    *flag |= other == fd;
                }
            }
            Err(e) => return Err(Error::Io(e)),
        }
    }
    let mut events = Events::with_capacity(items.len().max(1));
    let mut first_round = true;
    loop {
        let mut ready = scan(items)?;
        for (item, _) in items.iter_mut().zip(&always_ready).filter(|(_, &a)| a) {
            if let Target::Fd(_) = item.target {
                item.revents = item.events & (POLLIN | POLLOUT);
                if item.revents != 0 {
                    ready += 1;
                }
            }
        }
        let timeout = if ready > 0 || first_round {
            // Descriptors are checked without waiting once, and whenever a socket is ready.
            Some(Duration::ZERO)
        } else {
            deadline.map(|d| d.saturating_duration_since(Instant::now()))
        };
        first_round = false;
        match poller.poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::Io(e)),
        }
        for event in events.iter() {
            let Some(&(fd, _)) = fds.get(event.token().0) else {
                continue;
            };
            for (item, _) in items.iter_mut().zip(&fds).filter(|(_, &(f, _))| f == fd) {
                if let Target::Fd(_) = item.target {
                    let revents = fd_revents(event, item.events);
                    if revents != 0 && item.revents == 0 {
                        ready += 1;
                    }
                    item.revents |= revents;
                }
            }
        }
        if ready > 0 || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(ready);
        }
    }
}

/// What an OS event means for a descriptor item waiting for `events` (POLLERR whether asked or not).
fn fd_revents(event: &mio::event::Event, events: i16) -> i16 {
    let mut revents = 0;
    if event.is_readable() || event.is_read_closed() {
        revents |= POLLIN;
    }
    if event.is_writable() || event.is_write_closed() {
        revents |= POLLOUT;
    }
    revents &= events;
    if event.is_error() {
        revents |= POLLERR;
    }
    revents
}

/// The OS interest for a descriptor item (mio needs one: an item asking only for errors reads).
fn fd_interest(events: i16) -> Interest {
    match (events & POLLIN != 0, events & POLLOUT != 0) {
        (_, false) => Interest::READABLE,
        (false, true) => Interest::WRITABLE,
        (true, true) => Interest::READABLE | Interest::WRITABLE,
    }
}

impl Socket {
    /// The events ready now: [`POLLIN`] and/or [`POLLOUT`] (`ZMQ_EVENTS`). Also resets [`Socket::fd`].
    ///
    /// # Errors
    /// [`crate::Error::Terminated`].
    pub fn events(&self) -> Result<i16> {
        self.check_alive()?;
        let mut core = self.lock();
        core.process_commands();
        // A poller must hear of what arrives: the I/O thread reads every stream again.
        core.release_direct();
        let super::Core { pattern, links, .. } = &mut *core;
        let mut events = 0;
        if pattern.has_in(links) {
            events |= POLLIN;
        }
        if pattern.has_out(links) {
            events |= POLLOUT;
        }
        core.reap();
        Ok(events)
    }

    /// A file descriptor that becomes readable when this socket's state may have changed (`ZMQ_FD`), for
    /// event loops such as epoll or asyncio. Edge-like, as libzmq's: on each wake-up, read
    /// [`Socket::events`] and send or receive until it no longer shows what you wait for; the descriptor
    /// is reset by those calls, never by reading it. Owned by the socket: do not read or close it.
    ///
    /// Until the first call, the socket's hot path makes no system call for it.
    ///
    /// # Errors
    /// [`crate::Error::Terminated`]; [`crate::Error::Io`] if the OS has no descriptor to give.
    pub fn fd(&self) -> Result<RawFd> {
        self.check_alive()?;
        self.lock().release_direct();
        Ok(self.mailbox.fd()?)
    }

    /// Waits until one of `events` is ready on this socket or `timeout` passes; returns the ready events.
    ///
    /// # Errors
    /// [`crate::Error::Terminated`].
    pub fn poll(&self, events: i16, timeout: Option<Duration>) -> Result<i16> {
        let mut items = [PollItem::new(self, events)];
        poll(&mut items, timeout)?;
        Ok(items[0].revents)
    }
}
