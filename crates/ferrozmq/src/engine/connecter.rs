//! What a connecting session knows about its endpoint: where to connect and when to retry.

use std::time::Duration;

use bytes::Bytes;

use crate::endpoint::Endpoint;
use crate::options::Options;

/// The connect side of a session: the endpoint and the reconnect backoff.
#[derive(Debug)]
pub(super) struct Connecter {
    /// Where to connect.
    pub(super) endpoint: Endpoint,
    /// IMMEDIATE=1: the link is made after each handshake and dropped with the connection.
    pub(super) immediate: bool,
    /// IMMEDIATE=1: the CONNECT_ROUTING_ID each link made after a handshake names its peer by.
    pub(super) routing_id: Option<Bytes>,
    /// RECONNECT_IVL; `None` never retries (libzmq retries only for a positive interval).
    ivl: Option<Duration>,
    /// RECONNECT_IVL_MAX; doubling applies only when it is larger than the interval.
    ivl_max: Duration,
    /// The next delay.
    current: Duration,
}

impl Connecter {
    /// A connecter with the socket's reconnect options.
    pub(super) fn new(endpoint: Endpoint, options: &Options, immediate: bool) -> Self {
        let ivl = options.reconnect_ivl.filter(|d| !d.is_zero());
        Self {
            endpoint,
            immediate,
            routing_id: options.connect_routing_id.clone().filter(|_| immediate),
            ivl,
            ivl_max: options.reconnect_ivl_max,
            current: ivl.unwrap_or_default(),
        }
    }

    /// The delay before the next attempt, doubling the one after up to RECONNECT_IVL_MAX; `None` when the
    /// socket never reconnects.
    pub(super) fn next_delay(&mut self) -> Option<Duration> {
        let ivl = self.ivl?;
        let delay = self.current;
        if self.ivl_max > ivl {
            self.current = (self.current * 2).min(self.ivl_max);
        }
        Some(delay)
    }

    /// A connect succeeded: the backoff starts over.
    pub(super) fn connected(&mut self) {
        self.current = self.ivl.unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connecter(ivl: Option<u64>, max: u64) -> Connecter {
        let options = Options {
            reconnect_ivl: ivl.map(Duration::from_millis),
            reconnect_ivl_max: Duration::from_millis(max),
            ..Options::default()
        };
        Connecter::new(
            crate::endpoint::parse("tcp://127.0.0.1:1").unwrap(),
            &options,
            false,
        )
    }

    fn ms(v: u64) -> Option<Duration> {
        Some(Duration::from_millis(v))
    }

    #[test]
    fn fixed_interval_without_max() {
        let mut c = connecter(Some(100), 0);
        assert_eq!(
            [c.next_delay(), c.next_delay(), c.next_delay()],
            [ms(100), ms(100), ms(100)]
        );
        let mut c = connecter(Some(100), 50);
        assert_eq!([c.next_delay(), c.next_delay()], [ms(100), ms(100)]);
    }

    #[test]
    fn doubles_up_to_max_and_resets_on_connect() {
        let mut c = connecter(Some(100), 350);
        assert_eq!(
            [
                c.next_delay(),
                c.next_delay(),
                c.next_delay(),
                c.next_delay()
            ],
            [ms(100), ms(200), ms(350), ms(350)]
        );
        c.connected();
        assert_eq!(c.next_delay(), ms(100));
    }

    #[test]
    fn no_interval_never_retries() {
        assert_eq!(connecter(None, 0).next_delay(), None);
        assert_eq!(connecter(Some(0), 1000).next_delay(), None);
    }
}
