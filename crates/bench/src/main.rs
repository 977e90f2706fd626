//! `bench`: ferrozmq, libzmq and the `zeromq` crate side by side.
//!
//! `bench run [--quick] [--runs N] [--out DIR] [--only TEXT]` measures every case for every implementation,
//! each in its own child process (`bench case ...`), and writes `DIR/BENCHMARKS.md` and
//! `DIR/benchmarks.svg` (DIR defaults to `docs`), keeping the medians in `DIR/bench-results.tsv` for
//! `bench report`, which renders both again (after `DIR/bench-notes.md` changed).

mod case;
mod ferro;
mod libzmq;
mod raw;
mod report;
mod runner;
mod svg;
mod sys;
mod zeromq_crate;

use std::process::ExitCode;
use std::time::Instant;

use case::{Case, Imp};

/// What a child measured: the value in its case's unit, and for memory cases a second figure
/// (KiB per connection, or messages queued).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    value: f64,
    extra: Option<f64>,
}

impl Outcome {
    /// Just a value.
    pub(crate) fn of(value: f64) -> Self {
        Self { value, extra: None }
    }

    /// A value and its second figure.
    pub(crate) fn with_extra(value: f64, extra: f64) -> Self {
        Self {
            value,
            extra: Some(extra),
        }
    }
}

/// How long a subscriber waits for another message before it concludes the publisher is done.
pub(crate) const SUB_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Messages delivered per second over all subscribers, from the first send to the last delivery.
pub(crate) fn fanout_rate(start: Instant, subs: impl Iterator<Item = (u64, Instant)>) -> f64 {
    let (mut total, mut end) = (0u64, start);
    for (got, last) in subs {
        total += got;
        end = end.max(last);
    }
    total as f64 / end.duration_since(start).as_secs_f64().max(1e-9)
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench run [--quick] [--runs N] [--out DIR] [--only TEXT]\n       \
         bench report [--out DIR]   (again from DIR/bench-results.tsv)\n       \
         bench case IMP KIND TRANSPORT SIZE COUNT SUBS PINNED\n       \
         bench idle-clients PORT N"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => match runner::Options::parse(&args[1..]) {
            Some(o) => runner::run(&o),
            None => usage(),
        },
        Some("report") => match runner::Options::parse(&args[1..]) {
            Some(mut o) => match report::rerender(&mut o) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("bench report: {e}");
                    ExitCode::FAILURE
                }
            },
            None => usage(),
        },
        Some("case") => {
            let (Some(imp), Some(case)) = (
                args.get(1).and_then(|s| case::parse_imp(s)),
                Case::parse(&args[2..]),
            ) else {
                return usage();
            };
            sys::raise_nofile();
            let o = match imp {
                Imp::Ferrozmq => ferro::run(&case),
                Imp::Libzmq => libzmq::run(&case),
                Imp::Zeromq => zeromq_crate::run(&case),
                Imp::Raw => Outcome::of(raw::run(&case)),
            };
            match o.extra {
                Some(x) => println!("RESULT {} {x}", o.value),
                None => println!("RESULT {}", o.value),
            }
            ExitCode::SUCCESS
        }
        Some("idle-clients") => {
            let (Some(port), Some(n)) = (
                args.get(1).and_then(|s| s.parse().ok()),
                args.get(2).and_then(|s| s.parse().ok()),
            ) else {
                return usage();
            };
            raw::idle_clients(port, n);
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}
