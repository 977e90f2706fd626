//! A session: libzmq's session and stream engine in one. It owns a stream (while connected), a
//! [`zmtp::Connection`] over it and its end of the link to the socket, and moves frames both ways in
//! batches: every read decodes all it can and hands whole messages to the pipe in one lock; every writev
//! sends as many queued messages as fit, large bodies by reference.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mio::{Interest, Registry, Token};
use zmtp::{Event, Frame, Metadata, PeerInfo};

use super::body::{Filling, DIRECT_MIN, TAIL};
use super::connecter::Connecter;
use super::direct::{DirectLink, DirectRead};
use super::monitor::{emit, HandshakeFailure, MonitorEvent};
use super::reactor::Cx;
use super::wire::Wire;
use super::zap::ZapLink;
use super::SocketRef;
use crate::mailbox::Command;
use crate::options::{NOTIFY_CONNECT, NOTIFY_DISCONNECT};
use crate::pipe::{self, LinkEnd, PipeEvent, Read as PipeRead};
use crate::transport::{self, Stream};

/// Reads and writevs one session may do in one turn before others get theirs.
const BUDGET: usize = 16;
/// Stop pulling frames from the pipe while this many bytes wait to be written.
const OUT_BATCH: usize = 256 * 1024;
/// Slices per writev.
const MAX_IOV: usize = 64;
/// How long the socket's thread keeps its stream's reads after its last direct read (see `Io::lease`).
const LEASE: Duration = Duration::from_millis(10);

/// What the loop should do with a session after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    /// Wait for the next event or timer.
    Keep,
    /// It stopped with work left (its budget ran out): run it again soon.
    Again,
    /// It is finished: remove it.
    Remove,
}

/// How the session came to be.
#[derive(Debug)]
pub(super) enum Origin {
    /// Accepted by the listener with this token.
    Accepted(Token),
    /// Made by `connect`.
    Connect(Connecter),
}

/// Why a connection ended.
#[derive(Debug)]
enum Lost {
    /// The peer closed it.
    Eof,
    /// The stream failed.
    Io(io::Error),
    /// The peer broke ZMTP, or a ZMTP timer expired.
    Protocol(zmtp::Error),
}

/// A stream and what goes with it.
#[derive(Debug)]
struct Io {
    stream: Stream,
    /// `None` while a connect is in progress.
    conn: Option<Wire>,
    /// The stream may have bytes to read (mio is edge-triggered: set by events, cleared by WouldBlock).
    readable: bool,
    /// The stream may take bytes.
    writable: bool,
    /// Bytes read and not yet decoded, then `pad` zero bytes being filled by a large read.
    input: BytesMut,
    pad: usize,
    /// A large body being read into its own buffer; `input` holds what follows it.
    body: Option<Filling>,
    /// The last read completed a large body: the next read takes at most [`TAIL`] bytes, in case
    /// another large body follows (its start would be copied twice through the scratch buffer).
    after_body: bool,
    /// A duplicate of the stream's descriptor that the socket's thread polls on the direct path (made on
    /// first use; closed with the stream, so the connection ends when the session drops it).
    poll_fd: Option<Arc<OwnedFd>>,
    /// Set while the socket's thread reads the stream itself (the direct path), until then: the stream is
    /// out of the loop's poller, so the loop is not woken for what that thread reads or writes (any
    /// interest would be: the kernel wakes a tcp or unix stream's pollers for priority data on every
    /// arrival, and a unix stream's for writability whenever its peer reads). Each direct read extends
    /// it; when it passes, when a write would block, or when the socket waits some other way, the loop
    /// takes the stream back.
    lease: Option<Instant>,
}

impl Io {
    fn new(stream: Stream, conn: Option<Wire>) -> Self {
        Self {
            stream,
            conn,
            readable: false,
            writable: false,
            input: BytesMut::new(),
            pad: 0,
            body: None,
            after_body: false,
            poll_fd: None,
            lease: None,
        }
    }

    /// Reads once. A large body whose header is in is read into its own buffer (see [`body`](super::body)),
    /// with at most [`TAIL`] bytes of what follows through the scratch buffer, and handed to the
    /// connection once complete. Small reads go through the loop's scratch buffer and are appended (one
    /// copy of what arrived); the rest of a body too large for a buffer of its own is read straight into
    /// `input`, whose new room is zeroed once (no unsafe code) and filled over as many reads as it takes
    /// before the next decode.
    fn fill(&mut self, scratch: &mut [u8]) -> io::Result<usize> {
        if let Some(body) = &mut self.body {
            let tail = scratch.get_mut(..TAIL).unwrap_or_default();
            let (n, rest) = body.read(&mut self.stream, tail)?;
            self.input
                .extend_from_slice(tail.get(..rest).unwrap_or_default());
            if body.is_full() {
                self.after_body = true;
                if let (Some(body), Some(conn)) = (self.body.take(), &mut self.conn) {
                    let supplied = conn.supply_body(body.finish());
                    debug_assert!(supplied, "the connection awaited this body");
                }
            }
            return Ok(n + rest);
        }
        let hint = self.conn.as_ref().map_or(0, Wire::read_hint);
        if self.pad == 0 && hint <= scratch.len() {
            let limit = if self.after_body { TAIL } else { scratch.len() };
            let scratch = scratch.get_mut(..limit).unwrap_or_default();
            let n = self.stream.read(scratch)?;
            self.after_body = false;
            self.input.extend_from_slice(&scratch[..n]);
            return Ok(n);
        }
        if self.pad == 0 {
            // read_hint is within the remaining body and at most 16 MiB; growing by at most what already
            // arrived keeps a peer that merely declares a huge frame from costing more than it sent.
            let step = hint.min(self.input.len().max(scratch.len()));
            self.input.resize(self.input.len() + step, 0);
            self.pad = step;
        }
        let start = self.input.len() - self.pad;
        match self.stream.read(&mut self.input[start..]) {
            Ok(0) => {
                self.input.truncate(start);
                self.pad = 0;
                Ok(0)
            }
            Ok(n) => {
                self.pad -= n;
                Ok(n)
            }
            Err(e) => Err(e),
        }
    }
}

/// One session.
#[derive(Debug)]
pub(super) struct Session {
    /// Its token with mio (kept across reconnects) and in the timer heap.
    pub(super) token: Token,
    /// The socket it serves.
    pub(super) socket: Arc<SocketRef>,
    /// The endpoint it connects to, or the listener's endpoint.
    pub(super) endpoint: String,
    /// Accepted or connecting.
    pub(super) origin: Origin,
    /// The session's end of the link to the socket.
    end: Option<LinkEnd>,
    io: Option<Io>,
    /// Frames decoded but not yet in the pipe: a trailing partial message, or more when the pipe is full.
    inbound: VecDeque<Frame>,
    /// The pipe to the socket is full: stop reading until it reports Writable.
    in_blocked: bool,
    /// The last frame given to the connection had MORE.
    out_partial: bool,
    /// The socket may have dropped its end (a Closed event or read).
    gone_hint: bool,
    /// The properties every received frame carries: the peer's READY properties and its address.
    metadata: Option<Arc<Metadata>>,
    /// Closing: flush, then end; `Some(None)` waits as long as it takes.
    closing: Option<Option<Instant>>,
    /// When to try connecting again.
    retry_at: Option<Instant>,
    /// When a connect in progress is abandoned (CONNECT_TIMEOUT).
    connect_deadline: Option<Instant>,
    /// The deadline this session has in the timer heap.
    pub(super) scheduled: Option<Instant>,
    /// Already queued to run again.
    pub(super) queued: bool,
    /// The link to the ZAP handler while the handshake waits for its verdict.
    zap: Option<ZapLink>,
    /// The owner of the session's link end that lets the socket's thread move bytes itself.
    direct: Option<Arc<DirectLink>>,
    /// Why the connection ended, found by the socket's thread on the direct path (the loop acts on it).
    direct_lost: Option<Lost>,
}

impl Session {
    fn new(
        token: Token,
        socket: Arc<SocketRef>,
        endpoint: String,
        origin: Origin,
        end: Option<LinkEnd>,
    ) -> Self {
        Self {
            token,
            socket,
            endpoint,
            origin,
            end,
            io: None,
            inbound: VecDeque::new(),
            in_blocked: false,
            out_partial: false,
            gone_hint: false,
            metadata: None,
            closing: None,
            retry_at: None,
            connect_deadline: None,
            scheduled: None,
            queued: false,
            zap: None,
            direct: None,
            direct_lost: None,
        }
    }

    /// A session for an accepted stream; its handshake starts at once.
    pub(super) fn accepted(
        cx: &mut Cx<'_>,
        token: Token,
        socket: Arc<SocketRef>,
        listener: Token,
        endpoint: String,
        mut stream: Stream,
    ) -> io::Result<Self> {
        cx.registry
            .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)?;
        let mut s = Self::new(token, socket, endpoint, Origin::Accepted(listener), None);
        let conn = Wire::new(&s.socket, cx.now);
        let fd = stream.fd();
        s.io = Some(Io::new(stream, Some(conn)));
        emit(&s.socket, &s.endpoint, MonitorEvent::Accepted(fd));
        Ok(s)
    }

    /// A session that connects to `connecter`'s endpoint; call [`Session::start_connect`] next.
    pub(super) fn connecting(
        token: Token,
        socket: Arc<SocketRef>,
        endpoint: String,
        connecter: Connecter,
        end: Option<LinkEnd>,
    ) -> Self {
        Self::new(token, socket, endpoint, Origin::Connect(connecter), end)
    }

    /// Gives the session the owner of its link end that lets the socket's thread move bytes itself (the
    /// direct path), and tells the socket of a link that already exists.
    pub(super) fn set_direct(&mut self, direct: Arc<DirectLink>) {
        if let Some(end) = &self.end {
            end.set_owner(direct.clone());
            self.socket
                .mailbox
                .post(Command::Direct(end.id, direct.clone()));
        }
        self.direct = Some(direct);
    }

    /// Whether the socket's thread may drive the connection now: a ZMTP handshake is done, nothing waits
    /// for ZAP, the socket is open and nothing went wrong.
    fn direct_ready(&self) -> bool {
        self.closing.is_none()
            && self.zap.is_none()
            && self.direct_lost.is_none()
            && self.end.is_some()
            && self
                .io
                .as_ref()
                .and_then(|io| io.conn.as_ref())
                .is_some_and(Wire::is_established)
    }

    /// The direct path, send side (in the socket's thread, right after it queued a message): encodes what
    /// the pipe holds and writes it. True when nothing is left for the loop to do; false when the loop must
    /// carry on (the write budget ran out, or the connection failed: the loop finds out why).
    pub(super) fn direct_flush(&mut self, registry: &Registry) -> bool {
        if !self.direct_ready() {
            return false;
        }
        let mut writes = 0;
        let flushed = self.flush_out(&mut writes).and_then(|more| {
            self.unstick(registry).map_err(Lost::Io)?;
            Ok(more)
        });
        match flushed {
            Ok(more) => !more,
            Err(lost) => {
                self.direct_lost = Some(lost);
                false
            }
        }
    }

    /// The direct path, receive side (in the socket's thread, which waits for an answer): decodes what is
    /// buffered and reads the stream until a whole message is in the pipe or the stream has no more.
    /// Without `read` it only decodes: a caller that just sent has most likely nothing to read yet, and
    /// polls first rather than pay for a read that would block.
    pub(super) fn direct_read(
        &mut self,
        scratch: &mut [u8],
        registry: &Registry,
        read: bool,
    ) -> DirectRead {
        let Some(id) = self.link_id() else {
            return DirectRead::Unavailable;
        };
        if !self.direct_ready() || self.in_blocked {
            return DirectRead::Unavailable;
        }
        match self.direct_read_inner(scratch, registry, read) {
            Ok(Some(read)) => read,
            Ok(None) => DirectRead::HandOff(id),
            Err(lost) => {
                self.direct_lost = Some(lost);
                DirectRead::HandOff(id)
            }
        }
    }

    /// The body of [`Session::direct_read`]; `None` when the loop must carry on reading.
    fn direct_read_inner(
        &mut self,
        scratch: &mut [u8],
        registry: &Registry,
        read: bool,
    ) -> Result<Option<DirectRead>, Lost> {
        let now = Instant::now();
        for _ in 0..BUDGET {
            let (Some(io), Some(end)) = (&mut self.io, &mut self.end) else {
                return Ok(Some(DirectRead::Unavailable));
            };
            let Some(conn) = &mut io.conn else {
                return Ok(Some(DirectRead::Unavailable));
            };
            // While a large body fills (its own buffer or the input's tail), there is nothing to decode;
            // the reads below carry on filling it.
            if io.pad == 0 && io.body.is_none() {
                while let Some(event) = conn
                    .poll_event(&mut io.input, now)
                    .map_err(Lost::Protocol)?
                {
                    // After the handshake a connection yields frames only.
                    if let Event::Frame(frame) = event {
                        self.inbound
                            .push_back(frame.with_metadata(self.metadata.clone()));
                    }
                }
            }
            if self.inbound.iter().any(|f| !f.more) {
                if !end.writer.write_batch(&mut self.inbound) {
                    return Ok(Some(DirectRead::Unavailable));
                }
                self.in_blocked = self.inbound.iter().any(|f| !f.more);
                // A PING read meanwhile may have queued a PONG.
                let mut writes = 0;
                self.flush_out(&mut writes)?;
                self.unstick(registry).map_err(Lost::Io)?;
                return Ok(Some(DirectRead::Delivered));
            }
            if !read {
                return self.park(registry, now).map(Some);
            }
            match io.fill(scratch) {
                Ok(0) => return Err(Lost::Eof),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    io.readable = false;
                    return self.park(registry, now).map(Some);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Lost::Io(e)),
            }
        }
        // The budget ran out with more to read: the loop carries on.
        if let Some(io) = &mut self.io {
            io.readable = true;
        }
        Ok(None)
    }

    /// The socket's thread is about to poll the stream: it takes the stream's reads (unless a write waits
    /// for the writable event), or extends its lease on them. The loop is told once, to time the lease.
    fn park(&mut self, registry: &Registry, now: Instant) -> Result<DirectRead, Lost> {
        let id = self.link_id();
        let Some(io) = &mut self.io else {
            return Ok(DirectRead::Unavailable);
        };
        let take = io.lease.is_none() && io.writable;
        if take {
            registry.deregister(&mut io.stream).map_err(Lost::Io)?;
            if let Some(direct) = &self.direct {
                direct.set_parked(true);
            }
        }
        if take || io.lease.is_some() {
            io.lease = Some(now + LEASE);
        }
        let fd = match &io.poll_fd {
            Some(fd) => fd.clone(),
            None => {
                let fd = Arc::new(io.stream.as_fd().try_clone_to_owned().map_err(Lost::Io)?);
                io.poll_fd = Some(fd.clone());
                fd
            }
        };
        Ok(DirectRead::WouldBlock {
            fd,
            kick: id.filter(|_| take),
        })
    }

    /// Ends the lease of the socket's thread on the stream's reads: the loop is told of readability again
    /// (and reads at once what came meanwhile).
    fn unpark(&mut self, registry: &Registry) -> io::Result<()> {
        if let Some(direct) = &self.direct {
            direct.set_parked(false);
        }
        let Some(io) = &mut self.io else {
            return Ok(());
        };
        if io.lease.take().is_none() {
            return Ok(());
        }
        io.readable = true;
        registry.register(
            &mut io.stream,
            self.token,
            Interest::READABLE | Interest::WRITABLE,
        )
    }

    /// Ends the lease when a write would block: the loop needs the writable event.
    fn unstick(&mut self, registry: &Registry) -> io::Result<()> {
        if self
            .io
            .as_ref()
            .is_some_and(|io| io.lease.is_some() && !io.writable)
        {
            self.unpark(registry)
        } else {
            Ok(())
        }
    }

    /// The socket's thread stops reading the stream itself (it waits some other way): the loop takes the
    /// reads back. The link's id when the loop must be told to look (it failed).
    pub(super) fn release_direct(&mut self, registry: &Registry) -> Option<pipe::LinkId> {
        match self.unpark(registry) {
            Ok(()) => None,
            Err(e) => {
                self.direct_lost = Some(Lost::Io(e));
                self.link_id()
            }
        }
    }

    /// The link id the session's end has, if it has one.
    pub(super) fn link_id(&self) -> Option<pipe::LinkId> {
        self.end.as_ref().map(|e| e.id)
    }

    /// Whether this is a connecter for `socket_id` answering to one of `names`.
    pub(super) fn is_connecter_for(&self, socket_id: u64, names: &[String]) -> bool {
        self.socket.id == socket_id
            && matches!(self.origin, Origin::Connect(_))
            && names.contains(&self.endpoint)
    }

    /// The earliest time the session needs [`Session::on_timer`].
    pub(super) fn deadline(&self) -> Option<Instant> {
        let conn = self
            .io
            .as_ref()
            .and_then(|io| io.conn.as_ref())
            .and_then(Wire::poll_timeout);
        let lease = self.io.as_ref().and_then(|io| io.lease);
        [
            conn,
            lease,
            self.retry_at,
            self.connect_deadline,
            self.closing.flatten(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Starts a connect attempt.
    pub(super) fn start_connect(&mut self, cx: &mut Cx<'_>) -> Status {
        let Origin::Connect(c) = &self.origin else {
            return Status::Keep;
        };
        let attempt =
            transport::connect(&c.endpoint, &self.socket.options).and_then(|mut stream| {
                cx.registry.register(
                    &mut stream,
                    self.token,
                    Interest::READABLE | Interest::WRITABLE,
                )?;
                Ok(stream)
            });
        match attempt {
            Ok(stream) => {
                if matches!(stream, Stream::Tcp(_)) {
                    self.connect_deadline =
                        self.socket.options.tcp.connect_timeout.map(|t| cx.now + t);
                }
                // libzmq reports a connect that completed at once (ipc, usually) as CONNECTED only.
                if !(matches!(stream, Stream::Ipc(_)) && stream.finish_connect().unwrap_or(false)) {
                    emit(&self.socket, &self.endpoint, MonitorEvent::ConnectDelayed);
                }
                // The writable event (even for an instant unix connect) finishes it.
                self.io = Some(Io::new(stream, None));
                Status::Keep
            }
            Err(e) => self.connection_lost(cx, Lost::Io(e)),
        }
    }

    /// Readiness from mio.
    pub(super) fn on_io(&mut self, cx: &mut Cx<'_>, event: &mio::event::Event) -> Status {
        let Some(io) = &mut self.io else {
            return Status::Keep;
        };
        let closed = event.is_error() || event.is_read_closed() || event.is_write_closed();
        io.readable |= event.is_readable() || closed;
        io.writable |= event.is_writable() || closed;
        if io.conn.is_none() {
            if !io.writable {
                return Status::Keep;
            }
            match io.stream.finish_connect() {
                Ok(false) => {
                    io.writable = false;
                    return Status::Keep;
                }
                Ok(true) => {
                    self.connect_deadline = None;
                    io.conn = Some(Wire::new(&self.socket, cx.now));
                    if let Origin::Connect(c) = &mut self.origin {
                        c.connected();
                    }
                    let fd = io.stream.fd();
                    emit(&self.socket, &self.endpoint, MonitorEvent::Connected(fd));
                }
                Err(e) => return self.connection_lost(cx, Lost::Io(e)),
            }
        }
        self.drive(cx)
    }

    /// A pipe of one of the session's links changed.
    pub(super) fn on_pipe(
        &mut self,
        cx: &mut Cx<'_>,
        link: pipe::LinkId,
        event: PipeEvent,
    ) -> Status {
        if self.zap.as_ref().is_some_and(|z| z.id() == link) {
            // The handler replied (or went away): the next decode reads it.
            return self.drive(cx);
        }
        match event {
            PipeEvent::Readable => {}
            PipeEvent::Writable => self.in_blocked = false,
            PipeEvent::Closed => {
                // If the socket stopped reading, what is decoded from now on is dropped: keep reading.
                self.gone_hint = true;
                self.in_blocked = false;
            }
        }
        self.drive(cx)
    }

    /// A deadline passed: a reconnect, a ZMTP timer or the end of linger.
    pub(super) fn on_timer(&mut self, cx: &mut Cx<'_>) -> Status {
        let now = cx.now;
        if self.closing.flatten().is_some_and(|t| t <= now) {
            return Status::Remove;
        }
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            return self.start_connect(cx);
        }
        if self.connect_deadline.is_some_and(|t| t <= now) {
            self.connect_deadline = None;
            if self.io.as_ref().is_some_and(|io| io.conn.is_none()) {
                return self.connection_lost(cx, Lost::Io(io::ErrorKind::TimedOut.into()));
            }
        }
        if self
            .io
            .as_ref()
            .and_then(|io| io.lease)
            .is_some_and(|t| t <= now)
        {
            if let Err(e) = self.unpark(cx.registry) {
                return self.connection_lost(cx, Lost::Io(e));
            }
        }
        let conn = self.io.as_mut().and_then(|io| io.conn.as_mut());
        if let Some(conn) = conn {
            if conn.poll_timeout().is_some_and(|t| t <= now) {
                if let Err(e) = conn.handle_timeout(now) {
                    return self.connection_lost(cx, Lost::Protocol(e));
                }
            }
        }
        self.drive(cx)
    }

    /// The socket closed: flush for up to `linger`, then end.
    pub(super) fn close(&mut self, cx: &mut Cx<'_>, linger: Option<Duration>) -> Status {
        if linger == Some(Duration::ZERO) {
            return Status::Remove;
        }
        self.closing = Some(linger.map(|d| cx.now + d));
        self.gone_hint = true;
        if let Err(e) = self.unpark(cx.registry) {
            return self.connection_lost(cx, Lost::Io(e));
        }
        self.drive(cx)
    }

    /// Moves whatever can move now: after creation, or when its budget ran out last turn.
    pub(super) fn resume(&mut self, cx: &mut Cx<'_>) -> Status {
        self.drive(cx)
    }

    /// Whether the socket closed (the session only flushes now).
    pub(super) fn is_closing(&self) -> bool {
        self.closing.is_some()
    }

    /// Whether the listener with this token accepted this session.
    pub(super) fn accepted_by(&self, listener: Token) -> bool {
        matches!(self.origin, Origin::Accepted(t) if t == listener)
    }

    /// Whether the session has nothing left to do: the socket dropped its end and everything it queued is
    /// written, or it is closing and has no link.
    pub(super) fn is_done(&mut self) -> bool {
        let pending = self
            .io
            .as_mut()
            .and_then(|io| io.conn.as_mut())
            .is_some_and(|c| !c.write_buf().is_empty());
        let flushed = !pending;
        match &mut self.end {
            Some(end) => self.gone_hint && !self.out_partial && flushed && end.reader.is_finished(),
            None => self.closing.is_some(),
        }
    }

    /// Stops listening to the stream and drops everything (the socket sees its link closed).
    pub(super) fn teardown(&mut self, cx: &mut Cx<'_>) {
        if let Some(mut io) = self.io.take() {
            let _ = cx.registry.deregister(&mut io.stream);
            self.release_poller(&io);
        }
        self.drop_zap(cx);
        self.drop_end(cx);
    }

    /// The stream is being dropped: a socket thread polling its duplicate descriptor (the direct path) is
    /// woken to let go of it, so the connection really closes.
    fn release_poller(&self, io: &Io) {
        if io
            .poll_fd
            .as_ref()
            .is_some_and(|fd| Arc::strong_count(fd) > 1)
        {
            self.socket.mailbox.wake_poller_now();
        }
    }

    /// Drops the link to the ZAP handler, if any.
    fn drop_zap(&mut self, cx: &mut Cx<'_>) {
        if let Some(zap) = self.zap.take() {
            cx.links.remove(&zap.id());
        }
    }

    fn drop_end(&mut self, cx: &mut Cx<'_>) {
        if let Some(end) = self.end.take() {
            cx.links.remove(&end.id);
        }
    }

    /// Moves bytes and frames until nothing more can move now.
    fn drive(&mut self, cx: &mut Cx<'_>) -> Status {
        let pumped = self.pump(cx).and_then(|more| {
            self.unstick(cx.registry).map_err(Lost::Io)?;
            Ok(more)
        });
        match pumped {
            Ok(true) => Status::Again,
            Ok(false) => Status::Keep,
            Err(lost) => self.connection_lost(cx, lost),
        }
    }

    /// The body of [`Session::drive`]; `Ok(true)` when the budget ran out with work left.
    fn pump(&mut self, cx: &mut Cx<'_>) -> Result<bool, Lost> {
        if let Some(lost) = self.direct_lost.take() {
            return Err(lost);
        }
        let (mut reads, mut writes) = (0, 0);
        loop {
            if !self.in_blocked {
                if let Some(peer) = self.decode(cx)? {
                    self.peer_ready(cx, peer);
                    continue;
                }
                self.deliver();
            }
            if self.flush_out(&mut writes)? {
                return Ok(true);
            }
            let Some(io) = &mut self.io else {
                return Ok(false);
            };
            if self.in_blocked || !io.readable || io.conn.is_none() {
                return Ok(false);
            }
            if reads == BUDGET {
                return Ok(true);
            }
            reads += 1;
            match io.fill(cx.scratch) {
                Ok(0) => return Err(Lost::Eof),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => io.readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Lost::Io(e)),
            }
        }
    }

    /// Decodes the buffered input into `inbound`, stopping at the handshake's end to return the peer.
    /// Carries ZAP requests to the handler and its replies back.
    fn decode(&mut self, cx: &mut Cx<'_>) -> Result<Option<PeerInfo>, Lost> {
        let Some(io) = &mut self.io else {
            return Ok(None);
        };
        let Some(conn) = &mut io.conn else {
            return Ok(None);
        };
        if let Some(zap) = &mut self.zap {
            match zap.poll_reply() {
                None => return Ok(None),
                Some(reply) => {
                    let id = zap.id();
                    self.zap = None;
                    cx.links.remove(&id);
                    reply
                        .and_then(|reply| conn.zap_reply(reply))
                        .map_err(Lost::Protocol)?;
                }
            }
        }
        if io.pad > 0 || io.body.is_some() {
            // Still filling a large body; the decoder can do nothing before it is in.
            return Ok(None);
        }
        while let Some(event) = conn
            .poll_event(&mut io.input, cx.now)
            .map_err(Lost::Protocol)?
        {
            match event {
                Event::Ready(peer) => return Ok(Some(peer)),
                Event::Frame(frame) => self
                    .inbound
                    .push_back(frame.with_metadata(self.metadata.clone())),
                Event::ZapRequest(mut request) => {
                    request.address = io.stream.peer_ip().into();
                    let zap = ZapLink::open(&self.socket.inproc, &request)
                        .ok_or(Lost::Protocol(zmtp::Error::ZapUnavailable))?;
                    zap.set_owner(cx.owner.clone());
                    cx.links.insert(zap.id(), self.token);
                    self.zap = Some(zap);
                    // The reply may be in already.
                    return self.decode(cx);
                }
            }
        }
        if let Some(len) = conn.awaited_body() {
            // All of the input is the body's start; read the rest into its own buffer if it is large.
            if len.saturating_sub(io.input.len()) >= DIRECT_MIN {
                io.body = cx.bodies.start(len, &io.input);
                if io.body.is_some() {
                    io.input.clear();
                }
            }
        }
        Ok(None)
    }

    /// Hands the decoded whole messages to the socket; marks the session blocked if the pipe is full.
    fn deliver(&mut self) {
        if self.inbound.is_empty() {
            return;
        }
        let Some(end) = &mut self.end else {
            self.inbound.clear();
            return;
        };
        if !end.writer.write_batch(&mut self.inbound) {
            // The socket is gone: nobody will read these.
            self.inbound.clear();
            self.gone_hint = true;
            return;
        }
        self.in_blocked = self.inbound.iter().any(|f| !f.more);
    }

    /// The handshake completed: tell the socket, making the link if the session has none.
    fn peer_ready(&mut self, cx: &mut Cx<'_>, peer: PeerInfo) {
        let mut metadata = peer.metadata.clone();
        let ip = self
            .io
            .as_ref()
            .map(|io| io.stream.peer_ip())
            .unwrap_or_default();
        if !ip.is_empty() {
            metadata.insert("Peer-Address", ip);
        }
        self.metadata = Some(Arc::new(metadata));
        emit(
            &self.socket,
            &self.endpoint,
            MonitorEvent::HandshakeSucceeded,
        );
        if self.socket.options.router_notify & NOTIFY_CONNECT != 0 {
            // ROUTER_NOTIFY: an empty message ahead of the peer's first, as libzmq's engine pushes it.
            self.inbound.push_front(Frame::new(Bytes::new()));
        }
        if let Some(end) = &self.end {
            self.socket.mailbox.post(Command::PeerReady(end.id, peer));
            return;
        }
        if self.closing.is_some() {
            return;
        }
        let routing_id = match &self.origin {
            Origin::Connect(c) => c.routing_id.clone(),
            Origin::Accepted(_) => None,
        };
        let options = &self.socket.options;
        // The session writes the inbound pipe (RCVHWM), the socket the outbound one (SNDHWM).
        let (mine, theirs) = pipe::link(options.rcvhwm, options.sndhwm);
        let id = mine.id;
        match &self.direct {
            Some(direct) => mine.set_owner(direct.clone()),
            None => mine.set_owner(cx.owner.clone()),
        }
        cx.links.insert(id, self.token);
        self.end = Some(mine);
        self.socket.mailbox.post(Command::Attach {
            end: theirs,
            peer: Some(peer),
            routing_id,
        });
        if let Some(direct) = &self.direct {
            self.socket
                .mailbox
                .post(Command::Direct(id, direct.clone()));
        }
    }

    /// Moves frames from the pipe into the connection and writes; `Ok(true)` when the write budget ran out
    /// with the stream still writable.
    fn flush_out(&mut self, writes: &mut usize) -> Result<bool, Lost> {
        let Some(Io {
            stream,
            conn: Some(conn),
            writable,
            ..
        }) = &mut self.io
        else {
            return Ok(false);
        };
        loop {
            if let (true, Some(end)) = (conn.is_ready(), &mut self.end) {
                while conn.write_buf().len() < OUT_BATCH {
                    match end.reader.read() {
                        PipeRead::Frame(frame) => {
                            self.out_partial = frame.more;
                            conn.send(frame).map_err(Lost::Protocol)?;
                        }
                        PipeRead::Empty => break,
                        PipeRead::Closed => {
                            self.gone_hint = true;
                            break;
                        }
                    }
                }
            }
            if conn.wants_close() {
                return Err(Lost::Eof);
            }
            let out = conn.write_buf();
            if out.is_empty() || !*writable {
                return Ok(false);
            }
            if *writes == BUDGET {
                return Ok(true);
            }
            *writes += 1;
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let n = out.chunks_vectored(&mut slices);
            match stream.write_vectored(&slices[..n]) {
                Ok(0) => return Err(Lost::Io(io::ErrorKind::WriteZero.into())),
                Ok(written) => out.advance(written),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => *writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Lost::Io(e)),
            }
        }
    }

    /// The connection ended (or a connect failed): clean up, then end an accepted session, or schedule a
    /// reconnect.
    fn connection_lost(&mut self, cx: &mut Cx<'_>, lost: Lost) -> Status {
        self.connect_deadline = None;
        let (mut established, mut ready, mut notify_end, mut fd) = (false, false, false, -1);
        if let Some(mut io) = self.io.take() {
            fd = io.stream.fd();
            notify_end = io
                .conn
                .as_ref()
                .is_some_and(|c| c.notifies_end(&self.socket));
            if let (Lost::Protocol(_), Some(conn)) = (&lost, &mut io.conn) {
                // The connection may have queued an ERROR command for the peer: one try, without waiting.
                let out = conn.write_buf();
                let mut slices = [IoSlice::new(&[]); MAX_IOV];
                let n = out.chunks_vectored(&mut slices);
                let _ = io.stream.write_vectored(&slices[..n]);
            }
            let _ = cx.registry.deregister(&mut io.stream);
            self.release_poller(&io);
            established = io.conn.is_some();
            ready = io.conn.as_ref().is_some_and(Wire::handshake_done);
        }
        self.drop_zap(cx);
        if established && !ready {
            let event = MonitorEvent::HandshakeFailed(match &lost {
                Lost::Eof => HandshakeFailure::NoDetail(0),
                Lost::Io(e) => HandshakeFailure::NoDetail(e.raw_os_error().unwrap_or(0)),
                Lost::Protocol(e) => HandshakeFailure::of_protocol(e),
            });
            emit(&self.socket, &self.endpoint, event);
        }
        if established {
            emit(&self.socket, &self.endpoint, MonitorEvent::Disconnected(fd));
        }
        // Whole messages decoded before the end still go up (if there is room); a partial one is dropped,
        // as libzmq's engine rolls it back.
        self.deliver();
        self.inbound.clear();
        self.in_blocked = false;
        let router_notice = ready && self.socket.options.router_notify & NOTIFY_DISCONNECT != 0;
        if let (true, Some(end)) = (notify_end || router_notice, &mut self.end) {
            // STREAM, and ROUTER_NOTIFY: the end of a connection is an empty message after the last whole
            // one the peer sent (lost if the socket's queue is full, as in libzmq).
            let _ = end.writer.write(Frame::new(Bytes::new()));
        }
        if self.out_partial {
            // The rest of a message the peer got only part of: drop it, so the next peer sees whole ones.
            if let Some(end) = &mut self.end {
                while let PipeRead::Frame(frame) = end.reader.read() {
                    if !frame.more {
                        break;
                    }
                }
            }
            self.out_partial = false;
        }
        let Origin::Connect(c) = &mut self.origin else {
            return Status::Remove;
        };
        let immediate = c.immediate;
        let delay = c.next_delay();
        if immediate {
            self.drop_end(cx);
        }
        match delay {
            Some(delay) => {
                self.retry_at = Some(cx.now + delay);
                emit(
                    &self.socket,
                    &self.endpoint,
                    MonitorEvent::ConnectRetried(delay),
                );
                Status::Keep
            }
            // libzmq: without reconnects a broken connection ends the session; a connect that never
            // succeeded leaves it idle.
            None if established => Status::Remove,
            None => Status::Keep,
        }
    }
}
