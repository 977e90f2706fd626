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
use crate::socket::{Core, Socket};

/// A ZeroMQ context: create sockets from it. Cloning gives another handle to the same context.
///
/// The I/O thread starts with the first tcp or ipc endpoint. When the last handle and the last socket
/// are gone the context terminates: it waits for sockets that linger to send what they queued.
#[derive(Debug, Clone)]
pub struct Context {
    inner: Arc<ContextInner>,
}

#[derive(Debug, Default)]
struct Sockets {
    live: HashMap<u64, Arc<Mailbox>>,
    terminated: bool,
}

/// What the context's handles and sockets share.
#[derive(Debug, Default)]
pub(crate) struct ContextInner {
    io: OnceLock<std::io::Result<IoThread>>,
    sockets: Mutex<Sockets>,
    closed: Condvar,
    inproc: Mutex<Registry>,
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
        let mut sockets = self.inner.lock_sockets();
        if sockets.terminated {
            return Err(Error::Terminated);
        }
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mailbox = Arc::new(Mailbox::default());
        let socket = Socket::new(self.inner.clone(), id, socket_type, mailbox.clone())?;
        sockets.live.insert(id, mailbox);
        Ok(socket)
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
    pub(crate) fn inproc_connect(&self, name: &str, id: u64, core: &mut Core) {
        self.lock_inproc().connect(name, id, core);
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
