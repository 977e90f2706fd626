//! `send`, `recv`, `send_multipart` and `recv_multipart`: the hot paths, with pyzmq's arguments, return
//! values and errors, as fast-convention methods of `SocketMethods` (see [`crate::fastcall`]).
//!
//! Each call tries once with the GIL held (no thread switch when a message can go or is there), and
//! releases the GIL only to wait.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ferrozmq::SNDMORE;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple, PyType};

use crate::error;
use crate::fastcall::{self, FastMethod, Params, RawCall};
use crate::frame;
use crate::socket::{Socket, COPY_THRESHOLD};

/// The socket a method was called on.
fn receiver<'py>(py: Python<'py>, call: &RawCall) -> PyResult<Bound<'py, Socket>> {
    // SAFETY: CPython passes the receiver as a valid borrowed reference.
    let slf = unsafe { Bound::from_borrowed_ptr(py, call.slf) };
    Ok(slf.cast_into::<Socket>()?)
}

/// An `int` argument, or its default.
fn int_arg(arg: Option<&Bound<'_, PyAny>>, default: i32) -> PyResult<i32> {
    arg.map_or(Ok(default), |a| a.extract())
}

/// A truth-valued argument (as Cython's `bint`), or its default.
fn bool_arg(arg: Option<&Bound<'_, PyAny>>, default: bool) -> PyResult<bool> {
    arg.map_or(Ok(default), |a| a.is_truthy())
}

/// Raises `ENOTSUP` for `routing_id` or `group` (draft sockets, which ferrozmq does not have).
fn no_draft(
    py: Python<'_>,
    routing_id: Option<&Bound<'_, PyAny>>,
    group: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    if routing_id.is_some_and(|r| !r.is_none()) || group.is_some_and(|g| !g.is_none()) {
        return Err(error::from_errno(py, libc::ENOTSUP));
    }
    Ok(())
}

/// Sends a frame of Python `bytes`, returning what pyzmq returns.
fn send_pybytes<'py>(
    slf: &Bound<'py, Socket>,
    b: &Bound<'py, PyBytes>,
    flags: i32,
    copy: bool,
    track: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (py, sock) = (slf.py(), slf.get());
    let data = b.as_bytes();
    let small = if copy {
        data.len() < COPY_THRESHOLD
    } else {
        data.len() < sock.copy_threshold()
    };
    if small {
        sock.send_bytes(py, || sock.copy_of(data), flags)?;
        return if copy {
            Ok(py.None().into_bound(py))
        } else {
            Socket::finished_tracker(slf)
        };
    }
    // `bytes` are immutable: the core shares them instead of copying, even with copy=True.
    let done = (!copy && track).then(|| Arc::new(AtomicBool::new(false)));
    sock.send_bytes(py, || frame::bytes_from_pybytes(b, done.clone()), flags)?;
    let Some(done) = done else {
        return Ok(py.None().into_bound(py));
    };
    let tracker = Py::new(py, frame::Tracker { done })?;
    slf.call_method1(pyo3::intern!(py, "_new_tracker"), (tracker,))
}

/// Sends one frame of `data` (`bytes`, a `Frame` or any buffer), returning what pyzmq's `send` returns:
/// `None`, or for `copy=False` and frames a `MessageTracker`.
///
/// # Errors
/// `TypeError` for `str` and non-buffers, `ValueError` for `track=True` with an untracked frame, and the
/// errors of sending.
pub fn send_one<'py>(
    slf: &Bound<'py, Socket>,
    data: &Bound<'py, PyAny>,
    flags: i32,
    copy: bool,
    track: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (py, sock) = (slf.py(), slf.get());
    if let Ok(b) = data.cast::<PyBytes>() {
        return send_pybytes(slf, b, flags, copy, track);
    }
    if frame::is_frame(data) {
        let tracker = data.getattr(pyo3::intern!(py, "tracker"))?;
        if track && tracker.is_none() {
            return Err(PyValueError::new_err("Not a tracked message"));
        }
        let bytes = frame::frame_data(data)?;
        sock.send_bytes(py, || bytes.clone(), flags)?;
        return Ok(tracker);
    }
    if data.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("unicode not allowed, use send_string"));
    }
    // Any other buffer (bytearray, memoryview, array, numpy ...): one copy into a new `bytes`, which the
    // core then shares.
    // SAFETY: `data` is a live object; PyBytes_FromObject returns a new reference or NULL with an error.
    let b = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyBytes_FromObject(data.as_ptr()))? };
    let b = b.cast_into::<PyBytes>()?;
    send_pybytes(slf, &b, flags, copy, track)
}

/// Receives one frame: `bytes` with `copy=True`, else a `Frame` sharing the core's memory. Returns the
/// object and whether more frames follow.
///
/// # Errors
/// The errors of receiving.
pub fn recv_one<'py>(
    slf: &Bound<'py, Socket>,
    flags: i32,
    copy: bool,
) -> PyResult<(Bound<'py, PyAny>, bool)> {
    let py = slf.py();
    let f = slf.get().recv_frame(py, flags)?;
    let more = f.more;
    let obj = if copy {
        PyBytes::new(py, &f.data).into_any()
    } else {
        frame::new_frame(py, Some(&Socket::frame_class(slf)?), f)?
    };
    Ok((obj, more))
}

/// `Socket.send(data, flags=0, copy=True, track=False, routing_id=None, group=None)`.
#[derive(Debug)]
pub struct Send;

static SEND: Params = Params {
    method: "send",
    names: &["data", "flags", "copy", "track", "routing_id", "group"],
    required: 1,
    interned: PyOnceLock::new(),
};

impl FastMethod for Send {
    const NAME: &'static std::ffi::CStr = c"send";
    const DOC: &'static std::ffi::CStr = c"send(data, flags=0, copy=True, track=False)\n--\n\nSends one frame: bytes, a Frame or any buffer. flags may hold SNDMORE and DONTWAIT. copy=False shares\nlarge bytes with the core; track=True then returns a MessageTracker.";

    fn call<'py>(py: Python<'py>, call: &RawCall) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: `call` comes from CPython (fastcall::entry); 6 names.
        let [data, flags, copy, track, routing_id, group] = unsafe { SEND.parse::<6>(py, call)? };
        let sock = receiver(py, call)?;
        no_draft(py, routing_id.as_ref(), group.as_ref())?;
        let Some(data) = data else {
            return Err(PyTypeError::new_err("send() missing data"));
        };
        send_one(
            &sock,
            &data,
            int_arg(flags.as_ref(), 0)?,
            bool_arg(copy.as_ref(), true)?,
            bool_arg(track.as_ref(), false)?,
        )
    }
}

/// `Socket.recv(flags=0, copy=True, track=False)`.
#[derive(Debug)]
pub struct Recv;

static RECV: Params = Params {
    method: "recv",
    names: &["flags", "copy", "track"],
    required: 0,
    interned: PyOnceLock::new(),
};

impl FastMethod for Recv {
    const NAME: &'static std::ffi::CStr = c"recv";
    const DOC: &'static std::ffi::CStr = c"recv(flags=0, copy=True, track=False)\n--\n\nReceives one frame: bytes with copy=True, else a Frame sharing the core's memory (its `more`\nattribute says whether more frames follow).";

    fn call<'py>(py: Python<'py>, call: &RawCall) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: `call` comes from CPython (fastcall::entry); 3 names.
        let [flags, copy, _track] = unsafe { RECV.parse::<3>(py, call)? };
        let sock = receiver(py, call)?;
        let flags = int_arg(flags.as_ref(), 0)?;
        Ok(recv_one(&sock, flags, bool_arg(copy.as_ref(), true)?)?.0)
    }
}

/// `Socket.send_multipart(msg_parts, flags=0, copy=True, track=False, routing_id=None, group=None)`.
#[derive(Debug)]
pub struct SendMultipart;

static SEND_MULTIPART: Params = Params {
    method: "send_multipart",
    names: &["msg_parts", "flags", "copy", "track", "routing_id", "group"],
    required: 1,
    interned: PyOnceLock::new(),
};

/// Checks that every part is a buffer, with pyzmq's message for the first that is not.
fn check_parts(py: Python<'_>, parts: &[Bound<'_, PyAny>]) -> PyResult<()> {
    for (i, part) in parts.iter().enumerate() {
        if part.is_instance_of::<PyBytes>() || frame::is_frame(part) {
            continue;
        }
        // SAFETY: a live object; PyMemoryView_FromObject returns a new reference or NULL with an error.
        let view = unsafe {
            Bound::from_owned_ptr_or_err(py, ffi::PyMemoryView_FromObject(part.as_ptr()))
        };
        if view.is_err() {
            let mut r = part.repr()?.to_string();
            if r.chars().count() > 32 {
                r = r.chars().take(32).collect::<String>() + "...";
            }
            return Err(PyTypeError::new_err(format!(
                "Frame {i} ({r}) does not support the buffer interface."
            )));
        }
    }
    Ok(())
}

impl FastMethod for SendMultipart {
    const NAME: &'static std::ffi::CStr = c"send_multipart";
    const DOC: &'static std::ffi::CStr = c"send_multipart(msg_parts, flags=0, copy=True, track=False)\n--\n\nSends a message of several frames (each bytes, a Frame or any buffer); returns what send returns for\nthe last frame.";

    fn call<'py>(py: Python<'py>, call: &RawCall) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: `call` comes from CPython (fastcall::entry); 6 names.
        let [parts, flags, copy, track, routing_id, group] =
            unsafe { SEND_MULTIPART.parse::<6>(py, call)? };
        let sock = receiver(py, call)?;
        no_draft(py, routing_id.as_ref(), group.as_ref())?;
        let Some(parts) = parts else {
            return Err(PyTypeError::new_err("send_multipart() missing msg_parts"));
        };
        let parts: Vec<Bound<'py, PyAny>> = if let Ok(l) = parts.cast::<PyList>() {
            l.iter().collect()
        } else if let Ok(t) = parts.cast::<PyTuple>() {
            t.iter().collect()
        } else {
            parts.try_iter()?.collect::<PyResult<_>>()?
        };
        check_parts(py, &parts)?;
        let flags = int_arg(flags.as_ref(), 0)?;
        let copy = bool_arg(copy.as_ref(), true)?;
        let track = bool_arg(track.as_ref(), false)?;
        let Some((last, first)) = parts.split_last() else {
            return Err(PyValueError::new_err(
                "cannot send an empty multipart message",
            ));
        };
        for part in first {
            send_one(&sock, part, flags | SNDMORE, copy, track)?;
        }
        send_one(&sock, last, flags, copy, track)
    }
}

/// `Socket.recv_multipart(flags=0, copy=True, track=False)`.
#[derive(Debug)]
pub struct RecvMultipart;

static RECV_MULTIPART: Params = Params {
    method: "recv_multipart",
    names: &["flags", "copy", "track"],
    required: 0,
    interned: PyOnceLock::new(),
};

impl FastMethod for RecvMultipart {
    const NAME: &'static std::ffi::CStr = c"recv_multipart";
    const DOC: &'static std::ffi::CStr = c"recv_multipart(flags=0, copy=True, track=False)\n--\n\nReceives every frame of the next message as a list (of bytes, or of Frames with copy=False).";

    fn call<'py>(py: Python<'py>, call: &RawCall) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: `call` comes from CPython (fastcall::entry); 3 names.
        let [flags, copy, _track] = unsafe { RECV_MULTIPART.parse::<3>(py, call)? };
        let sock = receiver(py, call)?;
        let flags = int_arg(flags.as_ref(), 0)?;
        let copy = bool_arg(copy.as_ref(), true)?;
        let list = PyList::empty(py);
        loop {
            let (part, more) = recv_one(&sock, flags, copy)?;
            list.append(part)?;
            if !more {
                return Ok(list.into_any());
            }
        }
    }
}

/// The type `SocketMethods`, a second base of the Python `ferrozmq.Socket` holding these methods.
///
/// # Errors
/// If CPython refuses the type.
pub fn socket_methods_type(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    fastcall::methods_type(
        py,
        c"ferrozmq._ferrozmq.SocketMethods",
        c"send, recv, send_multipart and recv_multipart of ferrozmq.Socket (a mixin over _ferrozmq.Socket)",
        vec![
            fastcall::method::<Send>(),
            fastcall::method::<Recv>(),
            fastcall::method::<SendMultipart>(),
            fastcall::method::<RecvMultipart>(),
        ],
    )
}
