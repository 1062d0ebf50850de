#!/usr/bin/env python3
"""What calling harness from Python costs: measured, not asserted (speed figures live in benches/).

1. One instance of the notebook's protocol (experiments/notebook.toml, seed 1) through
   ``harness.run``, against the library calls it makes, timed on the Rust side by the binding
   (``Run.load_s``: reading and resolving the experiment; ``Run.wall_s``: the run itself, what
   ``harness run`` prints as ``wall time``) and against the ``harness run`` process.
   Target: ``harness.run`` within 10% of the library calls.
2. The 216-run sweep experiments/grid.toml through ``harness.sweep`` against the ``harness sweep``
   process, each into a fresh results directory, on every core. Target: within 5%.

Repeats are interleaved (binding, command, binding, ...) so that the machine's drift affects both
alike; medians are printed with the ratios.

    pip install ./python && cargo build --release
    python benches/python_overhead.py [--repeats N] [--sweep-repeats N] [--harness target/release/harness]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import harness

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "experiments" / "notebook.toml"
GRID = REPO / "experiments" / "grid.toml"


def default_cli() -> Path:
    if os.environ.get("HARNESS_BIN"):
        return Path(os.environ["HARNESS_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", "target"))
    return (target if target.is_absolute() else REPO / target) / "release" / "harness"


def timed(args: list) -> tuple:
    start = time.perf_counter()
    p = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, p.stdout


def ms(x: float) -> str:
    return f"{1000 * x:9.3f} ms"


def instance(cli: Path, repeats: int) -> None:
    for _ in range(5):  # warm caches, the allocator and the page cache
        harness.run(NOTEBOOK, seed=1)
        timed([cli, "run", NOTEBOOK, "--seed", "1"])
    call, load, run, cli_total, cli_wall = [], [], [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        r = harness.run(NOTEBOOK, seed=1)
        call.append(time.perf_counter() - start)
        load.append(r.load_s)
        run.append(r.wall_s)
        total, out = timed([cli, "run", NOTEBOOK, "--seed", "1"])
        cli_total.append(total)
        cli_wall.append(float(re.search(r"^wall time\s+([0-9.]+) s", out, re.M)[1]))
    med = statistics.median
    library = med([a + b for a, b in zip(load, run)])
    print(f"notebook-protocol instance (300,000 steps), medians of {repeats}:")
    print(f"  harness.run(...)                          {ms(med(call))}")
    print(f"  library: load + run (Rust-side timing)    {ms(library)}   (load {ms(med(load)).strip()}, run {ms(med(run)).strip()})")
    print(f"  harness run: `wall time` line (1 ms res.) {ms(med(cli_wall))}")
    print(f"  harness run: the whole process            {ms(med(cli_total))}")
    print(f"  ratio harness.run / library calls         {med(call) / library:9.3f}   (target <= 1.10)")
    print(f"  ratio harness.run / run alone             {med(call) / med(run):9.3f}")
    print(f"  ratio harness.run / harness run process   {med(call) / med(cli_total):9.3f}")


def sweep(cli: Path, repeats: int) -> None:
    py, cmd = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats + 1):
            start = time.perf_counter()
            s = harness.sweep(GRID, out=Path(tmp) / f"py-{i}", progress=False)
            took = time.perf_counter() - start
            assert s.ran == 216, s
            total, _ = timed([cli, "sweep", GRID, "--out", Path(tmp) / f"cli-{i}"])
            if i > 0:  # the first pair warms up
                py.append(took)
                cmd.append(total)
    med = statistics.median
    print(f"216-run sweep (experiments/grid.toml, {os.cpu_count()} cores), medians of {repeats}:")
    print(f"  harness.sweep(...)                        {ms(med(py))}")
    print(f"  harness sweep (the whole process)         {ms(med(cmd))}")
    print(f"  ratio harness.sweep / harness sweep       {med(py) / med(cmd):9.3f}   (target <= 1.05)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=41, help="instance repeats (default 41)")
    ap.add_argument("--sweep-repeats", type=int, default=7, help="sweep repeats (default 7)")
    ap.add_argument("--harness", type=Path, default=default_cli(), help="the harness command to compare with")
    a = ap.parse_args()
    print(f"harness {harness.BUILD} (binding); command {a.harness}")
    instance(a.harness, a.repeats)
    sweep(a.harness, a.sweep_repeats)


if __name__ == "__main__":
    main()
