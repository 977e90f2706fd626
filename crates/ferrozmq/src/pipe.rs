//! Pipes: one-way queues of frames, bounded by a high-water mark in messages, between a socket and its peer
//! (a session in the I/O thread or, for inproc, another socket).
//!
//! A *link* is two pipes, one each way, created together by [`link`]; each end is a [`LinkEnd`] that reads one
//! pipe and writes the other. Frames of a message become visible to the reader only when its last frame is
//! written, so a reader never sees half a message. The reader takes every complete message in one lock (its
//! prefetch), so the steady state costs one lock per batch on the read side.
//!
//! Wake-ups follow libzmq's `activate_read` / `activate_write`: a reader that found the pipe empty is told
//! [`PipeEvent::Readable`] once when a message arrives; a writer that found it full is told
//! [`PipeEvent::Writable`] once when the reader drains it; each side is told [`PipeEvent::Closed`] when the
//! other end goes away. Events reach the end's owner through [`PipeOwner`], with the link's id.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use zmtp::{Frame, Metadata};

/// Identifies a link, unique in the process; both ends' owners know it by the same id.
pub(crate) type LinkId = u64;

/// What happened to a pipe, as told to the owner of one of its ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PipeEvent {
    /// The pipe the owner reads has a message again.
    Readable,
    /// The pipe the owner writes has room again.
    Writable,
    /// The other end of the link was closed.
    Closed,
}

/// Who is told about events on the pipes of a link end.
pub(crate) trait PipeOwner: Send + Sync {
    /// Called without any pipe lock held.
    fn pipe_event(&self, id: LinkId, event: PipeEvent);
}

/// Why a write was refused.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// The pipe holds its high-water mark of messages; the frame is handed back.
    Full(Frame),
    /// The reader is gone; the frame is handed back.
    Closed(Frame),
}

/// What a read found.
#[derive(Debug)]
pub(crate) enum Read {
    /// The next frame.
    Frame(Frame),
    /// Nothing yet; the owner will be told [`PipeEvent::Readable`].
    Empty,
    /// The writer is gone and everything it sent has been read.
    Closed,
}

type Notify = Option<(Arc<dyn PipeOwner>, LinkId)>;

/// Bodies up to this many bytes travel copied inside the queue on inproc links (see [`Item::Small`]); 31
/// keeps an item as small as a frame (the tag lives in the frame's `more` byte), so the I/O paths, which
/// queue frames as they are, pay nothing for it.
const INLINE: usize = 31;
/// In [`Item::Small`]'s `head`: the MORE flag, above the length.
const SMALL_MORE: u8 = 0x80;

/// A frame as queued.
enum Item {
    /// The frame as written.
    Frame(Frame),
    /// A small body copied into the item on an inproc link: the sending thread frees the buffer it
    /// allocated and the reading thread allocates the one it hands out, each in its own allocator cache
    /// (a buffer freed by the other thread costs glibc its arena lock: the larger part of inproc's cost
    /// for small messages).
    Small {
        /// The body's length, or'ed with [`SMALL_MORE`].
        head: u8,
        bytes: [u8; INLINE],
        metadata: Option<Arc<Metadata>>,
    },
}

impl Item {
    /// Queues `frame`, copying its body in when `copy_small`, it is small and the frame holds its buffer
    /// alone (a shared or static body, as PUB hands one to every subscriber, costs nothing to pass on).
    #[inline]
    fn new(frame: Frame, copy_small: bool) -> Self {
        let len = frame.data.len();
        if !copy_small || len > INLINE || !frame.data.is_unique() {
            return Self::Frame(frame);
        }
        let mut bytes = [0u8; INLINE];
        bytes[..len].copy_from_slice(&frame.data);
        Self::Small {
            head: len as u8 | if frame.more { SMALL_MORE } else { 0 },
            bytes,
            metadata: frame.metadata().cloned(),
        }
    }

    /// Whether more frames of the same message follow.
    fn more(&self) -> bool {
        match self {
            Self::Frame(f) => f.more,
            Self::Small { head, .. } => head & SMALL_MORE != 0,
        }
    }

    /// The frame to hand to the reader.
    #[inline]
    fn into_frame(self) -> Frame {
        match self {
            Self::Frame(f) => f,
            Self::Small { .. } => self.into_copied_frame(),
        }
    }

    /// [`into_frame`](Self::into_frame) of a small item, out of line (the common path is a move).
    #[cold]
    fn into_copied_frame(self) -> Frame {
        match self {
            Self::Frame(f) => f,
            Self::Small {
                head,
                bytes,
                metadata,
            } => {
                let len = usize::from(head & !SMALL_MORE).min(INLINE);
                Frame::new(Bytes::copy_from_slice(&bytes[..len]))
                    .with_more(head & SMALL_MORE != 0)
                    .with_metadata(metadata)
            }
        }
    }
}

#[derive(Default)]
struct Queue {
    frames: VecDeque<Item>,
    /// Leading frames that form complete messages.
    committed: usize,
    /// Complete messages queued.
    msgs: usize,
    /// High-water mark in messages; 0 is unlimited.
    hwm: usize,
    /// CONFLATE: a complete message replaces every one queued before it; never full.
    conflate: bool,
    reader_waiting: bool,
    writer_waiting: bool,
    reader_closed: bool,
    writer_closed: bool,
    reader: Notify,
    writer: Notify,
}

impl Queue {
    /// True when no new message may start.
    fn is_full(&self) -> bool {
        !self.conflate && self.hwm > 0 && self.msgs >= self.hwm
    }

    /// Keeps only the last complete message queued (CONFLATE turned on with messages already queued).
    fn keep_last(&mut self) {
        let committed = self.committed;
        let Some(before_last) = committed.checked_sub(1) else {
            return;
        };
        let start = self
            .frames
            .iter()
            .take(before_last)
            .rposition(|f| !f.more())
            .map_or(0, |i| i + 1);
        self.frames.drain(..start);
        self.committed -= start;
        self.msgs = 1;
    }

    /// With CONFLATE, drops every complete message queued before the one just finished.
    fn drop_older_if_conflating(&mut self) {
        if self.conflate && self.committed > 0 {
            self.frames.drain(..self.committed);
            self.committed = 0;
            self.msgs = 0;
        }
    }
}

#[derive(Default)]
struct Pipe {
    queue: Mutex<Queue>,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding the lock leaves the queue consistent: every update is a single step.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn notify(target: Notify, event: PipeEvent) {
    if let Some((owner, id)) = target {
        owner.pipe_event(id, event);
    }
}

/// The reading end of a pipe.
pub(crate) struct PipeReader {
    pipe: Arc<Pipe>,
    local: VecDeque<Item>,
}

impl PipeReader {
    /// Reads the next frame.
    pub(crate) fn read(&mut self) -> Read {
        if let Some(item) = self.local.pop_front() {
            return Read::Frame(item.into_frame());
        }
        let pipe = self.pipe.clone();
        let mut q = pipe.lock();
        if q.committed == 0 {
            return if q.writer_closed {
                Read::Closed
            } else {
                q.reader_waiting = true;
                Read::Empty
            };
        }
        Self::prefetch(&mut self.local, q);
        match self.local.pop_front() {
            Some(item) => Read::Frame(item.into_frame()),
            None => Read::Empty,
        }
    }

    /// True when a whole message can be read now; otherwise the owner will be told when one can.
    pub(crate) fn check_read(&mut self) -> bool {
        if !self.local.is_empty() {
            return true;
        }
        let mut q = self.pipe.lock();
        if q.committed > 0 {
            return true;
        }
        q.reader_waiting = true;
        false
    }

    /// True when the writer is gone and nothing is left to read.
    pub(crate) fn is_finished(&mut self) -> bool {
        self.local.is_empty() && {
            let q = self.pipe.lock();
            q.writer_closed && q.committed == 0
        }
    }

    /// Moves every complete message into the local buffer, then wakes a writer that waits for room.
    fn prefetch(local: &mut VecDeque<Item>, mut q: MutexGuard<'_, Queue>) {
        if q.committed == q.frames.len() {
            if local.is_empty() {
                std::mem::swap(local, &mut q.frames);
            } else {
                local.append(&mut q.frames);
            }
        } else {
            let n = q.committed;
            local.extend(q.frames.drain(..n));
        }
        q.committed = 0;
        q.msgs = 0;
        let wake = if q.writer_waiting {
            q.writer_waiting = false;
            q.writer.clone()
        } else {
            None
        };
        drop(q);
        notify(wake, PipeEvent::Writable);
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut q = self.pipe.lock();
        q.reader_closed = true;
        q.frames.clear();
        q.committed = 0;
        q.msgs = 0;
        let target = if q.writer_closed {
            None
        } else {
            q.writer.take()
        };
        drop(q);
        notify(target, PipeEvent::Closed);
    }
}

/// The writing end of a pipe.
pub(crate) struct PipeWriter {
    pipe: Arc<Pipe>,
    /// True between the first and the last frame of a message.
    in_message: bool,
    /// Small bodies are copied into the queue ([`Item::Small`]): on inproc links only, where the reader is
    /// another socket's thread; a session's I/O thread, serving every connection, would pay the copy.
    copy_small: bool,
}

impl PipeWriter {
    /// Writes one frame. The high-water mark is checked only at the first frame of a message, so a message
    /// that was started is always finished.
    pub(crate) fn write(&mut self, frame: Frame) -> Result<(), WriteError> {
        let mut q = self.pipe.lock();
        if q.reader_closed {
            return Err(WriteError::Closed(frame));
        }
        if !self.in_message && q.is_full() {
            q.writer_waiting = true;
            return Err(WriteError::Full(frame));
        }
        let last = !frame.more;
        q.frames.push_back(Item::new(frame, self.copy_small));
        self.in_message = !last;
        if !last {
            return Ok(());
        }
        q.drop_older_if_conflating();
        q.committed = q.frames.len();
        q.msgs += 1;
        let wake = if q.reader_waiting {
            q.reader_waiting = false;
            q.reader.clone()
        } else {
            None
        };
        drop(q);
        notify(wake, PipeEvent::Readable);
        Ok(())
    }

    /// Writes whole messages from the front of `frames` in one lock, until the pipe is full; a trailing
    /// incomplete message stays in `frames`. Returns false if the reader is gone.
    pub(crate) fn write_batch(&mut self, frames: &mut VecDeque<Frame>) -> bool {
        let mut q = self.pipe.lock();
        if q.reader_closed {
            frames.clear();
            return false;
        }
        let before = q.msgs;
        while let Some(end) = frames.iter().position(|f| !f.more) {
            if !self.in_message && q.is_full() {
                q.writer_waiting = true;
                break;
            }
            q.frames.extend(frames.drain(..=end).map(Item::Frame));
            q.drop_older_if_conflating();
            q.committed = q.frames.len();
            q.msgs += 1;
        }
        let wake = if q.msgs > before && q.reader_waiting {
            q.reader_waiting = false;
            q.reader.clone()
        } else {
            None
        };
        drop(q);
        notify(wake, PipeEvent::Readable);
        true
    }

    /// True when a new message may be written now; otherwise the owner will be told when it may.
    pub(crate) fn check_write(&mut self) -> bool {
        let mut q = self.pipe.lock();
        if q.reader_closed {
            return false;
        }
        if q.is_full() {
            q.writer_waiting = true;
            return false;
        }
        true
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let mut q = self.pipe.lock();
        q.writer_closed = true;
        let committed = q.committed;
        q.frames.truncate(committed);
        let target = if q.reader_closed {
            None
        } else {
            q.reader.take()
        };
        drop(q);
        notify(target, PipeEvent::Closed);
    }
}

/// One end of a link: reads the pipe coming in, writes the pipe going out.
pub(crate) struct LinkEnd {
    /// The link's process-wide id.
    pub(crate) id: LinkId,
    /// The pipe from the other end to this one.
    pub(crate) reader: PipeReader,
    /// The pipe from this end to the other one.
    pub(crate) writer: PipeWriter,
}

impl std::fmt::Debug for LinkEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkEnd")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl LinkEnd {
    /// Makes both pipes of the link keep only their last complete message (CONFLATE).
    pub(crate) fn set_conflate(&self) {
        for pipe in [&self.reader.pipe, &self.writer.pipe] {
            let mut q = pipe.lock();
            q.conflate = true;
            q.keep_last();
        }
    }

    /// Names who is told about this end's events (the reader's `Readable`, the writer's `Writable`, `Closed`).
    pub(crate) fn set_owner(&self, owner: Arc<dyn PipeOwner>) {
        self.reader.pipe.lock().reader = Some((owner.clone(), self.id));
        self.writer.pipe.lock().writer = Some((owner, self.id));
    }
}

static NEXT_LINK: AtomicU64 = AtomicU64::new(1);

/// Creates a link: the first end writes with high-water mark `a_to_b_hwm`, the second with `b_to_a_hwm`.
pub(crate) fn link(a_to_b_hwm: usize, b_to_a_hwm: usize) -> (LinkEnd, LinkEnd) {
    let id = NEXT_LINK.fetch_add(1, Ordering::Relaxed);
    let ab = Arc::new(Pipe::default());
    let ba = Arc::new(Pipe::default());
    ab.lock().hwm = a_to_b_hwm;
    ba.lock().hwm = b_to_a_hwm;
    let end = |read: &Arc<Pipe>, write: &Arc<Pipe>| LinkEnd {
        id,
        reader: PipeReader {
            pipe: read.clone(),
            local: VecDeque::new(),
        },
        writer: PipeWriter {
            pipe: write.clone(),
            in_message: false,
            copy_small: false,
        },
    };
    (end(&ba, &ab), end(&ab, &ba))
}

/// Creates a link between two sockets of the process (inproc): as [`link`], with small bodies copied into
/// the queue both ways ([`Item::Small`]).
pub(crate) fn inproc_link(a_to_b_hwm: usize, b_to_a_hwm: usize) -> (LinkEnd, LinkEnd) {
    let (mut a, mut b) = link(a_to_b_hwm, b_to_a_hwm);
    a.writer.copy_small = true;
    b.writer.copy_small = true;
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<(LinkId, PipeEvent)>>);
    impl PipeOwner for Recorder {
        fn pipe_event(&self, id: LinkId, event: PipeEvent) {
            self.0.lock().unwrap().push((id, event));
        }
    }

    fn frame(s: &'static str, more: bool) -> Frame {
        Frame::new(s).with_more(more)
    }

    #[test]
    fn inproc_links_copy_small_bodies_with_their_flags_and_metadata() {
        let (mut a, mut b) = inproc_link(0, 0);
        let mut meta = Metadata::default();
        meta.insert("Socket-Type", "PUSH");
        let meta = Some(Arc::new(meta));
        let bodies: [Bytes; 5] = [
            Bytes::new(),
            Bytes::from(vec![1u8]),
            Bytes::from(vec![2u8; INLINE]),
            Bytes::from(vec![3u8; INLINE + 1]),
            Bytes::from_static(b"static"),
        ];
        for (i, body) in bodies.iter().enumerate() {
            let more = i + 1 < bodies.len();
            let f = Frame::new(body.clone()).with_more(more);
            a.writer.write(f.with_metadata(meta.clone())).unwrap();
        }
        for (i, body) in bodies.iter().enumerate() {
            let Read::Frame(f) = b.reader.read() else {
                panic!("frame {i} missing");
            };
            assert_eq!(&f.data, body, "frame {i}");
            assert_eq!(f.more, i + 1 < bodies.len(), "frame {i}");
            assert_eq!(
                f.property("Socket-Type").map(|v| &v[..]),
                Some(&b"PUSH"[..])
            );
        }
        assert!(matches!(b.reader.read(), Read::Empty));
    }

    #[test]
    fn multipart_is_visible_only_when_complete() {
        let (mut a, mut b) = link(0, 0);
        a.writer.write(frame("x", true)).unwrap();
        assert!(matches!(b.reader.read(), Read::Empty));
        a.writer.write(frame("y", false)).unwrap();
        assert!(matches!(b.reader.read(), Read::Frame(f) if f.data == "x" && f.more));
        assert!(matches!(b.reader.read(), Read::Frame(f) if f.data == "y" && !f.more));
        assert!(matches!(b.reader.read(), Read::Empty));
    }

    #[test]
    fn hwm_blocks_new_messages_and_drain_wakes_writer() {
        let (mut a, mut b) = link(2, 0);
        let rec = Arc::new(Recorder::default());
        a.set_owner(rec.clone());
        a.writer.write(frame("1", false)).unwrap();
        a.writer.write(frame("2", false)).unwrap();
        assert!(matches!(
            a.writer.write(frame("3", false)),
            Err(WriteError::Full(_))
        ));
        assert!(matches!(b.reader.read(), Read::Frame(_)));
        assert_eq!(
            rec.0.lock().unwrap().as_slice(),
            &[(a.id, PipeEvent::Writable)]
        );
        a.writer.write(frame("3", false)).unwrap();
    }

    #[test]
    fn reader_is_woken_once_after_finding_empty() {
        let (mut a, mut b) = link(0, 0);
        let rec = Arc::new(Recorder::default());
        b.set_owner(rec.clone());
        assert!(matches!(b.reader.read(), Read::Empty));
        a.writer.write(frame("1", false)).unwrap();
        a.writer.write(frame("2", false)).unwrap();
        assert_eq!(rec.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn closing_writer_lets_reader_drain_then_reports_closed() {
        let (a, mut b) = link(0, 0);
        let rec = Arc::new(Recorder::default());
        b.set_owner(rec.clone());
        let LinkEnd {
            mut writer, reader, ..
        } = a;
        writer.write(frame("kept", false)).unwrap();
        writer.write(frame("lost", true)).unwrap();
        drop(writer);
        drop(reader);
        assert!(matches!(b.reader.read(), Read::Frame(f) if f.data == "kept"));
        assert!(matches!(b.reader.read(), Read::Closed));
        assert!(matches!(
            b.writer.write(frame("x", false)),
            Err(WriteError::Closed(_))
        ));
        assert_eq!(
            rec.0
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.1 == PipeEvent::Closed)
                .count(),
            2
        );
    }

    #[test]
    fn batch_write_stops_at_hwm_and_keeps_partial_message() {
        let (mut a, mut b) = link(2, 0);
        let mut batch: VecDeque<Frame> = [
            frame("1", false),
            frame("2a", true),
            frame("2b", false),
            frame("3", false),
            frame("4", true),
        ]
        .into();
        assert!(a.writer.write_batch(&mut batch));
        assert_eq!(batch.len(), 2);
        assert!(matches!(b.reader.read(), Read::Frame(f) if f.data == "1"));
    }
}
