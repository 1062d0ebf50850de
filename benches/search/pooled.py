#!/usr/bin/env python3
"""Several runs of the search benchmark pooled: each race's mean over every search seed it has,
and its differences from the peers paired by problem and search seed, with their standard errors.

    python benches/search/pooled.py \\
        --peers docs/study/search/results.csv docs/study/search-*-fresh/results.csv \\
        --race 1024 docs/study/search-behind/results-1024.csv \\
        --race 512 docs/study/search-behind/results-512.csv

`--peers`: `results.csv` files of `search.py` runs at the peers' budget (a (problem, method, seed)
found in two files must agree). `--race LABEL FILES...` (repeatable): the races to compare, shown as
`method @ LABEL` (e.g. their budget); rows of the peers' methods in them are left out. The table is
markdown, on standard output.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import PROBLEMS  # noqa: E402

PEERS = ["irace", "optuna", "random", "race-tpe"]


def read(files) -> dict:
    """`{(problem, method): {seed: validated mean}}` over `files`."""
    out: dict = {}
    for f in files:
        with open(f, newline="") as fh:
            for r in csv.DictReader(fh):
                cell = out.setdefault((r["problem"], r["method"]), {})
                seed, v = int(r["seed"]), float(r["validated_mean"])
                if seed in cell and abs(cell[seed] - v) > 1e-9:
                    sys.exit(f"error: {f}: {r['problem']} {r['method']} seed {seed} is {v}, another file says {cell[seed]}")
                cell[seed] = v
    return out


def cell(d: list) -> str:
    """Paired differences: mean, standard error, seeds ahead."""
    if len(d) < 2:
        return "-"
    se = statistics.stdev(d) / len(d) ** 0.5
    return f"{statistics.fmean(d):+.3f} (se {se:.3f}, {sum(x > 0 for x in d)}/{len(d)})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peers", nargs="+", required=True, metavar="CSV")
    ap.add_argument("--race", nargs="+", action="append", required=True, metavar=("LABEL", "CSV"))
    a = ap.parse_args()
    peers = read(a.peers)
    names = [m for m in PEERS if any(k[1] == m for k in peers)]
    print("| problem | race | search seeds | its mean | best peer's mean on them | " + " | ".join(f"- {m}" for m in names) + " |")
    print("|" + "---|" * (5 + len(names)))
    for label, *files in a.race:
        if not files:
            sys.exit(f"error: --race {label}: no results.csv given")
    for p in PROBLEMS:
        for label, *files in a.race:
            for (problem, method), mine in sorted(read(files).items()):
                if problem != p or method in PEERS:  # a file of both: its peers are in --peers
                    continue
                seeds = sorted(mine)
                best = max(
                    (statistics.fmean(peers[(p, m)][s] for s in seeds), m)
                    for m in names
                    if m != "race-tpe" and all(s in peers.get((p, m), {}) for s in seeds)
                ) if names else None
                cells = []
                for m in names:
                    theirs = peers.get((p, m), {})
                    cells.append(cell([mine[s] - theirs[s] for s in seeds if s in theirs]))
                shown = f"{best[1]} {best[0]:.3f}" if best else "-"
                print(f"| {p} | {method} @ {label} | {len(seeds)} | {statistics.fmean(mine.values()):.3f} | {shown} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
