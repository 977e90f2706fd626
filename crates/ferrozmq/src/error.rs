//! Errors, mirroring libzmq's errno values.

use std::io;

/// libzmq's base for its own error numbers (`ZMQ_HAUSNUMERO`).
const HAUSNUMERO: i32 = 156_384_712;

/// The errno values libzmq defines itself (not POSIX).
pub mod errno {
    use super::HAUSNUMERO;
    /// Operation cannot be accomplished in current state.
    pub const EFSM: i32 = HAUSNUMERO + 51;
    /// The protocol is not compatible with the socket type.
    pub const ENOCOMPATPROTO: i32 = HAUSNUMERO + 52;
    /// Context was terminated.
    pub const ETERM: i32 = HAUSNUMERO + 53;
    /// No I/O thread is available.
    pub const EMTHREAD: i32 = HAUSNUMERO + 54;
}

/// Every way a ferrozmq call can fail; [`Error::errno`] gives libzmq's number for it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The call would block (`EAGAIN`): DONTWAIT was given or the timeout expired.
    #[error("Resource temporarily unavailable")]
    Again,
    /// The socket's state machine forbids this call now (`EFSM`), e.g. two sends on REQ.
    #[error("Operation cannot be accomplished in current state")]
    WrongState,
    /// The context was terminated (`ETERM`).
    #[error("Context was terminated")]
    Terminated,
    /// The socket type does not support the operation (`ENOTSUP`).
    #[error("Operation not supported")]
    NotSupported,
    /// An argument was invalid (`EINVAL`).
    #[error("Invalid argument: {0}")]
    Invalid(String),
    /// The transport of an endpoint is unknown or not built in (`EPROTONOSUPPORT`).
    #[error("Protocol not supported")]
    ProtocolNotSupported,
    /// The transport is not allowed for the socket type (`ENOCOMPATPROTO`).
    #[error("The protocol is not compatible with the socket type")]
    IncompatibleProtocol,
    /// The address is already in use (`EADDRINUSE`).
    #[error("Address already in use")]
    AddressInUse,
    /// The address is not available on this machine (`EADDRNOTAVAIL`).
    #[error("Cannot assign requested address")]
    AddressNotAvailable,
    /// No such device, e.g. an unknown interface name (`ENODEV`).
    #[error("No such device")]
    NoDevice,
    /// The endpoint is not bound or connected on this socket (`ENOENT`).
    #[error("No such file or directory")]
    NoEndpoint,
    /// The peer is unknown or unreachable (`EHOSTUNREACH`).
    #[error("Host unreachable")]
    HostUnreachable,
    /// Too many sockets are open (`EMFILE`).
    #[error("Too many open files")]
    TooManySockets,
    /// Another operating-system error.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl Error {
    /// libzmq's errno for this error, as `zmq_errno()` would report it.
    pub fn errno(&self) -> i32 {
        match self {
            Self::Again => libc::EAGAIN,
            Self::WrongState => errno::EFSM,
            Self::Terminated => errno::ETERM,
            Self::NotSupported => libc::ENOTSUP,
            Self::Invalid(_) => libc::EINVAL,
            Self::ProtocolNotSupported => libc::EPROTONOSUPPORT,
            Self::IncompatibleProtocol => errno::ENOCOMPATPROTO,
            Self::AddressInUse => libc::EADDRINUSE,
            Self::AddressNotAvailable => libc::EADDRNOTAVAIL,
            Self::NoDevice => libc::ENODEV,
            Self::NoEndpoint => libc::ENOENT,
            Self::HostUnreachable => libc::EHOSTUNREACH,
            Self::TooManySockets => libc::EMFILE,
            Self::Io(e) => e.raw_os_error().unwrap_or(libc::EIO),
        }
    }

    /// An [`Error::Invalid`] with the given explanation.
    pub(crate) fn invalid(why: impl Into<String>) -> Self {
        Self::Invalid(why.into())
    }

    /// Maps an OS error from bind or connect to libzmq's error kinds.
    pub(crate) fn from_bind(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::AddrInUse => Self::AddressInUse,
            io::ErrorKind::AddrNotAvailable => Self::AddressNotAvailable,
            _ => Self::Io(e),
        }
    }
}

/// The result type of ferrozmq calls.
pub type Result<T> = std::result::Result<T, Error>;
