//! ZMTP 3.1 heartbeats (RFC 37 §"Connection heartbeating") with libzmq's three timers: send a PING
//! every interval; after a PING, fail if nothing arrives within the timeout; after the peer's PING,
//! fail if nothing arrives within its TTL. Any received frame cancels both receive deadlines.

use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::Error;

/// Heartbeat timers of one connection. Inactive until [`start`](Self::start).
#[derive(Debug)]
pub(crate) struct Heartbeat {
    ivl: Option<Duration>,
    timeout: Option<Duration>,
    ttl_ds: u16,
    next_ping: Option<Instant>,
    timeout_at: Option<Instant>,
    ttl_at: Option<Instant>,
}

impl Heartbeat {
    pub(crate) fn new(config: &Config) -> Self {
        let ivl = config.heartbeat_ivl.filter(|d| !d.is_zero());
        // libzmq: the timeout defaults to the interval; an explicit 0 disables it.
        let timeout = match config.heartbeat_timeout {
            None => ivl,
            Some(d) => Some(d).filter(|d| !d.is_zero()),
        };
        let ttl_ds = config.heartbeat_ttl.map_or(0, |d| {
            (d.as_millis() / 100).min(u128::from(u16::MAX)) as u16
        });
        Self {
            ivl,
            timeout,
            ttl_ds,
            next_ping: None,
            timeout_at: None,
            ttl_at: None,
        }
    }

    /// The handshake is complete: schedule the first PING.
    pub(crate) fn start(&mut self, now: Instant) {
        self.next_ping = self.ivl.and_then(|ivl| now.checked_add(ivl));
    }

    /// The TTL we announce in our PINGs, in deciseconds.
    pub(crate) fn ttl_ds(&self) -> u16 {
        self.ttl_ds
    }

    /// A frame arrived: the peer is alive.
    pub(crate) fn on_receive(&mut self) {
        self.timeout_at = None;
        self.ttl_at = None;
    }

    /// The peer sent a PING with `ttl_ds` deciseconds of TTL (0: none).
    pub(crate) fn on_peer_ping(&mut self, ttl_ds: u16, now: Instant) {
        if ttl_ds > 0 && self.ttl_at.is_none() {
            self.ttl_at = now.checked_add(Duration::from_millis(u64::from(ttl_ds) * 100));
        }
    }

    /// Fires due timers: an error if a receive deadline passed, `true` if a PING must be sent now.
    pub(crate) fn poll(&mut self, now: Instant) -> Result<bool, Error> {
        let due = |deadline: Option<Instant>| deadline.is_some_and(|d| now >= d);
        if due(self.timeout_at) || due(self.ttl_at) {
            return Err(Error::HeartbeatTimeout);
        }
        if !due(self.next_ping) {
            return Ok(false);
        }
        self.next_ping = self.ivl.and_then(|ivl| now.checked_add(ivl));
        if self.timeout_at.is_none() {
            self.timeout_at = self.timeout.and_then(|t| now.checked_add(t));
        }
        Ok(true)
    }

    /// The earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        [self.next_ping, self.timeout_at, self.ttl_at]
            .into_iter()
            .flatten()
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SocketType;

    fn config(ivl: u64, timeout: Option<u64>, ttl: Option<u64>) -> Config {
        let mut c = Config::new(SocketType::Pair);
        c.heartbeat_ivl = Some(Duration::from_millis(ivl));
        c.heartbeat_timeout = timeout.map(Duration::from_millis);
        c.heartbeat_ttl = ttl.map(Duration::from_millis);
        c
    }

    #[test]
    fn ping_then_timeout_unless_something_arrives() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut hb = Heartbeat::new(&config(100, None, Some(1050)));
        assert_eq!(hb.ttl_ds(), 10);
        assert_eq!(hb.next_deadline(), None);
        hb.start(t0);
        assert_eq!(hb.next_deadline(), Some(ms(100)));
        assert_eq!(hb.poll(ms(99)), Ok(false));
        assert_eq!(hb.poll(ms(100)), Ok(true));
        assert_eq!(hb.next_deadline(), Some(ms(200)));
        hb.on_receive();
        assert_eq!(hb.poll(ms(200)), Ok(true));
        assert_eq!(hb.poll(ms(300)), Err(Error::HeartbeatTimeout));
    }

    #[test]
    fn peer_ttl_and_disabled_timeout() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(&config(1000, Some(0), None));
        hb.start(t0);
        hb.on_peer_ping(5, t0);
        assert_eq!(hb.next_deadline(), Some(t0 + Duration::from_millis(500)));
        assert_eq!(
            hb.poll(t0 + Duration::from_millis(500)),
            Err(Error::HeartbeatTimeout)
        );
        let mut hb = Heartbeat::new(&config(1000, Some(0), None));
        hb.start(t0);
        assert_eq!(hb.poll(t0 + Duration::from_secs(1)), Ok(true));
        assert_eq!(
            hb.poll(t0 + Duration::from_secs(2)),
            Ok(true),
            "timeout 0 disables the timeout"
        );
        assert_eq!(
            Heartbeat::new(&config(1, None, Some(10_000_000))).ttl_ds(),
            u16::MAX
        );
    }
}
