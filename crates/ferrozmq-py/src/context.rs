//! `Context`: the base of the Python `ferrozmq.Context`, owning a [`ferrozmq::Context`].
//!
//! The core context lives in a [`Shared`] that every Python object shadowing it holds (`Context.shadow`,
//! `Context(shadow=...)`); [`Context::underlying`] is its address in [`CONTEXTS`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::error;
use crate::registry::Registry;
use crate::socket::SLICE;

/// Every live context, by address.
static CONTEXTS: Registry<Shared> = Registry::new();

/// What a context and its shadows share.
#[derive(Debug)]
struct Shared {
    /// The address of this context in [`CONTEXTS`].
    address: usize,
    /// The core context; `None` after `term()`.
    core: Mutex<Option<ferrozmq::Context>>,
    /// Context options set so far (recorded; the core has a fixed configuration).
    options: Mutex<BTreeMap<i32, i64>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        CONTEXTS.remove(self.address);
    }
}

/// A ferrozmq context. The Python subclass adds `instance()`, default socket options and the context
/// manager; its `__init__` calls `_open()` or `_open_shadow()` first.
///
/// As in pyzmq, `closed` belongs to each object: it turns true when *this* object terminates the
/// context; a shadow of a context terminated elsewhere stays open, and its calls fail with EFAULT as
/// libzmq's calls on a destroyed context do.
#[pyclass(subclass, module = "ferrozmq._ferrozmq")]
#[derive(Debug)]
pub struct Context {
    shared: OnceLock<Arc<Shared>>,
    /// Set by this object's `term()`.
    closed: AtomicBool,
}

impl Context {
    fn core_lock(&self) -> Option<MutexGuard<'_, Option<ferrozmq::Context>>> {
        self.shared
            .get()
            .map(|s| s.core.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The core context.
    ///
    /// # Errors
    /// `ZMQError(EFAULT)` once the context was terminated (through this object or a shadow) or before
    /// `__init__`, as libzmq for a destroyed context.
    pub fn core(&self, py: Python<'_>) -> PyResult<ferrozmq::Context> {
        self.core_lock()
            .and_then(|c| c.clone())
            .ok_or_else(|| error::from_errno(py, libc::EFAULT))
    }

    fn options(&self) -> Option<MutexGuard<'_, BTreeMap<i32, i64>>> {
        self.shared
            .get()
            .map(|s| s.options.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn attach(&self, py: Python<'_>, shared: Arc<Shared>) -> PyResult<()> {
        self.shared
            .set(shared)
            .map_err(|_| error::from_errno(py, libc::EINVAL))
    }
}

#[pymethods]
impl Context {
    /// An empty context object: `__init__` opens a new core context or shadows one.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self {
            shared: OnceLock::new(),
            closed: AtomicBool::new(false),
        }
    }

    /// Gives this object a new core context.
    fn _open(&self, py: Python<'_>) -> PyResult<()> {
        let shared = CONTEXTS.insert(|address| Shared {
            address,
            core: Mutex::new(Some(ferrozmq::Context::new())),
            options: Mutex::new(BTreeMap::new()),
        });
        self.attach(py, shared)
    }

    /// Makes this object a shadow of the context at `address` (another object's `underlying`): both
    /// then stand for one core context. `ZMQError(EFAULT)` if no live context has that address.
    fn _open_shadow(&self, py: Python<'_>, address: usize) -> PyResult<()> {
        let shared = CONTEXTS
            .get(address)
            .ok_or_else(|| error::from_errno(py, libc::EFAULT))?;
        self.attach(py, shared)
    }

    /// The address of the core context, for `Context.shadow(address)` (0 before `__init__`).
    #[getter]
    fn underlying(&self) -> usize {
        self.shared.get().map_or(0, |s| s.address)
    }

    /// True after this object's `term()` (or before `__init__`).
    #[getter]
    fn closed(&self) -> bool {
        self.shared.get().is_none() || self.closed.load(Ordering::Relaxed)
    }

    /// A context option recorded by `_opt_set`, or `None`.
    fn _opt_get(&self, option: i32) -> Option<i64> {
        self.options().and_then(|o| o.get(&option).copied())
    }

    /// Records a context option (shared with the shadows).
    fn _opt_set(&self, option: i32, value: i64) {
        if let Some(mut o) = self.options() {
            o.insert(option, value);
        }
    }

    /// Makes blocking calls on this context's sockets raise `ContextTerminated` (`zmq_ctx_shutdown`).
    fn shutdown(&self) {
        if let Some(ctx) = self.core_lock().and_then(|c| c.clone()) {
            ctx.shutdown();
        }
    }

    /// Terminates the context (for every shadow too): blocks until every socket is closed
    /// (`zmq_ctx_term`). Interruptible by Ctrl-C (termination then goes on in the background).
    fn term(&self, py: Python<'_>) -> PyResult<()> {
        self.closed.store(true, Ordering::Relaxed);
        let Some(ctx) = self.core_lock().and_then(|mut c| c.take()) else {
            return Ok(());
        };
        ctx.shutdown();
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("ferrozmq-term".into())
            .spawn(move || {
                ctx.term();
                let _ = tx.send(());
            })
            .map_err(PyErr::from)?;
        let rx = Mutex::new(rx);
        loop {
            match py.detach(|| {
                rx.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .recv_timeout(SLICE)
            }) {
                Err(mpsc::RecvTimeoutError::Timeout) => py.check_signals()?,
                _ => return Ok(()),
            }
        }
    }
}
