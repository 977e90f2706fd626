//! # ferrozmq-py
//!
//! The Rust half of the Python package `ferrozmq`: thin PyO3 glue between the pure-Python, pyzmq-compatible
//! layer (`python/ferrozmq/`) and the Rust core ([`ferrozmq`]). No libzmq is involved.
//!
//! The extension module `ferrozmq._ferrozmq` provides:
//! - `Context` and `Socket`, base classes that the Python `ferrozmq.Context` and `ferrozmq.Socket` subclass;
//! - `FrameBase`, the base of `ferrozmq.Frame`: it owns a [`bytes::Bytes`] from the core and exports it through
//!   the buffer protocol without copying;
//! - `Authenticator` (a ZAP handler), `curve_keypair`, `curve_public`;
//! - `poll_sockets`, `proxy`, `proxy_steerable` and the helpers the Python layer uses.
//!
//! Every call that can block releases the GIL and waits in slices of at most [`socket::SLICE`], checking for
//! signals in between, so Ctrl-C interrupts a blocked `recv`.

use pyo3::prelude::*;

pub mod context;
pub mod error;
pub mod fastcall;
pub mod frame;
pub mod messages;
pub mod registry;
pub mod security;
pub mod socket;

/// The extension module `ferrozmq._ferrozmq`.
#[pymodule]
fn _ferrozmq(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<context::Context>()?;
    m.add_class::<socket::Socket>()?;
    m.add("SocketMethods", messages::socket_methods_type(py)?)?;
    m.add_class::<frame::Tracker>()?;
    m.add("FrameBase", frame::frame_base_type(py)?)?;
    m.add_function(wrap_pyfunction!(frame::frame_set, m)?)?;
    m.add_function(wrap_pyfunction!(frame::frame_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(frame::frame_len, m)?)?;
    m.add_function(wrap_pyfunction!(frame::set_frame_class, m)?)?;
    m.add_function(wrap_pyfunction!(error::set_error_classes, m)?)?;
    m.add_function(wrap_pyfunction!(frame::frame_property, m)?)?;
    m.add_function(wrap_pyfunction!(socket::poll_sockets, m)?)?;
    m.add_function(wrap_pyfunction!(security::curve_keypair, m)?)?;
    m.add_function(wrap_pyfunction!(security::curve_public, m)?)?;
    m.add_class::<security::Authenticator>()?;
    m.add_function(wrap_pyfunction!(socket::proxy, m)?)?;
    m.add_function(wrap_pyfunction!(socket::proxy_steerable, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
