//! The context: owner of the I/O thread, the inproc registry and every socket's lifetime.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use zmtp::SocketType;

use crate::engine::IoThread;
use crate::error::{Error, Result};
use crate::inproc::Registry;
use crate::mailbox::Mailbox;
use crate::options::Options;
use crate::socket::{Core, Socket};

/// A ZeroMQ context: create sockets from it. Cloning gives another handle to the same context.
///
/// The I/O thread starts with the first tcp or ipc endpoint. When the last handle and the last socket
/// are gone the context terminates: it waits for sockets that linger to send what they queued.
#[derive(Debug, Clone)]
pub struct Context {
    inner: Arc<ContextInner>,
}

/// libzmq's context option numbers (`ZMQ_*` for `zmq_ctx_set`).
pub mod ctx_opt {
    /// Number of I/O threads (ferrozmq runs one; other values are accepted and reported back).
    pub const IO_THREADS: i32 = 1;
    /// Most sockets open at once.
    pub const MAX_SOCKETS: i32 = 2;
    /// The largest MAX_SOCKETS allowed (read-only).
    pub const SOCKET_LIMIT: i32 = 3;
    /// Largest message size, bytes.
    pub const MAX_MSGSZ: i32 = 5;
    /// Size of libzmq's `zmq_msg_t` (read-only, for compatibility).
    pub const MSG_T_SIZE: i32 = 6;
    /// Default IPV6 for new sockets.
    pub const IPV6: i32 = 42;
    /// When 0, new sockets get LINGER 0 instead of -1.
    pub const BLOCKY: i32 = 70;
}

/// The settings `zmq_ctx_set` changes.
#[derive(Debug)]
struct Settings {
    io_threads: i64,
    max_sockets: usize,
    max_msgsz: i64,
    ipv6: bool,
    blocky: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            io_threads: 1,
            max_sockets: 1023,
            max_msgsz: i32::MAX.into(),
            ipv6: false,
            blocky: true,
        }
    }
}

/// The most sockets a context may have (`ZMQ_SOCKET_LIMIT`).
const SOCKET_LIMIT: usize = 65_535;

#[derive(Debug, Default)]
struct Sockets {
    live: HashMap<u64, Arc<Mailbox>>,
    terminated: bool,
    settings: Settings,
}

/// What the context's handles and sockets share.
#[derive(Debug, Default)]
pub(crate) struct ContextInner {
    io: OnceLock<std::io::Result<IoThread>>,
    sockets: Mutex<Sockets>,
    closed: Condvar,
    /// Shared with the I/O thread (as a `Weak`) for the ZAP handler lookup, so that thread never holds the
    /// context itself: a context whose last strong handle were dropped there would join its own thread.
    inproc: Arc<Mutex<Registry>>,
    next_id: AtomicU64,
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

impl Context {
    /// A new context.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(ContextInner::default()),
        }
    }

    /// Creates a socket of the given type.
    ///
    /// # Errors
    /// [`Error::Terminated`] after [`Context::shutdown`].
    pub fn socket(&self, socket_type: SocketType) -> Result<Socket> {
        self.inner.socket(socket_type)
    }

    /// Sets a context option by libzmq's number (see [`ctx_opt`]); it applies to sockets created afterwards.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown or read-only option or a value out of range.
    pub fn set_option(&self, option: i32, value: i64) -> Result<()> {
        let mut sockets = self.inner.lock_sockets();
        let s = &mut sockets.settings;
        match option {
            ctx_opt::IO_THREADS if value >= 0 => s.io_threads = value,
            ctx_opt::MAX_SOCKETS if value >= 1 && value as usize <= SOCKET_LIMIT => {
                s.max_sockets = value as usize;
            }
            ctx_opt::MAX_MSGSZ if value >= 0 => s.max_msgsz = value,
            ctx_opt::IPV6 if value == 0 || value == 1 => s.ipv6 = value == 1,
            ctx_opt::BLOCKY if value == 0 || value == 1 => s.blocky = value == 1,
            _ => return Err(Error::invalid(format!("context option {option} = {value}"))),
        }
        Ok(())
    }

    /// Reads a context option by libzmq's number (see [`ctx_opt`]).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown option.
    pub fn option(&self, option: i32) -> Result<i64> {
        let sockets = self.inner.lock_sockets();
        let s = &sockets.settings;
        Ok(match option {
            ctx_opt::IO_THREADS => s.io_threads,
            ctx_opt::MAX_SOCKETS => s.max_sockets as i64,
            ctx_opt::SOCKET_LIMIT => SOCKET_LIMIT as i64,
            ctx_opt::MAX_MSGSZ => s.max_msgsz,
            ctx_opt::MSG_T_SIZE => 64,
            ctx_opt::IPV6 => s.ipv6.into(),
            ctx_opt::BLOCKY => s.blocky.into(),
            _ => return Err(Error::invalid(format!("unknown context option {option}"))),
        })
    }

    /// Makes every blocking call on this context's sockets fail with [`Error::Terminated`], now and later
    /// (`zmq_ctx_shutdown`). Sockets must still be dropped.
    pub fn shutdown(&self) {
        let mut sockets = self.inner.lock_sockets();
        sockets.terminated = true;
        for mailbox in sockets.live.values() {
            mailbox.terminate();
        }
    }

    /// Shuts the context down and waits until every socket is dropped (`zmq_ctx_term`). Sockets that
    /// linger go on sending in the background until the last handle is gone.
    pub fn term(self) {
        self.shutdown();
        let mut sockets = self.inner.lock_sockets();
        while !sockets.live.is_empty() {
            sockets = self
                .inner
                .closed
                .wait(sockets)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl ContextInner {
    fn lock_sockets(&self) -> MutexGuard<'_, Sockets> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_inproc(&self) -> MutexGuard<'_, Registry> {
        self.inproc.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The inproc registry, as the I/O thread may hold it (where sessions find the ZAP handler).
    pub(crate) fn inproc_weak(&self) -> std::sync::Weak<Mutex<Registry>> {
        Arc::downgrade(&self.inproc)
    }

    /// Creates a socket of this context.
    pub(crate) fn socket(self: &Arc<Self>, socket_type: SocketType) -> Result<Socket> {
        let mut sockets = self.lock_sockets();
        if sockets.terminated {
            return Err(Error::Terminated);
        }
        if sockets.live.len() >= sockets.settings.max_sockets {
            return Err(Error::TooManySockets);
        }
        let mut options = Options::default();
        if !sockets.settings.blocky {
            options.linger = Some(Duration::ZERO);
        }
        options.ipv6 = sockets.settings.ipv6;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mailbox = Arc::new(Mailbox::default());
        let socket = Socket::new(self.clone(), id, socket_type, mailbox.clone(), options)?;
        sockets.live.insert(id, mailbox);
        Ok(socket)
    }

    /// The I/O thread, started on first use.
    pub(crate) fn io(&self) -> Result<&IoThread> {
        match self.io.get_or_init(IoThread::start) {
            Ok(io) => Ok(io),
            Err(e) => Err(Error::Io(std::io::Error::new(e.kind(), e.to_string()))),
        }
    }

    /// A socket was dropped.
    pub(crate) fn socket_closed(&self, id: u64, uses_io: bool, linger: Option<Duration>) {
        self.lock_inproc().socket_closed(id);
        if uses_io {
            if let Some(Ok(io)) = self.io.get() {
                io.close_socket(id, linger);
            }
        }
        let mut sockets = self.lock_sockets();
        sockets.live.remove(&id);
        if sockets.live.is_empty() {
            self.closed.notify_all();
        }
    }

    /// Binds an inproc name.
    pub(crate) fn inproc_bind(&self, name: &str, id: u64, core: &mut Core) -> Result<()> {
        self.lock_inproc().bind(name, id, core)
    }

    /// Connects to an inproc name, bound or not yet.
    pub(crate) fn inproc_connect(
        &self,
        name: &str,
        id: u64,
        core: &mut Core,
        routing_id: Option<bytes::Bytes>,
    ) {
        self.lock_inproc().connect(name, id, core, routing_id);
    }

    /// Unbinds an inproc name.
    pub(crate) fn inproc_unbind(&self, name: &str, id: u64) -> Result<()> {
        self.lock_inproc().unbind(name, id)
    }

    /// Drops this socket's links to an inproc name.
    pub(crate) fn inproc_disconnect(&self, name: &str, id: u64, core: &mut Core) -> Result<()> {
        self.lock_inproc().disconnect(name, id, core)
    }
}

impl Drop for ContextInner {
    fn drop(&mut self) {
        if let Some(Ok(io)) = self.io.take() {
            io.shutdown();
        }
    }
}
