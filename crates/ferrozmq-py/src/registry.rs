//! Addresses for shadowing: pyzmq's `underlying` is the `void *` of a libzmq context or socket, and
//! `Context.shadow(address)` / `Socket.shadow(address)` wrap that same object again. Here an address is a
//! number handed out once, never reused, and looked up in a registry of live objects: an address that was
//! never given out, or whose object is gone, resolves to nothing, never to freed memory.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The next address; shared by every registry, so a context's address never names a socket.
static NEXT: AtomicUsize = AtomicUsize::new(1);

/// Live objects by address. Entries are weak: the registry keeps nothing alive.
#[derive(Debug)]
pub struct Registry<T> {
    map: Mutex<BTreeMap<usize, Weak<T>>>,
}

impl<T> Registry<T> {
    /// An empty registry.
    pub const fn new() -> Self {
        Self {
            map: Mutex::new(BTreeMap::new()),
        }
    }

    /// Makes an object with a fresh address (given to `make`) and registers it.
    pub fn insert(&self, make: impl FnOnce(usize) -> T) -> Arc<T> {
        let address = NEXT.fetch_add(1, Ordering::Relaxed);
        let object = Arc::new(make(address));
        self.lock().insert(address, Arc::downgrade(&object));
        object
    }

    /// The live object at `address`, if any.
    pub fn get(&self, address: usize) -> Option<Arc<T>> {
        self.lock().get(&address).and_then(Weak::upgrade)
    }

    /// Forgets `address` (called when its object is dropped).
    pub fn remove(&self, address: usize) {
        self.lock().remove(&address);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, Weak<T>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An object that leaves the registry when dropped, as contexts and sockets do.
    struct Item {
        address: usize,
    }

    static ITEMS: Registry<Item> = Registry::new();

    impl Drop for Item {
        fn drop(&mut self) {
            ITEMS.remove(self.address);
        }
    }

    #[test]
    fn addresses_resolve_while_alive_and_never_after() {
        let a = ITEMS.insert(|address| Item { address });
        let b = ITEMS.insert(|address| Item { address });
        assert_ne!(a.address, b.address);
        assert_ne!(a.address, 0);
        let found = ITEMS.get(a.address).map(|x| x.address);
        assert_eq!(found, Some(a.address));
        let gone = a.address;
        drop(a);
        assert!(ITEMS.get(gone).is_none());
        assert!(ITEMS.get(b.address).is_some());
        assert!(ITEMS.get(usize::MAX).is_none());
    }
}
