//! The links a round-robin part ([`super::lb::LoadBalancer`], [`super::fq::FairQueue`]) may try now, as
//! libzmq's `lb_t`/`fq_t` keep their active pipes: a link found unusable (full, or empty) is skipped until
//! it is activated again. Links stay in attach order and the turn passes on from the last link tried.

use crate::pipe::LinkId;

/// Every link in attach order, with whether it is active, and whose turn is next.
#[derive(Debug, Default)]
pub(crate) struct ActiveLinks {
    /// Every link, with whether it may be used (false after it was found unusable, until activated).
    links: Vec<(LinkId, bool)>,
    /// Where the next round-robin search starts.
    current: usize,
}

impl ActiveLinks {
    /// Adds a link, active, after the others.
    pub(crate) fn attach(&mut self, id: LinkId) {
        self.links.push((id, true));
    }

    /// Forgets a link; the turn stays with the link that had it.
    pub(crate) fn detach(&mut self, id: LinkId) {
        if let Some(i) = self.links.iter().position(|l| l.0 == id) {
            self.links.remove(i);
            if i < self.current {
                self.current -= 1;
            }
            if self.current >= self.links.len() {
                self.current = 0;
            }
        }
    }

    /// The link is usable again.
    pub(crate) fn activate(&mut self, id: LinkId) {
        if let Some(l) = self.links.iter_mut().find(|l| l.0 == id) {
            l.1 = true;
        }
    }

    /// Offers `item` to each active link in turn, starting where the last search stopped, until `try_link`
    /// takes it; a link that hands it back is deactivated. Returns the link that took it with what
    /// `try_link` gave, or hands `item` back when no link took it.
    #[inline]
    pub(crate) fn round_robin<T, R>(
        &mut self,
        mut item: T,
        mut try_link: impl FnMut(LinkId, T) -> Result<R, T>,
    ) -> Result<(LinkId, R), T> {
        for _ in 0..self.links.len() {
            let i = self.current;
            self.current = (i + 1) % self.links.len();
            let (id, active) = self.links[i];
            if !active {
                continue;
            }
            match try_link(id, item) {
                Ok(taken) => return Ok((id, taken)),
                Err(back) => {
                    item = back;
                    self.links[i].1 = false;
                }
            }
        }
        Err(item)
    }

    /// True when an active link is `usable`; active links found not usable on the way are deactivated.
    pub(crate) fn any_usable(&mut self, mut usable: impl FnMut(LinkId) -> bool) -> bool {
        for l in &mut self.links {
            if l.1 {
                if usable(l.0) {
                    return true;
                }
                l.1 = false;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::Peer;
    use super::*;
    use crate::links::Links;

    /// Three links and their ids.
    fn three() -> (ActiveLinks, [LinkId; 3]) {
        let mut links = Links::default();
        let ids = [(); 3].map(|()| Peer::attach(&mut links, 0, 0).id);
        let mut active = ActiveLinks::default();
        for id in ids {
            active.attach(id);
        }
        (active, ids)
    }

    #[test]
    fn turns_pass_on_and_refusing_links_sit_out_until_activated() {
        let (mut active, [a, b, c]) = three();
        let take = |_: LinkId, x: u8| Ok::<u8, u8>(x);
        assert_eq!(active.round_robin(1, take), Ok((a, 1)));
        let refuse_b = |id: LinkId, x: u8| if id == b { Err(x) } else { Ok(x) };
        assert_eq!(active.round_robin(2, refuse_b), Ok((c, 2)));
        assert_eq!(active.round_robin(3, take), Ok((a, 3)));
        assert_eq!(active.round_robin(4, take), Ok((c, 4)), "b sits out");
        active.activate(b);
        assert_eq!(active.round_robin(5, take), Ok((a, 5)));
        assert_eq!(active.round_robin(6, take), Ok((b, 6)));
        assert_eq!(active.round_robin(7, |_, x: u8| Err::<u8, u8>(x)), Err(7));
        assert!(!active.any_usable(|_| true), "all were deactivated");
    }

    #[test]
    fn detach_keeps_the_turn_with_the_next_link() {
        let (mut active, [a, b, c]) = three();
        let take = |_: LinkId, x: u8| Ok::<u8, u8>(x);
        assert_eq!(active.round_robin(1, take), Ok((a, 1)));
        active.detach(a);
        assert_eq!(active.round_robin(2, take), Ok((b, 2)));
        active.detach(c);
        assert_eq!(active.round_robin(3, take), Ok((b, 3)));
        active.detach(b);
        assert_eq!(active.round_robin(4, take), Err(4));
    }

    #[test]
    fn any_usable_deactivates_only_what_it_passes() {
        let (mut active, [a, b, c]) = three();
        let who = |id: LinkId, ()| Ok::<LinkId, ()>(id);
        assert!(active.any_usable(|id| id == b));
        assert_eq!(active.round_robin((), who), Ok((b, b)));
        assert!(active.any_usable(|id| id == c));
        active.activate(a);
        assert_eq!(active.round_robin((), who), Ok((c, c)));
        assert_eq!(active.round_robin((), who), Ok((a, a)));
    }
}
