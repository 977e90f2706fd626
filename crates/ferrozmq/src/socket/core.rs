//! The state behind a socket: its pattern, its links and the commands that change them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use zmtp::{Frame, PeerInfo, SocketType};

use crate::error::{Error, Result};
use crate::links::Links;
use crate::mailbox::{Command, Mailbox};
use crate::options::Options;
use crate::pattern::{self, Pattern};
use crate::pipe::{LinkEnd, LinkId, PipeEvent};

/// What a socket holds between calls; the user thread owns it, other threads reach it only through the
/// mailbox.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) socket_type: SocketType,
    pub(crate) options: Options,
    pub(crate) pattern: Box<dyn Pattern>,
    pub(crate) links: Links,
    pub(crate) mailbox: Arc<Mailbox>,
    /// The last frame received had more frames after it.
    pub(crate) rcvmore: bool,
    /// The socket has used the I/O thread, which must hear of its close.
    pub(crate) uses_io: bool,
    /// The last successful call sent (a recv now most likely awaits an answer).
    pub(crate) sent_last: bool,
    /// The socket received since it last sent a whole message: what it sends now most likely answers
    /// (request-reply turns). Mirrored in `turn` for the sessions' direct path.
    answering: bool,
    /// What sessions read to know whether a message the socket queues may take the direct path.
    pub(crate) turn: Arc<AtomicBool>,
    /// A recv read a stream directly since the last [`Core::release_direct`].
    read_direct: bool,
    commands: Vec<Command>,
}

impl Core {
    /// A core for a new socket of this type.
    pub(crate) fn new(
        socket_type: SocketType,
        mailbox: Arc<Mailbox>,
        options: Options,
    ) -> Result<Self> {
        let pattern = pattern::new(socket_type, &options)?;
        Ok(Self {
            socket_type,
            options,
            pattern,
            links: Links::default(),
            mailbox,
            rcvmore: false,
            uses_io: false,
            sent_last: false,
            answering: true,
            turn: Arc::new(AtomicBool::new(true)),
            read_direct: false,
            commands: Vec::new(),
        })
    }

    /// The peer description other sockets of this process see for this one (inproc).
    pub(crate) fn peer_info(&self) -> PeerInfo {
        PeerInfo {
            socket_type: self.socket_type,
            routing_id: (!self.options.routing_id.is_empty())
                .then(|| self.options.routing_id.clone()),
            metadata: Default::default(),
            version: (3, 1),
        }
    }

    /// Adds the socket's end of a new link and tells the pattern; `routing_id` is the CONNECT_ROUTING_ID
    /// given to the connect that made it.
    pub(crate) fn attach(
        &mut self,
        end: LinkEnd,
        peer: Option<PeerInfo>,
        routing_id: Option<Bytes>,
    ) -> LinkId {
        end.set_owner(self.mailbox.clone());
        let ready = peer.is_some();
        let id = self.links.insert(end, peer);
        if let Some(link) = self.links.get_mut(id) {
            link.connect_routing_id = routing_id;
            if self.options.conflate && conflates(self.socket_type) {
                link.end.set_conflate();
            }
        }
        self.pattern.attach(id, &mut self.links);
        if ready {
            self.pattern.peer_ready(id, &mut self.links);
        }
        self.reap();
        id
    }

    /// Removes a link at once (disconnect), telling the pattern.
    pub(crate) fn detach(&mut self, id: LinkId) {
        if self.links.remove(id).is_some() {
            self.pattern.detach(id);
        }
    }

    /// Applies every command posted to the mailbox.
    pub(crate) fn process_commands(&mut self) {
        self.mailbox.take(&mut self.commands);
        if self.commands.is_empty() {
            return;
        }
        let mut commands = std::mem::take(&mut self.commands);
        for command in commands.drain(..) {
            match command {
                Command::Attach {
                    end,
                    peer,
                    routing_id,
                } => {
                    self.attach(end, peer, routing_id);
                }
                Command::PeerReady(id, peer) => {
                    if let Some(link) = self.links.get_mut(id) {
                        link.peer = Some(peer);
                        self.pattern.peer_ready(id, &mut self.links);
                    }
                }
                Command::Pipe(id, event) => self.pipe_event(id, event),
                Command::Direct(id, direct) => {
                    if let Some(link) = self.links.get_mut(id) {
                        link.direct = Some(direct);
                    }
                }
            }
        }
        self.commands = commands;
        self.reap();
    }

    fn pipe_event(&mut self, id: LinkId, event: PipeEvent) {
        let Some(link) = self.links.get_mut(id) else {
            return;
        };
        match event {
            PipeEvent::Readable => self.pattern.read_activated(id),
            PipeEvent::Writable => self.pattern.write_activated(id),
            PipeEvent::Closed => {
                if link.end.reader.is_finished() {
                    self.detach(id);
                } else {
                    // Messages the peer sent before going away are still delivered; the read that finds
                    // the pipe finished detaches the link.
                    self.pattern.read_activated(id);
                }
            }
        }
    }

    /// Detaches the links found gone during the last pattern call.
    pub(crate) fn reap(&mut self) {
        if !self.links.has_dead() {
            return;
        }
        for id in self.links.take_dead() {
            self.detach(id);
        }
    }

    /// Asks the pattern to send one frame.
    #[inline]
    pub(crate) fn try_send(&mut self, frame: Frame) -> std::result::Result<(), pattern::SendError> {
        self.process_commands();
        let last = !frame.more;
        let result = self.pattern.send(frame, &mut self.links);
        if last && self.answering && result.is_ok() {
            self.set_answering(false);
        }
        self.reap();
        result
    }

    /// Asks the pattern for the next frame.
    pub(crate) fn try_recv(&mut self) -> Result<Frame> {
        self.process_commands();
        loop {
            let result = self.pattern.recv(&mut self.links);
            if !self.answering && result.is_ok() {
                self.set_answering(true);
            }
            // A link found finished may hand its routing id to a waiting one (ROUTER, STREAM) whose
            // messages are already in: look again rather than wait for news that came before.
            let again = matches!(result, Err(Error::Again)) && self.links.has_dead();
            self.reap();
            if !again {
                return result;
            }
        }
    }

    /// Starts or ends an answering turn; `turn` follows (only on changes: a stream of sends touches neither).
    fn set_answering(&mut self, answering: bool) {
        self.answering = answering;
        self.turn.store(answering, Ordering::Relaxed);
    }

    /// The direct path of the socket's only link, for a recv that awaits the answer to what it sent.
    pub(crate) fn direct_for_answer(&mut self) -> Option<Arc<crate::engine::DirectLink>> {
        if !self.sent_last {
            return None;
        }
        let direct = self.links.only_direct();
        self.read_direct |= direct.is_some();
        direct
    }

    /// Before the socket waits on its mailbox or is polled: the I/O thread takes back the reads of every
    /// stream a recv read directly, so it hears of what arrives.
    pub(crate) fn release_direct(&mut self) {
        if std::mem::take(&mut self.read_direct) {
            self.links.release_direct();
        }
    }
}

/// The socket types whose pipes CONFLATE makes keep only the last message (as in libzmq).
fn conflates(socket_type: SocketType) -> bool {
    matches!(
        socket_type,
        SocketType::Dealer
            | SocketType::Pull
            | SocketType::Push
            | SocketType::Pub
            | SocketType::Sub
    )
}
