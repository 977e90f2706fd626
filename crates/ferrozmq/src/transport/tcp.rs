//! tcp: listeners with SO_REUSEADDR and the socket's backlog, dual-stack with IPV6, TCP_NODELAY on streams.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use mio::net::{TcpListener, TcpStream};
use socket2::{Domain, Protocol, Socket, Type};

use crate::endpoint::Host;
use crate::error::{Error, Result};
use crate::options::Options;

/// Binds `host:port` (port 0: the OS picks one). `*` is every IPv4 interface, or every IPv4 and IPv6 one
/// when the IPV6 option is set.
pub(super) fn bind(host: &Host, port: u16, options: &Options) -> Result<(TcpListener, String)> {
    let ip = match host {
        Host::Any if options.ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        Host::Any => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
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
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into()).map_err(Error::from_bind)?;
    socket.listen(options.backlog.max(1))?;
    let listener = TcpListener::from_std(socket.into());
    let local = listener.local_addr()?;
    Ok((listener, format!("tcp://{local}")))
}

/// Resolves `host:port` for a connect: the first address, IPv4 only unless `ipv6` is set.
fn resolve(host: &Host, port: u16, ipv6: bool) -> io::Result<SocketAddr> {
    match host {
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

/// Starts a non-blocking connect.
pub(super) fn connect(host: &Host, port: u16, ipv6: bool) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(resolve(host, port, ipv6)?)?;
    stream.set_nodelay(true)?;
    Ok(stream)
}
