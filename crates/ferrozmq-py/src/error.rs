//! Turning [`ferrozmq::Error`] into the Python exceptions of `ferrozmq.error` (`ZMQError`, `Again`,
//! `ContextTerminated`).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyAny;

/// The exception classes raised for core errors: `ferrozmq.error`'s, imported on first use, unless
/// [`set_error_classes`] chose others first.
struct Classes {
    zmq_error: Py<PyAny>,
    again: Py<PyAny>,
    terminated: Py<PyAny>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// Chooses the exception classes raised for core errors (pyzmq backend mode passes classes deriving from
/// both pyzmq's and ferrozmq's); only before the first error, as they are fixed then.
///
/// # Errors
/// `RuntimeError` once the classes are fixed.
#[pyfunction]
pub fn set_error_classes(
    zmq_error: Bound<'_, PyAny>,
    again: Bound<'_, PyAny>,
    terminated: Bound<'_, PyAny>,
) -> PyResult<()> {
    let py = zmq_error.py();
    CLASSES
        .set(
            py,
            Classes {
                zmq_error: zmq_error.unbind(),
                again: again.unbind(),
                terminated: terminated.unbind(),
            },
        )
        .map_err(|_| {
            pyo3::exceptions::PyRuntimeError::new_err("ferrozmq's error classes are already fixed")
        })
}

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
