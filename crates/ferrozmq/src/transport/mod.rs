//! Byte-stream transports for the I/O thread: tcp and ipc listeners and streams behind two enums, picked at
//! run time from the endpoint.
//!
//! Everything here is non-blocking and registered with mio by the I/O thread; a [`Stream`] is a plain byte
//! pipe (ZMTP is spoken above it, by the session).

mod ipc;
mod tcp;

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use mio::event::Source;
use mio::{Interest, Registry, Token};

use crate::endpoint::{Endpoint, Host};
use crate::error::{Error, Result};
use crate::options::Options;

pub(crate) use ipc::IpcListener;

/// A listening socket.
#[derive(Debug)]
pub(crate) enum Listener {
    /// A tcp listener.
    Tcp(mio::net::TcpListener),
    /// A unix-domain listener; removes its file when dropped.
    Ipc(IpcListener),
}

/// A connected (or connecting) byte stream.
#[derive(Debug)]
pub(crate) enum Stream {
    /// A tcp stream, with TCP_NODELAY set.
    Tcp(mio::net::TcpStream),
    /// A unix-domain stream.
    Ipc(mio::net::UnixStream),
}

/// Binds a listener for `endpoint` (tcp or ipc) in the calling thread; returns it with its resolved endpoint
/// string (`tcp://127.0.0.1:41234`, `ipc:///tmp/x`).
///
/// # Errors
/// [`Error::AddressInUse`], [`Error::AddressNotAvailable`], [`Error::NoDevice`] for a host name (interface
/// names are not supported), [`Error::Invalid`] for inproc, [`Error::Io`] otherwise.
pub(crate) fn bind(endpoint: &Endpoint, options: &Options) -> Result<(Listener, String)> {
    match endpoint {
        Endpoint::Tcp { host, port } => {
            let (l, name) = tcp::bind(host, *port, options)?;
            Ok((Listener::Tcp(l), name))
        }
        Endpoint::Ipc { path } => {
            let (l, name) = ipc::bind(path, options)?;
            Ok((Listener::Ipc(l), name))
        }
        Endpoint::Inproc(_) => Err(Error::invalid(
            "inproc endpoints are not served by the I/O thread",
        )),
    }
}

/// Checks that `endpoint` can be connected to (no wildcard host or port), before any attempt is made.
///
/// # Errors
/// [`Error::Invalid`].
pub(crate) fn check_connect(endpoint: &Endpoint) -> Result<()> {
    match endpoint {
        Endpoint::Tcp {
            host: Host::Any, ..
        } => Err(Error::invalid("cannot connect to `*`")),
        Endpoint::Tcp { port: 0, .. } => Err(Error::invalid("cannot connect to port 0 or `*`")),
        Endpoint::Ipc { path } if path == "*" => Err(Error::invalid("cannot connect to `ipc://*`")),
        Endpoint::Inproc(_) => Err(Error::invalid(
            "inproc endpoints are not served by the I/O thread",
        )),
        _ => Ok(()),
    }
}

/// Starts a non-blocking connect to `endpoint`; host names are resolved here (blocking, as libzmq does on
/// its I/O thread). The stream reports writable once the connect completes: then call
/// [`Stream::finish_connect`].
///
/// # Errors
/// Any resolution or socket error; the caller retries later.
pub(crate) fn connect(endpoint: &Endpoint, options: &Options) -> io::Result<Stream> {
    match endpoint {
        Endpoint::Tcp { host, port } => tcp::connect(host, *port, options).map(Stream::Tcp),
        Endpoint::Ipc { path } => ipc::connect(path).map(Stream::Ipc),
        Endpoint::Inproc(_) => Err(io::Error::new(io::ErrorKind::InvalidInput, "inproc")),
    }
}

impl Listener {
    /// The OS descriptor (what monitor events report).
    pub(crate) fn fd(&self) -> i32 {
        match self {
            Self::Tcp(l) => l.as_raw_fd(),
            Self::Ipc(l) => l.fd(),
        }
    }

    /// Accepts one pending connection.
    ///
    /// # Errors
    /// `WouldBlock` when none is pending; other errors are per-connection or resource limits.
    pub(crate) fn accept(&self, options: &Options) -> io::Result<Stream> {
        match self {
            Self::Tcp(l) => {
                let (s, _) = l.accept()?;
                // Only fails on a dead socket; the first read or write reports it.
                let _ = s.set_nodelay(true);
                tcp::tune_accepted(&s, &options.tcp);
                Ok(Stream::Tcp(s))
            }
            Self::Ipc(l) => l.accept().map(Stream::Ipc),
        }
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Self::Tcp(s) => s.as_fd(),
            Self::Ipc(s) => s.as_fd(),
        }
    }
}

impl Stream {
    /// The OS descriptor (what monitor events report).
    pub(crate) fn fd(&self) -> i32 {
        match self {
            Self::Tcp(s) => s.as_raw_fd(),
            Self::Ipc(s) => s.as_raw_fd(),
        }
    }

    /// After a writable event on a connecting stream: `Ok(true)` once connected, `Ok(false)` if still
    /// connecting (a spurious wake-up).
    ///
    /// # Errors
    /// The connect failed (refused, unreachable, ...).
    pub(crate) fn finish_connect(&self) -> io::Result<bool> {
        let (error, peer) = match self {
            Self::Tcp(s) => (s.take_error()?, s.peer_addr().map(drop)),
            Self::Ipc(s) => (s.take_error()?, s.peer_addr().map(drop)),
        };
        if let Some(e) = error {
            return Err(e);
        }
        match peer {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl Stream {
    /// The peer's address as ZAP requests and the `Peer-Address` property carry it: the IP address for
    /// tcp, empty for ipc.
    pub(crate) fn peer_ip(&self) -> String {
        match self {
            Self::Tcp(s) => s
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            Self::Ipc(_) => String::new(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.read(buf),
            Self::Ipc(s) => s.read(buf),
        }
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.read_vectored(bufs),
            Self::Ipc(s) => s.read_vectored(bufs),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.write(buf),
            Self::Ipc(s) => s.write(buf),
        }
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.write_vectored(bufs),
            Self::Ipc(s) => s.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Forwards mio registration to the wrapped socket.
macro_rules! delegate_source {
    ($ty:ty, $($variant:ident),+) => {
        impl Source for $ty {
            fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
                match self { $(Self::$variant(s) => s.register(r, t, i),)+ }
            }
            fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
                match self { $(Self::$variant(s) => s.reregister(r, t, i),)+ }
            }
            fn deregister(&mut self, r: &Registry) -> io::Result<()> {
                match self { $(Self::$variant(s) => s.deregister(r),)+ }
            }
        }
    };
}

delegate_source!(Listener, Tcp, Ipc);
delegate_source!(Stream, Tcp, Ipc);
