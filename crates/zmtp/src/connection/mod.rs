//! [`Connection`]: one ZMTP 3.x connection as a state machine over bytes, frames and time.

mod traffic;

use std::time::Instant;

use bytes::BytesMut;

use crate::decoder::{Decoder, RawFrame};
use crate::error::{Error, Malformation};
use crate::greeting::{self, Greeted, GreetingReader, PeerGreeting};
use crate::heartbeat::Heartbeat;
use crate::legacy::{self, Downgraded, Framing, Received};
use crate::mechanism::{self, Mechanism, Status};
use crate::{encoder, Config, Event, Frame, MechanismConfig, PeerInfo, SocketType, WriteBuf};
use traffic::Incoming;

/// [`Connection::read_hint`] never asks for more than this at once, whatever a frame declares.
const MAX_READ_HINT: usize = 16 << 20;

/// How much of our greeting is queued (libzmq's staging).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GreetingSent {
    /// Bytes 0–9, queued at creation.
    Signature,
    /// Byte 10, queued once the peer's signature is in.
    Major,
    /// Bytes 11–63, queued once the peer's major version is in.
    Full,
}

/// Where the connection stands.
#[derive(Debug)]
enum Phase {
    /// Reading the peer's greeting.
    Greeting,
    /// The greeting is done: the mechanism's handshake, then traffic once `ready`.
    Secured {
        mechanism: Box<dyn Mechanism>,
        ready: bool,
    },
    /// A ZMTP 1.0 or 2.0 peer: identities, then traffic, without mechanism or commands.
    Downgraded(Downgraded),
}

/// One ZMTP connection, without I/O: feed it received bytes and the time, take bytes to write.
///
/// # Driving a connection
/// - [`poll_event`](Self::poll_event) with the received bytes until it returns `Ok(None)` (or
///   stop early to apply backpressure: bytes not yet decoded stay in the buffer);
/// - [`send`](Self::send) frames once [`Event::Ready`] has been seen;
/// - after any of these calls, write out [`write_buf`](Self::write_buf) and re-arm the timer with
///   [`poll_timeout`](Self::poll_timeout); call [`handle_timeout`](Self::handle_timeout) when it fires.
///
/// Every error is fatal and sticky. After an error, still try to flush [`write_buf`](Self::write_buf)
/// (it may hold an ERROR command for the peer), then close the transport.
#[derive(Debug)]
pub struct Connection {
    config: Config,
    phase: Phase,
    greeting: GreetingReader,
    greeting_sent: GreetingSent,
    version: (u8, u8),
    decoder: Decoder,
    out: WriteBuf,
    peer: Option<PeerInfo>,
    heartbeat: Heartbeat,
    handshake_deadline: Option<Instant>,
    /// Whether the last frame sent had MORE (so the next one does not start a message).
    send_more: bool,
    read_hint: usize,
    error: Option<Error>,
}

impl Connection {
    /// A new connection; the first part of the greeting is queued for transmit at once, and the
    /// handshake limit starts counting from `now`.
    pub fn new(config: Config, now: Instant) -> Self {
        let mut out = WriteBuf::default();
        out.put_slice(&greeting::signature(config.routing_id.len()));
        let handshake_deadline = config
            .handshake_ivl
            .filter(|d| !d.is_zero())
            .and_then(|d| now.checked_add(d));
        Self {
            decoder: Decoder::new(config.max_msg_size),
            heartbeat: Heartbeat::new(&config),
            config,
            phase: Phase::Greeting,
            greeting: GreetingReader::new(),
            greeting_sent: GreetingSent::Signature,
            version: (greeting::MAJOR, 1),
            out,
            peer: None,
            handshake_deadline,
            send_more: false,
            read_hint: greeting::SIGNATURE_LEN,
            error: None,
        }
    }

    /// Decodes the next event from `input`, consuming exactly the bytes it used. Handshake
    /// commands, PINGs and the like are handled inside and may queue output.
    ///
    /// Returns `Ok(None)` when `input` holds no complete event. One event per call, so a caller
    /// applies backpressure by not calling it.
    ///
    /// # Errors
    /// Any protocol violation; the error is sticky (every later call returns it).
    pub fn poll_event(
        &mut self,
        input: &mut BytesMut,
        now: Instant,
    ) -> Result<Option<Event>, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let result = self.next_event(input, now);
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        self.read_hint = self.wanted(input.len());
        result
    }

    /// How many more bytes the decoder wants, beyond what `input` held at the last
    /// [`poll_event`](Self::poll_event), before it can progress: the rest of a large body lets the
    /// caller reserve room for it. Never more than the remaining body (itself within
    /// `max_msg_size`), and at most 16 MiB.
    pub fn read_hint(&self) -> usize {
        self.read_hint
    }

    /// The length of the frame body the connection waits for, once that frame's header is decoded:
    /// everything [`poll_event`](Self::poll_event) left in its input belongs to that body. A caller
    /// may take those bytes out of the input, read the rest of the body into a buffer of its own
    /// (libzmq reads large bodies straight into the message) and hand it over with
    /// [`supply_body`](Self::supply_body). The length is within `max_msg_size`; `None` when no body is
    /// awaited.
    pub fn awaited_body(&self) -> Option<usize> {
        match (&self.phase, &self.error) {
            (Phase::Secured { .. }, None) => self.decoder.awaited_body(),
            _ => None,
        }
    }

    /// Completes the frame whose body [`awaited_body`](Self::awaited_body) reported with `body`
    /// (exactly that many bytes, the start that was in the input first); the next
    /// [`poll_event`](Self::poll_event) decodes that frame before any input. `false`, and nothing
    /// changes, when no body of that length is awaited.
    pub fn supply_body(&mut self, body: bytes::Bytes) -> bool {
        self.awaited_body().is_some() && self.decoder.supply_body(body)
    }

    /// Queues one outgoing message frame.
    ///
    /// # Errors
    /// [`Error::NotReady`] before [`Event::Ready`] (hold frames until then), or the sticky error
    /// after a failure.
    pub fn send(&mut self, frame: Frame) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if let Phase::Downgraded(d) = &self.phase {
            if !d.is_ready() {
                return Err(Error::NotReady);
            }
            d.send(&mut self.out, frame);
            return Ok(());
        }
        let Phase::Secured {
            mechanism,
            ready: true,
        } = &mut self.phase
        else {
            return Err(Error::NotReady);
        };
        let first = !self.send_more;
        self.send_more = frame.more;
        let raw = traffic::outgoing(self.config.socket_type, self.version, first, frame);
        match mechanism.encode(raw, &mut self.out) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Takes the ZAP handler's verdict on the request reported by [`Event::ZapRequest`]; the
    /// handshake then goes on at the next [`poll_event`](Self::poll_event). A reply with no request
    /// outstanding is ignored.
    ///
    /// # Errors
    /// [`Error::AuthFailed`] when the handler refused the peer (an ERROR command for the peer is then
    /// queued for status 400 and 500, as libzmq does), or the sticky error.
    pub fn zap_reply(&mut self, reply: crate::ZapReply) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let Phase::Secured {
            mechanism,
            ready: false,
        } = &mut self.phase
        else {
            return Ok(());
        };
        let result = mechanism.zap_reply(reply);
        send_handshake_commands(mechanism.as_mut(), &mut self.out);
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        result
    }

    /// The bytes waiting to be written to the transport.
    pub fn write_buf(&mut self) -> &mut WriteBuf {
        &mut self.out
    }

    /// Fires the timers due at `now`: sends a heartbeat PING, or fails on an expired handshake or
    /// heartbeat deadline.
    ///
    /// # Errors
    /// [`Error::HandshakeTimeout`], [`Error::HeartbeatTimeout`], or the sticky error.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let result = self.fire_timers(now);
        if let Err(e) = &result {
            self.error = Some(e.clone());
        }
        result
    }

    /// The next deadline at which [`handle_timeout`](Self::handle_timeout) must be called, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.error.is_some() {
            return None;
        }
        [self.handshake_deadline, self.heartbeat.next_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Whether the handshake is complete and the connection has not failed.
    pub fn is_ready(&self) -> bool {
        self.error.is_none()
            && match &self.phase {
                Phase::Secured { ready, .. } => *ready,
                Phase::Downgraded(d) => d.is_ready(),
                Phase::Greeting => false,
            }
    }

    /// The peer, once [`Event::Ready`] has been returned.
    pub fn peer(&self) -> Option<&PeerInfo> {
        self.peer.as_ref()
    }

    /// The state machine behind [`poll_event`](Self::poll_event).
    fn next_event(&mut self, input: &mut BytesMut, now: Instant) -> Result<Option<Event>, Error> {
        loop {
            let (mechanism, ready) = match &mut self.phase {
                Phase::Greeting => {
                    let Some(peer) = self.read_greeting(input)? else {
                        return Ok(None);
                    };
                    match peer {
                        Greeted::V3(peer) => self.start_handshake(peer)?,
                        Greeted::Legacy {
                            revision,
                            socket_type,
                        } => self.downgrade(revision, socket_type),
                        Greeted::Unversioned(taken) => self.downgrade_unversioned(taken, input)?,
                    }
                    continue;
                }
                Phase::Downgraded(_) => return self.next_downgraded(input),
                Phase::Secured { mechanism, ready } => (mechanism, ready),
            };
            if !*ready {
                if let Some(request) = mechanism.zap_request() {
                    return Ok(Some(Event::ZapRequest(request)));
                }
                if let (Status::Ready, Some(props)) =
                    (mechanism.status(), mechanism.peer_properties())
                {
                    let info = PeerInfo {
                        socket_type: props.socket_type,
                        routing_id: mechanism::peer_routing_id(&props.metadata),
                        metadata: props.metadata,
                        version: self.version,
                    };
                    *ready = true;
                    self.peer = Some(info.clone());
                    self.handshake_deadline = None;
                    self.heartbeat.start(now);
                    return Ok(Some(Event::Ready(info)));
                }
                let Some(frame) = self.decoder.decode(input)? else {
                    return Ok(None);
                };
                let RawFrame::Command(body) = frame else {
                    return Err(Error::malformed(Malformation::MessageDuringHandshake));
                };
                let result = mechanism
                    .parse_command(body)
                    .and_then(|cmd| mechanism.process_handshake_command(cmd));
                send_handshake_commands(mechanism.as_mut(), &mut self.out);
                result?;
                continue;
            }
            let Some(frame) = self.decoder.decode_wire(input)? else {
                return Ok(None);
            };
            let frame = mechanism.decode(frame)?;
            self.heartbeat.on_receive();
            let body = match frame {
                RawFrame::Message { body, more } => {
                    return Ok(Some(Event::Frame(Frame::new(body).with_more(more))))
                }
                RawFrame::Command(body) => body,
            };
            match traffic::on_command(self.config.socket_type, &mut self.heartbeat, body, now)? {
                Incoming::Reply(reply) => {
                    mechanism.encode(RawFrame::Command(reply), &mut self.out)?
                }
                Incoming::Deliver(frame) => return Ok(Some(Event::Frame(frame))),
                Incoming::Ignore => {}
            }
        }
    }

    /// Takes greeting bytes, queueing our own greeting stage by stage; the peer's greeting once complete.
    fn read_greeting(&mut self, input: &mut BytesMut) -> Result<Option<Greeted>, Error> {
        let peer = self.greeting.read(input);
        if matches!(peer, Some(Greeted::Unversioned(_))) {
            return Ok(peer);
        }
        if self.greeting.has_signature() && self.greeting_sent < GreetingSent::Major {
            self.out.put_slice(&[greeting::MAJOR]);
            self.greeting_sent = GreetingSent::Major;
        }
        if let (Some(revision), true) = (
            self.greeting.revision(),
            self.greeting_sent < GreetingSent::Full,
        ) {
            if greeting::is_legacy(revision) {
                // A ZMTP 2.0 (or versioned 1.0) peer: our socket type ends our greeting.
                self.refuse_downgrade(Some(revision))?;
                let ty = u8::try_from(self.config.socket_type.to_raw()).unwrap_or(u8::MAX);
                self.out.put_slice(&[ty]);
            } else {
                let mech = &self.config.mechanism;
                self.out
                    .put_slice(&greeting::rest(mech.name(), mech.as_server()));
            }
            self.greeting_sent = GreetingSent::Full;
        }
        Ok(peer)
    }

    /// libzmq speaks ZMTP 1.0 and 2.0 only without security (`session_base_t::zap_enabled`): refused
    /// unless our mechanism is NULL without a ZAP domain.
    fn refuse_downgrade(&self, revision: Option<u8>) -> Result<(), Error> {
        if matches!(self.config.mechanism, MechanismConfig::Null)
            && self.config.zap_domain.is_empty()
        {
            Ok(())
        } else {
            Err(Error::UnsupportedVersion { revision })
        }
    }

    /// Switches to ZMTP 1.0 (revision 0) or 2.0 framing; our identity message goes first.
    fn downgrade(&mut self, revision: u8, socket_type: u8) {
        let framing = if revision == 0 {
            Framing::V1
        } else {
            Framing::V2
        };
        let peer_type = SocketType::from_raw(socket_type.into());
        let d = Downgraded::new(
            framing,
            self.config.socket_type,
            // A 2.0 peer names its type; a number we do not know is taken like an unnamed one.
            Some(peer_type.unwrap_or_else(|| legacy::assumed_peer_type(self.config.socket_type))),
            self.config.max_msg_size,
        );
        d.send(&mut self.out, Frame::new(self.config.routing_id.clone()));
        self.enter_downgraded(d);
    }

    /// An unversioned ZMTP 1.0 peer: our signature was the header of our identity message, so its body
    /// follows; the bytes taken as greeting are the start of the peer's identity message.
    fn downgrade_unversioned(&mut self, taken: Vec<u8>, input: &mut BytesMut) -> Result<(), Error> {
        self.refuse_downgrade(None)?;
        self.out.put_slice(&self.config.routing_id.clone());
        let mut replay = BytesMut::from(&taken[..]);
        replay.extend_from_slice(input);
        *input = replay;
        let d = Downgraded::new(
            Framing::V1,
            self.config.socket_type,
            None,
            self.config.max_msg_size,
        );
        self.enter_downgraded(d);
        Ok(())
    }

    fn enter_downgraded(&mut self, d: Downgraded) {
        self.version = d.version();
        self.phase = Phase::Downgraded(d);
    }

    /// [`Connection::next_event`] for a downgraded connection.
    fn next_downgraded(&mut self, input: &mut BytesMut) -> Result<Option<Event>, Error> {
        let Phase::Downgraded(d) = &mut self.phase else {
            return Ok(None);
        };
        match d.next(input)? {
            None => Ok(None),
            Some(Received::Frame(frame)) => Ok(Some(Event::Frame(frame))),
            Some(Received::Identity(routing_id)) => {
                let mut metadata = crate::Metadata::new();
                metadata.insert("Socket-Type", d.peer_type.as_str());
                if let Some(id) = &routing_id {
                    metadata.insert("Identity", id.clone());
                }
                let info = PeerInfo {
                    socket_type: d.peer_type,
                    routing_id,
                    metadata,
                    version: self.version,
                };
                self.peer = Some(info.clone());
                self.handshake_deadline = None;
                Ok(Some(Event::Ready(info)))
            }
        }
    }

    /// Checks the peer's mechanism and starts ours, queueing its first commands.
    fn start_handshake(&mut self, peer: PeerGreeting) -> Result<(), Error> {
        let ours = self.config.mechanism.name();
        if peer.mechanism != greeting::mechanism_field(ours) {
            let name = peer.mechanism.split(|&b| b == 0).next().unwrap_or_default();
            return Err(Error::MechanismMismatch {
                ours,
                peer: String::from_utf8_lossy(name).into_owned(),
            });
        }
        self.version = peer.version;
        let mut mechanism = mechanism::new(&self.config)?;
        send_handshake_commands(mechanism.as_mut(), &mut self.out);
        self.phase = Phase::Secured {
            mechanism,
            ready: false,
        };
        Ok(())
    }

    fn fire_timers(&mut self, now: Instant) -> Result<(), Error> {
        if self.handshake_deadline.is_some_and(|d| now >= d) {
            return Err(Error::HandshakeTimeout);
        }
        if let Phase::Secured {
            mechanism,
            ready: true,
        } = &mut self.phase
        {
            if self.heartbeat.poll(now)? {
                let ping = RawFrame::Command(crate::command::ping(self.heartbeat.ttl_ds()));
                mechanism.encode(ping, &mut self.out)?;
            }
        }
        Ok(())
    }

    /// Bytes wanted beyond the `available` ones (see [`read_hint`](Self::read_hint)).
    fn wanted(&self, available: usize) -> usize {
        if self.error.is_some() {
            return 0;
        }
        let needed = match &self.phase {
            Phase::Greeting => self.greeting.needed(),
            Phase::Secured { .. } => self.decoder.needed(),
            Phase::Downgraded(d) => d.needed(),
        };
        needed.saturating_sub(available).min(MAX_READ_HINT)
    }
}

/// Queues every handshake command the mechanism has ready (handshake commands bypass `encode`).
fn send_handshake_commands(mechanism: &mut dyn Mechanism, out: &mut WriteBuf) {
    while let Some(body) = mechanism.next_handshake_command() {
        encoder::encode_command(out, body);
    }
}
