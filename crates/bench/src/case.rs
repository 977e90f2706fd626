//! What a benchmark case is, how it travels on a child's command line, and the list the runner measures.

use std::fmt;

/// Who runs a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Imp {
    /// This project.
    Ferrozmq,
    /// libzmq through the `zmq` crate.
    Libzmq,
    /// The pure-Rust `zeromq` crate (tokio).
    Zeromq,
    /// Plain sockets, no ZeroMQ: the floor to compare against.
    Raw,
}

impl Imp {
    /// Every implementation, in table order.
    pub(crate) const ALL: [Self; 4] = [Self::Ferrozmq, Self::Libzmq, Self::Zeromq, Self::Raw];

    /// The name used on command lines and in tables.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Ferrozmq => "ferrozmq",
            Self::Libzmq => "libzmq",
            Self::Zeromq => "zeromq",
            Self::Raw => "raw",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == s)
    }
}

/// What a case measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// PUSH→PULL messages per second (raw: bytes written in chunks of `size`).
    Thr,
    /// PUSH→PULL messages per second with CURVE security (the PULL is the server).
    CurveThr,
    /// PUB→SUB messages delivered per second, summed over `subs` subscribers.
    PubSub,
    /// DEALER→ROUTER messages per second.
    DealerRouter,
    /// REQ↔REP one-way latency in µs (raw: TCP ping-pong).
    Lat,
    /// Resident memory in MB of a ROUTER holding `count` idle tcp connections.
    Idle,
    /// Resident memory in MB of a PUSH holding a full queue (SNDHWM = `count`) of `size`-byte messages.
    Queue,
}

impl Kind {
    const ALL: [Self; 7] = [
        Self::Thr,
        Self::CurveThr,
        Self::PubSub,
        Self::DealerRouter,
        Self::Lat,
        Self::Idle,
        Self::Queue,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Thr => "thr",
            Self::CurveThr => "curve-thr",
            Self::PubSub => "pubsub",
            Self::DealerRouter => "dealer-router",
            Self::Lat => "lat",
            Self::Idle => "idle",
            Self::Queue => "queue",
        }
    }

    /// True when a larger value is better.
    pub(crate) fn higher_is_better(self) -> bool {
        matches!(
            self,
            Self::Thr | Self::CurveThr | Self::PubSub | Self::DealerRouter
        )
    }
}

/// A transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// Loopback tcp.
    Tcp,
    /// A unix domain socket.
    Ipc,
    /// Within the process.
    Inproc,
}

impl Transport {
    const ALL: [Self; 3] = [Self::Tcp, Self::Ipc, Self::Inproc];

    /// The URL scheme.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Ipc => "ipc",
            Self::Inproc => "inproc",
        }
    }
}

/// One measurement to make in a child process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Case {
    /// What is measured.
    pub(crate) kind: Kind,
    /// Over which transport.
    pub(crate) transport: Transport,
    /// Message size in bytes.
    pub(crate) size: usize,
    /// Messages, round trips, connections or queue length.
    pub(crate) count: u64,
    /// Subscribers (PubSub only; 1 otherwise).
    pub(crate) subs: usize,
    /// Latency: the whole process pinned to one vCPU.
    pub(crate) pinned: bool,
}

impl Case {
    /// The arguments that [`Case::parse`] reads back.
    pub(crate) fn args(&self) -> Vec<String> {
        vec![
            self.kind.name().into(),
            self.transport.name().into(),
            self.size.to_string(),
            self.count.to_string(),
            self.subs.to_string(),
            u8::from(self.pinned).to_string(),
        ]
    }

    /// Reads what [`Case::args`] wrote.
    pub(crate) fn parse(a: &[String]) -> Option<Self> {
        let [kind, transport, size, count, subs, pinned] = a else {
            return None;
        };
        Some(Self {
            kind: Kind::ALL.into_iter().find(|k| k.name() == kind)?,
            transport: Transport::ALL.into_iter().find(|t| t.name() == transport)?,
            size: size.parse().ok()?,
            count: count.parse().ok()?,
            subs: subs.parse().ok()?,
            pinned: pinned == "1",
        })
    }

    /// The row label in the report (counts left out: they differ between quick and full runs).
    pub(crate) fn label(&self) -> String {
        let size = human_size(self.size);
        match self.kind {
            Kind::Thr => format!("PUSH→PULL {} {size}", self.transport.name()),
            Kind::CurveThr => format!("PUSH→PULL {} {size} CURVE", self.transport.name()),
            Kind::PubSub => format!("PUB→SUB ×{} tcp {size}", self.subs),
            Kind::DealerRouter => format!("DEALER→ROUTER tcp {size}"),
            Kind::Lat => format!(
                "REQ↔REP {} {size} ({})",
                self.transport.name(),
                if self.pinned { "1 vCPU" } else { "2 vCPUs" }
            ),
            Kind::Idle => format!("RSS, {} idle tcp connections", self.count),
            Kind::Queue => format!("RSS, PUSH queue {} × {size}", self.count),
        }
    }

    /// Whether an implementation can run this case.
    pub(crate) fn supported_by(&self, imp: Imp) -> bool {
        match imp {
            Imp::Ferrozmq | Imp::Libzmq => true,
            // zeromq 0.4 has no inproc and no CURVE, and a PUSH without peers blocks instead of queueing.
            Imp::Zeromq => {
                self.transport != Transport::Inproc
                    && !matches!(self.kind, Kind::Queue | Kind::CurveThr)
            }
            Imp::Raw => {
                self.transport == Transport::Tcp
                    && (self.kind == Kind::Lat || (self.kind == Kind::Thr && self.size >= 65536))
            }
        }
    }
}

/// `1 B`, `64 B`, `1 KiB`, `64 KiB`, `1 MiB`.
pub(crate) fn human_size(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1024 && n % 1024 == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} B")
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Every case of a run; `quick` shrinks the counts so that the whole suite takes seconds.
pub(crate) fn all(quick: bool) -> Vec<Case> {
    let scale = |full: u64, small: u64| if quick { small } else { full };
    let base = Case {
        kind: Kind::Thr,
        transport: Transport::Tcp,
        size: 64,
        count: 0,
        subs: 1,
        pinned: false,
    };
    let mut cases = Vec::new();
    for transport in Transport::ALL {
        for size in [1, 64, 1024, 65536, 1 << 20] {
            // About a quarter to half a second for libzmq at each size.
            let count = match size {
                1 | 64 => scale(2_000_000, 2_000),
                1024 => scale(500_000, 1_000),
                65536 => scale(20_000, 100),
                _ => scale(1_500, 10),
            };
            cases.push(Case {
                transport,
                size,
                count,
                ..base
            });
        }
    }
    // CURVE costs a box per message on each side: fewer messages than without it.
    for (size, count) in [(64, scale(500_000, 2_000)), (65536, scale(5_000, 100))] {
        cases.push(Case {
            kind: Kind::CurveThr,
            size,
            count,
            ..base
        });
    }
    for (subs, count) in [(1, scale(1_000_000, 2_000)), (10, scale(200_000, 500))] {
        cases.push(Case {
            kind: Kind::PubSub,
            subs,
            count,
            ..base
        });
    }
    cases.push(Case {
        kind: Kind::DealerRouter,
        count: scale(2_000_000, 2_000),
        ..base
    });
    for pinned in [true, false] {
        for transport in Transport::ALL {
            for size in [1, 1024] {
                cases.push(Case {
                    kind: Kind::Lat,
                    transport,
                    size,
                    count: scale(20_000, 100),
                    pinned,
                    ..base
                });
            }
        }
    }
    cases.push(Case {
        kind: Kind::Idle,
        size: 0,
        count: scale(10_000, 100),
        ..base
    });
    cases.push(Case {
        kind: Kind::Queue,
        size: 1024,
        count: scale(100_000, 1_000),
        ..base
    });
    cases
}

/// Parses an implementation name.
pub(crate) fn parse_imp(s: &str) -> Option<Imp> {
    Imp::parse(s)
}
