//! `Socket`: the base of the Python `ferrozmq.Socket`, plus polling and proxies.
//!
//! Blocking calls never block inside the core while holding the GIL: they try once, then wait with the GIL
//! released for at most [`SLICE`] at a time (`Socket::poll`), checking for signals and for the socket being
//! closed between slices, and honour SNDTIMEO/RCVTIMEO themselves.
//!
//! The core socket lives in a [`Shared`] that every Python object shadowing it holds (`Socket.shadow`,
//! `Socket(shadow=...)`); [`Socket::underlying`] is its address in [`SOCKETS`]. Closing any of them closes
//! the core socket for all.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ferrozmq::{opt, Error, Frame, PollItem, SocketType, DONTWAIT, POLLIN, POLLOUT};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple, PyType};

use crate::context::Context;
use crate::error::{self, IntoPyResult};
use crate::registry::Registry;

/// The longest a blocking call waits with the GIL released before checking for signals (Ctrl-C).
pub const SLICE: Duration = Duration::from_millis(100);

/// Messages at least this long are sent from Python `bytes` without a copy even when `copy=True`
/// (pyzmq's `COPY_THRESHOLD`); `bytes` are immutable, so sharing them is always safe.
pub const COPY_THRESHOLD: usize = 65536;

/// `Socket::option_int` numbers of the two timeouts.
const SNDTIMEO: i32 = opt::SNDTIMEO;
const RCVTIMEO: i32 = opt::RCVTIMEO;

/// Every live socket, by address.
static SOCKETS: Registry<Shared> = Registry::new();

/// A ferrozmq socket. The Python subclass adds pyzmq's conveniences (send_string, send_json, options as
/// attributes, ...) and its `__init__` calls `_open()` or `_open_shadow()` first; `send`, `recv` and the
/// multipart calls come from [`crate::messages`].
#[pyclass(subclass, frozen, module = "ferrozmq._ferrozmq")]
#[derive(Debug)]
pub struct Socket {
    /// The core socket and what goes with it, set once by `_open()` or `_open_shadow()`.
    shared: OnceLock<Arc<Shared>>,
    /// `copy=False` sends of fewer bytes copy anyway (pyzmq's `Socket.copy_threshold`).
    copy_threshold: AtomicUsize,
    /// The Python subclass's `_frame_class`, looked up on the first `recv(copy=False)`.
    frame_class: OnceLock<Py<PyType>>,
    /// The Python subclass's `_finished_tracker`, looked up on first use.
    finished_tracker: OnceLock<Py<PyAny>>,
}

/// What a socket and its shadows share.
#[derive(Debug)]
struct Shared {
    /// The address of this socket in [`SOCKETS`].
    address: usize,
    /// The socket type number (`zmq.REQ`, ...).
    socket_type: i32,
    inner: Mutex<Inner>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        SOCKETS.remove(self.address);
    }
}

/// What the lock of a [`Socket`] guards.
#[derive(Debug)]
struct Inner {
    /// The core socket; `None` once closed.
    sock: Option<Arc<ferrozmq::Socket>>,
    /// Where small messages are copied on send: slices of one shared buffer cost the core's I/O thread
    /// an atomic decrement to drop, where a buffer per message would cost a `free` across threads.
    slab: BytesMut,
}

/// The size of a send slab.
const SLAB: usize = 64 * 1024;

/// Messages up to this size are copied into the send slab.
const SLAB_MAX: usize = 1024;

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
        self.lock()
            .and_then(|i| i.sock.clone())
            .ok_or_else(|| not_socket(py))
    }

    /// The shared state, locked; `None` before `_open()`/`_open_shadow()`.
    fn lock(&self) -> Option<MutexGuard<'_, Inner>> {
        self.shared
            .get()
            .map(|s| s.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn is_closed(&self) -> bool {
        self.lock().is_none_or(|i| i.sock.is_none())
    }

    fn attach(&self, py: Python<'_>, shared: Arc<Shared>) -> PyResult<()> {
        self.shared
            .set(shared)
            .map_err(|_| error::from_errno(py, libc::EINVAL))
    }

    /// The class of the frames `recv(copy=False)` returns: the Python class's `_frame_class` (pyzmq's
    /// `zmq.Frame` in backend mode), looked up once.
    ///
    /// # Errors
    /// If the attribute is missing or not a type.
    pub fn frame_class<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyType>> {
        let py = slf.py();
        if let Some(c) = slf.get().frame_class.get() {
            return Ok(c.bind(py).clone());
        }
        let c = slf
            .getattr(pyo3::intern!(py, "_frame_class"))?
            .cast_into::<PyType>()?;
        let _ = slf.get().frame_class.set(c.clone().unbind());
        Ok(c)
    }

    /// What `copy=False` sends that copied return: the Python class's `_finished_tracker` (pyzmq's
    /// `zmq._FINISHED_TRACKER` in backend mode), looked up once.
    ///
    /// # Errors
    /// If the attribute is missing.
    pub fn finished_tracker<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if let Some(t) = slf.get().finished_tracker.get() {
            return Ok(t.bind(py).clone());
        }
        let t = slf.getattr(pyo3::intern!(py, "_finished_tracker"))?;
        let _ = slf.get().finished_tracker.set(t.clone().unbind());
        Ok(t)
    }

    /// A copy of `data` to send: a slice of the send slab when small, else a buffer of its own.
    pub fn copy_of(&self, data: &[u8]) -> Bytes {
        if data.len() > SLAB_MAX {
            return Bytes::copy_from_slice(data);
        }
        let Some(mut inner) = self.lock() else {
            return Bytes::copy_from_slice(data);
        };
        let slab = &mut inner.slab;
        if slab.capacity() < data.len() {
            // The old slab lives on while messages cut from it do.
            *slab = BytesMut::with_capacity(SLAB);
        }
        slab.extend_from_slice(data);
        slab.split().freeze()
    }

    /// `copy=False` sends below this many bytes copy anyway.
    pub fn copy_threshold(&self) -> usize {
        self.copy_threshold.load(Ordering::Relaxed)
    }

    /// Runs `op` once on the core socket with the GIL held. `op` must not block (it is given DONTWAIT
    /// flags); holding the lock around it is then safe, as every other holder also holds the GIL.
    ///
    /// # Errors
    /// `ZMQError(ENOTSOCK)` after `close()`; the core's error is returned inside `Ok`.
    pub fn now<T>(
        &self,
        py: Python<'_>,
        op: impl FnOnce(&ferrozmq::Socket) -> ferrozmq::Result<T>,
    ) -> PyResult<ferrozmq::Result<T>> {
        let guard = self.lock();
        match guard.as_ref().and_then(|g| g.sock.as_deref()) {
            Some(s) => Ok(op(s)),
            None => Err(not_socket(py)),
        }
    }

    /// Retries `op` (a non-blocking attempt that failed with EAGAIN) until it stops failing with EAGAIN,
    /// waiting for `event` between attempts in GIL-free slices, up to the socket's `timeo_option`
    /// timeout; signal handlers run between slices, so Ctrl-C interrupts the wait.
    ///
    /// # Errors
    /// `Again` after the timeout, `ZMQError(ENOTSOCK)` if the socket is closed meanwhile, the core's
    /// error, or what a signal handler raises.
    pub fn wait_for<T, F>(
        &self,
        py: Python<'_>,
        event: i16,
        timeo_option: i32,
        op: F,
    ) -> PyResult<T>
    where
        T: Send,
        F: Fn(&ferrozmq::Socket) -> ferrozmq::Result<T> + Send + Sync,
    {
        let s = self.core(py)?;
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

    /// Sends one frame of `make()`'s bytes with `flags`: at once if it can, else (without DONTWAIT)
    /// waiting as [`Socket::wait_for`] does. `make` is called again for the wait, as a failed attempt
    /// consumes its bytes.
    ///
    /// # Errors
    /// As for [`Socket::wait_for`].
    pub fn send_bytes(&self, py: Python<'_>, make: impl Fn() -> Bytes, flags: i32) -> PyResult<()> {
        let first = make();
        match self.now(py, |s| s.send(first, flags | DONTWAIT))? {
            Err(Error::Again) if flags & DONTWAIT == 0 => {
                let bytes = make();
                self.wait_for(py, POLLOUT, SNDTIMEO, |s| {
                    s.send(bytes.clone(), flags | DONTWAIT)
                })
            }
            other => other.py(py),
        }
    }

    /// Receives one frame: at once if one is there, else (without DONTWAIT) waiting as
    /// [`Socket::wait_for`] does.
    ///
    /// # Errors
    /// As for [`Socket::wait_for`].
    pub fn recv_frame(&self, py: Python<'_>, flags: i32) -> PyResult<Frame> {
        match self.now(py, |s| s.recv_frame(DONTWAIT))? {
            Err(Error::Again) if flags & DONTWAIT == 0 => {
                self.wait_for(py, POLLIN, RCVTIMEO, |s| s.recv_frame(DONTWAIT))
            }
            other => other.py(py),
        }
    }
}

#[pymethods]
impl Socket {
    /// An empty socket object: `__init__` opens a new core socket or shadows one.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self {
            shared: OnceLock::new(),
            copy_threshold: AtomicUsize::new(COPY_THRESHOLD),
            frame_class: OnceLock::new(),
            finished_tracker: OnceLock::new(),
        }
    }

    /// Gives this object a new core socket of `socket_type` in `context`.
    fn _open(&self, py: Python<'_>, context: &Bound<'_, PyAny>, socket_type: i32) -> PyResult<()> {
        let ctx = context.extract::<PyRef<'_, Context>>()?.core(py)?;
        let Some(st) = SocketType::from_raw(socket_type) else {
            return Err(error::from_errno(py, libc::EINVAL));
        };
        let s = ctx.socket(st).py(py)?;
        let shared = SOCKETS.insert(|address| Shared {
            address,
            socket_type,
            inner: Mutex::new(Inner {
                sock: Some(Arc::new(s)),
                slab: BytesMut::new(),
            }),
        });
        self.attach(py, shared)
    }

    /// Makes this object a shadow of the socket at `address` (another object's `underlying`): both then
    /// stand for one core socket. `ZMQError(ENOTSOCK)` if no live socket has that address.
    fn _open_shadow(&self, py: Python<'_>, address: usize) -> PyResult<()> {
        let shared = SOCKETS.get(address).ok_or_else(|| not_socket(py))?;
        self.attach(py, shared)
    }

    /// The address of the core socket, for `Socket.shadow(address)` (0 before `__init__`).
    #[getter]
    fn underlying(&self) -> usize {
        self.shared.get().map_or(0, |s| s.address)
    }

    /// The socket type number (`zmq.REQ`, ...; -1 before `__init__`).
    #[getter]
    fn socket_type(&self) -> i32 {
        self.shared.get().map_or(-1, |s| s.socket_type)
    }

    /// True once the socket is closed.
    #[getter]
    fn closed(&self) -> bool {
        self.is_closed()
    }

    /// `copy=False` sends of fewer bytes than this copy anyway (0: never).
    #[getter(copy_threshold)]
    fn get_copy_threshold(&self) -> usize {
        self.copy_threshold()
    }

    /// Sets the copy threshold.
    #[setter(copy_threshold)]
    fn set_copy_threshold(&self, value: usize) {
        self.copy_threshold.store(value, Ordering::Relaxed);
    }

    /// Closes the socket, after setting LINGER to `linger` ms if given. Queued messages go on being sent
    /// for up to LINGER in the background.
    #[pyo3(signature = (linger=None))]
    fn close(&self, py: Python<'_>, linger: Option<i32>) -> PyResult<()> {
        let taken = self.lock().and_then(|mut inner| {
            inner.slab = BytesMut::new();
            inner.sock.take()
        });
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
        self.now(py, |s| s.set_option_int(option, value))?.py(py)
    }

    /// Sets a binary option by number.
    fn _set_bytes(&self, py: Python<'_>, option: i32, value: &[u8]) -> PyResult<()> {
        self.now(py, |s| s.set_option_bytes(option, value))?.py(py)
    }

    /// Reads an integer option by number.
    fn _get_int(&self, py: Python<'_>, option: i32) -> PyResult<i64> {
        self.now(py, |s| s.option_int(option))?.py(py)
    }

    /// Reads a binary option by number.
    fn _get_bytes<'py>(&self, py: Python<'py>, option: i32) -> PyResult<Bound<'py, PyBytes>> {
        let v = self.now(py, |s| s.option_bytes(option))?.py(py)?;
        Ok(PyBytes::new(py, &v))
    }

    /// The events ready now (`ZMQ_EVENTS`): POLLIN and/or POLLOUT.
    fn _zmq_events(&self, py: Python<'_>) -> PyResult<i16> {
        self.now(py, |s| s.events())?.py(py)
    }

    /// The descriptor that turns readable when the socket's events may have changed (`ZMQ_FD`).
    fn _zmq_fd(&self, py: Python<'_>) -> PyResult<i64> {
        self.now(py, |s| s.fd().map(i64::from))?.py(py)
    }

    /// Publishes the socket's events in `events` on a PAIR socket bound at `addr` (`None`: stops).
    fn _monitor(&self, py: Python<'_>, addr: Option<&str>, events: u32) -> PyResult<()> {
        self.now(py, |s| s.monitor(addr, events))?.py(py)
    }

    /// Waits up to `timeout_ms` (negative: forever) for `events`; returns the ready events.
    fn _poll(&self, py: Python<'_>, events: i16, timeout_ms: i64) -> PyResult<i16> {
        let s = self.core(py)?;
        Ok(poll_targets(py, &[Target::Socket(s)], &[events], timeout_ms)?[0])
    }
}

/// What one poll item watches.
#[derive(Debug)]
enum Target {
    /// A socket, waited for through its events and its `ZMQ_FD`.
    Socket(Arc<ferrozmq::Socket>),
    /// A plain file descriptor.
    Fd(RawFd),
}

/// Polls sockets and descriptors in GIL-free slices until one is ready, `timeout_ms` passes (negative:
/// never) or a signal handler raises. Each slice is one [`ferrozmq::poll`]: sockets and descriptors are
/// waited for together, in one OS poll when there are descriptors, so either wakes it at once.
fn poll_targets(
    py: Python<'_>,
    targets: &[Target],
    events: &[i16],
    timeout_ms: i64,
) -> PyResult<Vec<i16>> {
    let deadline = deadline_after(timeout_ms);
    loop {
        let slice = slice_until(deadline);
        let result = py.detach(|| {
            let mut items: Vec<PollItem<'_>> = targets
                .iter()
                .zip(events)
                .map(|(t, &ev)| match t {
                    Target::Socket(s) => PollItem::new(s, ev),
                    Target::Fd(fd) => PollItem::from_fd(*fd, ev),
                })
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

/// `zmq_poll`: waits up to `timeout_ms` (negative: forever, 0: just looks) until one of `items[i]` (a
/// ferrozmq socket or an integer file descriptor) has one of `events[i]`; returns each item's ready
/// events (POLLERR is reported for a descriptor whether asked for or not).
///
/// # Errors
/// `ValueError` for lists of different lengths, `TypeError` for an item that is neither a socket nor an
/// int, `ZMQError(ENOTSOCK)` for a closed socket, `ContextTerminated`, the OS error of a descriptor that
/// cannot be polled, or whatever a signal handler raises.
#[pyfunction]
pub fn poll_sockets(
    py: Python<'_>,
    items: Vec<Bound<'_, PyAny>>,
    events: Vec<i16>,
    timeout_ms: i64,
) -> PyResult<Vec<i16>> {
    if items.len() != events.len() {
        return Err(PyValueError::new_err("items and events differ in length"));
    }
    let targets = items
        .iter()
        .map(|item| match item.cast::<Socket>() {
            Ok(s) => Ok(Target::Socket(s.get().core(py)?)),
            Err(_) => Ok(Target::Fd(item.extract::<RawFd>()?)),
        })
        .collect::<PyResult<Vec<_>>>()?;
    poll_targets(py, &targets, &events, timeout_ms)
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
