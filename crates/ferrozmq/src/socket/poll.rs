//! Polling: waiting until one of several sockets can send or receive (`zmq_poll`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Socket;
use crate::error::Result;
use crate::mailbox::Waiter;

/// Poll event: a message can be received (`ZMQ_POLLIN`).
pub const POLLIN: i16 = 1;
/// Poll event: a message can be sent (`ZMQ_POLLOUT`).
pub const POLLOUT: i16 = 2;
/// Poll event: an error condition (`ZMQ_POLLERR`; never set for sockets).
pub const POLLERR: i16 = 4;

/// One socket to poll and what happened to it.
#[derive(Debug)]
pub struct PollItem<'a> {
    /// The socket.
    pub socket: &'a Socket,
    /// The events to wait for: [`POLLIN`], [`POLLOUT`] or both.
    pub events: i16,
    /// The events that are ready, set by [`poll`].
    pub revents: i16,
}

impl<'a> PollItem<'a> {
    /// An item waiting for `events` on `socket`.
    pub fn new(socket: &'a Socket, events: i16) -> Self {
        Self {
            socket,
            events,
            revents: 0,
        }
    }
}

/// Waits until at least one item is ready or `timeout` passes (`None` waits forever; zero returns at once).
/// Level-triggered like `zmq_poll`: returns the number of ready items and sets their `revents`.
///
/// # Errors
/// [`crate::Error::Terminated`] when the context of a socket is terminated.
pub fn poll(items: &mut [PollItem<'_>], timeout: Option<Duration>) -> Result<usize> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let ready = scan(items)?;
    if ready > 0 || deadline.is_some_and(|d| Instant::now() >= d) {
        return Ok(ready);
    }
    let waiter = Arc::new(Waiter::default());
    for item in items.iter() {
        item.socket.mailbox.watch(&waiter);
    }
    let result = loop {
        match scan(items) {
            Ok(0) if deadline.is_none_or(|d| Instant::now() < d) => waiter.wait(deadline),
            other => break other,
        }
    };
    for item in items.iter() {
        item.socket.mailbox.unwatch(&waiter);
    }
    result
}

fn scan(items: &mut [PollItem<'_>]) -> Result<usize> {
    let mut ready = 0;
    for item in items.iter_mut() {
        item.revents = item.socket.events()? & item.events;
        if item.revents != 0 {
            ready += 1;
        }
    }
    Ok(ready)
}

impl Socket {
    /// The events ready now: [`POLLIN`] and/or [`POLLOUT`] (`ZMQ_EVENTS`).
    ///
    /// # Errors
    /// [`crate::Error::Terminated`].
    pub fn events(&self) -> Result<i16> {
        self.check_alive()?;
        let mut core = self.lock();
        core.process_commands();
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
