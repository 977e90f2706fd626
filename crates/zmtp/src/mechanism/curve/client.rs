//! The CURVE client: HELLO, then (after WELCOME) INITIATE with the vouch, then READY.

use bytes::{BufMut, Bytes, BytesMut};
use crypto_box::{PublicKey, SalsaBox, SecretKey};

use super::message::MessageCodec;
use super::{
    ephemeral_key, nonce, open, put_short_box, random, read_u64, seal_into, HELLO_PREFIX,
    INITIATE_PREFIX, LONG_NONCE_LEN, MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER, READY_PREFIX,
    SHORT_NONCE_LEN, TAG_LEN, VOUCH_PREFIX, WELCOME_PREFIX,
};
use crate::command::{self, Command};
use crate::config::Config;
use crate::decoder::{RawFrame, WireFrame};
use crate::error::{Error, Malformation};
use crate::keys::{box_public, CurveSecretKey, KEY_LEN};
use crate::mechanism::{unexpected, Mechanism, PeerProperties, Status, HELLO, INITIATE, WELCOME};
use crate::write_buf::WriteBuf;

/// HELLO: version, padding, C′, short nonce, Box[64 zero bytes].
pub(super) const HELLO_DATA_LEN: usize =
    2 + HELLO_PADDING + KEY_LEN + SHORT_NONCE_LEN + 64 + TAG_LEN;
/// The zero padding that makes HELLO as long as WELCOME's reply would be (anti-amplification).
pub(super) const HELLO_PADDING: usize = 72;
/// WELCOME: long nonce, Box[S′ + cookie].
pub(super) const WELCOME_DATA_LEN: usize = LONG_NONCE_LEN + KEY_LEN + COOKIE_LEN + TAG_LEN;
/// A cookie: long nonce, SecretBox[C′ + s′].
pub(super) const COOKIE_LEN: usize = LONG_NONCE_LEN + 2 * KEY_LEN + TAG_LEN;
/// A vouch: long nonce, Box[C′ + S].
pub(super) const VOUCH_LEN: usize = LONG_NONCE_LEN + 2 * KEY_LEN + TAG_LEN;

/// What the client waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Welcome,
    Ready,
    Nothing,
}

/// The CURVE client.
pub(crate) struct CurveClient {
    config: Config,
    public: [u8; KEY_LEN],
    secret: SecretKey,
    server: PublicKey,
    /// Our short-term key pair (C′, c′).
    cn_public: [u8; KEY_LEN],
    cn_secret: SecretKey,
    /// The nonce of our next command.
    nonce: u64,
    wait: Wait,
    out: Option<Bytes>,
    /// Box(S′, c′), once WELCOME has told us S′.
    session: Option<SalsaBox>,
    codec: Option<MessageCodec>,
    peer: Option<PeerProperties>,
}

impl std::fmt::Debug for CurveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveClient")
            .field("wait", &self.wait)
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

impl CurveClient {
    /// A client with its key pair and the server's public key; HELLO is queued at once.
    pub(crate) fn new(
        config: &Config,
        public: &[u8; KEY_LEN],
        secret: &CurveSecretKey,
        server: &[u8; KEY_LEN],
    ) -> Result<Self, Error> {
        let cn_secret = ephemeral_key()?;
        let mut client = Self {
            config: config.clone(),
            public: *public,
            secret: secret.to_box_key(),
            server: box_public(server),
            cn_public: cn_secret.public_key().to_bytes(),
            cn_secret,
            nonce: 1,
            wait: Wait::Welcome,
            out: None,
            session: None,
            codec: None,
            peer: None,
        };
        client.out = Some(client.hello()?);
        Ok(client)
    }

    /// Makes HELLO: C′ and a box only S can open.
    fn hello(&mut self) -> Result<Bytes, Error> {
        let mut body = command::start(HELLO, HELLO_DATA_LEN);
        body.put_slice(&[1, 0]);
        body.put_bytes(0, HELLO_PADDING);
        body.put_slice(&self.cn_public);
        let cipher = SalsaBox::new(&self.server, &self.cn_secret);
        put_short_box(
            &mut body,
            &cipher,
            HELLO_PREFIX,
            &mut self.nonce,
            &[0u8; 64],
        )?;
        Ok(body.freeze())
    }

    /// Takes WELCOME (S′ and the cookie) and makes INITIATE.
    fn on_welcome(&mut self, data: &[u8]) -> Result<Bytes, Error> {
        if data.len() != WELCOME_DATA_LEN {
            return Err(Error::malformed(Malformation::WelcomeCommand));
        }
        let (long_nonce, boxed) = data.split_at(LONG_NONCE_LEN);
        let welcome = open(
            &SalsaBox::new(&self.server, &self.cn_secret),
            &nonce(WELCOME_PREFIX, long_nonce),
            boxed,
        )?;
        let (server_cn, cookie) = welcome.split_at(KEY_LEN);
        let server_cn: [u8; KEY_LEN] = server_cn.try_into().map_err(|_| Error::Cryptographic)?;
        let session = SalsaBox::new(&box_public(&server_cn), &self.cn_secret);

        // The vouch: Box[C′ + S](C → S′), proving we hold the long-term key.
        let vouch_nonce = random::<LONG_NONCE_LEN>()?;
        let mut vouch = BytesMut::with_capacity(VOUCH_LEN);
        vouch.put_slice(&vouch_nonce);
        let mut vouched = [0u8; 2 * KEY_LEN];
        vouched[..KEY_LEN].copy_from_slice(&self.cn_public);
        vouched[KEY_LEN..].copy_from_slice(self.server.as_bytes());
        let vouch_cipher = SalsaBox::new(&box_public(&server_cn), &self.secret);
        seal_into(
            &vouch_cipher,
            &nonce(VOUCH_PREFIX, &vouch_nonce),
            &vouched,
            &mut vouch,
        )?;

        let mut plain = BytesMut::with_capacity(KEY_LEN + VOUCH_LEN + 64);
        plain.put_slice(&self.public);
        plain.put_slice(&vouch);
        crate::mechanism::put_metadata(&mut plain, &self.config);

        let mut body = command::start(
            INITIATE,
            COOKIE_LEN + SHORT_NONCE_LEN + TAG_LEN + plain.len(),
        );
        body.put_slice(cookie);
        put_short_box(
            &mut body,
            &session,
            INITIATE_PREFIX,
            &mut self.nonce,
            &plain,
        )?;
        self.session = Some(session);
        Ok(body.freeze())
    }

    /// Takes READY: the server's metadata, and the start of its nonces.
    fn on_ready(&mut self, data: &[u8]) -> Result<(), Error> {
        let bad = || Error::malformed(Malformation::ReadyCommand);
        if data.len() < SHORT_NONCE_LEN + TAG_LEN {
            return Err(bad());
        }
        let session = self.session.take().ok_or_else(bad)?;
        let (short_nonce, boxed) = data.split_at(SHORT_NONCE_LEN);
        let metadata = open(&session, &nonce(READY_PREFIX, short_nonce), boxed)?;
        let peer_nonce = read_u64(short_nonce).ok_or_else(bad)?;
        let peer = crate::mechanism::parse_peer_metadata(
            self.config.socket_type,
            &Bytes::copy_from_slice(&metadata),
        )?;
        self.peer = Some(peer);
        self.codec = Some(MessageCodec::new(
            session,
            self.nonce,
            peer_nonce,
            MESSAGE_FROM_CLIENT,
            MESSAGE_FROM_SERVER,
        ));
        Ok(())
    }
}

impl Mechanism for CurveClient {
    fn next_handshake_command(&mut self) -> Option<Bytes> {
        self.out.take()
    }

    fn process_handshake_command(&mut self, cmd: Command) -> Result<(), Error> {
        match self.wait {
            Wait::Welcome if cmd.is(WELCOME) => {
                self.out = Some(self.on_welcome(&cmd.data)?);
                self.wait = Wait::Ready;
                Ok(())
            }
            Wait::Ready if cmd.is(command::READY) => {
                self.on_ready(&cmd.data)?;
                self.wait = Wait::Nothing;
                Ok(())
            }
            _ => Err(unexpected(&cmd)),
        }
    }

    fn status(&self) -> Status {
        Status::when(self.wait == Wait::Nothing, &self.out)
    }

    fn peer_properties(&self) -> Option<PeerProperties> {
        self.peer.clone()
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
