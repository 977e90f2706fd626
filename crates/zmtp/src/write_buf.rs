//! Pending output: small pieces are copied into one contiguous tail, large bodies are kept as
//! shared [`Bytes`] segments so they reach `writev` without a copy.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

/// Bodies of at least this many bytes are queued by reference instead of being copied.
pub(crate) const ZERO_COPY_MIN: usize = 8 * 1024;

/// Bytes a [`Connection`](crate::Connection) wants written to the transport, in order.
///
/// Write them with [`chunks_vectored`](Self::chunks_vectored) (or [`chunk`](Self::chunk)) and report
/// progress with [`advance`](Self::advance).
#[derive(Debug, Default)]
pub struct WriteBuf {
    /// Frozen pieces that come before `tail`.
    segments: VecDeque<Bytes>,
    /// Small writes, copied together.
    tail: BytesMut,
    len: usize,
}

impl WriteBuf {
    /// Whether nothing is waiting to be written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of bytes waiting to be written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The first contiguous run of pending bytes (empty if nothing is pending).
    pub fn chunk(&self) -> &[u8] {
        self.segments.front().map_or(&self.tail[..], |seg| &seg[..])
    }

    /// Fills `dst` with the pending bytes in order, for a vectored write; returns how many slices
    /// were filled (fewer than pending if `dst` is short).
    pub fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let tail = (!self.tail.is_empty()).then_some(&self.tail[..]);
        let pieces = self.segments.iter().map(|seg| &seg[..]).chain(tail);
        let mut filled = 0;
        for (slot, piece) in dst.iter_mut().zip(pieces) {
            *slot = IoSlice::new(piece);
            filled += 1;
        }
        filled
    }

    /// Drops the first `n` bytes, which the transport has written. `n` larger than
    /// [`len`](Self::len) just empties the buffer.
    pub fn advance(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.segments.front_mut() else {
                let k = n.min(self.tail.len());
                self.tail.advance(k);
                self.len -= k;
                return;
            };
            if n < front.len() {
                front.advance(n);
                self.len -= n;
                return;
            }
            n -= front.len();
            self.len -= front.len();
            self.segments.pop_front();
        }
    }

    /// Copies `data` to the end.
    pub(crate) fn put_slice(&mut self, data: &[u8]) {
        self.tail.extend_from_slice(data);
        self.len += data.len();
    }

    /// Appends `data`, by reference if it is large.
    pub(crate) fn put_bytes(&mut self, data: Bytes) {
        if data.len() < ZERO_COPY_MIN {
            return self.put_slice(&data);
        }
        if !self.tail.is_empty() {
            self.segments.push_back(self.tail.split().freeze());
        }
        self.len += data.len();
        self.segments.push_back(data);
    }

    /// Appends about `len` bytes written by `fill` (which only appends to the buffer it is given and
    /// may rewrite what it appended, e.g. to encrypt in place): into the copied tail when small, else
    /// into a segment of their own. If `fill` fails, nothing is appended.
    pub(crate) fn put_with<E>(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut BytesMut) -> Result<(), E>,
    ) -> Result<(), E> {
        if len < ZERO_COPY_MIN {
            let start = self.tail.len();
            if let Err(e) = fill(&mut self.tail) {
                self.tail.truncate(start);
                return Err(e);
            }
            self.len += self.tail.len() - start;
            return Ok(());
        }
        let mut segment = BytesMut::with_capacity(len);
        fill(&mut segment)?;
        self.put_bytes(segment.freeze());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(buf: &WriteBuf) -> Vec<u8> {
        let mut slices = [IoSlice::new(&[]); 16];
        let n = buf.chunks_vectored(&mut slices);
        slices[..n].iter().flat_map(|s| s.iter().copied()).collect()
    }

    #[test]
    fn small_copied_large_shared_order_kept() {
        let big = Bytes::from(vec![9u8; ZERO_COPY_MIN]);
        let mut buf = WriteBuf::default();
        buf.put_slice(b"ab");
        buf.put_bytes(big.clone());
        buf.put_bytes(Bytes::from_static(b"cd"));
        assert_eq!(buf.len(), 4 + ZERO_COPY_MIN);
        {
            let mut slices = [IoSlice::new(&[]); 4];
            assert_eq!(buf.chunks_vectored(&mut slices), 3);
            assert_eq!(slices[1].as_ptr(), big.as_ptr(), "large body is not copied");
        }
        let mut expect = b"ab".to_vec();
        expect.extend_from_slice(&big);
        expect.extend_from_slice(b"cd");
        assert_eq!(collect(&buf), expect);

        buf.advance(1);
        assert_eq!(buf.chunk(), b"b");
        buf.advance(2);
        assert_eq!(buf.chunk().len(), ZERO_COPY_MIN - 1);
        buf.advance(ZERO_COPY_MIN);
        assert_eq!(buf.chunk(), b"d");
        buf.advance(100);
        assert!(buf.is_empty());
        assert_eq!(buf.chunks_vectored(&mut [IoSlice::new(&[])]), 0);
    }

    #[test]
    fn put_with_appends_in_order_or_nothing() {
        let mut buf = WriteBuf::default();
        buf.put_slice(b"ab");
        let ok: Result<(), ()> = buf.put_with(2, |b| {
            b.extend_from_slice(b"xy");
            let at = b.len() - 2;
            b[at] = b'c';
            Ok(())
        });
        assert_eq!(ok, Ok(()));
        assert_eq!(
            buf.put_with(1, |b| {
                b.extend_from_slice(b"zz");
                Err("refused")
            }),
            Err("refused")
        );
        let big = vec![7u8; ZERO_COPY_MIN];
        let ok: Result<(), ()> = buf.put_with(big.len(), |b| {
            b.extend_from_slice(&big);
            Ok(())
        });
        assert_eq!(ok, Ok(()));
        assert_eq!(buf.len(), 4 + ZERO_COPY_MIN);
        let mut expect = b"abcy".to_vec();
        expect.extend_from_slice(&big);
        assert_eq!(collect(&buf), expect);
    }
}
