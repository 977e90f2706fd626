//! The I/O thread: one per context, running a mio loop over the tcp and ipc listeners and sessions of every
//! socket of that context.
//!
//! Sockets talk to it through [`IoThread`]: commands go into a queue and wake the loop. A session (libzmq's
//! session and stream engine in one) pumps bytes between its stream and a [`zmtp::Connection`], and frames
//! between the connection and its end of a link to the socket. The thread owns (is the [`PipeOwner`] of)
//! every session's link end: pipe events go into the same queue, and wake the loop only when it sleeps, so
//! a busy loop costs no syscall per message.

mod body;
mod connecter;
mod direct;
mod monitor;
mod reactor;
mod session;
#[cfg(test)]
mod tests;
mod wire;
mod zap;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::endpoint::{self, Endpoint};
use crate::error::{Error, Result};
use crate::inproc::Registry;
use crate::mailbox::Mailbox;
use crate::monitor::MonitorHub;
use crate::options::Options;
use crate::pipe::{LinkEnd, LinkId, PipeEvent, PipeOwner};
use crate::transport::{self, Listener};

pub(crate) use direct::DirectLink;
pub(crate) use monitor::MonitorEvent;

/// A snapshot of a socket at bind or connect time: what its listeners and sessions need.
#[derive(Debug, Clone)]
pub(crate) struct SocketRef {
    /// The socket's id in its context.
    pub(crate) id: u64,
    /// Its type, announced in the handshake.
    pub(crate) socket_type: zmtp::SocketType,
    /// Its options as they were.
    pub(crate) options: Options,
    /// Where sessions post Attach and PeerReady.
    pub(crate) mailbox: Arc<Mailbox>,
    /// The inproc registry of the socket's context, where sessions find the ZAP handler (not the context
    /// itself: see `ContextInner::inproc`).
    pub(crate) inproc: Weak<Mutex<Registry>>,
    /// Where its monitor events go.
    pub(crate) monitor: Arc<MonitorHub>,
    /// Set while the socket answers (it received since it last sent a whole message): its messages may
    /// take the direct path (see [`DirectLink`]).
    pub(crate) turn: Arc<AtomicBool>,
}

/// A request from a socket to the loop.
enum Cmd {
    /// Serve a bound listener.
    Listen {
        socket: Arc<SocketRef>,
        listener: Listener,
        names: Vec<String>,
    },
    /// Start connecting.
    Connect {
        socket: Arc<SocketRef>,
        endpoint: Endpoint,
        name: String,
        end: Option<LinkEnd>,
    },
    /// Close a listener and its accepted sessions.
    Unbind {
        socket_id: u64,
        names: Vec<String>,
        reply: SyncSender<Result<()>>,
    },
    /// Stop the connecters made for an endpoint.
    Disconnect {
        socket_id: u64,
        names: Vec<String>,
        reply: SyncSender<Result<()>>,
    },
    /// A socket closed: drop its listeners, let its sessions linger.
    CloseSocket {
        socket_id: u64,
        linger: Option<Duration>,
        reply: SyncSender<()>,
    },
    /// Stop once every session is done.
    Shutdown,
}

/// What other threads hand the loop.
#[derive(Default)]
struct Inbox {
    commands: Vec<Cmd>,
    pipe_events: Vec<(LinkId, PipeEvent)>,
}

/// The state the loop shares with sockets; also the [`PipeOwner`] of every session's link end.
struct Shared {
    waker: mio::Waker,
    /// The loop's registry, for the socket threads that take a stream's reads (the direct path).
    registry: mio::Registry,
    /// True while the loop is (about to be) blocked in `poll`; whoever clears it wakes the loop.
    sleeping: AtomicBool,
    inbox: Mutex<Inbox>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("sleeping", &self.sleeping)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the loop if it sleeps (or is about to).
    fn wake(&self) {
        if self.sleeping.swap(false, Ordering::SeqCst) {
            // Failing to wake means the poller is gone: the loop has stopped.
            let _ = self.waker.wake();
        }
    }

    fn command(&self, cmd: Cmd) {
        self.lock().commands.push(cmd);
        self.wake();
    }

    /// Sends a command carrying a reply channel and waits for the answer.
    fn request<T>(&self, make: impl FnOnce(SyncSender<T>) -> Cmd) -> Option<T> {
        let (tx, rx) = sync_channel(1);
        self.command(make(tx));
        rx.recv().ok()
    }
}

impl PipeOwner for Shared {
    fn pipe_event(&self, id: LinkId, event: PipeEvent) {
        self.lock().pipe_events.push((id, event));
        self.wake();
    }
}

/// The I/O thread of a context.
#[derive(Debug)]
pub(crate) struct IoThread {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// The names a listener or connecter answers to in unbind/disconnect: as given, and as parsed.
fn names_of(endpoint: &str) -> Vec<String> {
    let mut names = vec![endpoint.to_owned()];
    if let Ok(parsed) = endpoint::parse(endpoint) {
        let normal = parsed.to_string();
        if normal != endpoint {
            names.push(normal);
        }
    }
    names
}

impl IoThread {
    /// Starts the thread.
    pub(crate) fn start() -> std::io::Result<Self> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), reactor::WAKER)?;
        let shared = Arc::new(Shared {
            waker,
            registry: poll.registry().try_clone()?,
            sleeping: AtomicBool::new(false),
            inbox: Mutex::default(),
        });
        let reactor = reactor::Reactor::new(poll, shared.clone());
        let thread = std::thread::Builder::new()
            .name("ferrozmq-io".into())
            .spawn(move || reactor.run())?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Binds in the caller's thread (errors at once: AddressInUse etc.), then hands the listener to the loop;
    /// returns the resolved endpoint string.
    pub(crate) fn bind(&self, socket: SocketRef, endpoint: &Endpoint) -> Result<String> {
        let (listener, resolved) = match transport::bind(endpoint, &socket.options) {
            Ok(bound) => bound,
            Err(e) => {
                // libzmq names the endpoint of a failed bind without its transport: `127.0.0.1:5555`.
                let name = endpoint.to_string();
                let address = name.split_once("://").map_or(name.as_str(), |(_, a)| a);
                monitor::emit(&socket, address, MonitorEvent::BindFailed(e.errno()));
                return Err(e);
            }
        };
        monitor::emit(&socket, &resolved, MonitorEvent::Listening(listener.fd()));
        let mut names = vec![resolved.clone()];
        let asked = endpoint.to_string();
        // A wildcard port or path names no listener in particular: only the resolved name unbinds it.
        let wildcard = matches!(endpoint, Endpoint::Tcp { port: 0, .. })
            || matches!(endpoint, Endpoint::Ipc { path } if path == "*");
        if !wildcard && asked != resolved {
            names.push(asked);
        }
        self.shared.command(Cmd::Listen {
            socket: Arc::new(socket),
            listener,
            names,
        });
        Ok(resolved)
    }

    /// Starts connecting in the background (never fails for an absent peer). `end` is the session's end of
    /// a link the socket already attached (IMMEDIATE=0); `None` when IMMEDIATE=1 (the link is made after
    /// each handshake, as for accepted connections). Returns the endpoint string (LAST_ENDPOINT).
    pub(crate) fn connect(
        &self,
        socket: SocketRef,
        endpoint: &Endpoint,
        end: Option<LinkEnd>,
    ) -> Result<String> {
        transport::check_connect(endpoint)?;
        if let Some(end) = &end {
            end.set_owner(self.shared.clone());
        }
        let name = endpoint.to_string();
        self.shared.command(Cmd::Connect {
            socket: Arc::new(socket),
            endpoint: endpoint.clone(),
            name: name.clone(),
            end,
        });
        Ok(name)
    }

    /// Closes the listener bound at that endpoint (the resolved string, or the string given to bind when it
    /// had no wildcard), dropping its accepted sessions; the address is free when this returns.
    ///
    /// # Errors
    /// [`Error::NoEndpoint`] if the socket has no such listener.
    pub(crate) fn unbind(&self, socket_id: u64, endpoint: &str) -> Result<()> {
        let names = names_of(endpoint);
        self.shared
            .request(|reply| Cmd::Unbind {
                socket_id,
                names,
                reply,
            })
            .unwrap_or(Err(Error::NoEndpoint))
    }

    /// Stops the connecters made for that endpoint and their sessions.
    ///
    /// # Errors
    /// [`Error::NoEndpoint`] if the socket did not connect there.
    pub(crate) fn disconnect(&self, socket_id: u64, endpoint: &str) -> Result<()> {
        let names = names_of(endpoint);
        self.shared
            .request(|reply| Cmd::Disconnect {
                socket_id,
                names,
                reply,
            })
            .unwrap_or(Err(Error::NoEndpoint))
    }

    /// The socket was closed: closes its listeners before returning; each of its sessions flushes what the
    /// socket already queued for up to `linger` (`None` = until sent), then closes.
    pub(crate) fn close_socket(&self, socket_id: u64, linger: Option<Duration>) {
        let _ = self.shared.request(|reply| Cmd::CloseSocket {
            socket_id,
            linger,
            reply,
        });
    }

    /// Stops the loop once every lingering session is done, and joins the thread (context termination).
    pub(crate) fn shutdown(self) {
        drop(self);
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.shared.command(Cmd::Shutdown);
            // While a panic unwinds, waiting for lingering sessions could turn the failure into a hang:
            // the thread is left to finish on its own.
            if !std::thread::panicking() {
                let _ = thread.join();
            }
        }
    }
}
