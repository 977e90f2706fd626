//! Large received bodies read straight into buffers of their own, as libzmq's decoder reads a large
//! message into the message: no copy out of the read buffer, one allocation per body. The buffers
//! come back to the I/O thread's pool when the application drops the message, so a steady stream of
//! large messages neither allocates nor faults in fresh pages; a recycled buffer keeps its old
//! contents (initialised memory, overwritten by the read), so nothing is zero-filled either.

use std::io::{self, IoSliceMut, Read};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use bytes::Bytes;

/// Bodies with at least this many bytes still to come are read into their own buffer; shorter rests
/// go through the scratch buffer with what follows them. Below this, one scratch read brings several
/// messages, handed to the socket as one batch (one wake-up of a sleeping reader instead of one per
/// message, which cost more than the copy at 64 KiB).
pub(super) const DIRECT_MIN: usize = 128 * 1024;
/// Bodies longer than this are not given a buffer when their header arrives: they grow with what
/// arrives (see `Io::fill`), so a peer that declares a huge frame costs what it sends, not what it
/// declares.
pub(super) const DIRECT_MAX: usize = 16 << 20;
/// The bodies of all sessions of one I/O thread being read at once take at most this many bytes
/// between them; past it, further large bodies grow with what arrives.
const FILLING_BUDGET: usize = 64 << 20;
/// How many bytes of what follows a body one read may take along (copied through the scratch buffer).
pub(super) const TAIL: usize = 1024;
/// Free buffers kept for reuse, at most this many ...
const POOL_BUFFERS: usize = 32;
/// ... and of at most this many bytes together.
const POOL_BYTES: usize = 8 << 20;

/// Free body buffers, shared by an I/O thread (which takes them) and the application threads (whose
/// dropped messages give them back).
#[derive(Debug, Default)]
pub(super) struct BodyPool {
    inner: Arc<Mutex<Pool>>,
}

/// The pool's state.
#[derive(Debug, Default)]
struct Pool {
    /// Free buffers, each fully initialised (`len() == capacity`).
    free: Vec<Vec<u8>>,
    /// Their total length.
    free_bytes: usize,
    /// Bytes of the bodies being filled now.
    filling: usize,
}

/// Locks the pool; a panic elsewhere while it was held leaves it consistent (every update is one
/// push, remove or sum).
fn lock(pool: &Mutex<Pool>) -> MutexGuard<'_, Pool> {
    pool.lock().unwrap_or_else(PoisonError::into_inner)
}

impl BodyPool {
    /// A buffer for a body of `len` bytes starting with `prefix`, or `None` when `len` is outside
    /// [`DIRECT_MIN`]..=[`DIRECT_MAX`] or the bodies being filled already hold the budget.
    pub(super) fn start(&self, len: usize, prefix: &[u8]) -> Option<Filling> {
        if !(DIRECT_MIN..=DIRECT_MAX).contains(&len) || prefix.len() >= len {
            return None;
        }
        let reused = {
            let mut pool = lock(&self.inner);
            if pool.filling + len > FILLING_BUDGET {
                return None;
            }
            pool.filling += len;
            // The most recently freed buffer that fits without wasting more than half of itself (the
            // likeliest to be still in cache).
            let fit = pool
                .free
                .iter()
                .rposition(|b| b.len() >= len && b.len() / 2 <= len);
            fit.map(|i| {
                let buf = pool.free.remove(i);
                pool.free_bytes -= buf.len();
                buf
            })
        };
        let mut filling = Filling {
            // A fresh buffer comes zeroed from the allocator (calloc: no memset for fresh pages).
            buf: reused.unwrap_or_else(|| vec![0; len]),
            len,
            filled: 0,
            pool: Arc::downgrade(&self.inner),
        };
        filling.buf.get_mut(..prefix.len())?.copy_from_slice(prefix);
        filling.filled = prefix.len();
        Some(filling)
    }
}

/// A body being read: its buffer, its length and how much of it is in.
#[derive(Debug)]
pub(super) struct Filling {
    buf: Vec<u8>,
    len: usize,
    filled: usize,
    pool: Weak<Mutex<Pool>>,
}

impl Filling {
    /// Reads once: the rest of the body first, then up to `tail.len()` bytes of what follows it into
    /// `tail`. Returns how many bytes went to the body and to `tail`; `(0, 0)` at the end of the stream.
    pub(super) fn read(
        &mut self,
        stream: &mut impl Read,
        tail: &mut [u8],
    ) -> io::Result<(usize, usize)> {
        let rest = self.buf.get_mut(self.filled..self.len).unwrap_or_default();
        let room = rest.len();
        let n = stream.read_vectored(&mut [IoSliceMut::new(rest), IoSliceMut::new(tail)])?;
        let to_body = n.min(room);
        self.filled += to_body;
        Ok((to_body, n - to_body))
    }

    /// Whether the whole body is in.
    pub(super) fn is_full(&self) -> bool {
        self.filled == self.len
    }

    /// The body as a message body; its buffer goes back to the pool when the last reference drops.
    pub(super) fn finish(mut self) -> Bytes {
        let buf = std::mem::take(&mut self.buf);
        let len = self.len;
        Bytes::from_owner(Pooled {
            buf,
            len,
            pool: self.pool.clone(),
        })
    }
}

impl Drop for Filling {
    /// Takes the body out of the budget of bodies being filled.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            let mut pool = lock(&pool);
            pool.filling = pool.filling.saturating_sub(self.len);
        }
    }
}

/// A finished body's buffer, owned by the `Bytes` the application holds.
struct Pooled {
    buf: Vec<u8>,
    len: usize,
    pool: Weak<Mutex<Pool>>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl Drop for Pooled {
    /// Gives the buffer back to the pool, if the pool is still there and has room.
    fn drop(&mut self) {
        let Some(pool) = self.pool.upgrade() else {
            return;
        };
        let buf = std::mem::take(&mut self.buf);
        let mut pool = lock(&pool);
        if pool.free.len() < POOL_BUFFERS && pool.free_bytes + buf.len() <= POOL_BYTES {
            pool.free_bytes += buf.len();
            pool.free.push(buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_body_then_tail_and_recycles_the_buffer() {
        let pool = BodyPool::default();
        assert!(pool.start(DIRECT_MIN - 1, b"").is_none(), "too small");
        assert!(pool.start(DIRECT_MAX + 1, b"").is_none(), "too large");
        let len = 2 * DIRECT_MIN + 10;
        let mut wire: Vec<u8> = (0..len + 5).map(|i| i as u8).collect();
        let mut f = pool.start(len, &wire[..3]).unwrap();
        let mut tail = [0u8; 4];
        let mut src = &wire[3..];
        let (body, rest) = f.read(&mut src, &mut tail).unwrap();
        assert_eq!((body, rest), (len - 3, 4));
        assert_eq!(&tail, &wire[len..len + 4]);
        assert!(f.is_full());
        let bytes = f.finish();
        assert_eq!(&bytes[..], &wire[..len]);
        let ptr = bytes.as_ptr();
        let copy = bytes.clone();
        drop(bytes);
        assert!(lock(&pool.inner).free.is_empty(), "still referenced");
        drop(copy);
        assert_eq!(lock(&pool.inner).free.len(), 1);

        // The same buffer serves the next body of a fitting size, old contents overwritten.
        wire.iter_mut().for_each(|b| *b = !*b);
        let mut f = pool.start(len - 1, &wire[..1]).unwrap();
        let mut src = &wire[1..len - 1];
        assert_eq!(f.read(&mut src, &mut []).unwrap(), (len - 2, 0));
        let bytes = f.finish();
        assert_eq!(bytes.as_ptr(), ptr);
        assert_eq!(&bytes[..], &wire[..len - 1]);
        assert_eq!(lock(&pool.inner).filling, 0);
        drop(bytes);
        // A buffer more than twice the body is not used for it.
        assert_ne!(pool.start(DIRECT_MIN, b"").unwrap().finish().as_ptr(), ptr);
    }

    #[test]
    fn filling_budget_bounds_declared_bodies() {
        let pool = BodyPool::default();
        let held: Vec<Filling> = (0..FILLING_BUDGET / DIRECT_MAX)
            .map(|_| pool.start(DIRECT_MAX, b"").unwrap())
            .collect();
        assert!(pool.start(DIRECT_MIN, b"").is_none(), "budget spent");
        drop(held);
        assert!(pool.start(DIRECT_MIN, b"").is_some());
    }
}
