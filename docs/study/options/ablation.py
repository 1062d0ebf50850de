#!/usr/bin/env python3
"""The ablations of docs/study.md, sections 7 and 8: every configuration of the ablation sweeps
(experiments/study/ablation/*.toml, the same 64 common seeds) against the race's winner, paired
by seed: mean test accuracy, and the mean paired difference with its 95% interval (Student's t
over the 64 per-seed differences). Writes a CSV beside this file and prints the table as markdown.

    # section 7: the options race's winner d377c3c4, ablation.csv
    python3 docs/study/options/ablation.py results/study-ablation-options \
        results/study-ablation-norm results/study-ablation-outputs
    # section 8: the assigned-labels race's winner 2e258b56, ablation-labels.csv
    python3 docs/study/options/ablation.py --winner 2e258b56 --csv ablation-labels.csv \
        results/study-ablation-labels results/study-ablation-labels_nonorm
"""
import csv
import math
import os
import sys

WINNER = "d377c3c4"
# t quantile (0.975) for 63 degrees of freedom
T63 = 1.998


def runs(directory):
    with open(os.path.join(directory, "runs.csv")) as f:
        return list(csv.DictReader(f))


# The parameter columns of runs.csv that a variant may change (section 8's ablation names them).
PARAMETERS = ("teacher", "labels", "weight_sum", "on_off", "soft_bounds", "neurons_per_class")


def differences(row, winner):
    """A variant of a winner other than d377c3c4, named by the parameters it changes."""
    parts = [f"{k} = {row[k] or 'none'}" for k in PARAMETERS if k in row and row[k] != winner[k]]
    return ", ".join(parts) or "the winner"


def label(row):
    parts = []
    if row["on_off"] != "true":
        parts.append("on/off coding off")
    if row["soft_bounds"] == "true":
        parts.append("soft bounds on")
    if row["weight_sum"]:
        parts.append(f"weight_sum = {float(row['weight_sum']):g}")
    if row["neurons_per_class"] != "10":
        parts.append(f"{row['neurons_per_class']} outputs per class")
    return ", ".join(parts) or "the winner (on/off, hard bounds, no normalisation, 10 per class)"


def main():
    args = sys.argv[1:]
    winner_id, csv_name = WINNER, "ablation.csv"
    while args and args[0].startswith("--"):
        flag, value, args = args[0], args[1], args[2:]
        if flag == "--winner":
            winner_id = value
        elif flag == "--csv":
            csv_name = value
        else:
            raise SystemExit(f"unknown flag {flag}: --winner ID, --csv NAME")
    rows = [r for d in args for r in runs(d)]
    by_config = {}
    for r in rows:
        by_config.setdefault(r["config_id"], []).append(r)
    winner = [c for c in by_config if c.startswith(winner_id)]
    assert len(winner) == 1, f"the winner {winner_id} must be among the configurations: {list(by_config)}"
    winner_row = by_config[winner[0]][0]
    name = label if winner_id == WINNER else (lambda row: differences(row, winner_row))
    base = {r["seed"]: float(r["test_accuracy"]) for r in by_config[winner[0]]}
    out = []
    for config, rs in by_config.items():
        acc = {r["seed"]: float(r["test_accuracy"]) for r in rs}
        assert set(acc) == set(base), f"{config}: not the winner's seeds"
        d = [acc[s] - base[s] for s in base]
        n = len(d)
        mean_d = sum(d) / n
        sd = math.sqrt(sum((x - mean_d) ** 2 for x in d) / (n - 1)) if n > 1 else 0.0
        half = T63 * sd / math.sqrt(n)
        worse = sum(x < 0 for x in d)
        out.append(dict(config_id=config, variant=name(rs[0]), n=n,
                        mean=sum(acc.values()) / n, diff=mean_d, diff_low=mean_d - half,
                        diff_high=mean_d + half, seeds_worse=worse))
    out.sort(key=lambda o: -o["mean"])
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), csv_name)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    print("| variant | mean test accuracy (64 seeds) | paired difference [95% CI] | seeds worse |")
    print("|---|---|---|---|")
    for o in out:
        print(f"| {o['variant']} | {o['mean']:.4f} | {o['diff']:+.4f} [{o['diff_low']:+.4f}, "
              f"{o['diff_high']:+.4f}] | {o['seeds_worse']}/{o['n']} |")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
