//! `Socket`: the base of the Python `ferrozmq.Socket`, plus polling and proxies.
//!
//! Blocking calls never block inside the core while holding the GIL: they try once, then wait with the GIL
//! released for at most [`SLICE`] at a time (`Socket::poll`), checking for signals and for the socket being
//! closed between slices, and honour SNDTIMEO/RCVTIMEO themselves.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrozmq::{opt, Error, PollItem, SocketType, DONTWAIT, POLLIN, POLLOUT};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyInt, PyString, PyTuple, PyType};

use crate::context::Context;
use crate::error::{self, IntoPyResult};
use crate::frame;

/// The longest a blocking call waits with the GIL released before checking for signals (Ctrl-C).
pub const SLICE: Duration = Duration::from_millis(100);

/// Messages at least this long are sent from Python `bytes` without a copy even when `copy=True`
/// (pyzmq's `COPY_THRESHOLD`); `bytes` are immutable, so sharing them is always safe.
pub const COPY_THRESHOLD: usize = 65536;

/// `Socket::option_int` numbers of the two timeouts.
const SNDTIMEO: i32 = opt::SNDTIMEO;
const RCVTIMEO: i32 = opt::RCVTIMEO;

static TRACKER_CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A ferrozmq socket. The Python subclass adds pyzmq's conveniences (send_string, send_json, options as
/// attributes, ...).
#[pyclass(subclass, module = "ferrozmq._ferrozmq")]
#[derive(Debug)]
pub struct Socket {
    inner: Mutex<Option<Arc<ferrozmq::Socket>>>,
    /// The socket type number (`zmq.REQ`, ...).
    #[pyo3(get)]
    socket_type: i32,
}

/// The deadline of a blocking call: `None` waits forever.
fn deadline_after(timeout_ms: i64) -> Option<Instant> {
    u64::try_from(timeout_ms)
        .ok()
        .map(|ms| Instant::now() + Duration::from_millis(ms))
}

/// How long the next slice may wait before `deadline`.
fn slice_until(deadline: Option<Instant>) -> Duration {
    deadline.map_or(SLICE, |d| {
        d.saturating_duration_since(Instant::now()).min(SLICE)
    })
}

/// The `ENOTSOCK` error raised by calls on a closed socket.
fn not_socket(py: Python<'_>) -> PyErr {
    error::from_errno(py, libc::ENOTSOCK)
}

impl Socket {
    /// The core socket, or `ZMQError(ENOTSOCK)` once closed.
    ///
    /// # Errors
    /// `ZMQError(ENOTSOCK)` after `close()`.
    pub fn core(&self, py: Python<'_>) -> PyResult<Arc<ferrozmq::Socket>> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| not_socket(py))
    }

    fn is_closed(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    /// Runs `op` (a non-blocking attempt) until it stops failing with EAGAIN, waiting for `event` between
    /// attempts in GIL-free slices, up to the socket's `timeo_option` timeout. With DONTWAIT, tries once.
    fn blocking<T, F>(
        &self,
        py: Python<'_>,
        event: i16,
        timeo_option: i32,
        flags: i32,
        op: F,
    ) -> PyResult<T>
    where
        T: Send,
        F: Fn(&ferrozmq::Socket) -> ferrozmq::Result<T> + Send + Sync,
    {
        let s = self.core(py)?;
        match op(&s) {
            Err(Error::Again) if flags & DONTWAIT == 0 => {}
            other => return other.py(py),
        }
        let deadline = deadline_after(s.option_int(timeo_option).unwrap_or(-1));
        loop {
            let slice = slice_until(deadline);
            let result = py.detach(|| s.poll(event, Some(slice)).and_then(|_| op(&s)));
            match result {
                Err(Error::Again) => {}
                other => return other.py(py),
            }
            py.check_signals()?;
            if self.is_closed() {
                return Err(not_socket(py));
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(error::to_py(py, &Error::Again));
            }
        }
    }
}

/// The bytes to send for a Python object, and a done flag when `track` asks for one.
fn message_bytes(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    copy: bool,
    track: bool,
) -> PyResult<(Bytes, Option<Arc<AtomicBool>>)> {
    if let Ok(b) = data.cast::<PyBytes>() {
        let len = b.as_bytes().len();
        if (copy && len < COPY_THRESHOLD) && !track {
            return Ok((Bytes::copy_from_slice(b.as_bytes()), None));
        }
        let done = track.then(|| Arc::new(AtomicBool::new(false)));
        return Ok((frame::bytes_from_pybytes(b, done.clone()), done));
    }
    if frame::is_frame(data) {
        return Ok((frame::frame_data(data)?, None));
    }
    if data.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("unicode not allowed, use send_string"));
    }
    if data.is_instance_of::<PyInt>() || data.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "expected bytes or a buffer, got {}",
            data.get_type().name()?
        )));
    }
    // Any other buffer (bytearray, memoryview, array, numpy ...): one copy, as `bytes(data)`.
    let b = py.get_type::<PyBytes>().call1((data,))?;
    let b = b.cast::<PyBytes>()?;
    Ok((Bytes::copy_from_slice(b.as_bytes()), None))
}

#[pymethods]
impl Socket {
    /// A new socket of `socket_type` in `context`; other arguments are for the Python subclass.
    #[new]
    #[pyo3(signature = (context=None, socket_type=0, *_args, **_kwargs))]
    fn new(
        py: Python<'_>,
        context: Option<&Bound<'_, PyAny>>,
        socket_type: i32,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let Some(context) = context else {
            return Err(PyTypeError::new_err("Socket() needs a Context"));
        };
        let ctx = context.extract::<PyRef<'_, Context>>()?.core(py)?;
        let Some(st) = SocketType::from_raw(socket_type) else {
            return Err(error::from_errno(py, libc::EINVAL));
        };
        let s = ctx.socket(st).py(py)?;
        Ok(Self {
            inner: Mutex::new(Some(Arc::new(s))),
            socket_type,
        })
    }

    /// True once the socket is closed.
    #[getter]
    fn closed(&self) -> bool {
        self.is_closed()
    }

    /// Closes the socket, after setting LINGER to `linger` ms if given. Queued messages go on being sent
    /// for up to LINGER in the background.
    #[pyo3(signature = (linger=None))]
    fn close(&self, py: Python<'_>, linger: Option<i32>) -> PyResult<()> {
        let taken = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(s) = taken {
            if let Some(ms) = linger {
                // A terminated context refuses options; closing must still work.
                let _ = s.set_linger(ms);
            }
            py.detach(move || drop(s));
        }
        Ok(())
    }

    /// Accepts connections on `addr`.
    fn bind(&self, py: Python<'_>, addr: &str) -> PyResult<()> {
        let s = self.core(py)?;
        py.detach(|| s.bind(addr)).py(py)
    }

    /// Connects to `addr` (in the background; the peer need not exist yet).
    fn connect(&self, py: Python<'_>, addr: &str) -> PyResult<()> {
        let s = self.core(py)?;
        py.detach(|| s.connect(addr)).py(py)
    }

    /// Stops accepting on `addr`.
    fn unbind(&self, py: Python<'_>, addr: &str) -> PyResult<()> {
        let s = self.core(py)?;
        py.detach(|| s.unbind(addr)).py(py)
    }

    /// Drops the connection to `addr`.
    fn disconnect(&self, py: Python<'_>, addr: &str) -> PyResult<()> {
        let s = self.core(py)?;
        py.detach(|| s.disconnect(addr)).py(py)
    }

    /// Sets an integer option by number.
    fn _set_int(&self, py: Python<'_>, option: i32, value: i64) -> PyResult<()> {
        self.core(py)?.set_option_int(option, value).py(py)
    }

    /// Sets a binary option by number.
    fn _set_bytes(&self, py: Python<'_>, option: i32, value: &[u8]) -> PyResult<()> {
        self.core(py)?.set_option_bytes(option, value).py(py)
    }

    /// Reads an integer option by number.
    fn _get_int(&self, py: Python<'_>, option: i32) -> PyResult<i64> {
        self.core(py)?.option_int(option).py(py)
    }

    /// Reads a binary option by number.
    fn _get_bytes<'py>(&self, py: Python<'py>, option: i32) -> PyResult<Bound<'py, PyBytes>> {
        let v = self.core(py)?.option_bytes(option).py(py)?;
        Ok(PyBytes::new(py, &v))
    }

    /// The events ready now (`ZMQ_EVENTS`): POLLIN and/or POLLOUT.
    fn _events(&self, py: Python<'_>) -> PyResult<i16> {
        self.core(py)?.events().py(py)
    }

    /// Sends one frame. `data` is `bytes`, a `Frame` or any buffer; `flags` may hold SNDMORE and DONTWAIT.
    /// `copy=False` shares `bytes` with the core instead of copying; `track=True` returns a
    /// `MessageTracker` that is done once the core has let go of the data.
    #[pyo3(signature = (data, flags=0, copy=true, track=false, routing_id=None, group=None))]
    #[allow(clippy::too_many_arguments)]
    fn send<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        flags: i32,
        copy: bool,
        track: bool,
        routing_id: Option<&Bound<'py, PyAny>>,
        group: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        if routing_id.is_some_and(|r| !r.is_none()) || group.is_some_and(|g| !g.is_none()) {
            return Err(error::from_errno(py, libc::ENOTSUP));
        }
        let (bytes, done) = message_bytes(py, data, copy, track)?;
        self.blocking(py, POLLOUT, SNDTIMEO, flags, |s| {
            s.send(bytes.clone(), flags)
        })?;
        if !track {
            return Ok(None);
        }
        let tracker = frame::Tracker {
            done: done.unwrap_or_else(|| Arc::new(AtomicBool::new(true))),
        };
        let class = TRACKER_CLASS.import(py, "ferrozmq.sugar.tracker", "MessageTracker")?;
        Ok(Some(class.call1((Py::new(py, tracker)?,))?))
    }

    /// Receives one frame: `bytes` with `copy=True`, else a `Frame` sharing the core's memory (its `more`
    /// attribute says whether more frames follow).
    #[pyo3(signature = (flags=0, copy=true, track=false))]
    fn recv<'py>(
        &self,
        py: Python<'py>,
        flags: i32,
        copy: bool,
        track: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = track;
        let f = self.blocking(py, POLLIN, RCVTIMEO, flags, |s| s.recv_frame(DONTWAIT))?;
        if copy {
            return Ok(PyBytes::new(py, &f.data).into_any());
        }
        let obj = frame::new_frame(py, f.data)?;
        if f.more {
            obj.setattr(pyo3::intern!(py, "more"), true)?;
        }
        Ok(obj)
    }

    /// Waits up to `timeout_ms` (negative: forever) for `events`; returns the ready events.
    fn _poll(&self, py: Python<'_>, events: i16, timeout_ms: i64) -> PyResult<i16> {
        let s = self.core(py)?;
        Ok(poll_arcs(py, &[s], &[events], timeout_ms)?[0])
    }
}

/// Polls core sockets in GIL-free slices until one is ready, `timeout_ms` passes (negative: never) or a
/// signal handler raises.
fn poll_arcs(
    py: Python<'_>,
    socks: &[Arc<ferrozmq::Socket>],
    events: &[i16],
    timeout_ms: i64,
) -> PyResult<Vec<i16>> {
    let deadline = deadline_after(timeout_ms);
    loop {
        let slice = slice_until(deadline);
        let result = py.detach(|| {
            let mut items: Vec<PollItem<'_>> = socks
                .iter()
                .zip(events)
                .map(|(s, &ev)| PollItem::new(s, ev))
                .collect();
            ferrozmq::poll(&mut items, Some(slice))
                .map(|n| (n, items.iter().map(|i| i.revents).collect::<Vec<_>>()))
        });
        let (ready, revents) = result.py(py)?;
        if ready > 0 || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(revents);
        }
        py.check_signals()?;
    }
}

/// `zmq_poll` over sockets: waits up to `timeout_ms` (negative: forever, 0: just looks) until one of
/// `sockets[i]` has one of `events[i]`; returns each socket's ready events.
///
/// # Errors
/// `ValueError` for lists of different lengths, `ZMQError(ENOTSOCK)` for a closed socket,
/// `ContextTerminated`, or whatever a signal handler raises.
#[pyfunction]
pub fn poll_sockets(
    py: Python<'_>,
    sockets: Vec<PyRef<'_, Socket>>,
    events: Vec<i16>,
    timeout_ms: i64,
) -> PyResult<Vec<i16>> {
    if sockets.len() != events.len() {
        return Err(PyValueError::new_err("sockets and events differ in length"));
    }
    let socks = sockets
        .iter()
        .map(|s| s.core(py))
        .collect::<PyResult<Vec<_>>>()?;
    poll_arcs(py, &socks, &events, timeout_ms)
}

/// `zmq_proxy`: forwards messages between `frontend` and `backend` (and copies them to `capture`) until
/// the context is terminated, then raises `ContextTerminated`.
///
/// # Errors
/// `ContextTerminated` at the normal end, or the error of a failed send.
#[pyfunction]
#[pyo3(signature = (frontend, backend, capture=None))]
pub fn proxy(
    py: Python<'_>,
    frontend: PyRef<'_, Socket>,
    backend: PyRef<'_, Socket>,
    capture: Option<PyRef<'_, Socket>>,
) -> PyResult<()> {
    proxy_steerable(py, frontend, backend, capture, None)
}

/// `zmq_proxy_steerable`: like [`proxy`], steered by `PAUSE`, `RESUME`, `TERMINATE` and `STATISTICS`
/// messages on `control`; returns after `TERMINATE`.
///
/// # Errors
/// `ContextTerminated` when the context is terminated, or the error of a failed send.
#[pyfunction]
#[pyo3(signature = (frontend, backend, capture=None, control=None))]
pub fn proxy_steerable(
    py: Python<'_>,
    frontend: PyRef<'_, Socket>,
    backend: PyRef<'_, Socket>,
    capture: Option<PyRef<'_, Socket>>,
    control: Option<PyRef<'_, Socket>>,
) -> PyResult<()> {
    let f = frontend.core(py)?;
    let b = backend.core(py)?;
    let c = capture.map(|c| c.core(py)).transpose()?;
    let k = control.map(|c| c.core(py)).transpose()?;
    py.detach(|| ferrozmq::proxy_steerable(&f, &b, c.as_deref(), k.as_deref()))
        .py(py)?;
    Ok(())
}
