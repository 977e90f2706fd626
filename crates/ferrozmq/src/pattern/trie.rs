//! Subscriptions: a path-compressed prefix tree over topics, and the counted topic set a SUB keeps.
//!
//! [`PrefixTree`] stores a value per topic; matching a message walks the tree along the message's bytes and
//! visits the value of every stored topic that is a prefix of it, so its cost grows with the message's
//! length, not with the number of topics. [`Trie`] is libzmq's `trie_t`: topics with reference counts.

/// A value stored per topic; a topic whose value becomes empty is removed from the tree.
pub(crate) trait Slot: Default {
    /// True when the topic should be forgotten.
    fn is_empty(&self) -> bool;
}

impl Slot for u32 {
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

/// One node: the bytes of the edge leading to it, the value of the topic ending here, and its children.
#[derive(Debug, Default)]
struct Node<V> {
    /// The edge from the parent; empty only at the root.
    label: Vec<u8>,
    value: Option<V>,
    /// Sorted by the first byte of their labels, which are distinct.
    children: Vec<Self>,
}

impl<V> Node<V> {
    /// The index of the child whose label starts with `byte`.
    fn child(&self, byte: u8) -> Result<usize, usize> {
        self.children
            .binary_search_by_key(&byte, |c| c.label.first().copied().unwrap_or_default())
    }

    /// Cuts this node's label at `at`: the node keeps the head and a new only child takes the rest.
    fn split(&mut self, at: usize) {
        let tail = Self {
            label: self.label.split_off(at),
            value: self.value.take(),
            children: std::mem::take(&mut self.children),
        };
        self.children.push(tail);
    }

    /// Merges a valueless node with its only child.
    fn merge_only_child(&mut self) {
        if let Some(child) = self.children.pop() {
            self.label.extend_from_slice(&child.label);
            self.value = child.value;
            self.children = child.children;
        }
    }

    /// Tidies after the value of child `pos` was removed: drops or merges nodes left without a purpose.
    fn prune(&mut self, pos: usize, is_root: bool) {
        let Some(child) = self.children.get_mut(pos) else {
            return;
        };
        match child.children.len() {
            0 => {
                self.children.remove(pos);
                if !is_root && self.value.is_none() && self.children.len() == 1 {
                    self.merge_only_child();
                }
            }
            1 => child.merge_only_child(),
            _ => {}
        }
    }
}

/// A path-compressed prefix tree mapping topics to values.
#[derive(Debug, Default)]
pub(crate) struct PrefixTree<V> {
    root: Node<V>,
}

impl<V: Slot> PrefixTree<V> {
    /// The value for `topic`, created empty if there was none.
    pub(crate) fn entry(&mut self, topic: &[u8]) -> &mut V {
        let mut node = &mut self.root;
        let mut rest = topic;
        while let Some(&first) = rest.first() {
            let pos = match node.child(first) {
                Ok(pos) => pos,
                Err(pos) => {
                    node.children.insert(
                        pos,
                        Node {
                            label: rest.to_vec(),
                            value: None,
                            children: Vec::new(),
                        },
                    );
                    pos
                }
            };
            let child = &mut node.children[pos];
            let common = child
                .label
                .iter()
                .zip(rest)
                .take_while(|(a, b)| a == b)
                .count();
            if common < child.label.len() {
                child.split(common);
            }
            rest = &rest[common..];
            node = child;
        }
        node.value.get_or_insert_with(V::default)
    }

    /// Applies `f` to the value of `topic`, then forgets the topic if its value is empty; `None` when the
    /// topic has no value.
    pub(crate) fn modify<R>(&mut self, topic: &[u8], f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let Some(&first) = topic.first() else {
            let value = self.root.value.as_mut()?;
            let r = f(value);
            if value.is_empty() {
                self.root.value = None;
            }
            return Some(r);
        };
        let mut parent = &mut self.root;
        let mut rest = topic;
        let mut byte = first;
        let mut is_root = true;
        loop {
            let pos = parent.child(byte).ok()?;
            let label_len = parent.children[pos].label.len();
            if !rest.starts_with(&parent.children[pos].label) {
                return None;
            }
            if rest.len() == label_len {
                let child = &mut parent.children[pos];
                let value = child.value.as_mut()?;
                let r = f(value);
                if value.is_empty() {
                    child.value = None;
                    parent.prune(pos, is_root);
                }
                return Some(r);
            }
            rest = &rest[label_len..];
            byte = rest[0];
            parent = &mut parent.children[pos];
            is_root = false;
        }
    }

    /// Calls `f` with the value of every stored topic that is a prefix of `data` ("" included), shortest
    /// first.
    pub(crate) fn for_each_prefix_of(&self, data: &[u8], mut f: impl FnMut(&V)) {
        let mut node = &self.root;
        let mut rest = data;
        loop {
            if let Some(value) = &node.value {
                f(value);
            }
            let Some(&first) = rest.first() else {
                return;
            };
            let Ok(pos) = node.child(first) else {
                return;
            };
            node = &node.children[pos];
            if !rest.starts_with(&node.label) {
                return;
            }
            rest = &rest[node.label.len()..];
        }
    }

    /// Calls `f` with every stored topic and its value.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[u8], &V)) {
        let mut topic = Vec::new();
        // Each entry: a node and the length of its parent's topic.
        let mut stack = vec![(&self.root, 0)];
        while let Some((node, len)) = stack.pop() {
            topic.truncate(len);
            topic.extend_from_slice(&node.label);
            if let Some(value) = &node.value {
                f(&topic, value);
            }
            stack.extend(node.children.iter().rev().map(|c| (c, topic.len())));
        }
    }
}

/// Topics with reference counts (libzmq's `trie_t`): subscribing twice needs two unsubscribes.
#[derive(Debug, Default)]
pub(crate) struct Trie {
    tree: PrefixTree<u32>,
}

impl Trie {
    /// Counts one more subscription to `topic`; true if it is new.
    pub(crate) fn add(&mut self, topic: &[u8]) -> bool {
        let count = self.tree.entry(topic);
        *count = count.saturating_add(1);
        *count == 1
    }

    /// Counts one subscription to `topic` less; true if that was its last (false if it had none).
    pub(crate) fn remove(&mut self, topic: &[u8]) -> bool {
        self.tree
            .modify(topic, |count| {
                *count -= 1;
                *count == 0
            })
            .unwrap_or(false)
    }

    /// True when some subscribed topic is a prefix of `data`.
    pub(crate) fn matches(&self, data: &[u8]) -> bool {
        let mut found = false;
        self.tree.for_each_prefix_of(data, |_| found = true);
        found
    }

    /// Calls `f` once with every subscribed topic.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.tree.for_each(|topic, _| f(topic));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(t: &Trie) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        t.for_each(|topic| v.push(topic.to_vec()));
        v
    }

    #[test]
    fn prefix_matching() {
        let mut t = Trie::default();
        assert!(!t.matches(b"anything"));
        t.add(b"abc");
        t.add(b"abd");
        t.add(b"x");
        assert!(t.matches(b"abc"));
        assert!(t.matches(b"abcdef"));
        assert!(t.matches(b"abd!"));
        assert!(t.matches(b"xyz"));
        assert!(!t.matches(b"ab"));
        assert!(!t.matches(b"abe"));
        assert!(!t.matches(b""));
        t.add(b"");
        assert!(t.matches(b""));
        assert!(t.matches(b"zzz"));
    }

    #[test]
    fn counted_unsubscribe() {
        let mut t = Trie::default();
        assert!(t.add(b"topic"));
        assert!(!t.add(b"topic"));
        assert!(!t.remove(b"topic"));
        assert!(t.matches(b"topic.1"));
        assert!(t.remove(b"topic"));
        assert!(!t.matches(b"topic.1"));
        assert!(!t.remove(b"topic"), "removing an absent topic is a no-op");
        assert!(!t.remove(b"top"));
    }

    #[test]
    fn removal_prunes_and_keeps_other_topics() {
        let mut t = Trie::default();
        for topic in [&b"a"[..], b"ab", b"abc", b"abd", b"b", b""] {
            t.add(topic);
        }
        assert!(t.remove(b"ab"));
        assert!(t.matches(b"abcz") && t.matches(b"abdz") && t.matches(b"a"));
        assert!(t.remove(b"abc"));
        assert!(t.remove(b""));
        assert!(!t.matches(b"zzz"));
        assert_eq!(
            topics(&t),
            vec![b"a".to_vec(), b"abd".to_vec(), b"b".to_vec()]
        );
        for topic in [&b"a"[..], b"abd", b"b"] {
            assert!(t.remove(topic));
        }
        assert!(topics(&t).is_empty());
        assert!(t.tree.root.children.is_empty());
    }

    #[test]
    fn for_each_lists_every_topic_once() {
        let mut t = Trie::default();
        for topic in [&b"news"[..], b"new", b"news", b"nope", b"", b"zebra"] {
            t.add(topic);
        }
        assert_eq!(
            topics(&t),
            vec![
                b"".to_vec(),
                b"new".to_vec(),
                b"news".to_vec(),
                b"nope".to_vec(),
                b"zebra".to_vec()
            ]
        );
    }

    #[test]
    fn split_nodes_keep_matching_along_the_path() {
        let mut tree = PrefixTree::<u32>::default();
        *tree.entry(b"hello world") = 1;
        *tree.entry(b"hello") = 2;
        *tree.entry(b"help") = 3;
        let mut seen = Vec::new();
        tree.for_each_prefix_of(b"hello world!", |v| seen.push(*v));
        assert_eq!(seen, [2, 1]);
        seen.clear();
        tree.for_each_prefix_of(b"help me", |v| seen.push(*v));
        assert_eq!(seen, [3]);
    }
}
