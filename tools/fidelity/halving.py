"""Successive halving over training length, simulated on recorded learning curves (issue 22).

Reads the runs table of a sweep with `checkpoints` (experiments/study/fidelity/*.toml: random
configurations, every one trained to its full length on the same seeds, held-out accuracy at each
checkpoint) and asks what dropping candidates on early checkpoints would have picked:

- how well an early checkpoint ranks the configurations (Spearman's rho of the configurations'
  mean accuracies at the checkpoint and at full length);
- successive halving (eta = 2, one rung per checkpoint and the full length; a survivor's run goes
  on from where it stopped, so a rung costs only the training it adds, plus one test phase)
  against plain full-length evaluation of as many configurations as the same compute buys,
  both picking on half the seeds and judged on the other half (no winner's curse in the score),
  over many random subsets of the configurations, for several numbers of configurations halving
  starts from;
- with a second table of the same sweep run with a shorter test phase (`FULL:CHEAP`, e.g. the
  `-quarter-test` files: the same configurations and training), the same halving with the early
  rungs measured on the short test phase (and paying for it), the last on the whole one.

    python tools/fidelity/halving.py docs/study/fidelity/{ten,five,pair}-runs.csv
    python tools/fidelity/halving.py docs/study/fidelity/ten-runs.csv:docs/study/fidelity/ten-quarter-test-runs.csv
    python tools/fidelity/halving.py --swap ...   # pick on the last half of the seeds, score on the first
    python tools/fidelity/halving.py --rerun ...  # survivors run again from nothing at each rung

(or the results directories of `harness sweep experiments/study/fidelity/*.toml`). Prints markdown
tables. Needs numpy (the repository's Python tools' environment).
"""

import csv
import sys
from pathlib import Path

import numpy as np

DRAWS = 4000  # random subsets per comparison
STARTS = (16, 32, 48, 64)  # configurations successive halving starts from
# Columns of a run that are not its configuration (or that a shorter test phase changes).
NOT_CONFIG = {"run_id", "config_id", "replicate", "seed", "test_presentations"}


def load(path: Path):
    """Per configuration (its parameters) and seed: accuracy at each checkpoint and at full
    length; the rungs; the test phase's length. `path`: a results directory or its runs.csv."""
    with open(path / "runs.csv" if path.is_dir() else path, newline="") as fh:
        reader = csv.DictReader(fh)
        columns = reader.fieldnames
        rows = [r for r in reader if r.get("status", "ok") in ("ok", "")]
    config = [c for c in columns[: columns.index("status")] if c not in NOT_CONFIG]
    marks = sorted(int(c[len("test_accuracy_at_"):]) for c in columns if c.startswith("test_accuracy_at_"))
    by = {}
    for r in rows:
        acc = [float(r[f"test_accuracy_at_{m}"]) for m in marks] + [float(r["test_accuracy"])]
        by.setdefault(tuple(r[c] for c in config), {})[int(r["seed"])] = acc
    rungs = marks + [int(rows[0]["presentations_train"])]
    return by, rungs, int(rows[0]["presentations_test"])


def aligned(by, keys, seeds):
    return np.array([[by[k][s] for s in seeds] for k in keys])  # config x seed x rung


def spearman(x, y):
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


def halving(early, final, rungs, tests, idx, rerun):
    """Successive halving on the configurations `idx`, ranked at the early rungs by `early` and at
    the last by `final` (mean accuracies, config x rung), each rung's test phase `tests[r]`
    presentations long, a survivor's run going on (or, `rerun`, starting again from nothing): the
    pick and its compute (presentations)."""
    alive, cost, trained = list(idx), 0, 0
    for r, length in enumerate(rungs):
        cost += len(alive) * (length - (0 if rerun else trained) + tests[r])
        trained = length
        if r + 1 < len(rungs):
            order = sorted(alive, key=lambda c: -early[c, r])
            alive = order[: max(1, len(alive) // 2)]
    return max(alive, key=lambda c: final[c, -1]), cost


def compare(rng, early, final, judge, rungs, tests, n, rerun, plain=None, plain_cost=None):
    """Per starting size: halving's and full length's mean judged accuracy, the configurations
    full length evaluates, the differences. Full length picks by `plain` (default `final`) at
    `plain_cost` presentations a configuration (default a full run with the last rung's test)."""
    plain = final if plain is None else plain
    plain_cost = rungs[-1] + tests[-1] if plain_cost is None else plain_cost
    cells = []
    for start in STARTS:
        diffs, sh_scores, full_scores = [], [], []
        for _ in range(DRAWS):
            idx = rng.choice(n, size=min(start, n), replace=False)
            pick, cost = halving(early, final, rungs, tests, idx, rerun)
            # As many full-length evaluations as that compute buys, of random configurations.
            k = max(1, int(cost // plain_cost))
            others = rng.choice(n, size=min(k, n), replace=False)
            full_pick = max(others, key=lambda c: plain[c, -1])
            sh_scores.append(judge[pick])
            full_scores.append(judge[full_pick])
            diffs.append(judge[pick] - judge[full_pick])
        diffs = np.array(diffs)
        cells.append(f"{np.mean(sh_scores):.3f} / {np.mean(full_scores):.3f} ({k}): {diffs.mean():+.3f}, "
                     f"{(diffs > 0).mean():.0%} / {(diffs < 0).mean():.0%}")
    return cells


def by_start(named_cells):
    """A table of one row of cells per problem, a column per number of starting configurations."""
    print("| problem | " + " | ".join(f"from {start}" for start in STARTS) + " |")
    print("|---|" + "---|" * len(STARTS))
    for name, cells in named_cells:
        print(f"| {name} | " + " | ".join(cells) + " |")


def main(args):
    # --swap: pick on the last half of the seeds, score on the first (the other split); --rerun:
    # a survivor's run starts again from nothing at each rung instead of going on.
    swap, rerun = "--swap" in args, "--rerun" in args
    args = [a for a in args if a not in ("--swap", "--rerun")]
    rows, cheap_rows = [], []
    for i, arg in enumerate(args):
        full_path, _, cheap_path = arg.partition(":")
        by, rungs, test = load(Path(full_path))
        cheap = load(Path(cheap_path)) if cheap_path else None
        keys = sorted(by)
        seeds = sorted(set.intersection(*(set(v) for v in by.values())))
        acc = aligned(by, keys, seeds)
        n, s, _ = acc.shape
        mean = acc.mean(axis=1)
        rho = [spearman(mean[:, r], mean[:, -1]) for r in range(len(rungs) - 1)]
        half = s // 2
        pick_on, score_on = (slice(half, None), slice(None, half)) if swap else (slice(None, half), slice(half, None))
        select, judge = acc[:, pick_on].mean(axis=1), acc[:, score_on].mean(axis=1)[:, -1]
        p = Path(full_path)
        name = p.name if p.is_dir() else p.stem.removesuffix("-runs")
        tests = [test] * len(rungs)
        rows.append((name, n, s, rho, test, judge.max(), compare(np.random.default_rng([22, i, 0]), select, select, judge, rungs, tests, n, rerun)))
        if cheap is not None:
            cby, crungs, ctest = cheap
            if crungs != rungs or sorted(cby) != keys:
                sys.exit(f"{cheap_path}: not the configurations and checkpoints of {full_path}")
            cacc = aligned(cby, keys, seeds)
            cmean = cacc.mean(axis=1)
            crho = [spearman(cmean[:, r], mean[:, -1]) for r in range(len(rungs) - 1)]
            early = cacc[:, pick_on].mean(axis=1)
            ctests = [ctest] * (len(rungs) - 1) + [test]
            cells = compare(np.random.default_rng([22, i, 1]), early, select, judge, rungs, ctests, n, rerun)
            # Against full-length runs that also read the short test phase (and pick on it).
            plain_cells = compare(np.random.default_rng([22, i, 2]), early, select, judge, rungs, ctests, n, rerun,
                                  plain=early, plain_cost=rungs[-1] + ctest)
            cheap_rows.append((name, ctest, test, crho, cells, plain_cells))
    print("| problem | configurations x seeds | test phase | " + " | ".join(f"rho({r}, full)" for r in rungs[:-1])
          + " | best of all |")
    print("|---|---|---|" + "---|" * (len(rungs) - 1) + "---|")
    for name, n, s, rho, test, best, _ in rows:
        print(f"| {name} | {n} x {s} | {test} | " + " | ".join(f"{r:.2f}" for r in rho) + f" | {best:.3f} |")
    print()
    print("Halving's pick / full length's pick at the same compute (configurations it evaluates): mean "
          "difference, halving better / worse, per number of configurations halving starts from:")
    print()
    by_start((name, cells) for name, *_, cells in rows)
    if cheap_rows:
        print()
        print("The same with the early rungs measured on a shorter test phase (rho of its accuracy at each "
              "checkpoint against the whole test phase's at full length):")
        print()
        print("| problem | early rungs' test phase | " + " | ".join(f"rho({r}, full)" for r in rungs[:-1]) + " | "
              + " | ".join(f"from {start}" for start in STARTS) + " |")
        print("|---|---|" + "---|" * (len(rungs) - 1 + len(STARTS)))
        for name, ctest, test, crho, cells, _ in cheap_rows:
            print(f"| {name} | {ctest} of {test} | " + " | ".join(f"{r:.2f}" for r in crho) + " | "
                  + " | ".join(cells) + " |")
        print()
        print("The same halving against full-length runs that read the short test phase too (and pick on it), "
              "as many as the same compute buys:")
        print()
        by_start((name, plain_cells) for name, *_, plain_cells in cheap_rows)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
