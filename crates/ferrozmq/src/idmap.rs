//! Maps and sets keyed by link id with a multiplicative hash: ids are process-local counters, never chosen
//! by a peer, so the default SipHash's protection against chosen keys buys nothing on this per-message path.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes one `u64` by a Fibonacci multiplication (spreads sequential ids over the high and low bits).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached for keys other than u64; fold them in byte by byte.
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map keyed by link id.
pub(crate) type IdMap<V> = HashMap<crate::pipe::LinkId, V, BuildHasherDefault<IdHasher>>;

/// A set of link ids.
pub(crate) type IdSet = HashSet<crate::pipe::LinkId, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_spread_and_round_trip() {
        let mut m: IdMap<u64> = IdMap::default();
        for id in 1..=10_000u64 {
            m.insert(id, id * 2);
        }
        assert!((1..=10_000u64).all(|id| m.get(&id) == Some(&(id * 2))));
        let mut s = IdSet::default();
        assert!(s.insert(7) && !s.insert(7) && s.remove(&7));
    }
}
