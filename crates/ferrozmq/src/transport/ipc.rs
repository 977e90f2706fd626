//! ipc: unix-domain sockets at a path (a stale file is replaced, as libzmq does), at a generated path
//! (`ipc://*`), or in Linux's abstract namespace (`ipc://@name`).

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use mio::net::{UnixListener, UnixStream};
use socket2::{Domain, SockAddr, Socket, Type};

use crate::error::{Error, Result};
use crate::options::Options;

/// A socket file and its (device, inode), to recognise it later.
type FileId = (PathBuf, (u64, u64));

/// A unix listener that removes the file it created when dropped.
#[derive(Debug)]
pub(crate) struct IpcListener {
    listener: UnixListener,
    /// The socket file and its (device, inode), removed on drop only if still ours.
    file: Option<FileId>,
    /// The directory made for `ipc://*`, removed on drop.
    temp_dir: Option<PathBuf>,
}

impl IpcListener {
    /// The OS descriptor.
    pub(crate) fn fd(&self) -> i32 {
        std::os::fd::AsRawFd::as_raw_fd(&self.listener)
    }

    /// Accepts one pending connection.
    pub(super) fn accept(&self) -> io::Result<UnixStream> {
        self.listener.accept().map(|(s, _)| s)
    }
}

impl mio::event::Source for IpcListener {
    fn register(&mut self, r: &mio::Registry, t: mio::Token, i: mio::Interest) -> io::Result<()> {
        self.listener.register(r, t, i)
    }
    fn reregister(&mut self, r: &mio::Registry, t: mio::Token, i: mio::Interest) -> io::Result<()> {
        self.listener.reregister(r, t, i)
    }
    fn deregister(&mut self, r: &mio::Registry) -> io::Result<()> {
        self.listener.deregister(r)
    }
}

impl Drop for IpcListener {
    fn drop(&mut self) {
        if let Some((path, id)) = &self.file {
            // Another socket may have taken the path over since; leave its file alone.
            if std::fs::metadata(path).is_ok_and(|m| (m.dev(), m.ino()) == *id) {
                let _ = std::fs::remove_file(path);
            }
        }
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The socket address for a path or an `@name`.
fn address(path: &str) -> io::Result<SockAddr> {
    match path.strip_prefix('@') {
        // socket2 takes a leading NUL as the abstract namespace, with no terminator (as libzmq does).
        Some(name) => SockAddr::unix(format!("\0{name}")),
        None => SockAddr::unix(path),
    }
}

/// A fresh directory for `ipc://*`.
fn temp_dir() -> io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("ferrozmq-{}-{n}-{nanos:x}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            r => return r.map(|()| dir),
        }
    }
}

/// Binds a unix listener; returns it with its endpoint string.
pub(super) fn bind(path: &str, options: &Options) -> Result<(IpcListener, String)> {
    let (path, temp_dir) = if path == "*" {
        let dir = temp_dir()?;
        (dir.join("socket").to_string_lossy().into_owned(), Some(dir))
    } else {
        (path.to_owned(), None)
    };
    let bound = bind_at(&path, options);
    if bound.is_err() {
        if let Some(dir) = &temp_dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
    let (listener, file) = bound?;
    Ok((
        IpcListener {
            listener,
            file,
            temp_dir,
        },
        format!("ipc://{path}"),
    ))
}

fn bind_at(path: &str, options: &Options) -> Result<(UnixListener, Option<FileId>)> {
    let is_file = !path.starts_with('@');
    if is_file {
        // libzmq replaces whatever is there: a stale socket file from a crashed process, typically.
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(Error::from_bind(e)),
            _ => {}
        }
    }
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address(path)?).map_err(Error::from_bind)?;
    socket.listen(options.backlog.max(1))?;
    let listener = UnixListener::from_std(socket.into());
    let file = if is_file {
        let m = std::fs::metadata(Path::new(path))?;
        Some((PathBuf::from(path), (m.dev(), m.ino())))
    } else {
        None
    };
    Ok((listener, file))
}

/// Starts a non-blocking connect.
pub(super) fn connect(path: &str) -> io::Result<UnixStream> {
    match path.strip_prefix('@') {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Some(name) => {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            UnixStream::connect_addr(&addr)
        }
        _ => UnixStream::connect(path),
    }
}
