//! Endpoint strings (`tcp://host:port`, `ipc://path`, `inproc://name`): parsing and display.
//!
//! Parsing checks syntax only; addresses are resolved when a transport binds or connects (host names are
//! looked up on every connect attempt, as libzmq does).

use std::fmt;
use std::net::IpAddr;

use crate::error::{Error, Result};

/// The longest ipc path: `sun_path` holds 108 bytes with the terminating NUL.
pub(crate) const MAX_IPC_PATH: usize = 107;

/// The host part of a tcp endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    /// `*`: every interface (bind only).
    Any,
    /// A literal IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A host name, looked up on connect.
    Name(String),
}

/// A parsed endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `tcp://host:port`; port 0 (written `*` or `0`) asks the OS for one (bind only).
    Tcp {
        /// Where.
        host: Host,
        /// The port; 0 for any.
        port: u16,
    },
    /// `ipc://path`: a unix socket path, `@name` in Linux's abstract namespace, or `*` for a generated path
    /// (bind only).
    Ipc {
        /// The path as written after `ipc://`.
        path: String,
    },
    /// `inproc://name`.
    Inproc(String),
}

/// Parses an endpoint string.
///
/// # Errors
/// [`Error::ProtocolNotSupported`] for an unknown or not built-in transport, [`Error::Invalid`] for a
/// malformed address.
pub(crate) fn parse(s: &str) -> Result<Endpoint> {
    let (scheme, address) = s
        .split_once("://")
        .ok_or_else(|| Error::invalid(format!("`{s}` is not transport://address")))?;
    if scheme.is_empty() || address.is_empty() {
        return Err(Error::invalid(format!(
            "`{s}` lacks a transport or an address"
        )));
    }
    match scheme {
        "tcp" => parse_tcp(address),
        "ipc" => parse_ipc(address),
        "inproc" => Ok(Endpoint::Inproc(address.to_owned())),
        // pgm, epgm, norm, tipc, vmci, udp, ws, wss and anything unknown.
        _ => Err(Error::ProtocolNotSupported),
    }
}

fn parse_tcp(address: &str) -> Result<Endpoint> {
    let bad = |why: &str| Error::invalid(format!("tcp address `{address}`: {why}"));
    if address.contains(';') {
        return Err(bad("a source address is not supported"));
    }
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let (ip, rest) = rest.split_once(']').ok_or_else(|| bad("missing `]`"))?;
        let port = rest
            .strip_prefix(':')
            .ok_or_else(|| bad("missing `:port`"))?;
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| bad("not an IPv6 address in brackets"))?;
        (Host::Ip(ip), port)
    } else {
        let (host, port) = address
            .rsplit_once(':')
            .ok_or_else(|| bad("missing `:port`"))?;
        let host = match host {
            "" => return Err(bad("empty host")),
            "*" => Host::Any,
            h => match h.parse::<IpAddr>() {
                Ok(ip) => Host::Ip(ip),
                Err(_) if valid_host_name(h) => Host::Name(h.to_owned()),
                Err(_) => return Err(bad("not an address or a host name")),
            },
        };
        (host, port)
    };
    let port = match port {
        "*" => 0,
        p if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u16>().map_err(|_| bad("port out of range"))?
        }
        _ => return Err(bad("the port is a number or `*`")),
    };
    Ok(Endpoint::Tcp { host, port })
}

/// A host or interface name: letters, digits, `-`, `_` and `.`, starting with a letter or digit.
fn valid_host_name(h: &str) -> bool {
    h.len() <= 253
        && h.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn parse_ipc(path: &str) -> Result<Endpoint> {
    // An abstract name replaces the `@` with a NUL and needs no terminator: one more byte fits.
    let max = if path.starts_with('@') {
        MAX_IPC_PATH + 1
    } else {
        MAX_IPC_PATH
    };
    if path.len() > max {
        return Err(Error::invalid(format!("ipc path longer than {max} bytes")));
    }
    if path.contains('\0') {
        return Err(Error::invalid("ipc path contains a NUL byte"));
    }
    if path.starts_with('@') && !cfg!(any(target_os = "linux", target_os = "android")) {
        return Err(Error::invalid("abstract ipc names need Linux"));
    }
    Ok(Endpoint::Ipc {
        path: path.to_owned(),
    })
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Self::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Self::Name(name) => f.write_str(name),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Self::Ipc { path } => write!(f, "ipc://{path}"),
            Self::Inproc(name) => write!(f, "inproc://{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    fn tcp(host: Host, port: u16) -> Endpoint {
        Endpoint::Tcp { host, port }
    }

    #[test]
    fn tcp_forms() {
        assert_eq!(parse("tcp://*:5555").unwrap(), tcp(Host::Any, 5555));
        assert_eq!(
            parse("tcp://127.0.0.1:*").unwrap(),
            tcp(Host::Ip(Ipv4Addr::LOCALHOST.into()), 0)
        );
        assert_eq!(
            parse("tcp://127.0.0.1:0").unwrap(),
            tcp(Host::Ip(Ipv4Addr::LOCALHOST.into()), 0)
        );
        assert_eq!(
            parse("tcp://[::1]:5555").unwrap(),
            tcp(Host::Ip(Ipv6Addr::LOCALHOST.into()), 5555)
        );
        assert_eq!(
            parse("tcp://::1:5555").unwrap(),
            tcp(Host::Ip(Ipv6Addr::LOCALHOST.into()), 5555)
        );
        assert_eq!(
            parse("tcp://localhost:80").unwrap(),
            tcp(Host::Name("localhost".into()), 80)
        );
        assert_eq!(
            parse("tcp://eth0:80").unwrap(),
            tcp(Host::Name("eth0".into()), 80)
        );
    }

    #[test]
    fn malformed_tcp_is_invalid() {
        for s in [
            "tcp://127.0.0.1",
            "tcp://:5555",
            "tcp://127.0.0.1:",
            "tcp://127.0.0.1:65536",
            "tcp://127.0.0.1:-1",
            "tcp://127.0.0.1:5x",
            "tcp://[::1:5555",
            "tcp://[::1]5555",
            "tcp://[nope]:1",
            "tcp://bad host:1",
            "tcp://-x:1",
            "tcp://",
            "tcp:/127.0.0.1:1",
            "127.0.0.1:5555",
        ] {
            assert!(matches!(parse(s), Err(Error::Invalid(_))), "{s}");
        }
    }

    #[test]
    fn ipc_and_inproc() {
        assert_eq!(
            parse("ipc:///tmp/x").unwrap(),
            Endpoint::Ipc {
                path: "/tmp/x".into()
            }
        );
        assert_eq!(
            parse("ipc://@name").unwrap(),
            Endpoint::Ipc {
                path: "@name".into()
            }
        );
        assert_eq!(
            parse("ipc://*").unwrap(),
            Endpoint::Ipc { path: "*".into() }
        );
        assert_eq!(
            parse("inproc://a/b").unwrap(),
            Endpoint::Inproc("a/b".into())
        );
        let long = format!("ipc:///{}", "x".repeat(MAX_IPC_PATH));
        assert!(matches!(parse(&long), Err(Error::Invalid(_))));
        assert!(matches!(parse("inproc://"), Err(Error::Invalid(_))));
    }

    #[test]
    fn unknown_scheme_is_not_supported() {
        for s in [
            "udp://1.2.3.4:5",
            "pgm://eth0;239.1.1.1:5555",
            "http://x:1",
            "ws://x:1/",
        ] {
            assert!(matches!(parse(s), Err(Error::ProtocolNotSupported)), "{s}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "tcp://127.0.0.1:41234",
            "tcp://[::1]:5555",
            "tcp://*:5555",
            "tcp://localhost:1",
            "ipc:///tmp/x",
        ] {
            assert_eq!(parse(s).unwrap().to_string(), s);
        }
        assert_eq!(parse("tcp://::1:7").unwrap().to_string(), "tcp://[::1]:7");
        assert_eq!(parse("tcp://*:*").unwrap().to_string(), "tcp://*:0");
    }
}
