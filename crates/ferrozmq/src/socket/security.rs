//! Security settings of a socket: shorthands for the PLAIN, CURVE and ZAP options.

use super::Socket;
use crate::error::Result;
use crate::options::opt;

impl Socket {
    /// Makes this socket a PLAIN server (`ZMQ_PLAIN_SERVER`); a ZAP handler (see
    /// [`Authenticator`](crate::Authenticator)) must check the clients, as in libzmq.
    pub fn set_plain_server(&self, on: bool) -> Result<()> {
        self.set_option_int(opt::PLAIN_SERVER, i64::from(on))
    }

    /// Makes this socket a PLAIN client with these credentials (`ZMQ_PLAIN_USERNAME`,
    /// `ZMQ_PLAIN_PASSWORD`; at most 255 bytes each).
    pub fn set_plain_credentials(&self, username: &[u8], password: &[u8]) -> Result<()> {
        self.set_option_bytes(opt::PLAIN_USERNAME, username)?;
        self.set_option_bytes(opt::PLAIN_PASSWORD, password)
    }

    /// Makes this socket a CURVE server with this secret key (`ZMQ_CURVE_SERVER` and
    /// `ZMQ_CURVE_SECRETKEY`; 32 bytes or 40 Z85 characters).
    ///
    /// ```
    /// let ctx = ferrozmq::Context::new();
    /// let (server_public, server_secret) = ferrozmq::curve_keypair()?;
    /// let server = ctx.socket(ferrozmq::SocketType::Rep)?;
    /// server.set_curve_server(server_secret.as_bytes())?;
    /// server.bind("tcp://127.0.0.1:*")?;
    ///
    /// let (public, secret) = ferrozmq::curve_keypair()?;
    /// let client = ctx.socket(ferrozmq::SocketType::Req)?;
    /// client.set_curve_client(server_public.as_bytes(), public.as_bytes(), secret.as_bytes())?;
    /// client.connect(&server.last_endpoint())?;
    /// client.send("hello", 0)?;
    /// assert_eq!(server.recv_bytes(0)?, "hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_curve_server(&self, secret_key: &[u8]) -> Result<()> {
        self.set_option_bytes(opt::CURVE_SECRETKEY, secret_key)?;
        self.set_option_int(opt::CURVE_SERVER, 1)
    }

    /// Makes this socket a CURVE client of the server with public key `server_key`, with its own key
    /// pair (`ZMQ_CURVE_SERVERKEY`, `ZMQ_CURVE_PUBLICKEY`, `ZMQ_CURVE_SECRETKEY`; 32 bytes or 40 Z85
    /// characters each).
    pub fn set_curve_client(
        &self,
        server_key: &[u8],
        public_key: &[u8],
        secret_key: &[u8],
    ) -> Result<()> {
        self.set_option_bytes(opt::CURVE_SERVERKEY, server_key)?;
        self.set_option_bytes(opt::CURVE_PUBLICKEY, public_key)?;
        self.set_option_bytes(opt::CURVE_SECRETKEY, secret_key)
    }

    /// Sets the ZAP domain (`ZMQ_ZAP_DOMAIN`); with NULL security it also turns ZAP on.
    pub fn set_zap_domain(&self, domain: &str) -> Result<()> {
        self.set_option_bytes(opt::ZAP_DOMAIN, domain.as_bytes())
    }
}
