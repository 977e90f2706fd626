//! `Context`: the base of the Python `ferrozmq.Context`, owning a [`ferrozmq::Context`].

use std::sync::mpsc;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::error;
use crate::socket::SLICE;

/// A ferrozmq context. The Python subclass adds `instance()`, default socket options and the context manager.
#[pyclass(subclass, module = "ferrozmq._ferrozmq")]
#[derive(Debug)]
pub struct Context {
    inner: Mutex<Option<ferrozmq::Context>>,
}

impl Context {
    /// The core context, or `ContextTerminated` after `term()`.
    ///
    /// # Errors
    /// `ContextTerminated` once the context was terminated.
    pub fn core(&self, py: Python<'_>) -> PyResult<ferrozmq::Context> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| error::to_py(py, &ferrozmq::Error::Terminated))
    }
}

#[pymethods]
impl Context {
    /// A new context; arguments are for the Python subclass.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self {
            inner: Mutex::new(Some(ferrozmq::Context::new())),
        }
    }

    /// True after `term()`.
    #[getter]
    fn closed(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    /// Makes blocking calls on this context's sockets raise `ContextTerminated` (`zmq_ctx_shutdown`).
    fn shutdown(&self) {
        if let Some(ctx) = &*self.inner.lock().unwrap_or_else(|e| e.into_inner()) {
            ctx.shutdown();
        }
    }

    /// Terminates the context: blocks until every socket is closed (`zmq_ctx_term`). Interruptible by
    /// Ctrl-C (termination then goes on in the background).
    fn term(&self, py: Python<'_>) -> PyResult<()> {
        let Some(ctx) = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take() else {
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
