//! Runs every case for every implementation in child processes and keeps the medians.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::case::{self, Case, Imp};
use crate::Outcome;

/// Options of `bench run`.
#[derive(Debug)]
pub(crate) struct Options {
    /// Small counts: seconds for the whole suite, numbers meaningless.
    pub(crate) quick: bool,
    /// Runs of each case; the report shows medians.
    pub(crate) runs: usize,
    /// Where BENCHMARKS.md and benchmarks.svg go.
    pub(crate) out: PathBuf,
    /// Only cases whose label contains this text.
    pub(crate) only: Option<String>,
}

impl Options {
    /// Reads `[--quick] [--runs N] [--out DIR] [--only TEXT]`.
    pub(crate) fn parse(args: &[String]) -> Option<Self> {
        let mut o = Self {
            quick: false,
            runs: 0,
            out: PathBuf::from("docs"),
            only: None,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--quick" => o.quick = true,
                "--runs" => o.runs = it.next()?.parse().ok()?,
                "--out" => o.out = PathBuf::from(it.next()?),
                "--only" => o.only = Some(it.next()?.clone()),
                _ => return None,
            }
        }
        if o.runs == 0 {
            o.runs = if o.quick { 1 } else { 3 };
        }
        Some(o)
    }
}

/// The medians of one case: per implementation, the value and the second figure.
pub(crate) type Results = Vec<(Case, BTreeMap<&'static str, Outcome>)>;

/// `bench run`.
pub(crate) fn run(o: &Options) -> ExitCode {
    let cases: Vec<Case> = case::all(o.quick)
        .into_iter()
        .filter(|c| {
            o.only
                .as_ref()
                .is_none_or(|t| c.label().contains(t.as_str()))
        })
        .collect();
    let mut samples: Vec<BTreeMap<&'static str, Vec<Outcome>>> = vec![BTreeMap::new(); cases.len()];
    let mut failed = false;
    let started = Instant::now();
    for r in 0..o.runs {
        for (i, c) in cases.iter().enumerate() {
            let imps: Vec<Imp> = Imp::ALL
                .into_iter()
                .filter(|&m| c.supported_by(m))
                .collect();
            // Rotate the order between runs so that no implementation always goes first.
            for k in 0..imps.len() {
                let imp = imps[(k + r) % imps.len()];
                match child(imp, c, o.quick) {
                    Ok(out) => {
                        eprintln!(
                            "[run {}/{}] {c} / {}: {}",
                            r + 1,
                            o.runs,
                            imp.name(),
                            show(&out)
                        );
                        samples[i].entry(imp.name()).or_default().push(out);
                    }
                    Err(e) => {
                        eprintln!(
                            "[run {}/{}] {c} / {}: FAILED: {e}",
                            r + 1,
                            o.runs,
                            imp.name()
                        );
                        failed = true;
                    }
                }
            }
        }
    }
    let results: Results = cases
        .into_iter()
        .zip(samples)
        .map(|(c, s)| (c, s.into_iter().map(|(k, v)| (k, median(v))).collect()))
        .collect();
    if let Err(e) = crate::report::write(o, &results, started.elapsed()) {
        eprintln!("writing the report: {e}");
        return ExitCode::FAILURE;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn show(o: &Outcome) -> String {
    match o.extra {
        Some(x) => format!("{:.3} ({x:.1})", o.value),
        None => format!("{:.3}", o.value),
    }
}

/// The median by value (the upper one of an even count), with its own second figure.
fn median(mut v: Vec<Outcome>) -> Outcome {
    v.sort_by(|a, b| a.value.total_cmp(&b.value));
    v[v.len() / 2]
}

/// Runs one case in a child process, pinned to vCPU 0 when the case says so.
fn child(imp: Imp, c: &Case, quick: bool) -> Result<Outcome, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = if c.pinned {
        let mut t = Command::new("taskset");
        t.args(["-c", "0"]).arg(exe);
        t
    } else {
        Command::new(exe)
    };
    cmd.arg("case").arg(imp.name()).args(c.args());
    let mut ch = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| e.to_string())?;
    let limit = Duration::from_secs(if quick { 60 } else { 120 });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = ch.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > limit {
            let _ = ch.kill();
            let _ = ch.wait();
            return Err(format!("timed out after {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut out = String::new();
    if let Some(mut so) = ch.stdout.take() {
        so.read_to_string(&mut out).map_err(|e| e.to_string())?;
    }
    if !status.success() {
        return Err(format!("exit {status}"));
    }
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or("no RESULT line")?;
    let mut nums = line.split_whitespace().map(str::parse::<f64>);
    let value = nums
        .next()
        .ok_or("empty RESULT")?
        .map_err(|e| e.to_string())?;
    Ok(match nums.next() {
        Some(x) => Outcome::with_extra(value, x.map_err(|e| e.to_string())?),
        None => Outcome::of(value),
    })
}
