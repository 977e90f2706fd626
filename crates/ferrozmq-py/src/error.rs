//! Turning [`ferrozmq::Error`] into the Python exceptions of `ferrozmq.error` (`ZMQError`, `Again`,
//! `ContextTerminated`).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyAny;

/// The exception classes of `ferrozmq.error`, imported on first use.
struct Classes {
    zmq_error: Py<PyAny>,
    again: Py<PyAny>,
    terminated: Py<PyAny>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let m = py.import("ferrozmq.error")?;
        Ok(Classes {
            zmq_error: m.getattr("ZMQError")?.unbind(),
            again: m.getattr("Again")?.unbind(),
            terminated: m.getattr("ContextTerminated")?.unbind(),
        })
    })
}

/// The Python exception for a libzmq errno: `Again` for EAGAIN, `ContextTerminated` for ETERM, else `ZMQError`.
pub fn from_errno(py: Python<'_>, errno: i32) -> PyErr {
    let c = match classes(py) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let class = if errno == libc::EAGAIN {
        &c.again
    } else if errno == ferrozmq::errno::ETERM {
        &c.terminated
    } else {
        &c.zmq_error
    };
    match class.bind(py).call1((errno,)) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// The Python exception for a core error.
pub fn to_py(py: Python<'_>, e: &ferrozmq::Error) -> PyErr {
    from_errno(py, e.errno())
}

/// Shorthand: converts a core result, raising the matching Python exception.
pub trait IntoPyResult<T> {
    /// The value, or the Python exception for the error.
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for ferrozmq::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e))
    }
}
