//! PLAIN (RFC 24): the client sends its user name and password in HELLO; the server asks ZAP, then
//! WELCOME, INITIATE (client metadata) and READY (server metadata) follow.
//!
//! ```text
//! C: HELLO ulen user plen pass   S: (ZAP)  WELCOME | ERROR
//! C: INITIATE metadata           S: READY metadata
//! ```

use bytes::{BufMut, Bytes};

use super::zap::Zap;
use super::{unexpected, Mechanism, PeerProperties, Status, HELLO, INITIATE, WELCOME};
use crate::command::{self, Command};
use crate::config::Config;
use crate::error::{Error, Malformation};
use crate::{SocketType, ZapReply, ZapRequest};

/// How libzmq's PLAIN names ERROR. Its source spells the name `"\x05ERROR"`, which C reads as the hex
/// escape `\x05E` (0x5E) then `RROR`: libzmq's PLAIN server sends this, and its PLAIN client knows an
/// ERROR only by it (RFC 24's `\x05ERROR` makes it fail with ZMTP_UNEXPECTED_COMMAND). Our server
/// sends it so that libzmq clients learn the ZAP status; our client takes both spellings.
const LIBZMQ_ERROR: &[u8] = b"\x5eRROR";

/// An ERROR body with `reason`, spelled as libzmq's PLAIN spells it ([`LIBZMQ_ERROR`]).
fn libzmq_error(reason: &str) -> Bytes {
    let reason = &reason.as_bytes()[..reason.len().min(255)];
    let mut body = bytes::BytesMut::with_capacity(LIBZMQ_ERROR.len() + 1 + reason.len());
    body.put_slice(LIBZMQ_ERROR);
    body.put_u8(reason.len() as u8);
    body.put_slice(reason);
    body.freeze()
}

/// The HELLO body for these credentials (each cut to 255 bytes).
fn hello(username: &[u8], password: &[u8]) -> Bytes {
    let username = &username[..username.len().min(255)];
    let password = &password[..password.len().min(255)];
    let mut body = command::start(HELLO, 2 + username.len() + password.len());
    body.put_u8(username.len() as u8);
    body.put_slice(username);
    body.put_u8(password.len() as u8);
    body.put_slice(password);
    body.freeze()
}

/// The user name and password of a HELLO's data; every byte must be accounted for.
fn parse_hello(data: &Bytes) -> Result<(Bytes, Bytes), Error> {
    let bad = || Error::malformed(Malformation::HelloCommand);
    let ulen = usize::from(*data.first().ok_or_else(bad)?);
    let username = data.get(1..1 + ulen).ok_or_else(bad)?;
    let plen = usize::from(*data.get(1 + ulen).ok_or_else(bad)?);
    if data.len() != 2 + ulen + plen {
        return Err(bad());
    }
    Ok((Bytes::copy_from_slice(username), data.slice(2 + ulen..)))
}

/// What a PLAIN client waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientWait {
    Welcome,
    Ready,
    Nothing,
}

/// The PLAIN client.
#[derive(Debug)]
pub(crate) struct PlainClient {
    local: SocketType,
    /// INITIATE, made up front (it carries only our metadata).
    initiate: Option<Bytes>,
    out: Option<Bytes>,
    wait: ClientWait,
    peer: Option<PeerProperties>,
}

impl PlainClient {
    pub(crate) fn new(config: &Config, username: &[u8], password: &[u8]) -> Self {
        Self {
            local: config.socket_type,
            initiate: Some(super::metadata_command(INITIATE, config)),
            out: Some(hello(username, password)),
            wait: ClientWait::Welcome,
            peer: None,
        }
    }
}

impl Mechanism for PlainClient {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        self.out.take()
    }

    fn parse_command(&self, body: Bytes) -> Result<Command, Error> {
        if body.starts_with(LIBZMQ_ERROR) {
            return Ok(Command {
                name: Bytes::from_static(command::ERROR),
                data: body.slice(LIBZMQ_ERROR.len()..),
            });
        }
        Command::parse(body)
    }

    fn process_handshake_command(&mut self, cmd: Command) -> Result<(), Error> {
        match self.wait {
            ClientWait::Welcome if cmd.is(WELCOME) => {
                if !cmd.data.is_empty() {
                    return Err(Error::malformed(Malformation::WelcomeCommand));
                }
                self.out = self.initiate.take();
                self.wait = ClientWait::Ready;
                Ok(())
            }
            ClientWait::Ready if cmd.is(command::READY) => {
                self.peer = Some(super::parse_peer_metadata(self.local, &cmd.data)?);
                self.wait = ClientWait::Nothing;
                Ok(())
            }
            _ => Err(unexpected(&cmd)),
        }
    }

    fn status(&self) -> Status {
        Status::when(self.wait == ClientWait::Nothing, &self.out)
    }

    fn peer_properties(&self) -> Option<PeerProperties> {
        self.peer.clone()
    }
}

/// What a PLAIN server waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerWait {
    Hello,
    Zap,
    Initiate,
    Nothing,
}

/// The PLAIN server.
#[derive(Debug)]
pub(crate) struct PlainServer {
    config: Config,
    out: Option<Bytes>,
    wait: ServerWait,
    zap: Zap,
    peer: Option<PeerProperties>,
}

impl PlainServer {
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            config: config.clone(),
            out: None,
            wait: ServerWait::Hello,
            zap: Zap::Idle,
            peer: None,
        }
    }
}

impl Mechanism for PlainServer {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        self.out.take()
    }

    fn process_handshake_command(&mut self, cmd: Command) -> Result<(), Error> {
        match self.wait {
            ServerWait::Hello if cmd.is(HELLO) => {
                let (username, password) = parse_hello(&cmd.data)?;
                if !self.config.zap_handler {
                    return Err(Error::ZapUnavailable);
                }
                self.zap = Zap::ask(&self.config, "PLAIN", vec![username, password]);
                self.wait = ServerWait::Zap;
                Ok(())
            }
            ServerWait::Initiate if cmd.is(INITIATE) => {
                self.peer = Some(super::parse_peer_metadata(
                    self.config.socket_type,
                    &cmd.data,
                )?);
                self.out = Some(super::metadata_command(command::READY, &self.config));
                self.wait = ServerWait::Nothing;
                Ok(())
            }
            _ => Err(unexpected(&cmd)),
        }
    }

    fn status(&self) -> Status {
        Status::when(self.wait == ServerWait::Nothing, &self.out)
    }

    fn peer_properties(&self) -> Option<PeerProperties> {
        self.zap.merge(self.peer.as_ref())
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        self.zap.take_request()
    }

    fn zap_reply(&mut self, reply: ZapReply) -> Result<(), Error> {
        if self.zap.on_reply(reply, &mut self.out, libzmq_error)? {
            self.out = Some(command::build(WELCOME, b""));
            self.wait = ServerWait::Initiate;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_layout() {
        assert_eq!(
            &hello(b"admin", b"secret")[..],
            b"\x05HELLO\x05admin\x06secret"
        );
        assert_eq!(&hello(b"", b"")[..], b"\x05HELLO\x00\x00");
        let long = hello(&[b'u'; 300], b"p");
        assert_eq!(long.len(), 6 + 1 + 255 + 1 + 1);
    }

    #[test]
    fn hello_parsing_is_exact() {
        let data = |b: &'static [u8]| Bytes::from_static(b);
        let (u, p) = parse_hello(&data(b"\x05admin\x06secret")).unwrap();
        assert_eq!((&u[..], &p[..]), (&b"admin"[..], &b"secret"[..]));
        for bad in [
            &b""[..],
            b"\x05adm",
            b"\x05admin",
            b"\x05admin\x06secre",
            b"\x05admin\x06secretX",
        ] {
            assert_eq!(
                parse_hello(&Bytes::copy_from_slice(bad)),
                Err(Error::malformed(Malformation::HelloCommand)),
                "{bad:?}"
            );
        }
    }
}
