//! Test-only crate: ferrozmq against real libzmq and against hand-written ZMTP peers.
//!
//! The tests live in `tests/`: `libzmq.rs` runs every pattern both ways round against libzmq (the `zmq`
//! crate, linked to the system's libzmq; a dev-dependency of this crate only), and `wire.rs` talks raw
//! ZMTP over TCP: a ZMTP 3.0 subscriber, and peers that send garbage, a wrong greeting, an incompatible
//! socket type, an oversized frame, or stall in the handshake.
//!
//! This library holds the raw ZMTP peer those tests share: just enough of ZMTP 3.x (greeting, NULL
//! handshake, frames, commands) written from the spec, independent of `zmtp` and of ferrozmq.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Frame flag: more frames of this message follow.
pub const FLAG_MORE: u8 = 0x01;
/// Frame flag: the size is 8 bytes.
pub const FLAG_LONG: u8 = 0x02;
/// Frame flag: the frame is a command.
pub const FLAG_COMMAND: u8 = 0x04;

/// A 64-byte ZMTP 3.x greeting: `minor` 0 for ZMTP 3.0, 1 for 3.1.
pub fn greeting(minor: u8, mechanism: &str, as_server: bool) -> [u8; 64] {
    let mut g = [0u8; 64];
    g[0] = 0xFF;
    g[8] = 0x01; // as libzmq: padding that a ZMTP 1.0 peer reads as a 1-byte identity
    g[9] = 0x7F;
    g[10] = 3;
    g[11] = minor;
    let m = mechanism.as_bytes();
    g[12..12 + m.len().min(20)].copy_from_slice(&m[..m.len().min(20)]);
    g[32] = u8::from(as_server);
    g
}

/// Encodes one frame with the given flags (LONG is added when the body needs it).
pub fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 9);
    if body.len() > 255 {
        out.push(flags | FLAG_LONG);
        out.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        out.push(flags);
        out.push(body.len() as u8);
    }
    out.extend_from_slice(body);
    out
}

/// Encodes a message frame.
pub fn message_frame(body: &[u8], more: bool) -> Vec<u8> {
    frame(if more { FLAG_MORE } else { 0 }, body)
}

/// Encodes a command frame: `len(1) name data`.
pub fn command(name: &str, data: &[u8]) -> Vec<u8> {
    let mut body = vec![name.len() as u8];
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    frame(FLAG_COMMAND, &body)
}

/// Encodes a READY command carrying the given properties.
pub fn ready(props: &[(&str, &[u8])]) -> Vec<u8> {
    let mut data = Vec::new();
    for (name, value) in props {
        data.push(name.len() as u8);
        data.extend_from_slice(name.as_bytes());
        data.extend_from_slice(&(value.len() as u32).to_be_bytes());
        data.extend_from_slice(value);
    }
    command("READY", &data)
}

/// One frame as read from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    /// The flags byte.
    pub flags: u8,
    /// The body.
    pub body: Vec<u8>,
}

impl RawFrame {
    /// Whether this is a command frame.
    pub fn is_command(&self) -> bool {
        self.flags & FLAG_COMMAND != 0
    }

    /// Whether more frames of the message follow.
    pub fn more(&self) -> bool {
        self.flags & FLAG_MORE != 0
    }

    /// For a command, its name and data.
    pub fn command(&self) -> Option<(&[u8], &[u8])> {
        if !self.is_command() || self.body.is_empty() {
            return None;
        }
        let n = usize::from(self.body[0]);
        (self.body.len() > n).then(|| (&self.body[1..=n], &self.body[1 + n..]))
    }
}

/// Parses READY/INITIATE-style properties: `name-len(1) name value-len(4 BE) value`.
pub fn parse_properties(mut data: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut props = Vec::new();
    while !data.is_empty() {
        let n = usize::from(data[0]);
        let name = data.get(1..1 + n)?;
        let len = u32::from_be_bytes(data.get(1 + n..5 + n)?.try_into().ok()?) as usize;
        let value = data.get(5 + n..5 + n + len)?;
        props.push((String::from_utf8_lossy(name).into_owned(), value.to_vec()));
        data = &data[5 + n + len..];
    }
    Some(props)
}

/// What the other side said in its greeting and READY.
#[derive(Debug, Clone)]
pub struct PeerHello {
    /// The peer's 64-byte greeting.
    pub greeting: Vec<u8>,
    /// The peer's READY properties.
    pub properties: Vec<(String, Vec<u8>)>,
}

impl PeerHello {
    /// A property's value, by case-insensitive name.
    pub fn property(&self, name: &str) -> Option<&[u8]> {
        self.properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

/// A hand-driven ZMTP peer over one TCP connection.
#[derive(Debug)]
pub struct RawPeer {
    stream: TcpStream,
}

impl RawPeer {
    /// Connects to `addr`.
    ///
    /// # Errors
    /// The connect's error.
    pub fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        Self::from_stream(stream)
    }

    /// Accepts one connection on `listener`, waiting at most `wait`.
    ///
    /// # Errors
    /// `TimedOut` if nobody connects in time.
    pub fn accept(listener: &TcpListener, wait: Duration) -> io::Result<Self> {
        listener.set_nonblocking(true)?;
        let deadline = Instant::now() + wait;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    return Self::from_stream(stream);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    return Err(ErrorKind::TimedOut.into())
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn from_stream(stream: TcpStream) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        stream.set_write_timeout(Some(Duration::from_secs(5)))?;
        Ok(Self { stream })
    }

    /// Writes raw bytes.
    ///
    /// # Errors
    /// The write's error (the other side may have closed the connection).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads exactly `n` bytes (within the 5 s read timeout).
    ///
    /// # Errors
    /// EOF or a timeout.
    pub fn read_exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; n];
        self.stream.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// Greeting exchange and NULL handshake as a socket of type `socket_type` ("SUB", "PUSH"...),
    /// speaking ZMTP 3.`minor`.
    ///
    /// # Errors
    /// I/O errors, or `InvalidData` if the peer's greeting or READY is malformed.
    pub fn handshake(&mut self, minor: u8, socket_type: &str) -> io::Result<PeerHello> {
        self.send_raw(&greeting(minor, "NULL", false))?;
        let g = self.read_exact(64)?;
        if g[0] != 0xFF || g[9] & 1 != 1 || g[10] < 3 || &g[12..16] != b"NULL" {
            return Err(io::Error::new(
                ErrorKind::InvalidData,
                format!("bad greeting {g:02x?}"),
            ));
        }
        self.send_raw(&ready(&[("Socket-Type", socket_type.as_bytes())]))?;
        let f = self.read_frame()?;
        let props = match f.command() {
            Some((b"READY", data)) => parse_properties(data),
            _ => None,
        };
        let properties = props.ok_or_else(|| {
            io::Error::new(ErrorKind::InvalidData, format!("expected READY, got {f:?}"))
        })?;
        Ok(PeerHello {
            greeting: g,
            properties,
        })
    }

    /// Reads one frame.
    ///
    /// # Errors
    /// EOF, a timeout, or `InvalidData` for a frame over 64 MiB.
    pub fn read_frame(&mut self) -> io::Result<RawFrame> {
        let head = self.read_exact(2)?;
        let flags = head[0];
        let len = if flags & FLAG_LONG != 0 {
            let mut rest = [0u8; 7];
            self.stream.read_exact(&mut rest)?;
            let mut all = [0u8; 8];
            all[0] = head[1];
            all[1..].copy_from_slice(&rest);
            u64::from_be_bytes(all)
        } else {
            u64::from(head[1])
        };
        if len > 64 << 20 {
            return Err(io::Error::new(
                ErrorKind::InvalidData,
                format!("frame of {len} bytes"),
            ));
        }
        let body = self.read_exact(len as usize)?;
        Ok(RawFrame { flags, body })
    }

    /// Reads the next whole message, answering PINGs and skipping other commands.
    ///
    /// # Errors
    /// As for [`RawPeer::read_frame`].
    pub fn read_message(&mut self) -> io::Result<Vec<Vec<u8>>> {
        let mut parts = Vec::new();
        loop {
            let f = self.read_frame()?;
            if f.is_command() {
                if let Some((b"PING", data)) = f.command() {
                    let context = data.get(2..).unwrap_or_default().to_vec();
                    self.send_raw(&command("PONG", &context))?;
                }
                continue;
            }
            let more = f.more();
            parts.push(f.body);
            if !more {
                return Ok(parts);
            }
        }
    }

    /// Like [`RawPeer::read_message`], but `Ok(None)` if nothing arrives within `wait`.
    ///
    /// # Errors
    /// As for [`RawPeer::read_frame`]; a message cut by the timeout is an error.
    pub fn try_read_message(&mut self, wait: Duration) -> io::Result<Option<Vec<Vec<u8>>>> {
        self.stream.set_read_timeout(Some(wait))?;
        let mut first = [0u8; 1];
        let r = self.stream.peek(&mut first);
        self.stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        match r {
            Ok(0) => Err(ErrorKind::UnexpectedEof.into()),
            Ok(_) => self.read_message().map(Some),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the other side closes the connection within `wait`; whatever it sends meanwhile is
    /// discarded.
    pub fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(50)));
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) => {}
                Err(_) => return true, // reset
            }
            if Instant::now() >= deadline {
                return false;
            }
        }
    }
}
