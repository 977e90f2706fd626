"""Throughput through the Python API: ferrozmq against pyzmq (libzmq) in the same run.

A PUSH socket sends COUNT messages of SIZE bytes over tcp to a PULL socket, which times from the first
message to the last (as libzmq's local_thr/remote_thr do). With ``--mode processes`` (the default) the two
sockets live in two processes; with ``--mode threads`` in two threads of one process, sharing the GIL.
Each library is measured with ``copy=True`` and ``copy=False``, REPEAT times, interleaved; the medians and
the ratios ferrozmq/pyzmq are printed. Both sides of a pair use the same library.

Wall-clock rates swing on a busy machine; the CPU time each side spends per message (all threads of the
process: the Python thread and the library's I/O thread; process mode only) is printed too, and is much
steadier.

    python bench/throughput.py [--count N] [--size B] [--repeat R] [--libs ferrozmq,zmq] [--multipart K]
                               [--mode processes|threads]

``--quick`` runs tiny counts (a smoke test: no numbers worth reading). ``--json`` prints the results as
JSON instead of a table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing as mp
import statistics
import sys
import time
from typing import Any


def _receiver(lib: str, count: int, parts: int, copy: bool, port_q: Any, result_q: Any) -> None:
    zmq = importlib.import_module(lib)
    ctx = zmq.Context()
    s = ctx.socket(zmq.PULL)
    s.rcvhwm = 100_000
    s.rcvtimeo = 30_000
    s.linger = 0
    port = s.bind_to_random_port("tcp://127.0.0.1")
    port_q.put(port)
    if parts == 1:
        recv = s.recv
        recv(copy=copy)
        cpu = time.process_time()
        start = time.perf_counter()
        for _ in range(count - 1):
            recv(copy=copy)
    else:
        recv = s.recv_multipart
        recv(copy=copy)
        cpu = time.process_time()
        start = time.perf_counter()
        for _ in range(count - 1):
            recv(copy=copy)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    result_q.put(((count - 1) / elapsed if elapsed > 0 else float("inf"), cpu / (count - 1) * 1e9))
    s.close()
    ctx.term()


def _sender(lib: str, count: int, size: int, parts: int, copy: bool, port: int, result_q: Any) -> None:
    zmq = importlib.import_module(lib)
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUSH)
    s.sndhwm = 100_000
    s.linger = -1
    s.connect(f"tcp://127.0.0.1:{port}")
    msg = b"x" * size
    cpu = time.process_time()
    if parts == 1:
        send = s.send
        for _ in range(count):
            send(msg, copy=copy)
    else:
        frames = [msg] * parts
        send = s.send_multipart
        for _ in range(count):
            send(frames, copy=copy)
    s.close()
    ctx.term()  # waits until every message is on the wire (LINGER -1)
    result_q.put((time.process_time() - cpu) / count * 1e9)


def run_threads(lib: str, count: int, size: int, parts: int, copy: bool) -> tuple[float, float, float]:
    """Messages per second received by one PULL from one PUSH, each in its own thread of this process."""
    import queue
    import threading

    port_q: queue.Queue = queue.Queue()
    result_q: queue.Queue = queue.Queue()
    recv = threading.Thread(target=_receiver, args=(lib, count, parts, copy, port_q, result_q))
    recv.start()
    port = port_q.get(timeout=60)
    send_q: queue.Queue = queue.Queue()
    send = threading.Thread(target=_sender, args=(lib, count, size, parts, copy, port, send_q))
    send.start()
    rate, _ = result_q.get(timeout=120)
    send.join(60)
    recv.join(60)
    return rate, float("nan"), float("nan")


def run_once(
    lib: str, count: int, size: int, parts: int, copy: bool, mode: str = "processes"
) -> tuple[float, float, float]:
    """Messages per second received by one PULL from one PUSH, each in its own process (or thread), and
    the CPU nanoseconds per message of the sending and the receiving process (NaN in thread mode)."""
    if mode == "threads":
        return run_threads(lib, count, size, parts, copy)
    mp_ctx = mp.get_context("spawn")
    port_q = mp_ctx.Queue()
    result_q = mp_ctx.Queue()
    recv = mp_ctx.Process(target=_receiver, args=(lib, count, parts, copy, port_q, result_q))
    recv.start()
    port = port_q.get(timeout=60)
    send_q = mp_ctx.Queue()
    send = mp_ctx.Process(target=_sender, args=(lib, count, size, parts, copy, port, send_q))
    send.start()
    rate, recv_cpu = result_q.get(timeout=120)
    send_cpu = send_q.get(timeout=120)
    send.join(60)
    recv.join(60)
    return rate, send_cpu, recv_cpu


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=1_000_000, help="messages per run")
    p.add_argument("--size", type=int, default=64, help="bytes per frame")
    p.add_argument("--multipart", type=int, default=1, help="frames per message (send_multipart when > 1)")
    p.add_argument("--repeat", type=int, default=5, help="runs per case; the median is reported")
    p.add_argument("--libs", default="ferrozmq,zmq", help="comma-separated modules to measure")
    p.add_argument("--copy", default="true,false", help="copy modes to measure")
    p.add_argument("--mode", choices=("processes", "threads"), default="processes", help="where the two sockets run")
    p.add_argument("--quick", action="store_true", help="tiny counts, one run: a smoke test")
    p.add_argument("--json", action="store_true", help="print JSON")
    a = p.parse_args(argv)
    if a.quick:
        a.count, a.repeat = 2000, 1
    libs = [lib for lib in a.libs.split(",") if lib]
    copies = [c.strip().lower() in ("1", "true", "yes") for c in a.copy.split(",") if c]
    rates: dict[str, dict[str, list[float]]] = {lib: {str(c): [] for c in copies} for lib in libs}
    cpus: dict[str, dict[str, list[tuple[float, float]]]] = {lib: {str(c): [] for c in copies} for lib in libs}
    for _ in range(a.repeat):
        for copy in copies:
            for lib in libs:
                rate, send_cpu, recv_cpu = run_once(lib, a.count, a.size, a.multipart, copy, a.mode)
                rates[lib][str(copy)].append(rate)
                cpus[lib][str(copy)].append((send_cpu, recv_cpu))
    medians = {lib: {c: statistics.median(v) for c, v in by_copy.items()} for lib, by_copy in rates.items()}
    cpu_medians = {
        lib: {
            c: {"send_ns": statistics.median(s for s, _ in v), "recv_ns": statistics.median(r for _, r in v)}
            for c, v in by_copy.items()
        }
        for lib, by_copy in cpus.items()
    }
    result: dict[str, Any] = {
        "count": a.count,
        "size": a.size,
        "multipart": a.multipart,
        "repeat": a.repeat,
        "mode": a.mode,
        "python": sys.version.split()[0],
        "runs": rates,
        "median": medians,
        "cpu_ns_per_msg": cpu_medians,
    }
    if "ferrozmq" in medians and "zmq" in medians:
        result["ratio"] = {c: medians["ferrozmq"][c] / medians["zmq"][c] for c in medians["zmq"]}
    if a.json:
        print(json.dumps(result, indent=2))
        return result
    print(
        f"{a.count} messages of {a.multipart} x {a.size} B over tcp, two {a.mode}, median of {a.repeat} runs (msg/s)"
    )
    for copy in copies:
        c = str(copy)
        line = f"copy={c:5}  " + "  ".join(f"{lib}: {medians[lib][c]:>12,.0f}" for lib in libs)
        if "ratio" in result:
            line += f"  ratio ferrozmq/pyzmq: {result['ratio'][c]:.2f}x"
        print(line)
    if a.mode == "processes":
        print("CPU time per message, all threads of the process (median ns): sender / receiver")
        for copy in copies:
            c = str(copy)
            print(
                f"copy={c:5}  "
                + "  ".join(
                    f"{lib}: {cpu_medians[lib][c]['send_ns']:6.0f} / {cpu_medians[lib][c]['recv_ns']:6.0f}"
                    for lib in libs
                )
            )
    return result


if __name__ == "__main__":
    main()
