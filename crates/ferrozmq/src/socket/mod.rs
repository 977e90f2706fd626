//! Sockets: the blocking API, in the spirit of libzmq and pyzmq.

mod core;
mod poll;
mod security;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use zmtp::{Frame, SocketType};

use crate::context::ContextInner;
use crate::endpoint::{self, Endpoint};
use crate::engine::SocketRef;
use crate::error::{Error, Result};
use crate::mailbox::Mailbox;
use crate::monitor::MonitorHub;
use crate::options::{opt, Options};
use crate::pipe;

pub(crate) use self::core::Core;
pub use self::poll::{poll, poll_ms, PollItem, POLLERR, POLLIN, POLLOUT};

/// Send flag: fail with [`Error::Again`] instead of blocking (`ZMQ_DONTWAIT`).
pub const DONTWAIT: i32 = 1;
/// Send flag: more frames of this message follow (`ZMQ_SNDMORE`).
pub const SNDMORE: i32 = 2;

/// A ZeroMQ socket.
///
/// Every method takes `&self`; a socket may be moved to and used from any thread, one call at a time
/// (calls from several threads at once are serialised). Dropping the socket closes it; messages it
/// queued keep being sent for up to its LINGER time.
#[derive(Debug)]
pub struct Socket {
    id: u64,
    ctx: Arc<ContextInner>,
    mailbox: Arc<Mailbox>,
    monitor: Arc<MonitorHub>,
    core: Mutex<Core>,
}

impl Socket {
    pub(crate) fn new(
        ctx: Arc<ContextInner>,
        id: u64,
        socket_type: SocketType,
        mailbox: Arc<Mailbox>,
        options: Options,
    ) -> Result<Self> {
        let core = Core::new(socket_type, mailbox.clone(), options)?;
        Ok(Self {
            id,
            ctx,
            mailbox,
            monitor: Arc::default(),
            core: Mutex::new(core),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_alive(&self) -> Result<()> {
        if self.mailbox.is_terminated() {
            Err(Error::Terminated)
        } else {
            Ok(())
        }
    }

    fn socket_ref(&self, core: &Core) -> SocketRef {
        SocketRef {
            id: self.id,
            socket_type: core.socket_type,
            options: Options {
                // Only the connect that takes it gives it to its session (see `connect`).
                connect_routing_id: None,
                ..core.options.clone()
            },
            mailbox: self.mailbox.clone(),
            inproc: self.ctx.inproc_weak(),
            monitor: self.monitor.clone(),
            turn: core.turn.clone(),
        }
    }

    /// The socket's type.
    pub fn socket_type(&self) -> SocketType {
        self.lock().socket_type
    }

    /// Accepts connections on an endpoint: `tcp://*:5555`, `tcp://127.0.0.1:*`, `ipc:///tmp/x`, `ipc://@name`,
    /// `inproc://name`.
    ///
    /// # Errors
    /// [`Error::AddressInUse`], [`Error::Invalid`] for a malformed endpoint, [`Error::ProtocolNotSupported`]
    /// for an unknown transport, [`Error::Terminated`].
    pub fn bind(&self, endpoint: &str) -> Result<()> {
        self.check_alive()?;
        let ep = endpoint::parse(endpoint)?;
        let mut core = self.lock();
        check_transport(&core, &ep)?;
        core.process_commands();
        let resolved = match &ep {
            Endpoint::Inproc(name) => {
                self.ctx.inproc_bind(name, self.id, &mut core)?;
                endpoint.to_string()
            }
            _ => {
                let io = self.ctx.io()?;
                core.uses_io = true;
                io.bind(self.socket_ref(&core), &ep)?
            }
        };
        core.options.last_endpoint = resolved;
        Ok(())
    }

    /// Connects to an endpoint. The peer need not exist yet: the connection is made in the background,
    /// and remade after it breaks.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed endpoint, [`Error::ProtocolNotSupported`], [`Error::Terminated`].
    pub fn connect(&self, endpoint: &str) -> Result<()> {
        self.check_alive()?;
        let ep = endpoint::parse(endpoint)?;
        let mut core = self.lock();
        check_transport(&core, &ep)?;
        core.process_commands();
        let routing_id = core.options.connect_routing_id.take();
        let resolved = match &ep {
            Endpoint::Inproc(name) => {
                self.ctx
                    .inproc_connect(name, self.id, &mut core, routing_id);
                endpoint.to_string()
            }
            _ => {
                let io = self.ctx.io()?;
                core.uses_io = true;
                let mut socket = self.socket_ref(&core);
                let end = if core.options.immediate {
                    // The link is made after each handshake: the session names its peer.
                    socket.options.connect_routing_id = routing_id;
                    None
                } else {
                    let (mine, theirs) = pipe::link(core.options.sndhwm, core.options.rcvhwm);
                    core.attach(mine, None, routing_id);
                    Some(theirs)
                };
                io.connect(socket, &ep, end)?
            }
        };
        core.options.last_endpoint = resolved;
        Ok(())
    }

    /// Stops accepting on an endpoint given to [`Socket::bind`] (for wildcards, the resolved one).
    ///
    /// # Errors
    /// [`Error::NoEndpoint`] if the socket is not bound there.
    pub fn unbind(&self, endpoint: &str) -> Result<()> {
        self.check_alive()?;
        match endpoint::parse(endpoint)? {
            Endpoint::Inproc(name) => self.ctx.inproc_unbind(&name, self.id),
            _ => self.ctx.io()?.unbind(self.id, endpoint),
        }
    }

    /// Drops the connection made by [`Socket::connect`] to this endpoint.
    ///
    /// # Errors
    /// [`Error::NoEndpoint`] if the socket is not connected there.
    pub fn disconnect(&self, endpoint: &str) -> Result<()> {
        self.check_alive()?;
        match endpoint::parse(endpoint)? {
            Endpoint::Inproc(name) => {
                let mut core = self.lock();
                self.ctx.inproc_disconnect(&name, self.id, &mut core)
            }
            _ => self.ctx.io()?.disconnect(self.id, endpoint),
        }
    }

    /// Sends one frame; `flags` may hold [`SNDMORE`] and [`DONTWAIT`].
    ///
    /// # Errors
    /// [`Error::Again`] when it would block with DONTWAIT or SNDTIMEO expired; [`Error::WrongState`] for a
    /// REQ or REP out of turn; [`Error::NotSupported`] on a socket that cannot send.
    pub fn send(&self, data: impl Into<Bytes>, flags: i32) -> Result<()> {
        self.send_frame(Frame::new(data).with_more(flags & SNDMORE != 0), flags)
    }

    /// Sends one frame as given (its `more` flag says whether frames follow); `flags` may hold [`DONTWAIT`].
    ///
    /// # Errors
    /// As for [`Socket::send`].
    pub fn send_frame(&self, mut frame: Frame, flags: i32) -> Result<()> {
        self.check_alive()?;
        let mut core = self.lock();
        if flags & DONTWAIT != 0 {
            // One attempt, without reading the clock.
            core.try_send(frame).map_err(|e| e.error)?;
            core.sent_last = true;
            return Ok(());
        }
        let mut deadline = Deadline::new(core.options.sndtimeo);
        loop {
            match core.try_send(frame) {
                Ok(()) => {
                    core.sent_last = true;
                    return Ok(());
                }
                Err(e) if matches!(e.error, Error::Again) => frame = e.frame,
                Err(e) => return Err(e.error),
            }
            core.release_direct();
            self.wait(deadline.get(), false)?;
        }
    }

    /// Sends one frame without blocking (as with [`DONTWAIT`]), handing the frame back when it was not sent.
    ///
    /// # Errors
    /// As for [`Socket::send`], with the frame.
    pub fn try_send_frame(&self, frame: Frame) -> std::result::Result<(), (Error, Frame)> {
        if let Err(e) = self.check_alive() {
            return Err((e, frame));
        }
        self.lock().try_send(frame).map_err(|e| (e.error, e.frame))
    }

    /// Wakes `waker` once, when anything next happens to this socket (a message, room, a peer, the end
    /// of the context): the hook for async runtimes.
    pub(crate) fn wake_on_change(&self, waker: &std::task::Waker) {
        self.lock().release_direct();
        self.mailbox.wake_on_post(waker);
    }

    /// Sends a whole message, one frame per part.
    ///
    /// # Errors
    /// As for [`Socket::send`]; a message is never sent in part.
    pub fn send_multipart<I, T>(&self, parts: I, flags: i32) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Into<Bytes>,
    {
        let mut parts = parts.into_iter().peekable();
        while let Some(part) = parts.next() {
            let more = parts.peek().is_some() || flags & SNDMORE != 0;
            self.send_frame(Frame::new(part).with_more(more), flags)?;
        }
        Ok(())
    }

    /// Receives the next frame; its `more` flag says whether frames of the same message follow.
    ///
    /// # Errors
    /// [`Error::Again`] with DONTWAIT or after RCVTIMEO; [`Error::WrongState`]; [`Error::NotSupported`].
    pub fn recv_frame(&self, flags: i32) -> Result<Frame> {
        self.check_alive()?;
        let mut core = self.lock();
        if flags & DONTWAIT != 0 {
            // One attempt, without reading the clock. A miss hands any stream a recv read directly back
            // to the I/O thread, so a polling loop hears of what arrives at once, not when the lease ends.
            let frame = core.try_recv().inspect_err(|_| core.release_direct())?;
            core.rcvmore = frame.more;
            core.sent_last = false;
            return Ok(frame);
        }
        let mut deadline = Deadline::new(core.options.rcvtimeo);
        loop {
            match core.try_recv() {
                Ok(frame) => {
                    core.rcvmore = frame.more;
                    core.sent_last = false;
                    return Ok(frame);
                }
                Err(Error::Again) => {}
                Err(e) => return Err(e),
            }
            // Waiting for an answer (request-reply turns) rather than for a stream of messages: read it
            // from the stream directly if the socket has one link (see `engine::DirectLink`).
            let eager = core.sent_last;
            let deadline = deadline.get();
            if let Some(direct) = core.direct_for_answer() {
                if direct.recv_wait(&self.mailbox, deadline) {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Err(Error::Again);
                    }
                    self.check_alive()?;
                    continue;
                }
            }
            core.release_direct();
            self.wait(deadline, eager)?;
        }
    }

    /// Receives the next frame's bytes.
    ///
    /// # Errors
    /// As for [`Socket::recv_frame`].
    pub fn recv_bytes(&self, flags: i32) -> Result<Bytes> {
        self.recv_frame(flags).map(|f| f.data)
    }

    /// Receives every frame of the next message.
    ///
    /// # Errors
    /// As for [`Socket::recv_frame`].
    pub fn recv_multipart(&self, flags: i32) -> Result<Vec<Bytes>> {
        let mut parts = Vec::new();
        loop {
            let frame = self.recv_frame(flags)?;
            parts.push(frame.data);
            if !frame.more {
                return Ok(parts);
            }
        }
    }

    /// True when the last frame received has more frames after it (`ZMQ_RCVMORE`).
    pub fn rcvmore(&self) -> bool {
        self.lock().rcvmore
    }

    fn wait(&self, deadline: Option<Instant>, eager: bool) -> Result<()> {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::Again);
        }
        if !(eager && self.mailbox.yield_for_post()) {
            self.mailbox.wait(deadline);
        }
        self.check_alive()
    }

    /// Sets an integer option by libzmq's number (see [`crate::opt`]).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown option or a bad value.
    pub fn set_option_int(&self, option: i32, value: i64) -> Result<()> {
        self.check_alive()?;
        let mut core = self.lock();
        if option == opt::ROUTER_NOTIFY && core.socket_type != SocketType::Router {
            return Err(Error::invalid("ROUTER_NOTIFY is a ROUTER option"));
        }
        if core.options.set_int(option, value)? {
            return Ok(());
        }
        let bytes = value.to_ne_bytes();
        self.set_pattern_option(&mut core, option, &bytes)
    }

    /// Sets a binary option by libzmq's number (SUBSCRIBE, ROUTING_ID, ...).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown option or a bad value.
    pub fn set_option_bytes(&self, option: i32, value: &[u8]) -> Result<()> {
        self.check_alive()?;
        let mut core = self.lock();
        if option == opt::CONNECT_ROUTING_ID
            && !matches!(core.socket_type, SocketType::Router | SocketType::Stream)
        {
            return Err(Error::invalid(
                "CONNECT_ROUTING_ID is a ROUTER or STREAM option",
            ));
        }
        if core.options.set_bytes(option, value)? {
            return Ok(());
        }
        self.set_pattern_option(&mut core, option, value)
    }

    fn set_pattern_option(&self, core: &mut Core, option: i32, value: &[u8]) -> Result<()> {
        core.process_commands();
        let Core { pattern, links, .. } = core;
        let handled = pattern.set_option(option, value, links)?;
        core.reap();
        if handled {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "unknown or unsupported socket option {option}"
            )))
        }
    }

    /// Reads an integer option by libzmq's number.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown option.
    pub fn option_int(&self, option: i32) -> Result<i64> {
        match option {
            opt::FD => return self.fd().map(i64::from),
            opt::EVENTS => return self.events().map(i64::from),
            _ => {}
        }
        let core = self.lock();
        match option {
            opt::TYPE => Ok(core.socket_type.to_raw().into()),
            opt::RCVMORE => Ok(core.rcvmore.into()),
            _ => core.options.get_int(option).ok_or_else(|| {
                Error::invalid(format!("unknown or non-integer socket option {option}"))
            }),
        }
    }

    /// Reads a binary option by libzmq's number (ROUTING_ID, LAST_ENDPOINT).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown option.
    pub fn option_bytes(&self, option: i32) -> Result<Vec<u8>> {
        self.lock()
            .options
            .get_bytes(option)
            .ok_or_else(|| Error::invalid(format!("unknown or non-binary socket option {option}")))
    }

    /// Adds a subscription prefix (SUB); `b""` subscribes to everything.
    ///
    /// # Errors
    /// [`Error::Invalid`] on a socket type without subscriptions.
    pub fn set_subscribe(&self, prefix: &[u8]) -> Result<()> {
        self.set_option_bytes(opt::SUBSCRIBE, prefix)
    }

    /// Removes a subscription prefix (SUB).
    ///
    /// # Errors
    /// [`Error::Invalid`] on a socket type without subscriptions.
    pub fn set_unsubscribe(&self, prefix: &[u8]) -> Result<()> {
        self.set_option_bytes(opt::UNSUBSCRIBE, prefix)
    }

    /// Sets LINGER in milliseconds (-1 waits forever).
    ///
    /// # Errors
    /// [`Error::Terminated`].
    pub fn set_linger(&self, ms: i32) -> Result<()> {
        self.set_option_int(opt::LINGER, ms.into())
    }

    /// Sets SNDHWM, in messages (0 is unlimited); applies to links made afterwards.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a negative value.
    pub fn set_sndhwm(&self, messages: i32) -> Result<()> {
        self.set_option_int(opt::SNDHWM, messages.into())
    }

    /// Sets RCVHWM, in messages (0 is unlimited); applies to links made afterwards.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a negative value.
    pub fn set_rcvhwm(&self, messages: i32) -> Result<()> {
        self.set_option_int(opt::RCVHWM, messages.into())
    }

    /// Sets RCVTIMEO in milliseconds (-1 blocks forever).
    ///
    /// # Errors
    /// [`Error::Terminated`].
    pub fn set_rcvtimeo(&self, ms: i32) -> Result<()> {
        self.set_option_int(opt::RCVTIMEO, ms.into())
    }

    /// Sets SNDTIMEO in milliseconds (-1 blocks forever).
    ///
    /// # Errors
    /// [`Error::Terminated`].
    pub fn set_sndtimeo(&self, ms: i32) -> Result<()> {
        self.set_option_int(opt::SNDTIMEO, ms.into())
    }

    /// Sets the routing id (1 to 255 bytes) peers will know this socket by.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty or too long id.
    pub fn set_routing_id(&self, id: &[u8]) -> Result<()> {
        self.set_option_bytes(opt::ROUTING_ID, id)
    }

    /// Starts publishing this socket's transport events (`zmq_socket_monitor`): a PAIR socket is bound at
    /// `endpoint` (inproc only) and sends each event in `events` (a mask of [`crate::event`] constants) as
    /// a two-frame message in libzmq's format; connect a PAIR socket there to read them. `None` or `""`
    /// stops the monitor (sending MONITOR_STOPPED if asked for); starting a new one stops the old one.
    /// Events are dropped while no reader is connected or its queue is full; closing the socket stops the
    /// monitor too.
    ///
    /// # Errors
    /// [`Error::ProtocolNotSupported`] for a transport other than inproc, [`Error::Invalid`] for events
    /// beyond the first 16 bits or a malformed endpoint, [`Error::AddressInUse`], [`Error::Terminated`].
    pub fn monitor<'a>(&self, endpoint: impl Into<Option<&'a str>>, events: u32) -> Result<()> {
        self.check_alive()?;
        if events >> 16 != 0 {
            return Err(Error::invalid("monitor events beyond ZMQ_EVENT_ALL"));
        }
        let Some(endpoint) = endpoint.into().filter(|e| !e.is_empty()) else {
            self.monitor.stop();
            return Ok(());
        };
        if !matches!(endpoint::parse(endpoint)?, Endpoint::Inproc(_)) {
            return Err(Error::ProtocolNotSupported);
        }
        // As libzmq: an old monitor stops first, even if the new one then fails to bind.
        self.monitor.stop();
        let sink = self.ctx.socket(SocketType::Pair)?;
        sink.set_linger(0)?;
        sink.bind(endpoint)?;
        self.monitor.start(sink, events);
        Ok(())
    }

    /// The endpoint last bound or connected, resolved (`ZMQ_LAST_ENDPOINT`).
    pub fn last_endpoint(&self) -> String {
        self.lock().options.last_endpoint.clone()
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let core = self.core.get_mut().unwrap_or_else(|e| e.into_inner());
        let linger = core.options.linger;
        let uses_io = core.uses_io;
        // Dropping the links closes this side of every pipe: sessions flush what was queued, inproc
        // peers read what is left and then detach.
        core.links = Default::default();
        self.ctx.socket_closed(self.id, uses_io, linger);
        // After the listeners' CLOSED events, as libzmq stops the monitor when the socket is destroyed.
        self.monitor.stop();
    }
}

/// STREAM speaks raw bytes over tcp and ipc only (libzmq: ENOCOMPATPROTO for inproc).
fn check_transport(core: &Core, ep: &Endpoint) -> Result<()> {
    if core.socket_type == SocketType::Stream && matches!(ep, Endpoint::Inproc(_)) {
        return Err(Error::IncompatibleProtocol);
    }
    Ok(())
}

/// When a blocking call with this timeout gives up; DONTWAIT gives up at once.
/// When a blocking call gives up: SNDTIMEO or RCVTIMEO after the first attempt that would block.
struct Deadline {
    timeout: Option<Duration>,
    at: Option<Option<Instant>>,
}

impl Deadline {
    /// A deadline `timeout` (SNDTIMEO or RCVTIMEO; `None` waits forever) after the first wait.
    fn new(timeout: Option<Duration>) -> Self {
        Self { timeout, at: None }
    }

    /// The deadline, computed at the first call: a call that need not wait never reads the clock.
    fn get(&mut self) -> Option<Instant> {
        let timeout = self.timeout;
        *self
            .at
            .get_or_insert_with(|| timeout.map(|t| Instant::now() + t))
    }
}
