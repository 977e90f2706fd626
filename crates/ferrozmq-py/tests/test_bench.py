"""The throughput benchmark (bench/throughput.py) in quick mode: it runs end to end and reports a rate for
every case. No timing is asserted; see docs/PYTHON-BENCHMARKS.md for real numbers."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

BENCH = pathlib.Path(__file__).resolve().parent.parent / "bench" / "throughput.py"


def test_throughput_benchmark_quick():
    try:
        import zmq  # noqa: F401

        libs = ["ferrozmq", "zmq"]
    except ImportError:
        libs = ["ferrozmq"]
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", "--libs", ",".join(libs)],
        capture_output=True,
        text=True,
        timeout=50,
        check=True,
    ).stdout
    result = json.loads(out)
    for lib in libs:
        for copy in ("True", "False"):
            assert result["median"][lib][copy] > 0
    if "zmq" in libs:
        assert set(result["ratio"]) == {"True", "False"}
