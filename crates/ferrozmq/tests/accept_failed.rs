//! ACCEPT_FAILED from a real scenario: the process runs out of descriptors while a connection waits to
//! be accepted; the listener reports the errno (EMFILE) and accepts once descriptors are free again.
//! Alone in its test binary, since it lowers the whole process's descriptor limit for a moment.
#![cfg(any(target_os = "linux", target_os = "android"))]

mod common;

use common::{socket, unique};
use ferrozmq::event::{self, Event};
use ferrozmq::{Context, SocketType};
use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

#[test]
fn accept_failed_reports_emfile_then_the_connection_is_accepted() {
    let ctx = Context::new();
    let pull = socket(&ctx, SocketType::Pull);
    let ep = format!("inproc://{}", unique("accept-failed"));
    pull.monitor(ep.as_str(), event::ACCEPT_FAILED | event::ACCEPTED)
        .unwrap();
    let events = socket(&ctx, SocketType::Pair);
    events.connect(&ep).unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let addr: std::net::SocketAddr = pull
        .last_endpoint()
        .trim_start_matches("tcp://")
        .parse()
        .unwrap();
    // The client's descriptor exists before the limit drops; connecting needs no new one.
    let client = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();

    let saved = getrlimit(Resource::Nofile);
    let highest = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap();
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(highest + 1),
            maximum: saved.maximum,
        },
    )
    .unwrap();
    // Take every free descriptor below the limit: the next accept fails with EMFILE.
    let mut fillers = Vec::new();
    while let Ok(f) = std::fs::File::open("/dev/null") {
        fillers.push(f);
    }
    client.connect(&addr.into()).unwrap();
    let failed = events.recv_multipart(0).map(|m| Event::parse(&m));
    drop(fillers);
    setrlimit(Resource::Nofile, saved).unwrap();
    let failed = failed.expect("an event in time").unwrap();
    assert_eq!(failed.event, event::ACCEPT_FAILED);
    assert_eq!(failed.value, 24, "EMFILE");
    assert_eq!(failed.endpoint, pull.last_endpoint());
    // The listener retries: the waiting connection is accepted now.
    let accepted = Event::parse(&events.recv_multipart(0).unwrap()).unwrap();
    assert_eq!(accepted.event, event::ACCEPTED);
}
