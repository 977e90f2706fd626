//! Methods with CPython's vectorcall convention (`METH_FASTCALL | METH_KEYWORDS`) on a wheel built for the
//! stable ABI of Python 3.9.
//!
//! PyO3 can only use the fast convention when the limited API is 3.10 or newer; for an abi3-py39 wheel
//! every call builds an argument tuple and a keyword dict and decodes each keyword name to UTF-8, which
//! costs more than a whole `send`. CPython has understood `METH_FASTCALL` since 3.7 whatever the API level
//! an extension was built for, so the hot methods are declared by hand here, on a type made with
//! `PyType_FromSpec` that holds no instance data: a Python class can list it next to the PyO3 `Socket`
//! as a second base without a layout conflict.
//!
//! Keyword names are matched by pointer against interned strings (CPython interns identifier keywords),
//! with an equality check as fallback.

use std::ffi::{c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

/// `METH_FASTCALL` (`methodobject.h`; pyo3-ffi hides it below 3.10 under the limited API).
const METH_FASTCALL: c_int = 0x0080;

/// The C signature of a `METH_FASTCALL | METH_KEYWORDS` method.
type FastFn = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// A method's parameters by name, in positional order.
pub struct Params {
    /// The method's name, for error messages.
    pub method: &'static str,
    /// Parameter names; all but the first `required` are optional.
    pub names: &'static [&'static str],
    /// How many leading parameters must be given.
    pub required: usize,
    /// The names as interned Python strings, made on first use.
    pub interned: PyOnceLock<Vec<Py<PyString>>>,
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Params")
            .field("method", &self.method)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

/// The raw arguments of one call, as CPython passes them.
#[derive(Debug, Clone, Copy)]
pub struct RawCall {
    /// The receiver (`self`).
    pub slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
}

/// The arguments of one call matched to parameters: a borrowed value, or `None` where not given.
pub type Args<'py, const N: usize> = [Option<Bound<'py, PyAny>>; N];

impl Params {
    /// Matches a call's arguments to the parameters.
    ///
    /// # Errors
    /// `TypeError` for too many positional arguments, an unknown or repeated keyword, or a missing
    /// required argument.
    ///
    /// # Safety
    /// `call` must come from CPython for a `METH_FASTCALL | METH_KEYWORDS` method, and `N` must equal
    /// `self.names.len()`.
    pub unsafe fn parse<'py, const N: usize>(
        &self,
        py: Python<'py>,
        call: &RawCall,
    ) -> PyResult<Args<'py, N>> {
        let mut out: Args<'py, N> = std::array::from_fn(|_| None);
        let nargs = usize::try_from(call.nargs).unwrap_or(0);
        if nargs > N {
            return Err(PyTypeError::new_err(format!(
                "{}() takes at most {N} arguments ({nargs} given)",
                self.method
            )));
        }
        for (i, slot) in out.iter_mut().enumerate().take(nargs) {
            // SAFETY: CPython passes `nargs` valid borrowed references.
            *slot = Some(unsafe { Bound::from_borrowed_ptr(py, *call.args.add(i)) });
        }
        if !call.kwnames.is_null() {
            let interned = self.interned.get_or_init(py, || {
                self.names
                    .iter()
                    .map(|n| PyString::intern(py, n).unbind())
                    .collect()
            });
            // SAFETY: `kwnames` is a tuple of str; the keyword values follow the positional ones.
            let nkw = unsafe { ffi::PyTuple_Size(call.kwnames) };
            for j in 0..nkw.max(0) {
                let key = unsafe { ffi::PyTuple_GetItem(call.kwnames, j) };
                let value = unsafe { *call.args.add(nargs + j as usize) };
                let Some(i) = find(interned, key) else {
                    let key = unsafe { Bound::from_borrowed_ptr(py, key) };
                    return Err(PyTypeError::new_err(format!(
                        "{}() got an unexpected keyword argument '{key}'",
                        self.method
                    )));
                };
                if out[i].is_some() {
                    return Err(PyTypeError::new_err(format!(
                        "{}() got multiple values for argument '{}'",
                        self.method, self.names[i]
                    )));
                }
                out[i] = Some(unsafe { Bound::from_borrowed_ptr(py, value) });
            }
        }
        if let Some(i) = out.iter().take(self.required).position(Option::is_none) {
            return Err(PyTypeError::new_err(format!(
                "{}() missing required argument '{}'",
                self.method, self.names[i]
            )));
        }
        Ok(out)
    }
}

/// The index of the parameter named `key`: by pointer first, then by string equality.
fn find(interned: &[Py<PyString>], key: *mut ffi::PyObject) -> Option<usize> {
    if let Some(i) = interned.iter().position(|n| n.as_ptr() == key) {
        return Some(i);
    }
    interned.iter().position(|n| {
        // SAFETY: both are live str objects; a failed comparison counts as unequal.
        let eq = unsafe { ffi::PyObject_RichCompareBool(n.as_ptr(), key, ffi::Py_EQ) };
        if eq < 0 {
            // SAFETY: clear the comparison's error; the caller raises its own.
            unsafe { ffi::PyErr_Clear() };
        }
        eq == 1
    })
}

/// A method implemented with the fast convention.
pub trait FastMethod {
    /// The Python name.
    const NAME: &'static CStr;
    /// The docstring.
    const DOC: &'static CStr;
    /// Runs the method; returns a new reference.
    ///
    /// # Errors
    /// Whatever the method raises.
    fn call<'py>(py: Python<'py>, call: &RawCall) -> PyResult<Bound<'py, PyAny>>;
}

/// The C entry point of `M`: runs the method and turns errors and panics into Python exceptions.
///
/// It does not attach through PyO3 (`Python::attach`), which from a raw entry point costs a
/// `PyGILState_Ensure`/`Release` pair per call; PyO3's deferred reference drops are applied by its own
/// entry points and by [`crate::frame::bytes_from_pybytes`], which makes the objects whose drops are deferred.
unsafe extern "C" fn entry<M: FastMethod>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let call = RawCall {
        slf,
        args,
        nargs,
        kwnames,
    };
    // SAFETY: CPython calls methods with the GIL held.
    let py = unsafe { Python::assume_attached() };
    match catch_unwind(AssertUnwindSafe(|| M::call(py, &call))) {
        Ok(Ok(obj)) => obj.into_ptr(),
        Ok(Err(e)) => {
            e.restore(py);
            ptr::null_mut()
        }
        Err(_) => {
            PyRuntimeError::new_err(format!("ferrozmq panicked in {:?}", M::NAME)).restore(py);
            ptr::null_mut()
        }
    }
}

/// One entry of a method table.
pub fn method<M: FastMethod>() -> ffi::PyMethodDef {
    let f: FastFn = entry::<M>;
    ffi::PyMethodDef {
        ml_name: M::NAME.as_ptr(),
        // SAFETY: CPython calls the pointer with the fastcall signature because of the flags below.
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunction: unsafe { std::mem::transmute::<FastFn, ffi::PyCFunction>(f) },
        },
        ml_flags: METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: M::DOC.as_ptr(),
    }
}

/// Makes a subclassable type without instance data holding `methods`.
///
/// # Errors
/// If CPython refuses the type spec.
pub fn methods_type<'py>(
    py: Python<'py>,
    name: &'static CStr,
    doc: &'static CStr,
    methods: Vec<ffi::PyMethodDef>,
) -> PyResult<Bound<'py, PyType>> {
    let mut table = methods;
    table.push(ffi::PyMethodDef::zeroed());
    // The type keeps pointing into the table for the life of the process.
    let table: &'static mut [ffi::PyMethodDef] = Box::leak(table.into_boxed_slice());
    let mut slots = [
        ffi::PyType_Slot {
            slot: ffi::Py_tp_methods,
            pfunc: table.as_mut_ptr().cast::<c_void>(),
        },
        ffi::PyType_Slot {
            slot: ffi::Py_tp_doc,
            pfunc: doc.as_ptr() as *mut c_void,
        },
        ffi::PyType_Slot {
            slot: 0,
            pfunc: ptr::null_mut(),
        },
    ];
    let mut spec = ffi::PyType_Spec {
        name: name.as_ptr(),
        basicsize: 0,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_BASETYPE) as std::ffi::c_uint,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: a well-formed spec with static strings and a leaked method table; CPython copies the slots.
    let ty = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&mut spec))? };
    Ok(ty.cast_into::<PyType>()?)
}
