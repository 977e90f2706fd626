//! Socket options: libzmq's option numbers and the values a socket holds.

use std::time::Duration;

use bytes::Bytes;

use crate::error::{Error, Result};
pub(crate) use crate::tcp_options::TcpOptions;

/// libzmq's socket option numbers (`ZMQ_*` in `zmq.h`).
pub mod opt {
    /// Routing id of the socket (`ZMQ_ROUTING_ID`, alias `ZMQ_IDENTITY`).
    pub const ROUTING_ID: i32 = 5;
    /// Add a subscription prefix (SUB, XSUB).
    pub const SUBSCRIBE: i32 = 6;
    /// Remove a subscription prefix (SUB, XSUB).
    pub const UNSUBSCRIBE: i32 = 7;
    /// Kernel send buffer size of tcp connections, bytes; -1 keeps the OS default.
    pub const SNDBUF: i32 = 11;
    /// Kernel receive buffer size of tcp connections, bytes; -1 keeps the OS default.
    pub const RCVBUF: i32 = 12;
    /// More frames of this message follow (read-only).
    pub const RCVMORE: i32 = 13;
    /// The socket's pollable file descriptor (read-only; see `Socket::fd`).
    pub const FD: i32 = 14;
    /// The events ready now, `POLLIN | POLLOUT` (read-only; see `Socket::events`).
    pub const EVENTS: i32 = 15;
    /// Socket type (read-only).
    pub const TYPE: i32 = 16;
    /// How long close waits for pending messages, ms; -1 forever.
    pub const LINGER: i32 = 17;
    /// Initial reconnect interval, ms; -1 never reconnects.
    pub const RECONNECT_IVL: i32 = 18;
    /// Listen backlog.
    pub const BACKLOG: i32 = 19;
    /// Largest reconnect interval, ms; 0 keeps RECONNECT_IVL.
    pub const RECONNECT_IVL_MAX: i32 = 21;
    /// Largest inbound message, bytes; -1 unlimited.
    pub const MAXMSGSIZE: i32 = 22;
    /// Outbound high-water mark, messages; 0 unlimited.
    pub const SNDHWM: i32 = 23;
    /// Inbound high-water mark, messages; 0 unlimited.
    pub const RCVHWM: i32 = 24;
    /// Receive timeout, ms; -1 forever.
    pub const RCVTIMEO: i32 = 27;
    /// Send timeout, ms; -1 forever.
    pub const SNDTIMEO: i32 = 28;
    /// The endpoint last bound or connected, resolved (read-only).
    pub const LAST_ENDPOINT: i32 = 32;
    /// SO_KEEPALIVE on tcp connections: 1 on, 0 off, -1 the OS default.
    pub const TCP_KEEPALIVE: i32 = 34;
    /// TCP_KEEPCNT: unanswered probes before the connection drops; -1 the OS default.
    pub const TCP_KEEPALIVE_CNT: i32 = 35;
    /// TCP_KEEPIDLE: idle seconds before the first probe; -1 the OS default.
    pub const TCP_KEEPALIVE_IDLE: i32 = 36;
    /// TCP_KEEPINTVL: seconds between probes; -1 the OS default.
    pub const TCP_KEEPALIVE_INTVL: i32 = 37;
    /// Queue messages only to completed connections.
    pub const IMMEDIATE: i32 = 39;
    /// Use IPv6 as well as IPv4.
    pub const IPV6: i32 = 42;
    /// Refuse messages for unknown peers (EHOSTUNREACH) or full ones (EAGAIN) instead of dropping them (ROUTER).
    pub const ROUTER_MANDATORY: i32 = 33;
    /// Pass every subscribe up to the XPUB's user, not only new topics.
    pub const XPUB_VERBOSE: i32 = 40;
    /// Send an empty message to each peer as soon as it is connected (ROUTER, DEALER, REQ).
    pub const PROBE_ROUTER: i32 = 51;
    /// Match replies to requests by a request id (REQ).
    pub const REQ_CORRELATE: i32 = 52;
    /// Allow a new request before the last reply came (REQ).
    pub const REQ_RELAXED: i32 = 53;
    /// Keep only the last message in each queue (single-part messages only).
    pub const CONFLATE: i32 = 54;
    /// A new peer announcing a routing id already in use takes it over (ROUTER).
    pub const ROUTER_HANDOVER: i32 = 56;
    /// The routing id to give the peer of the next connect (ROUTER, STREAM), whatever IMMEDIATE is (as
    /// libzmq documents it; libzmq 4.3 itself drops it for an IMMEDIATE=1 tcp or ipc connect).
    pub const CONNECT_ROUTING_ID: i32 = 61;
    /// Block (or EAGAIN) instead of dropping when a subscriber is at its high-water mark (XPUB).
    pub const XPUB_NODROP: i32 = 69;
    /// Subscriptions go only where the XPUB's user forwards them with SUBSCRIBE/UNSUBSCRIBE.
    pub const XPUB_MANUAL: i32 = 71;
    /// A message sent to each new subscriber (XPUB).
    pub const XPUB_WELCOME_MSG: i32 = 72;
    /// Deliver an empty frame on connect and disconnect (STREAM).
    pub const STREAM_NOTIFY: i32 = 73;
    /// Deliver what does not match the subscriptions instead (PUB, XPUB, SUB, XSUB).
    pub const INVERT_MATCHING: i32 = 74;
    /// Pass every subscribe and every cancel up to the XPUB's user.
    pub const XPUB_VERBOSER: i32 = 78;
    /// Deliver peer connects (1) and disconnects (2) as empty messages with the peer's id, in order with
    /// the peer's own messages (ROUTER; draft). As in libzmq: tcp and ipc connections only (set it before
    /// bind or connect), no notice for a failed handshake, a lost one when the peer's queue is full.
    pub const ROUTER_NOTIFY: i32 = 97;
    /// The security mechanism in use: 0 NULL, 1 PLAIN, 2 CURVE (read-only).
    pub const MECHANISM: i32 = 43;
    /// Be the PLAIN server (1) or not (0).
    pub const PLAIN_SERVER: i32 = 44;
    /// PLAIN user name (makes the socket a PLAIN client; empty goes back to NULL).
    pub const PLAIN_USERNAME: i32 = 45;
    /// PLAIN password (makes the socket a PLAIN client; empty goes back to NULL).
    pub const PLAIN_PASSWORD: i32 = 46;
    /// Be the CURVE server (1) or not (0).
    pub const CURVE_SERVER: i32 = 47;
    /// This socket's CURVE public key: 32 bytes or 40 Z85 characters.
    pub const CURVE_PUBLICKEY: i32 = 48;
    /// This socket's CURVE secret key: 32 bytes or 40 Z85 characters.
    pub const CURVE_SECRETKEY: i32 = 49;
    /// The server's CURVE public key (makes the socket a CURVE client): 32 bytes or 40 Z85 characters.
    pub const CURVE_SERVERKEY: i32 = 50;
    /// The ZAP domain sent to the authentication handler; with NULL, setting it turns ZAP on.
    pub const ZAP_DOMAIN: i32 = 55;
    /// IP type-of-service (DSCP/ECN byte) of tcp connections; 0 leaves it alone.
    pub const TOS: i32 = 57;
    /// Handshake timeout, ms; 0 none.
    pub const HANDSHAKE_IVL: i32 = 66;
    /// Interval between PINGs, ms; 0 none.
    pub const HEARTBEAT_IVL: i32 = 75;
    /// TTL sent with PINGs, ms.
    pub const HEARTBEAT_TTL: i32 = 76;
    /// How long to wait for traffic after a PING, ms.
    pub const HEARTBEAT_TIMEOUT: i32 = 77;
    /// How long a tcp connect may take before it is abandoned (and retried), ms; 0 the OS's limit.
    pub const CONNECT_TIMEOUT: i32 = 79;
}

/// ROUTER_NOTIFY's bit for connects (`ZMQ_NOTIFY_CONNECT`).
pub(crate) const NOTIFY_CONNECT: i64 = 1;
/// ROUTER_NOTIFY's bit for disconnects (`ZMQ_NOTIFY_DISCONNECT`).
pub(crate) const NOTIFY_DISCONNECT: i64 = 2;

/// The security mechanism chosen by the options (`ZMQ_MECHANISM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Mechanism {
    /// No security.
    #[default]
    Null,
    /// PLAIN user name and password.
    Plain,
    /// CURVE encryption and authentication.
    Curve,
}

/// The options of one socket, as libzmq defaults them.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) sndhwm: usize,
    pub(crate) rcvhwm: usize,
    /// `None` waits forever.
    pub(crate) linger: Option<Duration>,
    pub(crate) sndtimeo: Option<Duration>,
    pub(crate) rcvtimeo: Option<Duration>,
    pub(crate) routing_id: Bytes,
    /// `None` never reconnects.
    pub(crate) reconnect_ivl: Option<Duration>,
    pub(crate) reconnect_ivl_max: Duration,
    pub(crate) max_msg_size: Option<u64>,
    pub(crate) immediate: bool,
    pub(crate) ipv6: bool,
    pub(crate) backlog: i32,
    pub(crate) handshake_ivl: Option<Duration>,
    pub(crate) heartbeat_ivl: Option<Duration>,
    pub(crate) heartbeat_ttl: Option<Duration>,
    pub(crate) heartbeat_timeout: Option<Duration>,
    /// SNDBUF, RCVBUF, TCP_KEEPALIVE*, TOS, CONNECT_TIMEOUT.
    pub(crate) tcp: TcpOptions,
    pub(crate) last_endpoint: String,
    /// CONFLATE: keep only the last message in each pipe.
    pub(crate) conflate: bool,
    /// STREAM_NOTIFY: a STREAM socket gets an empty frame when a connection starts and when it ends.
    pub(crate) stream_notify: bool,
    /// CONNECT_ROUTING_ID: the routing id for the next connect's peer (ROUTER, STREAM).
    pub(crate) connect_routing_id: Option<Bytes>,
    /// ROUTER_NOTIFY's bits ([`NOTIFY_CONNECT`], [`NOTIFY_DISCONNECT`]); only a ROUTER takes the option.
    pub(crate) router_notify: i64,
    pub(crate) mechanism: Mechanism,
    /// PLAIN_SERVER or CURVE_SERVER was set to 1.
    pub(crate) as_server: bool,
    pub(crate) plain_username: Bytes,
    pub(crate) plain_password: Bytes,
    /// CURVE keys; unset keys act as 32 zero bytes, as in libzmq.
    pub(crate) curve_public: [u8; zmtp::KEY_LEN],
    pub(crate) curve_secret: zmtp::CurveSecretKey,
    pub(crate) curve_server: [u8; zmtp::KEY_LEN],
    pub(crate) zap_domain: Bytes,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sndhwm: 1000,
            rcvhwm: 1000,
            linger: None,
            sndtimeo: None,
            rcvtimeo: None,
            routing_id: Bytes::new(),
            reconnect_ivl: Some(Duration::from_millis(100)),
            reconnect_ivl_max: Duration::ZERO,
            max_msg_size: None,
            immediate: false,
            ipv6: false,
            backlog: 100,
            handshake_ivl: Some(Duration::from_secs(30)),
            heartbeat_ivl: None,
            heartbeat_ttl: None,
            heartbeat_timeout: None,
            tcp: TcpOptions::default(),
            last_endpoint: String::new(),
            conflate: false,
            stream_notify: true,
            connect_routing_id: None,
            router_notify: 0,
            mechanism: Mechanism::Null,
            as_server: false,
            plain_username: Bytes::new(),
            plain_password: Bytes::new(),
            curve_public: [0; zmtp::KEY_LEN],
            curve_secret: zmtp::CurveSecretKey::from_bytes([0; zmtp::KEY_LEN]),
            curve_server: [0; zmtp::KEY_LEN],
            zap_domain: Bytes::new(),
        }
    }
}

/// A millisecond value where a negative number means "none" (forever, never).
fn ms_or_none(v: i64) -> Option<Duration> {
    u64::try_from(v).ok().map(Duration::from_millis)
}

/// A millisecond value where zero means "none".
fn ms_nonzero(v: i64) -> Result<Option<Duration>> {
    match v {
        0 => Ok(None),
        v if v > 0 => Ok(Some(Duration::from_millis(v as u64))),
        _ => Err(Error::invalid("the value must not be negative")),
    }
}

fn to_ms(d: Option<Duration>, none: i64) -> i64 {
    d.map_or(none, |d| d.as_millis().min(i64::MAX as u128) as i64)
}

fn count(v: i64) -> Result<usize> {
    usize::try_from(v).map_err(|_| Error::invalid("the value must not be negative"))
}

/// A CURVE key option value: 32 bytes or 40 Z85 characters.
fn curve_key(v: &[u8]) -> Result<[u8; zmtp::KEY_LEN]> {
    zmtp::parse_key(v).ok_or(Error::invalid(
        "a CURVE key is 32 bytes or 40 Z85 characters",
    ))
}

/// A PLAIN credential or ZAP domain: at most 255 bytes.
fn short_bytes(v: &[u8]) -> Result<Bytes> {
    if v.len() > 255 {
        return Err(Error::invalid("the value is longer than 255 bytes"));
    }
    Ok(Bytes::copy_from_slice(v))
}

fn flag(v: i64) -> Result<bool> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::invalid("the value must be 0 or 1")),
    }
}

impl Options {
    /// Sets an integer option this struct holds; `Ok(false)` if the option is not one of them.
    pub(crate) fn set_int(&mut self, option: i32, v: i64) -> Result<bool> {
        if self.tcp.set_int(option, v)? {
            return Ok(true);
        }
        match option {
            opt::SNDHWM => self.sndhwm = count(v)?,
            opt::RCVHWM => self.rcvhwm = count(v)?,
            opt::LINGER => self.linger = ms_or_none(v),
            opt::SNDTIMEO => self.sndtimeo = ms_or_none(v),
            opt::RCVTIMEO => self.rcvtimeo = ms_or_none(v),
            opt::RECONNECT_IVL => self.reconnect_ivl = ms_or_none(v),
            opt::RECONNECT_IVL_MAX => {
                self.reconnect_ivl_max = Duration::from_millis(count(v)? as u64);
            }
            opt::MAXMSGSIZE => self.max_msg_size = u64::try_from(v).ok(),
            opt::IMMEDIATE => self.immediate = flag(v)?,
            opt::IPV6 => self.ipv6 = flag(v)?,
            opt::BACKLOG => {
                self.backlog = i32::try_from(v).map_err(|_| Error::invalid("backlog too large"))?
            }
            opt::HANDSHAKE_IVL => self.handshake_ivl = ms_nonzero(v)?,
            opt::HEARTBEAT_IVL => self.heartbeat_ivl = ms_nonzero(v)?,
            opt::HEARTBEAT_TTL => self.heartbeat_ttl = ms_nonzero(v)?,
            opt::HEARTBEAT_TIMEOUT => self.heartbeat_timeout = ms_nonzero(v)?,
            opt::CONFLATE => self.conflate = flag(v)?,
            opt::STREAM_NOTIFY => self.stream_notify = flag(v)?,
            opt::ROUTER_NOTIFY => {
                if !(0..=NOTIFY_CONNECT | NOTIFY_DISCONNECT).contains(&v) {
                    return Err(Error::invalid("ROUTER_NOTIFY takes 0 to 3"));
                }
                self.router_notify = v;
            }
            opt::PLAIN_SERVER => self.set_server(Mechanism::Plain, flag(v)?),
            opt::CURVE_SERVER => self.set_server(Mechanism::Curve, flag(v)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// PLAIN_SERVER / CURVE_SERVER: libzmq makes 0 mean "back to NULL".
    fn set_server(&mut self, mechanism: Mechanism, on: bool) {
        self.as_server = on;
        self.mechanism = if on { mechanism } else { Mechanism::Null };
    }

    /// PLAIN_USERNAME / PLAIN_PASSWORD: a client; an empty value goes back to NULL (libzmq).
    fn set_plain_credential(&mut self, option: i32, v: &[u8]) -> Result<()> {
        let value = short_bytes(v)?;
        if value.is_empty() {
            self.mechanism = Mechanism::Null;
            return Ok(());
        }
        if option == opt::PLAIN_USERNAME {
            self.plain_username = value;
        } else {
            self.plain_password = value;
        }
        self.as_server = false;
        self.mechanism = Mechanism::Plain;
        Ok(())
    }

    /// Reads an integer option this struct holds; `None` if the option is not one of them.
    pub(crate) fn get_int(&self, option: i32) -> Option<i64> {
        if let Some(v) = self.tcp.get_int(option) {
            return Some(v);
        }
        Some(match option {
            opt::SNDHWM => self.sndhwm as i64,
            opt::RCVHWM => self.rcvhwm as i64,
            opt::LINGER => to_ms(self.linger, -1),
            opt::SNDTIMEO => to_ms(self.sndtimeo, -1),
            opt::RCVTIMEO => to_ms(self.rcvtimeo, -1),
            opt::RECONNECT_IVL => to_ms(self.reconnect_ivl, -1),
            opt::RECONNECT_IVL_MAX => to_ms(Some(self.reconnect_ivl_max), 0),
            opt::MAXMSGSIZE => self
                .max_msg_size
                .map_or(-1, |v| v.min(i64::MAX as u64) as i64),
            opt::IMMEDIATE => self.immediate as i64,
            opt::IPV6 => self.ipv6 as i64,
            opt::BACKLOG => self.backlog as i64,
            opt::HANDSHAKE_IVL => to_ms(self.handshake_ivl, 0),
            opt::HEARTBEAT_IVL => to_ms(self.heartbeat_ivl, 0),
            opt::HEARTBEAT_TTL => to_ms(self.heartbeat_ttl, 0),
            opt::HEARTBEAT_TIMEOUT => to_ms(self.heartbeat_timeout, 0),
            opt::CONFLATE => self.conflate as i64,
            opt::STREAM_NOTIFY => self.stream_notify as i64,
            opt::ROUTER_NOTIFY => self.router_notify,
            opt::MECHANISM => self.mechanism as i64,
            opt::PLAIN_SERVER => (self.as_server && self.mechanism == Mechanism::Plain) as i64,
            opt::CURVE_SERVER => (self.as_server && self.mechanism == Mechanism::Curve) as i64,
            _ => return None,
        })
    }

    /// Sets a binary option this struct holds; `Ok(false)` if the option is not one of them.
    pub(crate) fn set_bytes(&mut self, option: i32, v: &[u8]) -> Result<bool> {
        match option {
            opt::ROUTING_ID => {
                if v.is_empty() || v.len() > 255 {
                    return Err(Error::invalid("a routing id is 1 to 255 bytes"));
                }
                self.routing_id = Bytes::copy_from_slice(v);
            }
            opt::CONNECT_ROUTING_ID => {
                if v.is_empty() || v.len() > 255 {
                    return Err(Error::invalid("a routing id is 1 to 255 bytes"));
                }
                self.connect_routing_id = Some(Bytes::copy_from_slice(v));
            }
            opt::PLAIN_USERNAME | opt::PLAIN_PASSWORD => self.set_plain_credential(option, v)?,
            opt::CURVE_PUBLICKEY => {
                self.curve_public = curve_key(v)?;
                self.mechanism = Mechanism::Curve;
            }
            opt::CURVE_SECRETKEY => {
                self.curve_secret = zmtp::CurveSecretKey::from_bytes(curve_key(v)?);
                self.mechanism = Mechanism::Curve;
            }
            opt::CURVE_SERVERKEY => {
                self.curve_server = curve_key(v)?;
                self.as_server = false;
                self.mechanism = Mechanism::Curve;
            }
            opt::ZAP_DOMAIN => self.zap_domain = short_bytes(v)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Reads a binary option this struct holds; `None` if the option is not one of them.
    pub(crate) fn get_bytes(&self, option: i32) -> Option<Vec<u8>> {
        Some(match option {
            opt::ROUTING_ID => self.routing_id.to_vec(),
            opt::LAST_ENDPOINT => self.last_endpoint.as_bytes().to_vec(),
            opt::PLAIN_USERNAME => self.plain_username.to_vec(),
            opt::PLAIN_PASSWORD => self.plain_password.to_vec(),
            opt::CURVE_PUBLICKEY => self.curve_public.to_vec(),
            opt::CURVE_SECRETKEY => self.curve_secret.as_bytes().to_vec(),
            opt::CURVE_SERVERKEY => self.curve_server.to_vec(),
            opt::ZAP_DOMAIN => self.zap_domain.to_vec(),
            _ => return None,
        })
    }

    /// The ZMTP configuration for a new connection of a socket of this type.
    pub(crate) fn zmtp_config(&self, socket_type: zmtp::SocketType) -> zmtp::Config {
        let mut c = zmtp::Config::new(socket_type);
        c.routing_id = self.routing_id.clone();
        c.max_msg_size = self.max_msg_size;
        c.heartbeat_ivl = self.heartbeat_ivl;
        c.heartbeat_ttl = self.heartbeat_ttl;
        c.heartbeat_timeout = self.heartbeat_timeout;
        c.handshake_ivl = self.handshake_ivl;
        c.zap_domain = self.zap_domain.clone();
        c.mechanism = match (self.mechanism, self.as_server) {
            (Mechanism::Null, _) => zmtp::MechanismConfig::Null,
            (Mechanism::Plain, true) => zmtp::MechanismConfig::PlainServer,
            (Mechanism::Plain, false) => zmtp::MechanismConfig::PlainClient {
                username: self.plain_username.clone(),
                password: self.plain_password.clone(),
            },
            (Mechanism::Curve, true) => zmtp::MechanismConfig::CurveServer {
                secret_key: self.curve_secret.clone(),
            },
            (Mechanism::Curve, false) => zmtp::MechanismConfig::CurveClient {
                public_key: self.curve_public,
                secret_key: self.curve_secret.clone(),
                server_key: self.curve_server,
            },
        };
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_options_pick_the_mechanism_like_libzmq() {
        let mut o = Options::default();
        assert_eq!(o.get_int(opt::MECHANISM), Some(0));
        o.set_bytes(opt::PLAIN_USERNAME, b"admin").unwrap();
        assert_eq!(o.get_int(opt::MECHANISM), Some(1));
        assert_eq!(o.get_int(opt::PLAIN_SERVER), Some(0));
        assert!(matches!(
            o.zmtp_config(zmtp::SocketType::Dealer).mechanism,
            zmtp::MechanismConfig::PlainClient { .. }
        ));
        o.set_bytes(opt::PLAIN_USERNAME, b"").unwrap();
        assert_eq!(o.get_int(opt::MECHANISM), Some(0));
        o.set_int(opt::PLAIN_SERVER, 1).unwrap();
        assert_eq!(o.get_int(opt::PLAIN_SERVER), Some(1));
        assert_eq!(
            o.zmtp_config(zmtp::SocketType::Router).mechanism,
            zmtp::MechanismConfig::PlainServer
        );
        o.set_int(opt::PLAIN_SERVER, 0).unwrap();
        assert_eq!(o.get_int(opt::MECHANISM), Some(0));
        assert!(o.set_bytes(opt::PLAIN_PASSWORD, &[b'x'; 256]).is_err());

        let z85 = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
        o.set_bytes(opt::CURVE_SERVERKEY, z85).unwrap();
        assert_eq!(o.get_int(opt::MECHANISM), Some(2));
        assert_eq!(o.get_bytes(opt::CURVE_SERVERKEY).unwrap().len(), 32);
        assert_eq!(
            o.get_bytes(opt::CURVE_SERVERKEY),
            zmtp::parse_key(z85).map(|k| k.to_vec())
        );
        assert!(o.set_bytes(opt::CURVE_PUBLICKEY, b"too short").is_err());
        o.set_int(opt::CURVE_SERVER, 1).unwrap();
        assert_eq!(o.get_int(opt::CURVE_SERVER), Some(1));
        assert!(matches!(
            o.zmtp_config(zmtp::SocketType::Router).mechanism,
            zmtp::MechanismConfig::CurveServer { .. }
        ));
        o.set_bytes(opt::ZAP_DOMAIN, b"global").unwrap();
        assert_eq!(o.zmtp_config(zmtp::SocketType::Router).zap_domain, "global");
    }
}
