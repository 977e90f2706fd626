//! Arbitrary frames after a valid ZMTP 3.1 NULL handshake (a PULL talking to a PUSH): the decoder must
//! yield frames or an error, never panic.
#![no_main]

use std::time::Instant;

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use zmtp::{Config, Connection, Event, SocketType};

/// Runs two connections against each other until neither has anything to say.
fn handshake(now: Instant) -> Connection {
    let mut config = Config::new(SocketType::Pull);
    config.max_msg_size = Some(1 << 20);
    let mut pull = Connection::new(config, now);
    let mut push = Connection::new(Config::new(SocketType::Push), now);
    let (mut to_pull, mut to_push) = (BytesMut::new(), BytesMut::new());
    for _ in 0..8 {
        move_bytes(&mut push, &mut to_pull);
        move_bytes(&mut pull, &mut to_push);
        while let Ok(Some(_)) = pull.poll_event(&mut to_pull, now) {}
        while let Ok(Some(_)) = push.poll_event(&mut to_push, now) {}
    }
    assert!(pull.is_ready());
    pull
}

fn move_bytes(from: &mut Connection, to: &mut BytesMut) {
    let out = from.write_buf();
    while !out.is_empty() {
        let mut slices = [std::io::IoSlice::new(&[]); 16];
        let n = out.chunks_vectored(&mut slices);
        let mut written = 0;
        for s in &slices[..n] {
            to.extend_from_slice(s);
            written += s.len();
        }
        out.advance(written);
    }
}

fuzz_target!(|data: &[u8]| {
    let now = Instant::now();
    let mut pull = handshake(now);
    let mut input = BytesMut::from(data);
    while let Ok(Some(event)) = pull.poll_event(&mut input, now) {
        assert!(matches!(event, Event::Frame(_)));
    }
});
