//! The socket monitor's sink (`zmq_socket_monitor`): a PAIR socket the monitored socket publishes its
//! events on, shared by the socket and every snapshot the I/O thread holds of it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::event::{self, Event};
use crate::socket::{Socket, DONTWAIT};

/// Where one socket's events go, if anywhere.
#[derive(Debug, Default)]
pub(crate) struct MonitorHub {
    /// The events asked for; 0 when no monitor runs (read without the lock on every event).
    mask: AtomicU32,
    /// The PAIR socket bound at the monitor's endpoint.
    sink: Mutex<Option<Socket>>,
}

impl MonitorHub {
    fn lock(&self) -> MutexGuard<'_, Option<Socket>> {
        self.sink.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes `event` if the monitor asked for it. Never blocks: with no reader connected, or its queue
    /// full, the event is dropped (libzmq's monitor has the same PAIR semantics).
    pub(crate) fn publish(&self, event: u32, value: u32, endpoint: &str) {
        if self.mask.load(Ordering::Acquire) & event == 0 {
            return;
        }
        let sink = self.lock();
        if let Some(socket) = &*sink {
            if self.mask.load(Ordering::Acquire) & event != 0 {
                send(socket, event, value, endpoint);
            }
        }
    }

    /// Starts publishing `events` on `socket`, stopping (with MONITOR_STOPPED) a monitor already running.
    pub(crate) fn start(&self, socket: Socket, events: u32) {
        let old = {
            let mut sink = self.lock();
            let old = self.stop_locked(&mut sink);
            *sink = Some(socket);
            self.mask.store(events, Ordering::Release);
            old
        };
        drop(old);
    }

    /// Stops the monitor, sending MONITOR_STOPPED if it was asked for.
    pub(crate) fn stop(&self) {
        let old = self.stop_locked(&mut self.lock());
        // Closed outside the lock: closing a socket talks to the context.
        drop(old);
    }

    fn stop_locked(&self, sink: &mut Option<Socket>) -> Option<Socket> {
        let socket = sink.take()?;
        if self.mask.swap(0, Ordering::AcqRel) & event::MONITOR_STOPPED != 0 {
            send(&socket, event::MONITOR_STOPPED, 0, "");
        }
        Some(socket)
    }
}

fn send(socket: &Socket, event: u32, value: u32, endpoint: &str) {
    let frames = Event {
        event,
        value,
        endpoint: endpoint.to_owned(),
    }
    .to_frames();
    // Dropped when nobody reads (no peer yet, or a full queue), as libzmq drops it.
    let _ = socket.send_multipart(frames, DONTWAIT);
}
