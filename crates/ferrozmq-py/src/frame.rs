//! `FrameBase`: a Python object that owns a [`Bytes`] and exports it, read-only, through the buffer protocol.
//!
//! PyO3's `__getbuffer__` needs the limited API of Python 3.11, but the wheel targets 3.9+ (abi3). CPython
//! accepts buffer slots in `PyType_FromSpec` since 3.9 whatever the API level the extension was compiled
//! for, so this type is made by hand with `PyType_FromSpec`. The Python class `ferrozmq.Frame` subclasses it;
//! a `memoryview` of a frame keeps the frame, and so the core's memory, alive: received messages reach
//! Python, and Python `bytes` reach the core, without a copy.

use std::ffi::{c_char, c_int, c_uint, c_void};
use std::mem::size_of;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use pyo3::exceptions::{PyBufferError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyType};

/// `Py_buffer` as laid out by CPython 3.x (not in PyO3's abi3 bindings before 3.11).
#[repr(C)]
struct RawBuffer {
    buf: *mut c_void,
    obj: *mut ffi::PyObject,
    len: ffi::Py_ssize_t,
    itemsize: ffi::Py_ssize_t,
    readonly: c_int,
    ndim: c_int,
    format: *mut c_char,
    shape: *mut ffi::Py_ssize_t,
    strides: *mut ffi::Py_ssize_t,
    suboffsets: *mut ffi::Py_ssize_t,
    internal: *mut c_void,
}

const PYBUF_WRITABLE: c_int = 0x0001;
const PYBUF_FORMAT: c_int = 0x0004;
const PYBUF_ND: c_int = 0x0008;
const PYBUF_STRIDES: c_int = 0x0010 | PYBUF_ND;
/// `Py_bf_getbuffer` and `Py_bf_releasebuffer` slot numbers (`typeslots.h`, unchanged since 3.x began).
const PY_BF_GETBUFFER: c_int = 1;
const PY_BF_RELEASEBUFFER: c_int = 2;

/// The instance layout of `FrameBase`.
#[repr(C)]
struct FrameObject {
    ob_base: ffi::PyObject,
    data: Bytes,
    exports: ffi::Py_ssize_t,
    /// The `more` attribute (a C `char` for `T_BOOL`): more frames of the message follow.
    more: c_char,
    /// A received frame's connection properties (`Frame::property`), on a core frame with no data.
    props: ferrozmq::Frame,
}

static FRAME_BASE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static FRAME_CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

unsafe extern "C" fn frame_new(
    subtype: *mut ffi::PyTypeObject,
    _args: *mut ffi::PyObject,
    _kwds: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: `subtype` is FrameBase or a subclass (a heap type), whose tp_alloc returns zeroed memory of
    // at least size_of::<FrameObject>() bytes, or null with an exception set.
    unsafe {
        let alloc: ffi::allocfunc =
            std::mem::transmute(ffi::PyType_GetSlot(subtype, ffi::Py_tp_alloc));
        let obj = alloc(subtype, 0);
        if !obj.is_null() {
            let f = obj.cast::<FrameObject>();
            ptr::write(ptr::addr_of_mut!((*f).data), Bytes::new());
            (*f).exports = 0;
            (*f).more = 0;
            ptr::write(ptr::addr_of_mut!((*f).props), ferrozmq::Frame::default());
        }
        obj
    }
}

unsafe extern "C" fn frame_dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: called once by CPython for an object made by `frame_new`; instances of heap types own a
    // reference to their type, released here (subclasses' subtype_dealloc leaves that to the heap base).
    unsafe {
        let tp = ffi::Py_TYPE(obj);
        ptr::drop_in_place(ptr::addr_of_mut!((*obj.cast::<FrameObject>()).data));
        ptr::drop_in_place(ptr::addr_of_mut!((*obj.cast::<FrameObject>()).props));
        let free: ffi::freefunc = std::mem::transmute(ffi::PyType_GetSlot(tp, ffi::Py_tp_free));
        free(obj.cast());
        ffi::Py_DECREF(tp.cast());
    }
}

unsafe extern "C" fn frame_getbuffer(
    obj: *mut ffi::PyObject,
    view: *mut RawBuffer,
    flags: c_int,
) -> c_int {
    // SAFETY: CPython passes a FrameBase instance and a writable Py_buffer; the exported pointer stays valid
    // while `view.obj` holds a reference to the frame, whose data is never replaced while exported.
    unsafe {
        if view.is_null() {
            PyBufferError::new_err("NULL view in getbuffer").restore(Python::assume_attached());
            return -1;
        }
        if flags & PYBUF_WRITABLE != 0 {
            (*view).obj = ptr::null_mut();
            PyBufferError::new_err("Frame buffers are read-only")
                .restore(Python::assume_attached());
            return -1;
        }
        let f = obj.cast::<FrameObject>();
        let v = &mut *view;
        v.buf = (*f).data.as_ptr() as *mut c_void;
        ffi::Py_INCREF(obj);
        v.obj = obj;
        v.len = (*f).data.len() as ffi::Py_ssize_t;
        v.itemsize = 1;
        v.readonly = 1;
        v.ndim = 1;
        v.format = if flags & PYBUF_FORMAT != 0 {
            c"B".as_ptr().cast_mut()
        } else {
            ptr::null_mut()
        };
        v.shape = if flags & PYBUF_ND != 0 {
            ptr::addr_of_mut!(v.len)
        } else {
            ptr::null_mut()
        };
        v.strides = if flags & PYBUF_STRIDES == PYBUF_STRIDES {
            ptr::addr_of_mut!(v.itemsize)
        } else {
            ptr::null_mut()
        };
        v.suboffsets = ptr::null_mut();
        v.internal = ptr::null_mut();
        (*f).exports += 1;
        0
    }
}

unsafe extern "C" fn frame_releasebuffer(obj: *mut ffi::PyObject, _view: *mut RawBuffer) {
    // SAFETY: `obj` is the FrameBase instance that exported the view.
    unsafe {
        (*obj.cast::<FrameObject>()).exports -= 1;
    }
}

/// The `FrameBase` type, created on first use.
///
/// # Errors
/// If CPython refuses the type spec.
pub fn frame_base_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    FRAME_BASE
        .get_or_try_init(py, || {
            // CPython keeps pointing into the member table: it lives as long as the process.
            let members: &'static mut [ffi::PyMemberDef] = Box::leak(Box::new([
                ffi::PyMemberDef {
                    name: c"more".as_ptr(),
                    type_code: ffi::Py_T_BOOL,
                    offset: std::mem::offset_of!(FrameObject, more) as ffi::Py_ssize_t,
                    flags: 0,
                    doc: c"True when more frames of the message follow this one".as_ptr(),
                },
                ffi::PyMemberDef::default(),
            ]));
            let mut slots = [
                ffi::PyType_Slot {
                    slot: ffi::Py_tp_members,
                    pfunc: members.as_mut_ptr().cast::<c_void>(),
                },
                ffi::PyType_Slot {
                    slot: ffi::Py_tp_new,
                    pfunc: frame_new as *mut c_void,
                },
                ffi::PyType_Slot {
                    slot: ffi::Py_tp_dealloc,
                    pfunc: frame_dealloc as *mut c_void,
                },
                ffi::PyType_Slot {
                    slot: PY_BF_GETBUFFER,
                    pfunc: frame_getbuffer as *mut c_void,
                },
                ffi::PyType_Slot {
                    slot: PY_BF_RELEASEBUFFER,
                    pfunc: frame_releasebuffer as *mut c_void,
                },
                ffi::PyType_Slot {
                    slot: ffi::Py_tp_doc,
                    pfunc: c"Base of ferrozmq.Frame: message bytes shared with the Rust core"
                        .as_ptr() as *mut c_void,
                },
                ffi::PyType_Slot {
                    slot: 0,
                    pfunc: ptr::null_mut(),
                },
            ];
            let mut spec = ffi::PyType_Spec {
                name: c"ferrozmq._ferrozmq.FrameBase".as_ptr(),
                basicsize: size_of::<FrameObject>() as c_int,
                itemsize: 0,
                flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_BASETYPE) as c_uint,
                slots: slots.as_mut_ptr(),
            };
            // SAFETY: a well-formed spec with a static name; CPython copies the slots.
            let ty = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&mut spec))? };
            Ok::<_, PyErr>(ty.cast_into::<PyType>()?.unbind())
        })
        .map(|t| t.bind(py))
}

/// True if `obj` is a `FrameBase` (a `ferrozmq.Frame`).
pub fn is_frame(obj: &Bound<'_, PyAny>) -> bool {
    match frame_base_type(obj.py()) {
        Ok(base) => obj.is_instance(base).unwrap_or(false),
        Err(_) => false,
    }
}

/// The bytes a frame holds (a cheap reference-counted clone).
///
/// # Errors
/// `TypeError` if `obj` is not a frame.
pub fn frame_data(obj: &Bound<'_, PyAny>) -> PyResult<Bytes> {
    if !is_frame(obj) {
        return Err(PyTypeError::new_err("expected a ferrozmq.Frame"));
    }
    // SAFETY: `obj` is a FrameBase instance, so it has FrameObject's layout.
    Ok(unsafe { (*obj.as_ptr().cast::<FrameObject>()).data.clone() })
}

/// Makes a new frame of `class` (a subclass of `FrameBase`; `None`: the class registered by
/// [`set_frame_class`]) holding the data, `more` flag and connection properties of `frame`, without
/// running its `__init__`.
///
/// # Errors
/// `TypeError` if `class` does not derive from `FrameBase`; if allocation fails.
pub fn new_frame<'py>(
    py: Python<'py>,
    class: Option<&Bound<'py, PyType>>,
    frame: ferrozmq::Frame,
) -> PyResult<Bound<'py, PyAny>> {
    let class = match (class, FRAME_CLASS.get(py)) {
        (Some(c), _) => {
            if !c.is_subclass(frame_base_type(py)?)? {
                return Err(PyTypeError::new_err(
                    "the frame class must derive from FrameBase",
                ));
            }
            c.clone()
        }
        (None, Some(c)) => c.bind(py).clone(),
        (None, None) => frame_base_type(py)?.clone(),
    };
    // SAFETY: the class is FrameBase or a subclass; frame_new returns a new reference or null with an error.
    unsafe {
        let obj = frame_new(class.as_type_ptr(), ptr::null_mut(), ptr::null_mut());
        let obj = Bound::from_owned_ptr_or_err(py, obj)?;
        let f = obj.as_ptr().cast::<FrameObject>();
        let more = frame.more;
        let props = ferrozmq::Frame::default().with_metadata(frame.metadata().cloned());
        (*f).data = frame.data;
        (*f).more = c_char::from(more);
        (*f).props = props;
        Ok(obj)
    }
}

/// Registers the Python class `ferrozmq.Frame`, which `recv(copy=False)` instantiates.
///
/// # Errors
/// `TypeError` if the class does not derive from `FrameBase`.
#[pyfunction]
pub fn set_frame_class(class: &Bound<'_, PyType>) -> PyResult<()> {
    let py = class.py();
    if !class.is_subclass(frame_base_type(py)?)? {
        return Err(PyTypeError::new_err(
            "the frame class must derive from FrameBase",
        ));
    }
    let _ = FRAME_CLASS.set(py, class.clone().unbind());
    Ok(())
}

/// A reference to a Python `bytes` object's memory, so that the core can send it without a copy. The object
/// is immutable and kept alive until the core drops the last [`Bytes`] clone, which then marks `done`.
struct PyBytesOwner {
    _obj: Py<PyBytes>,
    ptr: *const u8,
    len: usize,
    done: Option<Arc<AtomicBool>>,
}

// SAFETY: the pointer is into an immutable `bytes` object that `_obj` keeps alive; reading it needs no GIL.
// Dropping `_obj` off the GIL is deferred by PyO3 to the next time a thread holds it.
unsafe impl Send for PyBytesOwner {}

impl AsRef<[u8]> for PyBytesOwner {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: see the `Send` impl.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for PyBytesOwner {
    fn drop(&mut self) {
        if let Some(done) = &self.done {
            done.store(true, Ordering::Release);
        }
    }
}

/// Wraps a Python `bytes` object as [`Bytes`] without copying; `done` is set once the core lets go of it.
///
/// The core drops such bytes on its I/O thread, where PyO3 defers the reference drop until a thread next
/// attaches through PyO3. The fast entry points of [`crate::fastcall`] do not, so this attaches first:
/// every new shared `bytes` applies the drops deferred so far, and they never pile up.
pub fn bytes_from_pybytes(b: &Bound<'_, PyBytes>, done: Option<Arc<AtomicBool>>) -> Bytes {
    Python::attach(|_| ());
    let data = b.as_bytes();
    Bytes::from_owner(PyBytesOwner {
        _obj: b.clone().unbind(),
        ptr: data.as_ptr(),
        len: data.len(),
        done,
    })
}

/// Sets the data of a frame that no buffer view is exporting; `data` must be `bytes` (taken without a copy)
/// or another frame (shared).
///
/// # Errors
/// `TypeError` for other types; `BufferError` while the frame's buffer is exported.
#[pyfunction]
pub fn frame_set(frame: &Bound<'_, PyAny>, data: &Bound<'_, PyAny>) -> PyResult<()> {
    let bytes = if let Ok(b) = data.cast::<PyBytes>() {
        bytes_from_pybytes(b, None)
    } else {
        frame_data(data)?
    };
    frame_data(frame)?;
    // SAFETY: `frame` is a FrameBase instance (checked above); the GIL serialises access.
    unsafe {
        let f = frame.as_ptr().cast::<FrameObject>();
        if (*f).exports > 0 {
            return Err(PyBufferError::new_err(
                "cannot change a frame while its buffer is exported",
            ));
        }
        (*f).data = bytes;
    }
    Ok(())
}

/// A copy of a frame's data as `bytes`.
///
/// # Errors
/// `TypeError` if `frame` is not a frame.
#[pyfunction]
pub fn frame_bytes<'py>(frame: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let data = frame_data(frame)?;
    Ok(PyBytes::new(frame.py(), &data))
}

/// The length of a frame's data.
///
/// # Errors
/// `TypeError` if `frame` is not a frame.
#[pyfunction]
pub fn frame_len(frame: &Bound<'_, PyAny>) -> PyResult<usize> {
    Ok(frame_data(frame)?.len())
}

/// A property of the connection a received frame came from (`zmq_msg_gets`): `Socket-Type`,
/// `Routing-Id`, `Peer-Address`, `User-Id` or one the peer sent; `None` if it has none.
///
/// # Errors
/// `TypeError` if `frame` is not a frame.
#[pyfunction]
pub fn frame_property<'py>(
    frame: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    frame_data(frame)?;
    // SAFETY: `frame` is a FrameBase instance (checked above); the GIL serialises access.
    let props = unsafe { &(*frame.as_ptr().cast::<FrameObject>()).props };
    Ok(props.property(name).map(|v| PyBytes::new(frame.py(), v)))
}

/// Tells whether the core has finished with a message sent with `copy=False, track=True`.
#[pyclass(module = "ferrozmq._ferrozmq", frozen)]
#[derive(Debug)]
pub struct Tracker {
    pub(crate) done: Arc<AtomicBool>,
}

#[pymethods]
impl Tracker {
    /// True once the core no longer holds the message's memory.
    #[getter]
    fn done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }
}
