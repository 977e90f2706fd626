//! The loop of the I/O thread: mio readiness, commands and pipe events from sockets, and timers.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Registry, Token};

use super::body::BodyPool;
use super::connecter::Connecter;
use super::direct::DirectLink;
use super::monitor::{emit, MonitorEvent};
use super::session::{Session, Status};
use super::{Cmd, Inbox, Shared, SocketRef};
use crate::error::{Error, Result};
use crate::pipe::{LinkId, PipeOwner};
use crate::transport::Listener;

/// The waker's token.
pub(super) const WAKER: Token = Token(0);
/// Size of the scratch buffer small reads go through.
const SCRATCH: usize = 256 * 1024;
/// How long to wait before accepting again after running out of file descriptors.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// What a session needs from the loop while it runs.
pub(super) struct Cx<'a> {
    /// Where streams are (de)registered.
    pub(super) registry: &'a Registry,
    /// The owner to give new link ends.
    pub(super) owner: &'a Arc<dyn PipeOwner>,
    /// Which session holds each link.
    pub(super) links: &'a mut HashMap<LinkId, Token>,
    /// The buffer small reads go through.
    pub(super) scratch: &'a mut [u8],
    /// The buffers large bodies are read into.
    pub(super) bodies: &'a BodyPool,
    /// The loop's clock for this turn.
    pub(super) now: Instant,
}

/// A session, shared with its socket's thread for the direct path (see [`DirectLink`]).
type Cell = Arc<Mutex<Session>>;

/// Locks a session; a panic elsewhere leaves it usable (every update is a single step).
fn lock(cell: &Cell) -> MutexGuard<'_, Session> {
    cell.lock().unwrap_or_else(|e| e.into_inner())
}

/// A listener served by the loop.
struct Served {
    socket: Arc<SocketRef>,
    listener: Listener,
    /// The names unbind knows it by; the first is the resolved endpoint.
    names: Vec<String>,
    /// Accepting stopped for lack of resources; try again then.
    retry_at: Option<Instant>,
}

/// The loop's state.
pub(super) struct Reactor {
    poll: Poll,
    shared: Arc<Shared>,
    owner: Arc<dyn PipeOwner>,
    listeners: HashMap<Token, Served>,
    sessions: HashMap<Token, Cell>,
    links: HashMap<LinkId, Token>,
    /// Deadlines, earliest first; an entry is stale unless it matches its session's `scheduled`.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    /// Sessions whose budget ran out, to run again before sleeping.
    again: Vec<Token>,
    next_token: usize,
    scratch: Box<[u8]>,
    bodies: BodyPool,
    stopping: bool,
}

impl Reactor {
    /// A loop over `poll`, fed by `shared`.
    pub(super) fn new(poll: Poll, shared: Arc<Shared>) -> Self {
        let owner: Arc<dyn PipeOwner> = shared.clone();
        Self {
            poll,
            shared,
            owner,
            listeners: HashMap::new(),
            sessions: HashMap::new(),
            links: HashMap::new(),
            timers: BinaryHeap::new(),
            again: Vec::new(),
            next_token: WAKER.0 + 1,
            scratch: vec![0; SCRATCH].into_boxed_slice(),
            bodies: BodyPool::default(),
            stopping: false,
        }
    }

    /// Runs until shut down and every session is done.
    pub(super) fn run(mut self) {
        let mut events = Events::with_capacity(1024);
        loop {
            let now = Instant::now();
            self.process_inbox(now);
            self.fire_timers(now);
            self.run_again(now);
            if self.stopping && self.sessions.is_empty() {
                break;
            }
            let mut timeout = if self.again.is_empty() {
                self.next_deadline()
                    .map(|t| t.saturating_duration_since(Instant::now()))
            } else {
                Some(Duration::ZERO)
            };
            self.shared.sleeping.store(true, Ordering::SeqCst);
            {
                let inbox = self.shared.lock();
                if !inbox.commands.is_empty() || !inbox.pipe_events.is_empty() {
                    timeout = Some(Duration::ZERO);
                }
            }
            let polled = self.poll.poll(&mut events, timeout);
            self.shared.sleeping.store(false, Ordering::SeqCst);
            if let Err(e) = polled {
                if e.kind() != io::ErrorKind::Interrupted {
                    // Nothing sensible to do but try again; epoll_wait fails only on programming errors.
                    continue;
                }
            }
            let now = Instant::now();
            for event in events.iter() {
                self.dispatch(event, now);
            }
        }
        // Dropping the rest closes every socket and link end.
        self.listeners.clear();
    }

    fn token(&mut self) -> Token {
        let t = Token(self.next_token);
        self.next_token += 1;
        t
    }

    fn next_deadline(&mut self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((t, _))| *t)
    }

    /// Runs `f` on a session with the loop's context, then applies the status it returns.
    fn with_session(
        &mut self,
        token: Token,
        now: Instant,
        f: impl FnOnce(&mut Session, &mut Cx<'_>) -> Status,
    ) {
        let Some(cell) = self.sessions.get(&token).cloned() else {
            return;
        };
        let mut session = lock(&cell);
        let mut cx = Cx {
            registry: self.poll.registry(),
            owner: &self.owner,
            links: &mut self.links,
            scratch: &mut self.scratch,
            bodies: &self.bodies,
            now,
        };
        let status = f(&mut session, &mut cx);
        if status == Status::Remove || session.is_done() {
            session.teardown(&mut cx);
            drop(session);
            self.sessions.remove(&token);
            return;
        }
        if status == Status::Again && !session.queued {
            session.queued = true;
            self.again.push(token);
        }
        if let Some(deadline) = session.deadline() {
            if !matches!(session.scheduled, Some(at) if at <= deadline) {
                session.scheduled = Some(deadline);
                self.timers.push(Reverse((deadline, token.0)));
            }
        }
    }

    fn insert_session(
        &mut self,
        session: Session,
        now: Instant,
        first: impl FnOnce(&mut Session, &mut Cx<'_>) -> Status,
    ) {
        let token = session.token;
        if let Some(id) = session.link_id() {
            self.links.insert(id, token);
        }
        let turn = session.socket.turn.clone();
        let cell = Arc::new(Mutex::new(session));
        let direct = DirectLink::new(Arc::downgrade(&cell), self.shared.clone(), turn);
        lock(&cell).set_direct(Arc::new(direct));
        self.sessions.insert(token, cell);
        self.with_session(token, now, first);
    }

    fn remove_session(&mut self, token: Token, now: Instant) {
        self.with_session(token, now, |_, _| Status::Remove);
    }

    fn dispatch(&mut self, event: &mio::event::Event, now: Instant) {
        let token = event.token();
        if token == WAKER {
            return;
        }
        if self.listeners.contains_key(&token) {
            self.accept(token, now);
        } else {
            self.with_session(token, now, |s, cx| s.on_io(cx, event));
        }
    }

    /// Accepts every pending connection of a listener.
    fn accept(&mut self, token: Token, now: Instant) {
        loop {
            let Some(served) = self.listeners.get_mut(&token) else {
                return;
            };
            if served.retry_at.is_some() {
                return;
            }
            match served.listener.accept(&served.socket.options) {
                Ok(stream) => {
                    let socket = served.socket.clone();
                    let endpoint = served.names[0].clone();
                    let session_token = self.token();
                    let mut cx = Cx {
                        registry: self.poll.registry(),
                        owner: &self.owner,
                        links: &mut self.links,
                        scratch: &mut self.scratch,
                        bodies: &self.bodies,
                        now,
                    };
                    // Registration fails only when out of resources: the stream is dropped (closed).
                    if let Ok(session) =
                        Session::accepted(&mut cx, session_token, socket, token, endpoint, stream)
                    {
                        self.insert_session(session, now, |s, cx| s.resume(cx));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) => {}
                Err(e) => {
                    emit(
                        &served.socket,
                        &served.names[0],
                        MonitorEvent::AcceptFailed(Error::Io(e).errno()),
                    );
                    // Out of descriptors or memory: the pending connection stays queued; retry later, since
                    // an edge-triggered poller will not tell again.
                    let at = now + ACCEPT_RETRY;
                    served.retry_at = Some(at);
                    self.timers.push(Reverse((at, token.0)));
                    return;
                }
            }
        }
    }

    fn process_inbox(&mut self, now: Instant) {
        let Inbox {
            commands,
            pipe_events,
        } = std::mem::take(&mut *self.shared.lock());
        for cmd in commands {
            self.command(cmd, now);
        }
        for (id, event) in pipe_events {
            // Events of links whose session is gone already find no token.
            if let Some(&token) = self.links.get(&id) {
                self.with_session(token, now, |s, cx| s.on_pipe(cx, id, event));
            }
        }
    }

    fn command(&mut self, cmd: Cmd, now: Instant) {
        match cmd {
            Cmd::Listen {
                socket,
                mut listener,
                names,
            } => {
                let token = self.token();
                if self.stopping
                    || self
                        .poll
                        .registry()
                        .register(&mut listener, token, Interest::READABLE)
                        .is_err()
                {
                    return;
                }
                self.listeners.insert(
                    token,
                    Served {
                        socket,
                        listener,
                        names,
                        retry_at: None,
                    },
                );
            }
            Cmd::Connect {
                socket,
                endpoint,
                name,
                end,
            } => {
                let token = self.token();
                let connecter = Connecter::new(endpoint, &socket.options, end.is_none());
                let session = Session::connecting(token, socket, name, connecter, end);
                self.insert_session(session, now, |s, cx| s.start_connect(cx));
            }
            Cmd::Unbind {
                socket_id,
                names,
                reply,
            } => {
                let _ = reply.send(self.unbind(socket_id, &names, now));
            }
            Cmd::Disconnect {
                socket_id,
                names,
                reply,
            } => {
                let found: Vec<Token> = self
                    .sessions
                    .iter()
                    .filter(|(_, s)| lock(s).is_connecter_for(socket_id, &names))
                    .map(|(t, _)| *t)
                    .collect();
                for &token in &found {
                    self.remove_session(token, now);
                }
                let _ = reply.send(if found.is_empty() {
                    Err(Error::NoEndpoint)
                } else {
                    Ok(())
                });
            }
            Cmd::CloseSocket {
                socket_id,
                linger,
                reply,
            } => {
                self.close_listeners(|s| s.socket.id == socket_id);
                let _ = reply.send(());
                let tokens: Vec<Token> = self
                    .sessions
                    .iter()
                    .filter(|(_, s)| lock(s).socket.id == socket_id)
                    .map(|(t, _)| *t)
                    .collect();
                for token in tokens {
                    self.with_session(token, now, |s, cx| s.close(cx, linger));
                }
            }
            Cmd::Shutdown => {
                self.stopping = true;
                self.close_listeners(|_| true);
                let tokens: Vec<Token> = self.sessions.keys().copied().collect();
                for token in tokens {
                    self.with_session(token, now, |s, cx| {
                        if s.is_closing() {
                            Status::Keep
                        } else {
                            let linger = s.socket.options.linger;
                            s.close(cx, linger)
                        }
                    });
                }
            }
        }
    }

    /// Closes the listeners `which` selects (their accepted sessions stay).
    fn close_listeners(&mut self, which: impl Fn(&Served) -> bool) {
        let tokens: Vec<Token> = self
            .listeners
            .iter()
            .filter(|(_, s)| which(s))
            .map(|(t, _)| *t)
            .collect();
        for token in tokens {
            self.close_listener(token);
        }
    }

    /// Closes one listener: its address is free when this returns.
    fn close_listener(&mut self, token: Token) {
        if let Some(mut served) = self.listeners.remove(&token) {
            let _ = self.poll.registry().deregister(&mut served.listener);
            emit(
                &served.socket,
                &served.names[0],
                MonitorEvent::Closed(served.listener.fd()),
            );
        }
    }

    fn unbind(&mut self, socket_id: u64, names: &[String], now: Instant) -> Result<()> {
        let token = self
            .listeners
            .iter()
            .find(|(_, s)| s.socket.id == socket_id && s.names.iter().any(|n| names.contains(n)))
            .map(|(t, _)| *t)
            .ok_or(Error::NoEndpoint)?;
        self.close_listener(token);
        let children: Vec<Token> = self
            .sessions
            .iter()
            .filter(|(_, s)| lock(s).accepted_by(token))
            .map(|(t, _)| *t)
            .collect();
        for child in children {
            self.remove_session(child, now);
        }
        Ok(())
    }

    fn fire_timers(&mut self, now: Instant) {
        while let Some(&Reverse((at, raw))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let token = Token(raw);
            if let Some(served) = self.listeners.get_mut(&token) {
                if served.retry_at == Some(at) {
                    served.retry_at = None;
                    self.accept(token, now);
                }
                continue;
            }
            let Some(cell) = self.sessions.get(&token) else {
                continue;
            };
            let mut session = lock(cell);
            if session.scheduled != Some(at) {
                continue;
            }
            session.scheduled = None;
            drop(session);
            self.with_session(token, now, |s, cx| s.on_timer(cx));
        }
    }

    fn run_again(&mut self, now: Instant) {
        for token in std::mem::take(&mut self.again) {
            if let Some(cell) = self.sessions.get(&token) {
                lock(cell).queued = false;
            }
            self.with_session(token, now, |s, cx| s.resume(cx));
        }
    }
}
