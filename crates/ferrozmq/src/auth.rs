//! An authenticator: a ZAP handler (RFC 27) on a thread of its own, like pyzmq's `zmq.auth`
//! `ThreadAuthenticator`. It allows or denies peers by IP address, checks PLAIN passwords and CURVE
//! client keys per ZAP domain, and answers every PLAIN, CURVE (and, with a ZAP domain, NULL)
//! handshake of the sockets of its context.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use bytes::Bytes;
use zmtp::{ZapReply, ZapRequest, KEY_LEN};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::socket::{poll, PollItem, Socket, DONTWAIT, POLLIN};
use crate::SocketType;

/// The domain used for a request with an empty one (pyzmq's `"*"`).
const ANY_DOMAIN: &str = "*";

/// Which CURVE clients a domain lets in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurveAllow {
    /// Any client that completes the handshake (pyzmq's `CURVE_ALLOW_ANY`).
    Any,
    /// Only these public keys.
    Keys(HashSet<[u8; KEY_LEN]>),
}

/// What the handler checks.
#[derive(Debug, Default)]
struct Policy {
    allow: HashSet<String>,
    deny: HashSet<String>,
    passwords: HashMap<String, HashMap<Bytes, Bytes>>,
    curve: HashMap<String, CurveAllow>,
}

impl Policy {
    /// The verdict on one request: status code, status text, user id (pyzmq's `handle_zap_message`).
    fn judge(&self, req: &ZapRequest) -> (u16, &'static str, Bytes) {
        let address = String::from_utf8_lossy(&req.address);
        let (mut allowed, mut denied) = (false, false);
        let mut reason = "NO ACCESS";
        if !self.allow.is_empty() {
            if self.allow.contains(address.as_ref()) {
                allowed = true;
            } else {
                denied = true;
                reason = "Address not in allow list";
            }
        } else if !self.deny.is_empty() {
            if self.deny.contains(address.as_ref()) {
                denied = true;
                reason = "Address is denied";
            } else {
                allowed = true;
            }
        }
        let domain = match String::from_utf8_lossy(&req.domain) {
            d if d.is_empty() => ANY_DOMAIN.to_owned(),
            d => d.into_owned(),
        };
        let mut user = Bytes::from_static(b"anonymous");
        if !denied {
            match (&req.mechanism[..], req.credentials.as_slice()) {
                (b"NULL", _) => allowed = true,
                (b"PLAIN", [username, password]) => {
                    (allowed, reason) = self.check_plain(&domain, username, password);
                    user = username.clone();
                }
                (b"CURVE", [key]) => {
                    (allowed, reason) = self.check_curve(&domain, key);
                    user = zmtp::z85::encode(key).unwrap_or_default().into();
                }
                _ => {
                    allowed = false;
                    reason = "Invalid credentials";
                }
            }
        }
        if allowed {
            (200, "OK", user)
        } else {
            (400, reason, Bytes::new())
        }
    }

    fn check_plain(
        &self,
        domain: &str,
        username: &Bytes,
        password: &Bytes,
    ) -> (bool, &'static str) {
        match self.passwords.get(domain) {
            Some(users) if users.get(username) == Some(password) => (true, "OK"),
            Some(_) => (false, "Invalid username or password"),
            None => (false, "No passwords defined"),
        }
    }

    fn check_curve(&self, domain: &str, key: &Bytes) -> (bool, &'static str) {
        match self.curve.get(domain) {
            Some(CurveAllow::Any) => (true, "OK"),
            Some(CurveAllow::Keys(keys))
                if <[u8; KEY_LEN]>::try_from(&key[..]).is_ok_and(|k| keys.contains(&k)) =>
            {
                (true, "OK")
            }
            Some(CurveAllow::Keys(_)) => (false, "Unknown key"),
            None => (false, "No certificates defined"),
        }
    }
}

/// A ZAP handler bound at [`ZAP_ENDPOINT`](crate::ZAP_ENDPOINT) in a context, answering on its own
/// thread until dropped.
///
/// Like pyzmq's authenticator: an allow list (if any address is allowed, every other is denied) or
/// else a deny list; then NULL peers are accepted, PLAIN peers need a password configured for the
/// ZAP domain (`"*"` when the socket set none), CURVE peers a key allowed for it. Accepted peers'
/// messages carry the user name (PLAIN), the Z85 client key (CURVE) or `anonymous` as `User-Id`.
///
/// ```
/// use ferrozmq::{Authenticator, Context, SocketType};
/// let ctx = Context::new();
/// let auth = Authenticator::start(&ctx)?;
/// auth.configure_plain("*", [("admin", "secret")]);
///
/// let server = ctx.socket(SocketType::Pull)?;
/// server.set_plain_server(true)?;
/// server.bind("tcp://127.0.0.1:*")?;
/// let client = ctx.socket(SocketType::Push)?;
/// client.set_plain_credentials(b"admin", b"secret")?;
/// client.connect(&server.last_endpoint())?;
/// client.send("let me in", 0)?;
/// assert_eq!(server.recv_bytes(0)?, "let me in");
/// # Ok::<(), ferrozmq::Error>(())
/// ```
#[derive(Debug)]
pub struct Authenticator {
    policy: Arc<Mutex<Policy>>,
    control: Socket,
    thread: Option<JoinHandle<()>>,
}

impl Authenticator {
    /// Binds the handler in `ctx` and starts its thread.
    ///
    /// # Errors
    /// [`Error::AddressInUse`] if the context already has a ZAP handler.
    pub fn start(ctx: &Context) -> Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let handler = ctx.socket(SocketType::Rep)?;
        handler.set_linger(0)?;
        handler.bind(crate::ZAP_ENDPOINT)?;
        let name = format!(
            "inproc://ferrozmq.authenticator.{}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let stop = ctx.socket(SocketType::Pair)?;
        stop.bind(&name)?;
        let control = ctx.socket(SocketType::Pair)?;
        control.connect(&name)?;
        let policy = Arc::new(Mutex::new(Policy::default()));
        let shared = policy.clone();
        let thread = std::thread::Builder::new()
            .name("ferrozmq-auth".into())
            .spawn(move || serve(&handler, &stop, &shared))
            .map_err(Error::Io)?;
        Ok(Self {
            policy,
            control,
            thread: Some(thread),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Policy> {
        self.policy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Allows only these IP addresses (and denies every other); overrides the deny list.
    pub fn allow<I: IntoIterator<Item = S>, S: Into<String>>(&self, addresses: I) {
        self.lock()
            .allow
            .extend(addresses.into_iter().map(Into::into));
    }

    /// Denies these IP addresses (when no address is explicitly allowed).
    pub fn deny<I: IntoIterator<Item = S>, S: Into<String>>(&self, addresses: I) {
        self.lock()
            .deny
            .extend(addresses.into_iter().map(Into::into));
    }

    /// Sets the PLAIN user names and passwords of a ZAP domain (`"*"` for sockets with none).
    pub fn configure_plain<I, U, P>(&self, domain: &str, passwords: I)
    where
        I: IntoIterator<Item = (U, P)>,
        U: AsRef<[u8]>,
        P: AsRef<[u8]>,
    {
        let users = passwords
            .into_iter()
            .map(|(u, p)| {
                (
                    Bytes::copy_from_slice(u.as_ref()),
                    Bytes::copy_from_slice(p.as_ref()),
                )
            })
            .collect();
        self.lock().passwords.insert(domain.to_owned(), users);
    }

    /// Sets which CURVE clients a ZAP domain lets in (`"*"` for sockets with none).
    pub fn configure_curve(&self, domain: &str, allow: CurveAllow) {
        self.lock().curve.insert(domain.to_owned(), allow);
    }

    /// Lets in the CURVE clients whose public certificates (`*.key` files with a
    /// `public-key = "<Z85>"` line, as pyzmq's `zmq.auth.create_certificates` and CZMQ's `zcert`
    /// write them) are in `dir`.
    ///
    /// # Errors
    /// The directory or a file could not be read.
    pub fn configure_curve_dir(&self, domain: &str, dir: &Path) -> Result<()> {
        let mut keys = HashSet::new();
        for entry in std::fs::read_dir(dir).map_err(Error::Io)? {
            let path = entry.map_err(Error::Io)?.path();
            if path.extension().is_some_and(|e| e == "key") {
                let text = std::fs::read_to_string(&path).map_err(Error::Io)?;
                keys.extend(public_key_of(&text));
            }
        }
        self.configure_curve(domain, CurveAllow::Keys(keys));
        Ok(())
    }
}

/// The `public-key = "..."` of a certificate file.
fn public_key_of(certificate: &str) -> Option<[u8; KEY_LEN]> {
    certificate.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        if name.trim() != "public-key" {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        zmtp::parse_key(value.as_bytes())
    })
}

impl Drop for Authenticator {
    fn drop(&mut self) {
        // If the thread has already stopped, the send fails and the join returns at once.
        let _ = self.control.send("STOP", DONTWAIT);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The handler loop: one reply per request, until told to stop or the context ends.
fn serve(handler: &Socket, stop: &Socket, policy: &Mutex<Policy>) {
    loop {
        let mut items = [PollItem::new(handler, POLLIN), PollItem::new(stop, POLLIN)];
        if poll(&mut items, None).is_err() || items[1].revents & POLLIN != 0 {
            return;
        }
        if items[0].revents & POLLIN == 0 {
            continue;
        }
        let Ok(frames) = handler.recv_multipart(DONTWAIT) else {
            continue;
        };
        let reply = match ZapRequest::parse(&frames) {
            Some(request) => {
                let (status, text, user) = policy
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .judge(&request);
                ZapReply::new(&request, status, text, user)
            }
            None => {
                let request_id = frames.get(1).cloned().unwrap_or_default();
                ZapReply {
                    request_id,
                    status_code: 400,
                    status_text: Bytes::from_static(b"Invalid request"),
                    user_id: Bytes::new(),
                    metadata: Default::default(),
                }
            }
        };
        if handler.send_multipart(reply.to_frames(), 0).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        address: &str,
        domain: &str,
        mechanism: &'static str,
        creds: &[&[u8]],
    ) -> ZapRequest {
        ZapRequest::parse(
            &[
                &b"1.0"[..],
                b"1",
                domain.as_bytes(),
                address.as_bytes(),
                b"",
                mechanism.as_bytes(),
            ]
            .iter()
            .chain(creds)
            .map(|f| Bytes::copy_from_slice(f))
            .collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn verdicts_like_pyzmq() {
        let mut p = Policy::default();
        assert_eq!(p.judge(&request("1.2.3.4", "", "NULL", &[])).0, 200);
        assert_eq!(
            p.judge(&request("1.2.3.4", "", "PLAIN", &[b"u", b"p"])).1,
            "No passwords defined"
        );
        p.passwords.insert(
            "*".into(),
            [(Bytes::from_static(b"u"), Bytes::from_static(b"p"))].into(),
        );
        let ok = p.judge(&request("1.2.3.4", "", "PLAIN", &[b"u", b"p"]));
        assert_eq!((ok.0, &ok.2[..]), (200, &b"u"[..]));
        assert_eq!(
            p.judge(&request("1.2.3.4", "", "PLAIN", &[b"u", b"x"])).0,
            400
        );
        assert_eq!(
            p.judge(&request("1.2.3.4", "other", "PLAIN", &[b"u", b"p"]))
                .0,
            400
        );

        let key = [9u8; 32];
        assert_eq!(
            p.judge(&request("1.2.3.4", "", "CURVE", &[&key])).1,
            "No certificates defined"
        );
        p.curve.insert("*".into(), CurveAllow::Keys([key].into()));
        let ok = p.judge(&request("1.2.3.4", "", "CURVE", &[&key]));
        assert_eq!(ok.0, 200);
        assert_eq!(ok.2, zmtp::z85::encode(&key).unwrap());
        assert_eq!(
            p.judge(&request("1.2.3.4", "", "CURVE", &[&[1u8; 32]])).1,
            "Unknown key"
        );
        p.curve.insert("*".into(), CurveAllow::Any);
        assert_eq!(
            p.judge(&request("1.2.3.4", "", "CURVE", &[&[1u8; 32]])).0,
            200
        );

        p.deny.insert("6.6.6.6".into());
        assert_eq!(p.judge(&request("6.6.6.6", "", "NULL", &[])).0, 400);
        assert_eq!(p.judge(&request("1.2.3.4", "", "NULL", &[])).0, 200);
        p.allow.insert("127.0.0.1".into());
        assert_eq!(
            p.judge(&request("1.2.3.4", "", "NULL", &[])).1,
            "Address not in allow list"
        );
        assert_eq!(p.judge(&request("127.0.0.1", "", "NULL", &[])).0, 200);
        // Even an allowed address must authenticate with PLAIN.
        assert_eq!(
            p.judge(&request("127.0.0.1", "", "PLAIN", &[b"u", b"x"])).0,
            400
        );
    }

    #[test]
    fn certificate_files() {
        let cert = "#   ZeroMQ CURVE Public Certificate\nmetadata\ncurve\n    public-key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\"\n";
        assert_eq!(
            public_key_of(cert),
            zmtp::parse_key(b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
        );
        assert_eq!(public_key_of("curve\n    secret-key = \"x\"\n"), None);
    }
}
