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
  starts from.

    python tools/fidelity/halving.py docs/study/fidelity/{ten,five,pair}-runs.csv

(or the results directories of `harness sweep experiments/study/fidelity/*.toml`). Prints two
tables (markdown). Needs numpy (the repository's Python tools' environment).
"""

import csv
import sys
from pathlib import Path

import numpy as np

DRAWS = 4000  # random subsets per comparison
STARTS = (16, 32, 48, 64)  # configurations successive halving starts from


def load(path: Path):
    """Per configuration, per seed: accuracy at each checkpoint and at full length; the rungs;
    the test phase's length in presentations. `path`: a results directory or its runs.csv."""
    with open(path / "runs.csv" if path.is_dir() else path, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("status", "ok") in ("ok", "")]
    marks = sorted(int(c[len("test_accuracy_at_"):]) for c in rows[0] if c.startswith("test_accuracy_at_"))
    full = int(rows[0]["presentations_train"])
    test = int(rows[0]["presentations_test"])
    by = {}
    for r in rows:
        acc = [float(r[f"test_accuracy_at_{m}"]) for m in marks] + [float(r["test_accuracy"])]
        by.setdefault(r["config_id"], {})[int(r["seed"])] = acc
    seeds = sorted(set.intersection(*(set(v) for v in by.values())))
    configs = sorted(by)
    acc = np.array([[by[c][s] for s in seeds] for c in configs])  # config x seed x rung
    return acc, marks + [full], test


def spearman(x, y):
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


def halving(select, rungs, test, idx):
    """Successive halving on the configurations `idx`: the pick and its compute (presentations)."""
    alive, cost, trained = list(idx), 0, 0
    for r, length in enumerate(rungs):
        cost += len(alive) * (length - trained + test)
        trained = length
        if r + 1 < len(rungs):
            order = sorted(alive, key=lambda c: -select[c, r])
            alive = order[: max(1, len(alive) // 2)]
    return max(alive, key=lambda c: select[c, -1]), cost


def main(dirs):
    rng = np.random.default_rng(22)
    rows = []
    for d in map(Path, dirs):
        acc, rungs, test = load(d)
        n, s, _ = acc.shape
        mean = acc.mean(axis=1)
        rho = [spearman(mean[:, r], mean[:, -1]) for r in range(len(rungs) - 1)]
        half = s // 2
        select, judge = acc[:, :half].mean(axis=1), acc[:, half:].mean(axis=1)[:, -1]
        name = d.name if d.is_dir() else d.stem.removesuffix("-runs")
        cells = []
        for start in STARTS:
            diffs, sh_scores, full_scores = [], [], []
            for _ in range(DRAWS):
                idx = rng.choice(n, size=min(start, n), replace=False)
                pick, cost = halving(select, rungs, test, idx)
                # As many full-length evaluations as that compute buys, of random configurations.
                k = max(1, int(cost // (rungs[-1] + test)))
                others = rng.choice(n, size=min(k, n), replace=False)
                full_pick = max(others, key=lambda c: select[c, -1])
                sh_scores.append(judge[pick])
                full_scores.append(judge[full_pick])
                diffs.append(judge[pick] - judge[full_pick])
            diffs = np.array(diffs)
            cells.append(f"{np.mean(sh_scores):.3f} / {np.mean(full_scores):.3f} ({k}): {diffs.mean():+.3f}, "
                         f"{(diffs > 0).mean():.0%} / {(diffs < 0).mean():.0%}")
        rows.append((name, n, s, rho, test, judge.max(), cells))
    print("| problem | configurations x seeds | test phase | " + " | ".join(f"rho({r}, full)" for r in rungs[:-1])
          + " | best of all |")
    print("|---|---|---|" + "---|" * (len(rungs) - 1) + "---|")
    for name, n, s, rho, test, best, _ in rows:
        print(f"| {name} | {n} x {s} | {test} | " + " | ".join(f"{r:.2f}" for r in rho) + f" | {best:.3f} |")
    print()
    print("Halving's pick / full length's pick at the same compute (configurations it evaluates): mean "
          "difference, halving better / worse, per number of configurations halving starts from:")
    print()
    print("| problem | " + " | ".join(f"from {start}" for start in STARTS) + " |")
    print("|---|" + "---|" * len(STARTS))
    for name, *_, cells in rows:
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
