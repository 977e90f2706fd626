//! The benchmark suite builds and runs end to end on small counts (no timing is checked).

use std::process::Command;

#[test]
fn quick_run_writes_the_report_and_the_plot() {
    let out = std::env::temp_dir().join(format!("ferrozmq-bench-quick-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["run", "--quick", "--out"])
        .arg(&out)
        .status()
        .expect("run the bench binary");
    assert!(status.success(), "bench run --quick failed: {status}");
    let md = std::fs::read_to_string(out.join("BENCHMARKS.md")).expect("BENCHMARKS.md");
    for row in [
        "PUSH→PULL tcp 64 B",
        "PUSH→PULL inproc 1 MiB",
        "PUSH→PULL tcp 64 B CURVE",
        "PUSH→PULL tcp 64 KiB CURVE",
        "PUB→SUB ×10 tcp 64 B",
        "REQ↔REP ipc 1 KiB (1 vCPU)",
        "idle tcp connections",
    ] {
        assert!(md.contains(row), "no row {row:?} in\n{md}");
    }
    let svg = std::fs::read_to_string(out.join("benchmarks.svg")).expect("benchmarks.svg");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let _ = std::fs::remove_dir_all(&out);
}
