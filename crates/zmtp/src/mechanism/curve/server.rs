//! The CURVE server: checks HELLO, answers WELCOME with a cookie, checks INITIATE and its vouch,
//! asks ZAP, then READY.
//!
//! The server keeps no short-term secret between WELCOME and INITIATE: s′ travels inside the cookie,
//! boxed with a cookie key made fresh for each handshake and wiped once INITIATE has used it (RFC 26
//! asks for a key that rotates at least every minute; one per handshake rotates faster).

use bytes::{BufMut, Bytes, BytesMut};
use crypto_box::{SalsaBox, SecretKey};
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use zeroize::Zeroizing;

use super::client::{COOKIE_LEN, HELLO_DATA_LEN, HELLO_PADDING, VOUCH_LEN, WELCOME_DATA_LEN};
use super::message::MessageCodec;
use super::{
    ephemeral_key, nonce, open, put_short_box, random, read_u64, seal_into, COOKIE_PREFIX,
    HELLO_PREFIX, INITIATE_PREFIX, LONG_NONCE_LEN, MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER,
    READY_PREFIX, SHORT_NONCE_LEN, TAG_LEN, VOUCH_PREFIX, WELCOME_PREFIX,
};
use crate::command::{self, Command};
use crate::config::Config;
use crate::decoder::{RawFrame, WireFrame};
use crate::error::{Error, Malformation};
use crate::keys::{box_public, CurveSecretKey, KEY_LEN};
use crate::mechanism::zap::Zap;
use crate::mechanism::{unexpected, Mechanism, PeerProperties, Status, HELLO, INITIATE, WELCOME};
use crate::write_buf::WriteBuf;
use crate::{ZapReply, ZapRequest};

/// The smallest INITIATE data: cookie, short nonce, Box[C + vouch].
pub(super) const MIN_INITIATE_DATA_LEN: usize =
    COOKIE_LEN + SHORT_NONCE_LEN + TAG_LEN + KEY_LEN + VOUCH_LEN;

/// What the server waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Hello,
    Initiate,
    Zap,
    Nothing,
}

/// The CURVE server.
pub(crate) struct CurveServer {
    config: Config,
    public: [u8; KEY_LEN],
    secret: SecretKey,
    wait: Wait,
    out: Option<Bytes>,
    /// The client's short-term public key C′, from HELLO.
    client_cn: [u8; KEY_LEN],
    /// The key of this handshake's cookie, between WELCOME and INITIATE.
    cookie_key: Option<Zeroizing<[u8; 32]>>,
    /// The nonce of our next command.
    nonce: u64,
    /// The nonce of the client's last command.
    peer_nonce: u64,
    /// Box(C′, s′), from INITIATE until READY.
    session: Option<SalsaBox>,
    codec: Option<MessageCodec>,
    zap: Zap,
    peer: Option<PeerProperties>,
}

impl std::fmt::Debug for CurveServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveServer")
            .field("wait", &self.wait)
            .field("nonce", &self.nonce)
            .field("peer_nonce", &self.peer_nonce)
            .finish_non_exhaustive()
    }
}

impl CurveServer {
    /// A server with its long-term secret key (the public key is derived from it).
    pub(crate) fn new(config: &Config, secret: &CurveSecretKey) -> Self {
        Self {
            config: config.clone(),
            public: secret.public_key(),
            secret: secret.to_box_key(),
            wait: Wait::Hello,
            out: None,
            client_cn: [0; KEY_LEN],
            cookie_key: None,
            nonce: 1,
            peer_nonce: 0,
            session: None,
            codec: None,
            zap: Zap::Idle,
            peer: None,
        }
    }

    /// Checks HELLO and makes WELCOME.
    fn on_hello(&mut self, data: &[u8]) -> Result<Bytes, Error> {
        let bad = || Error::malformed(Malformation::HelloCommand);
        if data.len() != HELLO_DATA_LEN || data.get(..2) != Some(&[1, 0][..]) {
            return Err(bad());
        }
        let rest = data.get(2 + HELLO_PADDING..).ok_or_else(bad)?;
        let (client_cn, rest) = rest.split_at(KEY_LEN);
        let (short_nonce, boxed) = rest.split_at(SHORT_NONCE_LEN);
        self.client_cn = client_cn.try_into().map_err(|_| bad())?;
        let client = box_public(&self.client_cn);
        open(
            &SalsaBox::new(&client, &self.secret),
            &nonce(HELLO_PREFIX, short_nonce),
            boxed,
        )?;
        self.peer_nonce = read_u64(short_nonce).ok_or_else(bad)?;

        // Our short-term key pair; s′ leaves this function only inside the cookie.
        let server_cn = ephemeral_key()?;
        let cookie_key = Zeroizing::new(random::<32>()?);
        let cookie_nonce = random::<LONG_NONCE_LEN>()?;
        let mut cookie_plain = Zeroizing::new([0u8; 2 * KEY_LEN]);
        cookie_plain[..KEY_LEN].copy_from_slice(&self.client_cn);
        cookie_plain[KEY_LEN..].copy_from_slice(&server_cn.to_bytes());
        let mut welcome_plain = BytesMut::with_capacity(KEY_LEN + COOKIE_LEN);
        welcome_plain.put_slice(server_cn.public_key().as_bytes());
        welcome_plain.put_slice(&cookie_nonce);
        let cookie_cipher = XSalsa20Poly1305::new(cookie_key.as_ref().into());
        seal_into(
            &cookie_cipher,
            &nonce(COOKIE_PREFIX, &cookie_nonce),
            &cookie_plain[..],
            &mut welcome_plain,
        )?;
        self.cookie_key = Some(cookie_key);

        let welcome_nonce = random::<LONG_NONCE_LEN>()?;
        let mut body = command::start(WELCOME, WELCOME_DATA_LEN);
        body.put_slice(&welcome_nonce);
        seal_into(
            &SalsaBox::new(&client, &self.secret),
            &nonce(WELCOME_PREFIX, &welcome_nonce),
            &welcome_plain,
            &mut body,
        )?;
        Ok(body.freeze())
    }

    /// Checks INITIATE: the cookie, the nonce, the box, the vouch; returns the client's long-term
    /// public key. The peer's metadata is kept.
    fn on_initiate(&mut self, data: &[u8]) -> Result<[u8; KEY_LEN], Error> {
        let bad = || Error::malformed(Malformation::InitiateCommand);
        if data.len() < MIN_INITIATE_DATA_LEN {
            return Err(bad());
        }
        let (cookie, rest) = data.split_at(COOKIE_LEN);
        let (short_nonce, boxed) = rest.split_at(SHORT_NONCE_LEN);

        // The cookie gives back C′ and s′; the key is used once.
        let cookie_key = self.cookie_key.take().ok_or(Error::Cryptographic)?;
        let (cookie_nonce, cookie_box) = cookie.split_at(LONG_NONCE_LEN);
        let cookie_plain = open(
            &XSalsa20Poly1305::new(cookie_key.as_ref().into()),
            &nonce(COOKIE_PREFIX, cookie_nonce),
            cookie_box,
        )?;
        let (cookie_cn, server_cn_secret) = cookie_plain.split_at(KEY_LEN);
        if cookie_cn != self.client_cn {
            return Err(Error::Cryptographic);
        }
        let server_cn =
            SecretKey::from_slice(server_cn_secret).map_err(|_| Error::Cryptographic)?;

        let n = read_u64(short_nonce).ok_or_else(bad)?;
        if n <= self.peer_nonce {
            return Err(Error::InvalidSequence);
        }
        let session = SalsaBox::new(&box_public(&self.client_cn), &server_cn);
        let plain = open(&session, &nonce(INITIATE_PREFIX, short_nonce), boxed)?;
        self.peer_nonce = n;

        // The vouch: Box[C′ + S](C → S′).
        let (client_key, rest) = plain.split_at(KEY_LEN);
        let (vouch, metadata) = rest.split_at(VOUCH_LEN);
        let client_key: [u8; KEY_LEN] = client_key.try_into().map_err(|_| bad())?;
        let (vouch_nonce, vouch_box) = vouch.split_at(LONG_NONCE_LEN);
        let vouched = open(
            &SalsaBox::new(&box_public(&client_key), &server_cn),
            &nonce(VOUCH_PREFIX, vouch_nonce),
            vouch_box,
        )?;
        if vouched.get(..KEY_LEN) != Some(&self.client_cn[..])
            || vouched.get(KEY_LEN..) != Some(&self.public[..])
        {
            return Err(Error::Cryptographic);
        }
        self.peer = Some(crate::mechanism::parse_peer_metadata(
            self.config.socket_type,
            &Bytes::copy_from_slice(metadata),
        )?);
        self.session = Some(session);
        Ok(client_key)
    }

    /// Queues READY and switches to MESSAGE traffic.
    fn send_ready(&mut self) -> Result<(), Error> {
        let session = self.session.take().ok_or(Error::Cryptographic)?;
        let mut metadata = BytesMut::with_capacity(64);
        crate::mechanism::put_metadata(&mut metadata, &self.config);
        let mut body = command::start(command::READY, SHORT_NONCE_LEN + TAG_LEN + metadata.len());
        put_short_box(
            &mut body,
            &session,
            READY_PREFIX,
            &mut self.nonce,
            &metadata,
        )?;
        self.out = Some(body.freeze());
        self.codec = Some(MessageCodec::new(
            session,
            self.nonce,
            self.peer_nonce,
            MESSAGE_FROM_SERVER,
            MESSAGE_FROM_CLIENT,
        ));
        self.wait = Wait::Nothing;
        Ok(())
    }
}

impl Mechanism for CurveServer {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        self.out.take()
    }

    fn process_handshake_command(&mut self, cmd: Command) -> Result<(), Error> {
        match self.wait {
            Wait::Hello if cmd.is(HELLO) => {
                self.out = Some(self.on_hello(&cmd.data)?);
                self.wait = Wait::Initiate;
                Ok(())
            }
            Wait::Initiate if cmd.is(INITIATE) => {
                let client_key = self.on_initiate(&cmd.data)?;
                if self.config.zap_handler {
                    let key = Bytes::copy_from_slice(&client_key);
                    self.zap = Zap::ask(&self.config, "CURVE", vec![key]);
                    self.wait = Wait::Zap;
                    Ok(())
                } else {
                    self.send_ready()
                }
            }
            _ => Err(unexpected(&cmd)),
        }
    }

    fn status(&self) -> Status {
        Status::when(self.wait == Wait::Nothing, &self.out)
    }

    fn peer_properties(&self) -> Option<PeerProperties> {
        self.zap.merge(self.peer.as_ref())
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        self.zap.take_request()
    }

    fn zap_reply(&mut self, reply: ZapReply) -> Result<(), Error> {
        if self.zap.on_reply(reply, &mut self.out, command::error)? {
            self.send_ready()
        } else {
            Ok(())
        }
    }

    fn encode(&mut self, frame: RawFrame, out: &mut WriteBuf) -> Result<(), Error> {
        self.codec
            .as_mut()
            .ok_or(Error::NotReady)?
            .encode(frame, out)
    }

    fn decode(&mut self, frame: WireFrame) -> Result<RawFrame, Error> {
        self.codec.as_mut().ok_or(Error::NotReady)?.decode(frame)
    }
}
