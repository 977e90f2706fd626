//! CURVE keys and `Authenticator`, the ZAP handler behind the Python `ferrozmq.auth`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use ferrozmq::{z85, CurveAllow};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::context::Context;
use crate::error::{self, IntoPyResult};

/// A new CURVE key pair, Z85-encoded: `(public, secret)` (`zmq_curve_keypair`).
///
/// # Errors
/// `ZMQError` if the OS has no randomness to give.
#[pyfunction]
pub fn curve_keypair(py: Python<'_>) -> PyResult<(Bound<'_, PyBytes>, Bound<'_, PyBytes>)> {
    let (public, secret) = ferrozmq::curve_keypair()
        .map_err(ferrozmq::Error::Io)
        .py(py)?;
    Ok((
        PyBytes::new(py, public.as_bytes()),
        PyBytes::new(py, secret.as_bytes()),
    ))
}

/// The Z85 public key of a Z85 (or raw 32-byte) secret key (`zmq_curve_public`).
///
/// # Errors
/// `ZMQError(EINVAL)` if `secret` is not a key.
#[pyfunction]
pub fn curve_public<'py>(py: Python<'py>, secret: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    match ferrozmq::curve_public(secret) {
        Some(public) => Ok(PyBytes::new(py, public.as_bytes())),
        None => Err(error::from_errno(py, libc::EINVAL)),
    }
}

/// A ZAP handler in a context, answering on its own thread until `stop()` (the core's
/// [`ferrozmq::Authenticator`]).
#[pyclass(module = "ferrozmq._ferrozmq", frozen)]
#[derive(Debug)]
pub struct Authenticator {
    /// The running handler; `None` once stopped.
    inner: Mutex<Option<ferrozmq::Authenticator>>,
}

impl Authenticator {
    fn lock(&self) -> MutexGuard<'_, Option<ferrozmq::Authenticator>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `op` on the handler if it is running.
    fn with(&self, op: impl FnOnce(&ferrozmq::Authenticator)) {
        if let Some(a) = self.lock().as_ref() {
            op(a);
        }
    }
}

#[pymethods]
impl Authenticator {
    /// Binds the handler in `context` and starts its thread.
    #[new]
    fn new(py: Python<'_>, context: PyRef<'_, Context>) -> PyResult<Self> {
        let ctx = context.core(py)?;
        let auth = ferrozmq::Authenticator::start(&ctx).py(py)?;
        Ok(Self {
            inner: Mutex::new(Some(auth)),
        })
    }

    /// Allows only these IP addresses.
    fn allow(&self, addresses: Vec<String>) {
        self.with(|a| a.allow(addresses));
    }

    /// Denies these IP addresses (when none is allowed).
    fn deny(&self, addresses: Vec<String>) {
        self.with(|a| a.deny(addresses));
    }

    /// Sets the PLAIN user names and passwords of `domain`.
    fn configure_plain(&self, domain: &str, passwords: Vec<(Vec<u8>, Vec<u8>)>) {
        self.with(|a| a.configure_plain(domain, passwords));
    }

    /// Lets any CURVE client into `domain`.
    fn configure_curve_any(&self, domain: &str) {
        self.with(|a| a.configure_curve(domain, CurveAllow::Any));
    }

    /// Lets into `domain` only the CURVE clients with these Z85 public keys.
    ///
    /// # Errors
    /// `ZMQError(EINVAL)` for a key that is not 40 characters of Z85.
    fn configure_curve_keys(
        &self,
        py: Python<'_>,
        domain: &str,
        keys: Vec<String>,
    ) -> PyResult<()> {
        let mut set = HashSet::new();
        for key in keys {
            let raw = z85::decode(&key)
                .and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok())
                .ok_or_else(|| error::from_errno(py, libc::EINVAL))?;
            set.insert(raw);
        }
        self.with(|a| a.configure_curve(domain, CurveAllow::Keys(set)));
        Ok(())
    }

    /// Lets into `domain` the CURVE clients whose public certificates are in the directory `location`.
    ///
    /// # Errors
    /// `ZMQError` if the directory or a file cannot be read.
    fn configure_curve_dir(&self, py: Python<'_>, domain: &str, location: PathBuf) -> PyResult<()> {
        match self.lock().as_ref() {
            Some(a) => a.configure_curve_dir(domain, &location).py(py),
            None => Ok(()),
        }
    }

    /// Stops the handler (its thread ends and its endpoint is unbound).
    fn stop(&self, py: Python<'_>) {
        let taken = self.lock().take();
        py.detach(move || drop(taken));
    }

    /// True while the handler runs.
    fn is_alive(&self) -> bool {
        self.lock().is_some()
    }
}
