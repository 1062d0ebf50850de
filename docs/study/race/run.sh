#!/usr/bin/env bash
# Study, parts 6 to 8 (docs/study.md, sections 4 and 5): iterated racing against random search on ten
# classes, a long race, and a race over the space opened where the long race's elites pressed.
# Writes the results under results/ and the summaries beside this script. Run from the repository
# root with a release build:  bash docs/study/race/run.sh [path/to/harness]
set -euo pipefail
H=${1:-target/release/harness}
OUT=docs/study/race
SEEDS="1 2 3 4 5"

# Part 6: 5 races and 5 random searches, 1,024 runs each.
for s in $SEEDS; do
    $H race experiments/study/ten_race.toml --seed "$s" --out "results/study-ten-race-$s" > "results/study-ten-race-$s.log" 2>&1
    $H sweep experiments/study/ten_random_1024.toml --seed "$s" --out "results/study-ten-random-1024-$s" > "results/study-ten-random-1024-$s.log" 2>&1
done

# Each winner (the race's best elite by its own ranking, the random search's best mean over its
# 8 replicates) is re-run on the same 64 fresh seeds: a sweep of one configuration with common
# seeds, seed 6464.
python3 - "$H" "$SEEDS" <<'PY'
import csv, subprocess, sys
H, seeds = sys.argv[1], sys.argv[2].split()
PARAMS = ["c_inp", "c_neg", "lr", "lr_n", "decay", "hold_inc", "tau_ms", "tau_i_ms", "f_max_hz", "train_presentations"]
MODEL = {"c_inp", "c_neg", "lr", "lr_n", "decay", "hold_inc", "tau_ms", "tau_i_ms"}
def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))
def winner_file(kind, seed, params):
    model = "\n".join(f"{k} = {params[k]}" for k in PARAMS if k in MODEL)
    proto = "\n".join(f"{k} = {params[k]}" for k in PARAMS if k not in MODEL)
    path = f"results/study-winner-{kind}-{seed}.toml"
    with open(path, "w") as f:
        f.write(f'name = "study-winner-{kind}-{seed}"\nseed = 6464\nreplicates = 64\ncommon_seeds = true\n\n'
                f"[model]\n{model}\n\n[protocol]\nclasses = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\nsampling = \"holdout\"\n"
                f"test_fraction = 0.25\n{proto}\n")
    return path
lines = ["method,seed,config_id," + ",".join(PARAMS) + ",selection_mean,selection_n,runs_used,validated_mean,validated_sd,validated_ci95_low,validated_ci95_high"]
for s in seeds:
    race = rows(f"results/study-ten-race-{s}/race.csv")
    best = next(r for r in race if r["elite_rank"] == "1")
    used = sum(1 for r in rows(f"results/study-ten-race-{s}/runs.csv") if r["phase"] == "race")
    rs = rows(f"results/study-ten-random-1024-{s}/summary.csv")
    top = max((r for r in rs if r["test_accuracy_mean"]), key=lambda r: float(r["test_accuracy_mean"]))
    for kind, w, sel, n, runs in [("race", best, best["race_test_accuracy_mean"], best["seeds"], used),
                                  ("random", top, top["test_accuracy_mean"], top["replicates"], 1024)]:
        path = winner_file(kind, s, w)
        subprocess.run([H, "sweep", path, "--out", f"results/study-winner-{kind}-{s}"], check=True, capture_output=True)
        v = rows(f"results/study-winner-{kind}-{s}/summary.csv")[0]
        lines.append(",".join([kind, s, w["config_id"]] + [w[k] for k in PARAMS] + [sel, n, str(runs),
            v["test_accuracy_mean"], v["test_accuracy_sd"], v["test_accuracy_ci95_low"], v["test_accuracy_ci95_high"]]))
open("docs/study/race/race-vs-random.csv", "w").write("\n".join(lines) + "\n")
PY

# Part 7: the long race.
$H race experiments/study/ten_race_long.toml --yes --out results/study-ten-race-long > results/study-ten-race-long.log 2>&1
cp results/study-ten-race-long/summary.csv "$OUT/long-race-validated-elites.csv"
gzip -9 -n -c results/study-ten-race-long/race.csv > "$OUT/long-race-candidates.csv.gz"

# Part 8: a shorter race over a space opened where the long race's elites press against its bounds,
# from its best validated elite.
$H race experiments/study/ten_race_open.toml --out results/study-ten-race-open > results/study-ten-race-open.log 2>&1
cp results/study-ten-race-open/summary.csv "$OUT/open-race-validated-elites.csv"
gzip -9 -n -c results/study-ten-race-open/race.csv > "$OUT/open-race-candidates.csv.gz"
