//! Writes `BENCHMARKS.md`: machine and versions, one table per kind of case, ratios and goals.

use std::fmt::Write as _;
use std::io;
use std::process::Command;
use std::time::Duration;

use crate::case::{Case, Kind, Transport};
use crate::runner::{Options, Results};
use crate::Outcome;

/// Hand-written notes (the engine work log) appended to the generated report.
const NOTES: &str = "bench-notes.md";

/// The medians of the last run, from which `bench report` renders the report again.
const RESULTS: &str = "bench-results.tsv";

/// Writes the medians, the report and the plot into `o.out`.
pub(crate) fn write(o: &Options, results: &Results, took: Duration) -> io::Result<()> {
    std::fs::create_dir_all(&o.out)?;
    let git = cmd(&["git", "rev-parse", "--short", "HEAD"]);
    let mut tsv = format!(
        "#\t{}\t{}\t{}\t{git}\n",
        o.runs,
        u8::from(o.quick),
        took.as_secs()
    );
    for (c, r) in results {
        for (imp, v) in r {
            let extra = v.extra.map_or("-".to_owned(), |x| x.to_string());
            let _ = writeln!(tsv, "{imp}\t{}\t{extra}\t{}", v.value, c.args().join(" "));
        }
    }
    std::fs::write(o.out.join(RESULTS), tsv)?;
    render(o, results, took, &git)
}

/// `bench report`: renders the report and the plot again from the medians `bench run` saved (after the
/// notes changed).
pub(crate) fn rerender(o: &mut Options) -> io::Result<()> {
    let tsv = std::fs::read_to_string(o.out.join(RESULTS))?;
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "malformed bench-results.tsv");
    let mut lines = tsv.lines();
    let head: Vec<&str> = lines.next().ok_or_else(bad)?.split('\t').collect();
    let [_, runs, quick, took, git] = head[..] else {
        return Err(bad());
    };
    o.runs = runs.parse().map_err(|_| bad())?;
    o.quick = quick == "1";
    let took = Duration::from_secs(took.parse().map_err(|_| bad())?);
    let mut results: Results = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let [imp, value, extra, args] = f[..] else {
            return Err(bad());
        };
        let imp = crate::case::parse_imp(imp).ok_or_else(bad)?.name();
        let args: Vec<String> = args.split(' ').map(str::to_owned).collect();
        let case = Case::parse(&args).ok_or_else(bad)?;
        let value = value.parse().map_err(|_| bad())?;
        let outcome = match extra {
            "-" => Outcome::of(value),
            x => Outcome::with_extra(value, x.parse().map_err(|_| bad())?),
        };
        match results.iter_mut().find(|(c, _)| *c == case) {
            Some((_, r)) => {
                r.insert(imp, outcome);
            }
            None => results.push((case, [(imp, outcome)].into_iter().collect())),
        }
    }
    render(o, &results, took, git)
}

fn render(o: &Options, results: &Results, took: Duration, git: &str) -> io::Result<()> {
    let mut md = String::new();
    header(&mut md, o, took, git);
    let sections: [(&str, &[Kind]); 3] = [
        (
            "Throughput (msg/s, higher is better)",
            &[Kind::Thr, Kind::CurveThr, Kind::PubSub, Kind::DealerRouter],
        ),
        (
            "Latency (one way = round trip / 2, µs, lower is better)",
            &[Kind::Lat],
        ),
        (
            "Memory (resident set of the whole process, MB, lower is better)",
            &[Kind::Idle, Kind::Queue],
        ),
    ];
    for (title, kinds) in sections {
        let rows: Vec<_> = results
            .iter()
            .filter(|(c, _)| kinds.contains(&c.kind))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(md, "\n## {title}\n");
        md.push_str("| case | ferrozmq | libzmq | zeromq | raw tcp | ferrozmq / libzmq | zeromq / libzmq | goal |\n");
        md.push_str("|---|--:|--:|--:|--:|--:|--:|---|\n");
        for (c, r) in rows {
            let cell = |imp: &str| r.get(imp).map_or("—".to_owned(), |v| fmt_value(c, v));
            let ratio = |imp: &str| {
                ratio_to_libzmq(r, imp).map_or("—".to_owned(), |x| format!("{x:.2}×"))
            };
            let _ = writeln!(
                md,
                "| {c} | {} | {} | {} | {} | {} | {} | {} |",
                cell("ferrozmq"),
                cell("libzmq"),
                cell("zeromq"),
                cell("raw"),
                ratio("ferrozmq"),
                ratio("zeromq"),
                goal(c, r)
            );
        }
    }
    md.push_str(
        "\nRatios are of the raw values (msg/s, µs, MB); for latency and memory below 1× is better. \
         Throughput is timed at the receiver from its first message to its last, as libzmq's `local_thr` \
         does; PUB→SUB counts messages delivered to all subscribers together. Every sender builds each message from a byte slice (an allocation and a copy, as an application \
         would, and as libzmq's `zmq_send` does): no implementation sends one shared buffer by reference. The raw tcp column of a \
         throughput row is loopback TCP writing chunks of that size (shown as chunks/s and GB/s); of a \
         latency row, a TCP_NODELAY ping-pong of that size.\n",
    );
    md.push_str("\n![ferrozmq and zeromq against libzmq](benchmarks.svg)\n");
    if let Ok(notes) = std::fs::read_to_string(o.out.join(NOTES)) {
        md.push('\n');
        md.push_str(&notes);
    }
    std::fs::write(o.out.join("BENCHMARKS.md"), md)?;
    std::fs::write(o.out.join("benchmarks.svg"), crate::svg::plot(results))
}

fn header(md: &mut String, o: &Options, took: Duration, git: &str) {
    let (maj, min, patch) = zmq::version();
    md.push_str("# Benchmarks: ferrozmq, libzmq and the zeromq crate\n\n");
    md.push_str("Generated by `cargo run --release -p bench -- run` (see README.md); do not edit by hand: the \
                 engine work log at the end comes from `docs/bench-notes.md`.\n\n");
    if o.quick {
        md.push_str(
            "**Quick mode: tiny counts; these numbers only show that the suite runs.**\n\n",
        );
    }
    let _ = writeln!(
        md,
        "- machine: {}, {} vCPUs, Linux {}",
        cpu_model(),
        vcpus(),
        cmd(&["uname", "-r"])
    );
    let _ = writeln!(md, "- {}", cmd(&["rustc", "--version"]));
    let _ = writeln!(
        md,
        "- ferrozmq {} (git {}), libzmq {maj}.{min}.{patch} (system, through the `zmq` crate 0.9), \
         `zeromq` crate {} (tokio, 2 workers)",
        env!("CARGO_PKG_VERSION"),
        git,
        zeromq_version()
    );
    let _ = writeln!(
        md,
        "- median of {} run(s) per case, each implementation and case in its own process, one thread per \
         end (zeromq: tasks); the run took {:.0} s",
        o.runs,
        took.as_secs_f64()
    );
}

fn cmd(argv: &[&str]) -> String {
    Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "?".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "?".into())
}

fn vcpus() -> usize {
    std::thread::available_parallelism().map_or(0, usize::from)
}

/// The `zeromq` version in the workspace's lock file.
fn zeromq_version() -> &'static str {
    let lock = include_str!("../../../Cargo.lock");
    lock.split("[[package]]")
        .find(|p| p.contains("name = \"zeromq\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map_or("?", |v| v.trim_end_matches('"'))
}

/// An implementation's value over libzmq's.
pub(crate) fn ratio_to_libzmq(
    r: &std::collections::BTreeMap<&str, Outcome>,
    imp: &str,
) -> Option<f64> {
    let (a, b) = (r.get(imp)?, r.get("libzmq")?);
    (b.value > 0.0).then(|| a.value / b.value)
}

fn fmt_value(c: &Case, v: &Outcome) -> String {
    match c.kind {
        Kind::Thr | Kind::CurveThr | Kind::PubSub | Kind::DealerRouter => {
            let rate = if v.value >= 1e6 {
                format!("{:.2} M", v.value / 1e6)
            } else {
                format!("{:.0} k", v.value / 1e3)
            };
            if c.size >= 65536 {
                format!("{rate} ({:.2} GB/s)", v.value * c.size as f64 / 1e9)
            } else {
                rate
            }
        }
        Kind::Lat => format!("{:.2}", v.value),
        Kind::Idle => format!("{:.1} ({:.1} KiB/conn)", v.value, v.extra.unwrap_or(0.0)),
        Kind::Queue => format!("{:.1} ({:.0} queued)", v.value, v.extra.unwrap_or(0.0)),
    }
}

/// The issue's goal for this row and whether the run met it.
fn goal(c: &Case, r: &std::collections::BTreeMap<&str, Outcome>) -> String {
    let f = ratio_to_libzmq(r, "ferrozmq");
    let to_raw = match (r.get("ferrozmq"), r.get("raw")) {
        (Some(a), Some(b)) if b.value > 0.0 => Some(a.value / b.value),
        _ => None,
    };
    let check = |ok: bool, text: String| format!("{} {text}", if ok { "✅" } else { "❌" });
    let Some(f) = f else { return "—".into() };
    match c.kind {
        Kind::Thr if c.transport == Transport::Inproc => check(f >= 2.0, "≥ 2× libzmq".into()),
        Kind::Thr if c.size <= 1024 => check(f >= 1.5, "≥ 1.5× libzmq".into()),
        Kind::Thr if c.transport == Transport::Tcp => {
            let raw = to_raw.unwrap_or(0.0);
            check(
                f >= 1.0 && raw >= 0.8,
                format!("≥ 1× libzmq, ≥ 80% raw ({:.0}%)", raw * 100.0),
            )
        }
        Kind::CurveThr => check(f >= 1.0, "≥ 1× libzmq".into()),
        Kind::PubSub if c.subs >= 10 => check(f >= 1.5, "≥ 1.5× libzmq".into()),
        Kind::Lat if c.transport == Transport::Tcp => {
            let raw = to_raw.unwrap_or(f64::INFINITY);
            check(
                f <= 0.8 && raw <= 1.2,
                format!("≤ 0.8× libzmq, ≤ 1.2× raw ({raw:.2}×)"),
            )
        }
        Kind::Idle => {
            let per = |imp: &str| r.get(imp).and_then(|o| o.extra);
            let ok = matches!((per("ferrozmq"), per("libzmq")), (Some(a), Some(b)) if a <= b);
            check(ok, "per connection ≤ libzmq".into())
        }
        Kind::Queue => {
            let queued = r.get("ferrozmq").and_then(|o| o.extra).unwrap_or(0.0);
            check(queued <= c.count as f64, "bounded by SNDHWM".into())
        }
        _ => "—".into(),
    }
}
