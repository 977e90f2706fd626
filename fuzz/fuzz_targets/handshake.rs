//! Arbitrary bytes from a peer, from the first byte of the greeting on: the connection must return an
//! error or wait for more, never panic, and never ask for more than its limit.
#![no_main]

use std::time::{Duration, Instant};

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use zmtp::{Config, Connection, SocketType};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let kind = SocketType::ALL[usize::from(selector) % SocketType::ALL.len()];
    let mut config = Config::new(kind);
    config.max_msg_size = Some(1 << 20);
    let now = Instant::now();
    let mut conn = Connection::new(config, now);
    // Feed in two pieces so that partial input is exercised too.
    let cut = usize::from(selector).min(bytes.len());
    let mut input = BytesMut::new();
    for piece in [&bytes[..cut], &bytes[cut..]] {
        input.extend_from_slice(piece);
        loop {
            match conn.poll_event(&mut input, now) {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => break,
            }
        }
        assert!(conn.read_hint() <= 16 << 20);
    }
    let _ = conn.handle_timeout(now + Duration::from_secs(60));
});
