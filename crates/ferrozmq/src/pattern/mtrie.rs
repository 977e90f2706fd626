//! The subscriptions a PUB holds: which links want which topics (libzmq's `mtrie_t`).
//!
//! Each topic holds the set of links subscribed to it (a set, as in libzmq: a link subscribing twice is
//! cancelled by one unsubscribe; a SUB sends the cancel only when its own count drops to zero). Each link also
//! keeps its topics, so a link that goes away is removed from exactly the topics it held.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

use super::trie::{PrefixTree, Slot};
use crate::pipe::LinkId;

impl Slot for Vec<LinkId> {
    fn is_empty(&self) -> bool {
        self.is_empty()
    }
}

/// What a cancel did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removed {
    /// The link was not subscribed to the topic.
    NotFound,
    /// The link was the topic's last subscriber.
    Last,
    /// Other links are still subscribed.
    OthersRemain,
}

/// Topics and the links subscribed to each.
#[derive(Debug, Default)]
pub(crate) struct Subscribers {
    tree: PrefixTree<Vec<LinkId>>,
    by_link: HashMap<LinkId, HashSet<Bytes>>,
}

impl Subscribers {
    /// Subscribes `link` to `topic`; true if no link was subscribed to it before.
    pub(crate) fn add(&mut self, topic: &[u8], link: LinkId) -> bool {
        let links = self.tree.entry(topic);
        let first = links.is_empty();
        if !links.contains(&link) {
            links.push(link);
            self.by_link
                .entry(link)
                .or_default()
                .insert(Bytes::copy_from_slice(topic));
        }
        first
    }

    /// Cancels the subscription of `link` to `topic`.
    pub(crate) fn remove(&mut self, topic: &[u8], link: LinkId) -> Removed {
        let removed = self
            .tree
            .modify(topic, |links| match links.iter().position(|&l| l == link) {
                None => Removed::NotFound,
                Some(i) => {
                    links.swap_remove(i);
                    if links.is_empty() {
                        Removed::Last
                    } else {
                        Removed::OthersRemain
                    }
                }
            })
            .unwrap_or(Removed::NotFound);
        if removed != Removed::NotFound {
            if let Some(topics) = self.by_link.get_mut(&link) {
                topics.remove(topic);
            }
        }
        removed
    }

    /// Forgets every subscription of `link`, calling `f` with each topic and whether it was the last one.
    pub(crate) fn remove_link(&mut self, link: LinkId, mut f: impl FnMut(&[u8], Removed)) {
        let Some(topics) = self.by_link.remove(&link) else {
            return;
        };
        for topic in topics {
            let removed = self.remove(&topic, link);
            f(&topic, removed);
        }
    }

    /// Appends to `out` every link subscribed to a prefix of `data`; a link may appear more than once.
    pub(crate) fn matching(&self, data: &[u8], out: &mut Vec<LinkId>) {
        self.tree
            .for_each_prefix_of(data, |links| out.extend_from_slice(links));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matching(s: &Subscribers, data: &[u8]) -> Vec<LinkId> {
        let mut v = Vec::new();
        s.matching(data, &mut v);
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn fan_out_by_prefix() {
        let mut s = Subscribers::default();
        assert!(s.add(b"a", 1));
        assert!(!s.add(b"a", 2));
        assert!(s.add(b"ab", 3));
        assert!(s.add(b"", 4));
        assert_eq!(matching(&s, b"abc"), [1, 2, 3, 4]);
        assert_eq!(matching(&s, b"a"), [1, 2, 4]);
        assert_eq!(matching(&s, b"b"), [4]);
    }

    #[test]
    fn cancel_reports_what_remains() {
        let mut s = Subscribers::default();
        s.add(b"t", 1);
        s.add(b"t", 1);
        s.add(b"t", 2);
        assert_eq!(s.remove(b"t", 1), Removed::OthersRemain);
        assert_eq!(s.remove(b"t", 1), Removed::NotFound);
        assert_eq!(s.remove(b"t", 2), Removed::Last);
        assert_eq!(s.remove(b"x", 2), Removed::NotFound);
        assert!(matching(&s, b"t").is_empty());
    }

    #[test]
    fn removing_a_link_drops_its_topics_only() {
        let mut s = Subscribers::default();
        s.add(b"a", 1);
        s.add(b"b", 1);
        s.add(b"b", 2);
        let mut gone = Vec::new();
        s.remove_link(1, |topic, r| gone.push((topic.to_vec(), r)));
        gone.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            gone,
            [
                (b"a".to_vec(), Removed::Last),
                (b"b".to_vec(), Removed::OthersRemain)
            ]
        );
        assert!(matching(&s, b"a").is_empty());
        assert_eq!(matching(&s, b"b"), [2]);
    }
}
