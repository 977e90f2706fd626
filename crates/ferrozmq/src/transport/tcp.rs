//! tcp: listeners with SO_REUSEADDR and the socket's backlog, dual-stack with IPV6, TCP_NODELAY on streams,
//! and the socket's tcp options (SNDBUF, RCVBUF, TOS, TCP_KEEPALIVE*) on every listener and stream, as
//! libzmq applies them.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};

use crate::endpoint::Host;
use crate::error::{Error, Result};
use crate::options::{Options, TcpOptions};

/// Binds `host:port` (port 0: the OS picks one). `*` is every IPv4 interface, or every IPv4 and IPv6 one
/// when the IPV6 option is set; an IPv6 address without IPV6 is no device, as in libzmq.
pub(super) fn bind(host: &Host, port: u16, options: &Options) -> Result<(TcpListener, String)> {
    let ip = match host {
        Host::Any if options.ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        Host::Any => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Host::Ip(IpAddr::V6(_)) if !options.ipv6 => return Err(Error::NoDevice),
        Host::Ip(ip) => *ip,
        // libzmq takes a name here as a network interface and fails with ENODEV when it is none; looking
        // interfaces up needs getifaddrs, which this crate does not call.
        Host::Name(_) => return Err(Error::NoDevice),
    };
    let addr = SocketAddr::new(ip, port);
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        // Accept IPv4 too (libzmq's enable_ipv4_mapping); a kernel without IPv4 refuses, which is fine.
        let _ = socket.set_only_v6(false);
    }
    // Buffers and TOS set on the listener are inherited by the connections it accepts.
    tune(&SockRef::from(&socket), &options.tcp, addr.is_ipv6());
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into()).map_err(Error::from_bind)?;
    socket.listen(options.backlog.max(1))?;
    let listener = TcpListener::from_std(socket.into());
    let local = listener.local_addr()?;
    Ok((listener, format!("tcp://{local}")))
}

/// Resolves `host:port` for a connect: the first address, IPv4 only unless `ipv6` is set (an IPv6
/// literal without it does not resolve, so the connect is retried as libzmq retries it).
fn resolve(host: &Host, port: u16, ipv6: bool) -> io::Result<SocketAddr> {
    match host {
        Host::Ip(IpAddr::V6(_)) if !ipv6 => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an IPv6 address needs the IPV6 option",
        )),
        Host::Ip(ip) => Ok(SocketAddr::new(*ip, port)),
        Host::Name(name) => (name.as_str(), port)
            .to_socket_addrs()?
            .find(|a| ipv6 || a.is_ipv4())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("`{name}` has no usable address"),
                )
            }),
        Host::Any => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "cannot connect to `*`",
        )),
    }
}

/// Starts a non-blocking connect, with the socket's tcp options set before it.
pub(super) fn connect(host: &Host, port: u16, options: &Options) -> io::Result<TcpStream> {
    let addr = resolve(host, port, options.ipv6)?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    tune(&SockRef::from(&socket), &options.tcp, addr.is_ipv6());
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    let stream = TcpStream::from_std(socket.into());
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Applies the socket's options to an accepted stream (keepalives are not inherited everywhere).
pub(super) fn tune_accepted(stream: &TcpStream, tcp: &TcpOptions) {
    let ipv6 = stream.local_addr().is_ok_and(|a| a.is_ipv6());
    tune(&SockRef::from(stream), tcp, ipv6);
}

/// Sets SNDBUF, RCVBUF, TOS and the keepalive options that are not left at -1. Failures are ignored,
/// as libzmq ignores them: the connection works with the OS defaults.
fn tune(s: &SockRef<'_>, tcp: &TcpOptions, ipv6: bool) {
    if let Ok(size) = usize::try_from(tcp.sndbuf) {
        let _ = s.set_send_buffer_size(size);
    }
    if let Ok(size) = usize::try_from(tcp.rcvbuf) {
        let _ = s.set_recv_buffer_size(size);
    }
    if let Ok(tos @ 1..) = u32::try_from(tcp.tos) {
        let _ = s.set_tos(tos);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if ipv6 {
            let _ = s.set_tclass_v6(tos);
        }
    }
    let _ = ipv6;
    match tcp.keepalive {
        0 => {
            let _ = s.set_keepalive(false);
        }
        1 => {
            let mut params = TcpKeepalive::new();
            if let Ok(secs @ 1..) = u64::try_from(tcp.keepalive_idle) {
                params = params.with_time(Duration::from_secs(secs));
            }
            if let Ok(secs @ 1..) = u64::try_from(tcp.keepalive_intvl) {
                params = params.with_interval(Duration::from_secs(secs));
            }
            if let Ok(count @ 1..) = u32::try_from(tcp.keepalive_cnt) {
                params = params.with_retries(count);
            }
            let _ = s.set_tcp_keepalive(&params);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        let mut o = Options::default();
        for (opt, v) in [
            (crate::options::opt::SNDBUF, 65536),
            (crate::options::opt::RCVBUF, 131072),
            (crate::options::opt::TOS, 0x28),
            (crate::options::opt::TCP_KEEPALIVE, 1),
            (crate::options::opt::TCP_KEEPALIVE_IDLE, 33),
            (crate::options::opt::TCP_KEEPALIVE_INTVL, 7),
            (crate::options::opt::TCP_KEEPALIVE_CNT, 4),
        ] {
            assert!(o.set_int(opt, v).unwrap());
        }
        o
    }

    /// What the kernel holds for a stream tuned with [`options`].
    fn assert_tuned(s: &SockRef<'_>) {
        // Linux doubles the buffer sizes it is given (for bookkeeping) and reports the doubled value.
        assert!(s.send_buffer_size().unwrap() >= 65536);
        assert!(s.recv_buffer_size().unwrap() >= 131072);
        assert_eq!(s.tos().unwrap(), 0x28);
        assert!(s.keepalive().unwrap());
        assert_eq!(s.keepalive_time().unwrap(), Duration::from_secs(33));
        assert_eq!(s.keepalive_interval().unwrap(), Duration::from_secs(7));
        assert_eq!(s.keepalive_retries().unwrap(), 4);
    }

    #[test]
    fn options_reach_listener_connected_and_accepted_streams() {
        let o = options();
        let (listener, name) = bind(&Host::Ip(Ipv4Addr::LOCALHOST.into()), 0, &o).unwrap();
        let port: u16 = name.rsplit(':').next().unwrap().parse().unwrap();
        assert_eq!(SockRef::from(&listener).tos().unwrap(), 0x28);
        let connected = connect(&Host::Ip(Ipv4Addr::LOCALHOST.into()), port, &o).unwrap();
        assert_tuned(&SockRef::from(&connected));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let accepted = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(std::time::Instant::now() < deadline, "no connection");
                    std::thread::yield_now();
                }
                Err(e) => panic!("{e}"),
            }
        };
        tune_accepted(&accepted, &o.tcp);
        assert_tuned(&SockRef::from(&accepted));
    }

    #[test]
    fn ipv6_literals_need_the_ipv6_option() {
        let o = Options::default();
        assert!(matches!(
            bind(&Host::Ip(Ipv6Addr::LOCALHOST.into()), 0, &o),
            Err(Error::NoDevice)
        ));
        assert!(connect(&Host::Ip(Ipv6Addr::LOCALHOST.into()), 9, &o).is_err());
    }
}
