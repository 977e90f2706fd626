//! A pollable descriptor that a socket's mailbox makes readable (libzmq's signaler behind `ZMQ_FD`): an
//! eventfd on Linux, a unix socket pair elsewhere. Non-blocking both ways; signals coalesce.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

/// The descriptor and its write side.
#[derive(Debug)]
pub(crate) struct Signaler {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fd: std::fs::File,
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pair: (
        std::os::unix::net::UnixStream,
        std::os::unix::net::UnixStream,
    ),
}

impl Signaler {
    /// A new, unsignaled descriptor.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn new() -> io::Result<Self> {
        use rustix::event::{eventfd, EventfdFlags};
        let fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Self { fd: fd.into() })
    }

    /// A new, unsignaled descriptor.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn new() -> io::Result<Self> {
        let pair = std::os::unix::net::UnixStream::pair()?;
        pair.0.set_nonblocking(true)?;
        pair.1.set_nonblocking(true)?;
        Ok(Self { pair })
    }

    /// The descriptor to poll for readability.
    pub(crate) fn fd(&self) -> RawFd {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.fd.as_raw_fd();
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        return self.pair.0.as_raw_fd();
    }

    /// The descriptor to poll, borrowed.
    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.fd.as_fd();
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        return self.pair.0.as_fd();
    }

    /// Makes the descriptor readable (already readable is fine: the counter or buffer absorbs it).
    pub(crate) fn signal(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let _ = (&self.fd).write(&1u64.to_ne_bytes());
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let _ = (&self.pair.1).write(&[1]);
    }

    /// Makes the descriptor unreadable again.
    pub(crate) fn drain(&self) {
        let mut buf = [0u8; 64];
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let mut r = &self.fd;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let mut r = &self.pair.0;
        // eventfd: one read of 8 bytes resets the counter; a pair: read until empty.
        while matches!(r.read(&mut buf), Ok(n) if n > 0) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_and_drain() {
        let s = Signaler::new().unwrap();
        assert!(s.fd() >= 0);
        s.signal();
        s.signal();
        s.drain();
        s.drain();
    }
}
