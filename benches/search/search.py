#!/usr/bin/env python3
"""The search benchmark: `harness race` against the tools a researcher would pick instead, at the
same run budget, every winner validated on the same fresh seeds.

    python benches/search/search.py                 # the full benchmark (about an hour on 2 cores)
    python benches/search/search.py --small         # the small version .ci/run runs (a minute)
    python benches/search/search.py --methods race-tpe --budget 512 --seeds 1,2,3,4,5,6,7,8,9,10 \
        --out results/search-512 --against docs/study/search   # the race at half the peers' budget

Methods (each spends `--budget` runs of `harness run` semantics on one problem, then names one
winning configuration):

- `race`: `harness race` (`harness.race` from Python), its defaults, `validation_replicates = 1`
  (the winner is the race's first elite, chosen on the race's own seeds; those few validation
  runs are not used for anything).
- `race-mean`: the same race with `pick = "mean"`: the winner is the final elite with the best
  mean over the seeds the race gave it (the same race, bit for bit: only the pick differs).
- `race-tpe`: `sampler = "tpe"` (each new candidate the best of 16 draws of irace's model by the
  density ratio of the good and the other candidates evaluated so far) and `pick = "mean"`.
- `race-behind`: `race-tpe` with `[race] behind = 0.1` (the race's defaults since session 18): from
  its first seed on, a candidate more than 0.1 of accuracy behind the best on the same seeds is
  dropped without waiting for the first test. The methods above set `behind = 0`, as they were
  measured before it existed.
- `race-screen-behind`: `race-screen` (below) with `behind = 0.1` (not in the default list).
- `race-screen`: `race-tpe` with `[race] screen = [[0.25, 0.25], [0.5, 0.25]]`: each iteration
  draws four times the new candidates it races and halves them twice on cheap runs (a quarter of
  their training and of the test images, then half the training), two common seeds a rung; a
  screening run counts as the larger of its two fractions of a run (not in the default list).
- `race-fid`: fidelity in two stages, both `race-tpe`: half the budget's runs over the space with
  training lengths a quarter as long, the other half at full length from the first stage's
  winner (not in the default list: a search benchmark's `--methods race-fid`).
- `halving`: successive halving with cheap early rungs over random configurations (a quarter of
  the training and of the test images, half the training, then full length on the whole test
  phase; two common seeds a rung; survivors run again), as many as the budget's presentations buy;
  the runs it reports are full runs' worth of presentations (not in the default list either).
- `random`: `harness sweep` with `[random]` draws, 8 replicates each on common seeds,
  `budget / 8` draws; the winner has the best mean.
- `optuna`: Optuna's TPE sampler with its WilcoxonPruner, the recipe of Optuna's documentation:
  seeds as instances, up to 16 per trial in a shuffled order, each reported as an intermediate
  value, a pruned trial returning the mean so far; `harness.run` evaluates; the winner is the
  study's best trial. Runs are counted and the study stops at the budget.
- `irace`: irace (Debian's `r-cran-irace`), its defaults, `maxExperiments = budget`, seeds as
  instances; its target runner is `harness run` on a configuration file written per call; the
  winner is its first elite.

Every winner is then run on the same `--validation` fresh seeds (a sweep of the winner alone,
`common_seeds = true`, sweep seed 777777: the same seeds for all winners, used by no search), and
the validated means are compared per problem, paired by search seed.

The peers are installed when missing: optuna and scipy by pip into this interpreter, irace by
apt-get (as root; otherwise the irace rows are skipped with a note). Results go to `--out`
(default `results/search`): `results.csv` (one row per problem, method and search seed),
`table.md` and `search.svg`. A finished (problem, method, seed) is not redone when the script is
run again with the same settings (its row is kept in `rows/`).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The ten-parameter space of experiments/study/ten_race.toml, with 200-1,000 training
# presentations: (kind, low, high, section).
SPACE = {
    "c_inp": ("log", 0.05, 0.8, "model"),
    "c_neg": ("log", 0.2, 8.0, "model"),
    "lr": ("log", 0.005, 0.2, "model"),
    "lr_n": ("log", 0.001, 0.1, "model"),
    "decay": ("log", 0.0001, 0.01, "model"),
    "hold_inc": ("log", 0.1, 3.0, "model"),
    "tau_ms": ("uniform", 5.0, 30.0, "model"),
    "tau_i_ms": ("uniform", 5.0, 30.0, "model"),
    "f_max_hz": ("uniform", 100.0, 400.0, "protocol"),
    "train_presentations": ("int", 200, 1000, "protocol"),
}
# The small version: the same space with short runs.
SMALL_PRESENTATIONS = (20, 60)

PROBLEMS = {
    "ten": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],  # ten classes
    "five": [3, 5, 7, 8, 9],  # five digits that are often confused
    "pair": [8, 9],  # a hard pair
}
METHODS = ["race", "race-mean", "race-tpe", "race-behind", "race-screen", "race-screen-behind", "race-fid", "halving", "random", "optuna", "irace"]
FIDELITY = 4  # race-fid: the first stage's training lengths are this many times shorter
VALIDATION_SEED = 777777
INSTANCES = 16  # Optuna: seeds per trial at most (the docs' recipe)


def space(small: bool) -> dict:
    s = dict(SPACE)
    if small:
        s["train_presentations"] = ("int", *SMALL_PRESENTATIONS, "protocol")
    return s


def base(problem: str, name: str) -> dict:
    return {
        "name": name,
        "protocol": {"classes": PROBLEMS[problem], "sampling": "holdout", "test_fraction": 0.25},
    }


def value(k: str, v):
    """A parameter's value as its experiment file takes it."""
    return int(v) if SPACE[k][0] == "int" else float(v)


def config(problem: str, params: dict, name: str) -> dict:
    """A run's experiment: the problem with `params` set in their sections."""
    exp = base(problem, name)
    for k, v in params.items():
        exp.setdefault(SPACE[k][3], {})[k] = value(k, v)
    return exp


def random_axes(sp: dict) -> dict:
    form = {"log": "log_uniform", "uniform": "uniform", "int": "int"}
    return {k: {form[kind]: [lo, hi]} for k, (kind, lo, hi, _) in sp.items()}


def params_of(row: dict, sp: dict) -> dict:
    return {k: row[k] for k in sp}


# -- the methods -------------------------------------------------------------------------------


def by_race(harness, problem, seed, budget, sp, work: Path, threads, pick="rank", sampler="irace", start=None, name="race",
            screen=None, behind=0.0):
    """`harness race` over `sp`; `start`: parameters of an initial candidate (its `[grid]`);
    `screen`: its `[race] screen` rungs; `behind`: its `[race] behind` (0, as the methods were
    measured before it existed, unless a method says otherwise). The runs it used are counted as the race counts them (a
    screening run at rung r as the larger of its two fractions)."""
    exp = base(problem, f"search-{name}-{problem}")
    exp["random"] = random_axes(sp)
    if start is not None:
        exp["grid"] = {k: [value(k, v)] for k, v in start.items()}
    exp["race"] = {"budget": budget, "validation_replicates": 1, "pick": pick, "sampler": sampler}
    if screen is not None:
        exp["race"]["screen"] = [list(r) for r in screen]
    exp["race"]["behind"] = behind
    res = harness.race(exp, out=work, threads=threads, progress=False, seed=seed)
    race = res.race.to_dicts()
    best = next(r for r in race if r["elite_rank"] == 1)
    used = res.runs.filter(res.runs["phase"] == "race").height
    if screen is not None:
        # A screening run's id is `<config>-r<rung>-<seed index>`.
        ids = res.runs.filter(res.runs["phase"] == "screening")["run_id"].to_list()
        screened = sum(max(screen[int(i.split("-")[1][1:]) - 1]) for i in ids)
        print(f"  {name}: {len(ids)} screening runs, {screened:.0f} runs' worth; {used} racing runs", flush=True)
        used += math.ceil(screened - 1e-9)
    return params_of(best, sp), used


def by_race_mean(harness, problem, seed, budget, sp, work: Path, threads):
    return by_race(harness, problem, seed, budget, sp, work, threads, pick="mean")


def by_race_tpe(harness, problem, seed, budget, sp, work: Path, threads):
    return by_race(harness, problem, seed, budget, sp, work, threads, pick="mean", sampler="tpe")


# race-screen: the rungs of `[race] screen` (fractions of training and test presentations).
SCREEN_RUNGS = ((0.25, 0.25), (0.5, 0.25))


def by_race_screen(harness, problem, seed, budget, sp, work: Path, threads):
    return by_race(harness, problem, seed, budget, sp, work, threads, pick="mean", sampler="tpe", name="race-screen",
                   screen=SCREEN_RUNGS)


# race-behind: `[race] behind`, the accuracy behind the best at which a candidate is dropped at once
# (harness race's default).
BEHIND = 0.1


def by_race_behind(harness, problem, seed, budget, sp, work: Path, threads):
    return by_race(harness, problem, seed, budget, sp, work, threads, pick="mean", sampler="tpe", name="race-behind",
                   behind=BEHIND)


def by_race_screen_behind(harness, problem, seed, budget, sp, work: Path, threads):
    return by_race(harness, problem, seed, budget, sp, work, threads, pick="mean", sampler="tpe",
                   name="race-screen-behind", screen=SCREEN_RUNGS, behind=BEHIND)


def by_race_fid(harness, problem, seed, budget, sp, work: Path, threads):
    """Fidelity in two stages: half the runs race the space with a quarter of its training lengths
    (`race-tpe`), the other half race at full length from the first stage's winner (its length
    times four) as the initial candidate. Half the runs are short, so the search costs less than
    `budget` full runs (the test phase, the same in every run, keeps a short run above a quarter of
    a full one)."""
    short = dict(sp)
    kind, lo, hi, section = sp["train_presentations"]
    short["train_presentations"] = (kind, max(1, lo // FIDELITY), max(1, hi // FIDELITY), section)
    first, used_a = by_race(harness, problem, seed, budget // 2, short, work / "short", threads, pick="mean", sampler="tpe")
    first["train_presentations"] = min(hi, max(lo, first["train_presentations"] * FIDELITY))
    best, used_b = by_race(harness, problem, seed, budget - used_a, sp, work / "full", threads, pick="mean", sampler="tpe",
                           start=first, name="race-fid")
    return best, used_a + used_b


# halving: (training divided by, test images divided by) at each rung, and the seeds of a rung.
HALVING_RUNGS = ((4, 4), (2, 4), (1, 1))
HALVING_SEEDS = 2


def by_halving(harness, problem, seed, budget, sp, work: Path, threads):
    """Successive halving with cheap early rungs, the simulation of docs/study.md section 6 as a
    search (not a race): random configurations of the space; at each rung every one alive runs on
    the same HALVING_SEEDS seeds with its training length and the test images divided as
    HALVING_RUNGS says, and the better half by mean accuracy goes on; the last rung is full length
    on the whole test phase, its best the pick. A survivor runs again from nothing at each rung
    (`harness.run` cannot hand a network over). As many starting configurations as 97% of `budget`
    full-length runs' presentations buy (at the space's mean training length); the runs it reports
    are the presentations it showed over a full run's (the run checks they stay within the budget)."""
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng([seed, 7])
    seeds = [int(x) for x in rng.integers(1, 2**62, size=HALVING_SEEDS)]
    probe = base(problem, f"search-halving-{problem}")
    probe["protocol"]["train_presentations"] = 1
    test = harness.run(probe, seed=1).steps // 1000 - 1  # the held-out images (100 ms a presentation)
    _, t_lo, t_hi, _ = sp["train_presentations"]
    mean_train = (t_lo + t_hi) / 2
    full = mean_train + test  # a full run's presentations, on average over the space

    def draw():
        params = {}
        for k, (kind, lo, hi, _) in sp.items():
            if kind == "int":
                params[k] = int(rng.integers(lo, hi + 1))
            elif kind == "log":
                params[k] = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            else:
                params[k] = float(rng.uniform(lo, hi))
        return params

    def cost_of(train_div, test_div):
        return HALVING_SEEDS * (mean_train / train_div + test // test_div)

    per_start = sum(cost_of(*r) / 2**i for i, r in enumerate(HALVING_RUNGS))
    # 3% short of the budget: the training lengths drawn vary about the space's mean.
    starts = max(2 ** len(HALVING_RUNGS), int(0.97 * budget * full // per_start))
    alive = [draw() for _ in range(starts)]
    shown = 0

    def evaluate(params, train_div, test_div, s):
        exp = config(problem, params, f"search-halving-{problem}")
        exp["protocol"]["train_presentations"] = max(1, params["train_presentations"] // train_div)
        if test_div > 1:
            exp["protocol"]["test_presentations"] = max(1, test // test_div)
        r = harness.run(exp, seed=s)
        return r.test_accuracy, r.steps // 1000

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i, (train_div, test_div) in enumerate(HALVING_RUNGS):
            jobs = [(c, s) for c in range(len(alive)) for s in seeds]
            results = list(pool.map(lambda j: evaluate(alive[j[0]], train_div, test_div, j[1]), jobs))
            shown += sum(n for _, n in results)
            means = [np.mean([results[c * len(seeds) + k][0] for k in range(len(seeds))]) for c in range(len(alive))]
            order = sorted(range(len(alive)), key=lambda c: -means[c])
            if i + 1 < len(HALVING_RUNGS):
                alive = [alive[c] for c in order[: max(1, len(alive) // 2)]]
            else:
                best = alive[order[0]]
    used = shown / full
    print(f"  halving: {len(jobs) // HALVING_SEEDS} at full length of {starts} started, {used:.0f} full runs' presentations",
          flush=True)
    return best, int(round(used))


def fidelity_cost(out: Path, problems, seeds) -> str:
    """What race-fid's searches cost: presentations shown (training and test, race runs of both
    stages) over those of as many runs at its full stage's mean length, per problem."""
    lines = ["race-fid's compute against as many full-length runs (presentations, training and test, of the "
             "race runs of both stages, over the same number of runs at the full stage's mean length):", ""]
    for p in problems:
        ratios = []
        for seed in seeds:
            stages = [out / "work" / f"{p}-race-fid-{seed}" / st / "runs.csv" for st in ("short", "full")]
            if not all(f.is_file() for f in stages):
                continue
            shown = []
            for f in stages:
                with open(f, newline="") as fh:
                    shown.append([int(r["presentations_train"]) + int(r["presentations_test"])
                                  for r in csv.DictReader(fh) if r["phase"] == "race"])
            ratios.append(sum(map(sum, shown)) / (sum(map(len, shown)) * statistics.fmean(shown[1])))
        if ratios:
            lines.append(f"- {p}: {statistics.fmean(ratios):.2f} (searches {len(ratios)}, {min(ratios):.2f} to {max(ratios):.2f})")
    return "\n".join(lines) + "\n"


def by_random(harness, problem, seed, budget, sp, work: Path, threads):
    exp = base(problem, f"search-random-{problem}")
    exp["random"] = random_axes(sp)
    exp["random"]["trials"] = max(1, budget // 8)
    exp["replicates"] = 8
    exp["common_seeds"] = True
    res = harness.sweep(exp, out=work, threads=threads, progress=False, seed=seed)
    rows = [r for r in res.summary.to_dicts() if r["test_accuracy_mean"] is not None]
    best = max(rows, key=lambda r: r["test_accuracy_mean"])
    return params_of(best, sp), res.runs.height


def by_optuna(harness, problem, seed, budget, sp, work: Path, threads):
    import numpy as np
    import optuna

    import warnings

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # The pruner is marked experimental, and it says so again when a trial has seeds the best
    # trial lacks (its documented behaviour: those are ignored).
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message="WilcoxonPruner finds steps")
    rng = np.random.default_rng(seed)
    instances = [int(x) for x in rng.integers(1, 2**62, size=INSTANCES)]
    used = [0]
    lock = threading.Lock()
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.WilcoxonPruner(p_threshold=0.1),
    )

    def objective(trial):
        params = {}
        for k, (kind, lo, hi, _) in sp.items():
            if kind == "int":
                params[k] = trial.suggest_int(k, lo, hi)
            else:
                params[k] = trial.suggest_float(k, lo, hi, log=kind == "log")
        exp = config(problem, params, f"search-optuna-{problem}")
        order = np.random.default_rng([seed, trial.number]).permutation(INSTANCES)
        results = []
        for i in order:
            with lock:
                if used[0] >= budget:
                    break
                used[0] += 1
            results.append(harness.run(exp, seed=instances[i]).test_accuracy)
            trial.report(results[-1], int(i))
            if trial.should_prune():
                # The docs' recipe: return the mean so far rather than raise TrialPruned, so that
                # Optuna knows the pruned trial's results.
                return sum(results) / len(results)
        if not results:
            raise optuna.TrialPruned()
        return sum(results) / len(results)

    def stop_at_budget(study, trial):
        if used[0] >= budget:
            study.stop()

    study.optimize(objective, n_jobs=threads, callbacks=[stop_at_budget])
    best = study.best_trial.params
    return {k: best[k] for k in sp}, used[0]


TARGET_RUNNER = """#!/bin/sh
# irace target runner: $1 configuration id, $2 instance id, $3 irace's seed, $4 the instance (a
# harness seed), then --name=value for each parameter. Prints the cost: minus the test accuracy.
exec "{python}" "{script}" --target-runner "{harness}" "{problem}" "$@"
"""


def by_irace(harness, problem, seed, budget, sp, work: Path, threads):
    work.mkdir(parents=True, exist_ok=True)
    lines = []
    for k, (kind, lo, hi, _) in sp.items():
        form = {"log": "r,log", "uniform": "r", "int": "i"}[kind]
        lines.append(f'{k} "--{k}=" {form} ({lo}, {hi})')
    (work / "parameters.txt").write_text("\n".join(lines) + "\n")
    runner = work / "target-runner"
    runner.write_text(
        TARGET_RUNNER.format(python=sys.executable, script=Path(__file__).resolve(), harness=harness_bin(), problem=problem)
    )
    runner.chmod(0o755)
    import random

    rng = random.Random(seed)
    instances = [str(rng.randrange(1, 2**62)) for _ in range(1000)]
    (work / "instances.txt").write_text("\n".join(instances) + "\n")
    script = f"""
suppressMessages(library(irace))
scenario <- list(targetRunner = "{runner}", parameterFile = "{work / 'parameters.txt'}",
                 trainInstancesDir = "", trainInstancesFile = "{work / 'instances.txt'}", maxExperiments = {budget},
                 seed = {seed}, parallel = {threads}, execDir = "{work}", logFile = "{work / 'irace.Rdata'}",
                 deterministic = FALSE)
scenario <- checkScenario(defaultScenario(scenario))
parameters <- readParameters(file = scenario$parameterFile, digits = scenario$digits)
elites <- irace(scenario = scenario, parameters = parameters)
load("{work / 'irace.Rdata'}")
used <- iraceResults$state$experimentsUsedSoFar
best <- elites[1, ]
out <- list(used = used)
for (p in names(best)) if (!startsWith(p, ".")) out[[p]] <- best[[p]]
cat(paste(names(out), unlist(out), sep = "=", collapse = "\\n"), "\\n", file = "{work / 'best.txt'}")
"""
    (work / "run.R").write_text(script)
    r = subprocess.run(["Rscript", str(work / "run.R")], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"irace failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    kv = dict(line.strip().split("=", 1) for line in (work / "best.txt").read_text().splitlines() if "=" in line)
    used = int(float(kv.pop("used")))
    return {k: float(kv[k]) for k in sp}, used


def target_runner(argv):
    """The target runner irace calls (see TARGET_RUNNER): one `harness run`, its cost printed."""
    harness_path, problem, _cid, _iid, _seed, instance, *switches = argv
    instance = Path(instance).name  # the seed (irace may prefix a directory)
    params = {}
    for s in switches:
        if s.startswith("--") and "=" in s:
            k, v = s[2:].split("=", 1)
            if k in SPACE:
                params[k] = float(v)
    exp = config(problem, params, f"search-irace-{problem}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.toml"
        path.write_text(to_toml(exp))
        out = subprocess.run([harness_path, "run", str(path), "--seed", instance], capture_output=True, text=True)
    if out.returncode != 0:
        print(f"harness run failed: {out.stderr}", file=sys.stderr)
        return 1
    acc = next(float(line.split()[2]) for line in out.stdout.splitlines() if line.startswith("test accuracy"))
    print(-acc)
    return 0


def to_toml(exp: dict) -> str:
    out = [f'name = "{exp["name"]}"']
    for section in ("model", "protocol"):
        if section in exp:
            out.append(f"[{section}]")
            for k, v in exp[section].items():
                out.append(f"{k} = {json.dumps(v)}" if not isinstance(v, str) else f'{k} = "{v}"')
    return "\n".join(out) + "\n"


def harness_bin() -> str:
    return os.environ.get("HARNESS_BIN") or str(REPO / "target" / "release" / "harness")


# -- validation, tables, figure ---------------------------------------------------------------


def validate(harness, problem, params, replicates, work: Path, threads) -> tuple:
    exp = config(problem, params, f"search-validate-{problem}")
    exp["replicates"] = replicates
    exp["common_seeds"] = True
    res = harness.sweep(exp, out=work, threads=threads, progress=False, seed=VALIDATION_SEED)
    accs = res.runs["test_accuracy"].to_list()
    return statistics.fmean(accs), accs


def ensure_peers(methods):
    """Install what the chosen methods need and is missing; the methods that cannot run."""
    missing = []
    if "optuna" in methods:
        try:
            import optuna  # noqa: F401
            import scipy  # noqa: F401
        except ImportError:
            print("installing optuna and scipy with pip", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "optuna", "scipy"], check=True)
    if "irace" in methods:
        ok = subprocess.run(["Rscript", "-e", "library(irace)"], capture_output=True).returncode == 0 if shutil.which("Rscript") else False
        if not ok and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
            print("installing r-cran-irace with apt-get", file=sys.stderr)
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "r-cran-irace"], env=env, capture_output=True)
            ok = subprocess.run(["Rscript", "-e", "library(irace)"], capture_output=True).returncode == 0
        if not ok:
            print("note: irace is not installed (Debian's r-cran-irace, as root): its rows are skipped", file=sys.stderr)
            missing.append("irace")
    return missing


def figure(rows, problems, methods, path: Path):
    """A dot plot per problem: each method's validated means over search seeds, with their mean."""
    pw = max(240, 56 * len(methods))
    w, h, left, top = (pw + 20) * len(problems) + 80, 380, 60, 40
    colours = ["#1f77b4", "#aec7e8", "#17becf", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
    vals = [r["validated_mean"] for r in rows]
    lo, hi = (min(vals) - 0.01, max(vals) + 0.01) if vals else (0, 1)
    y = lambda v: top + (hi - v) / (hi - lo) * (h - top - 60)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w/2}" y="20" text-anchor="middle" font-size="15">validated test accuracy of each search\'s winner (dots: search seeds; bar: mean)</text>']
    for t in range(6):
        v = lo + (hi - lo) * t / 5
        out.append(f'<text x="{left-6}" y="{y(v)+4:.1f}" text-anchor="end">{v:.3f}</text>')
        out.append(f'<line x1="{left}" x2="{w-10}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
    for pi, p in enumerate(problems):
        x0 = left + 20 + pi * (pw + 20)
        out.append(f'<text x="{x0 + pw/2}" y="{h-12}" text-anchor="middle" font-size="14">{p}</text>')
        for mi, m in enumerate(methods):
            xs = x0 + (mi + 0.5) * pw / len(methods)
            pts = [r["validated_mean"] for r in rows if r["problem"] == p and r["method"] == m]
            out.append(f'<text x="{xs:.1f}" y="{h-32 - 12 * (mi % 2)}" text-anchor="middle" fill="{colours[mi]}">{m}</text>')
            for k, v in enumerate(pts):
                dx = (k - (len(pts) - 1) / 2) * 4
                out.append(f'<circle cx="{xs+dx:.1f}" cy="{y(v):.1f}" r="3.5" fill="{colours[mi]}" fill-opacity="0.7"/>')
            if pts:
                mv = statistics.fmean(pts)
                out.append(f'<line x1="{xs-18:.1f}" x2="{xs+18:.1f}" y1="{y(mv):.1f}" y2="{y(mv):.1f}" stroke="black" stroke-width="2"/>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def paired(d: list) -> str:
    """Per-seed differences as the tables show them: their mean, and on how many seeds the first
    method was ahead."""
    return f"{statistics.fmean(d):+.3f} ({sum(x > 0 for x in d)}/{len(d)})" if d else "-"


def table(rows, problems, methods, budget, seeds, validation) -> str:
    out = [f"Budget {budget} runs per search, search seeds {seeds}, each winner validated on the same "
           f"{validation} fresh seeds. Mean (sd) of the validated means over search seeds; "
           "`race - X`: the mean of the per-seed differences, paired by search seed, and how many seeds the race was ahead.", ""]
    races = [m for m in methods if m.startswith("race")]
    pairs = [(r, m) for r in races for m in methods if not m.startswith("race")]
    out.append("| problem | " + " | ".join(methods + [f"{r} - {m}" for r, m in pairs]) + " |")
    out.append("|" + "---|" * (1 + len(methods) + len(pairs)))
    for p in problems:
        cells = []
        per = {m: {r["seed"]: r["validated_mean"] for r in rows if r["problem"] == p and r["method"] == m} for m in methods}
        for m in methods:
            v = list(per[m].values())
            cells.append(f"{statistics.fmean(v):.3f} ({statistics.stdev(v):.3f})" if len(v) > 1 else (f"{v[0]:.3f}" if v else "-"))
        for r, m in pairs:
            common = sorted(set(per[r]) & set(per[m]))
            d = [per[r][s] - per[m][s] for s in common]
            cells.append(paired(d))
        out.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def against(rows, problems, methods, budget, other: Path) -> tuple:
    """This run's searches against another run's (`--against DIR`: its `results.csv`, typically the
    peers at a larger budget), paired by problem and search seed: the issue's second form of the
    target, the best peer's accuracy at a fraction of its budget. Also returns how many pairs of
    methods had seeds in common."""
    with open(other / "results.csv", newline="") as f:
        theirs = list(csv.DictReader(f))
    if not theirs:
        return f"`--against {other}`: no rows\n", 0
    out = [f"This run ({budget} runs a search) against {other} (its budget: {max(int(r['runs']) for r in theirs)} runs at most), "
           "paired by search seed: mean of the per-seed differences (seeds ahead / seeds).", ""]
    them = sorted({r["method"] for r in theirs}, key=lambda m: METHODS.index(m) if m in METHODS else len(METHODS))
    out.append("| problem | this run's method | its mean | " + " | ".join(f"- {m}" for m in them) + " |")
    out.append("|" + "---|" * (3 + len(them)))
    compared = 0
    for p in problems:
        for m in methods:
            mine = {r["seed"]: r["validated_mean"] for r in rows if r["problem"] == p and r["method"] == m}
            if not mine:
                continue
            cells = [f"{statistics.fmean(mine.values()):.3f}"]
            for t in them:
                other_vals = {int(r["seed"]): float(r["validated_mean"]) for r in theirs if r["problem"] == p and r["method"] == t}
                d = [mine[s] - other_vals[s] for s in sorted(set(mine) & set(other_vals))]
                cells.append(paired(d))
                compared += bool(d)
            out.append(f"| {p} | {m} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n", compared


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--target-runner":
        sys.exit(target_runner(sys.argv[2:]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="the CI version: one hard pair, one seed, short runs, a small budget")
    ap.add_argument("--problems", default=None, help=f"comma-separated, of {','.join(PROBLEMS)} (default all)")
    ap.add_argument("--methods", default=",".join(m for m in METHODS if m not in ("race-screen", "race-screen-behind", "race-fid", "halving")),
                    help=f"comma-separated, of {','.join(METHODS)} (default all but race-screen, race-fid and halving)")
    ap.add_argument("--budget", type=int, default=None, help="runs per search (default 1024; --small 300, the least irace takes for ten parameters)")
    ap.add_argument("--seeds", default=None, help="search seeds, comma-separated (default 1,2,3,4,5; --small 1)")
    ap.add_argument("--validation", type=int, default=None, help="fresh seeds per winner (default 64; --small 8)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default="results/search", help="where results go (default results/search)")
    ap.add_argument("--against", default=None, metavar="DIR",
                    help="also compare this run's searches, paired by seed, with another run's results.csv in DIR "
                         "(e.g. the peers at twice this budget: docs/study/search); written to against.md")
    a = ap.parse_args()
    if a.against and not (Path(a.against) / "results.csv").is_file():
        ap.error(f"--against: {Path(a.against) / 'results.csv'} does not exist (give the --out directory of an earlier run)")
    problems = (a.problems or ("pair" if a.small else ",".join(PROBLEMS))).split(",")
    methods = a.methods.split(",")
    for p in problems:
        if p not in PROBLEMS:
            ap.error(f"--problems: unknown problem {p!r} (known: {', '.join(PROBLEMS)})")
    for m in methods:
        if m not in METHODS:
            ap.error(f"--methods: unknown method {m!r} (known: {', '.join(METHODS)})")
    budget = a.budget or (300 if a.small else 1024)
    seeds = [int(s) for s in (a.seeds or ("1" if a.small else "1,2,3,4,5")).split(",")]
    validation = a.validation or (8 if a.small else 64)
    sp = space(a.small)
    out = Path(a.out).resolve()
    (out / "rows").mkdir(parents=True, exist_ok=True)
    settings = {"budget": budget, "small": a.small, "validation": validation}
    skipped = ensure_peers(methods)
    methods = [m for m in methods if m not in skipped]
    import harness

    run = {"race": by_race, "race-mean": by_race_mean, "race-tpe": by_race_tpe, "race-screen": by_race_screen,
           "race-behind": by_race_behind, "race-screen-behind": by_race_screen_behind, "race-fid": by_race_fid, "halving": by_halving,
           "random": by_random,
           "optuna": by_optuna, "irace": by_irace}
    rows = []
    for p in problems:
        for seed in seeds:
            for m in methods:
                key = f"{p}-{m}-{seed}"
                saved = out / "rows" / f"{key}.json"
                if saved.exists():
                    row = json.loads(saved.read_text())
                    if row.get("settings") == settings:
                        rows.append(row)
                        continue
                work = out / "work" / key
                if work.exists():
                    shutil.rmtree(work)
                t0 = time.time()
                params, used = run[m](harness, p, seed, budget, sp, work, a.threads)
                search_s = time.time() - t0
                mean, accs = validate(harness, p, params, validation, out / "work" / f"{key}-validation", a.threads)
                row = {"problem": p, "method": m, "seed": seed, "runs": used, "search_s": round(search_s, 1),
                       "validated_mean": mean, "params": params, "settings": settings}
                saved.write_text(json.dumps(row, indent=1))
                rows.append(row)
                print(f"{p:5} {m:7} seed {seed}: {used} runs in {search_s:.0f} s, validated {mean:.4f}", flush=True)
    with open(out / "results.csv", "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["problem", "method", "seed", "runs", "search_s", "validated_mean", *sp])
        for r in rows:
            wr.writerow([r["problem"], r["method"], r["seed"], r["runs"], r["search_s"], f"{r['validated_mean']:.6f}",
                         *[r["params"][k] for k in sp]])
    text = table(rows, problems, methods, budget, seeds, validation)
    (out / "table.md").write_text(text)
    figure(rows, problems, methods, out / "search.svg")
    print(text)
    print(f"written: {out / 'results.csv'}, {out / 'table.md'}, {out / 'search.svg'}")
    if "race-fid" in methods:
        text = fidelity_cost(out, problems, seeds)
        (out / "fidelity.md").write_text(text)
        print(text)
    if a.against:
        text, compared = against(rows, problems, methods, budget, Path(a.against))
        (out / "against.md").write_text(text)
        print(text)
        print(f"written: {out / 'against.md'}")
        if compared == 0:
            print(f"error: --against {a.against}: no search of this run shares a problem and a seed with it", file=sys.stderr)
            sys.exit(1)
    # The run checks itself: every method ran every search and spent at most its budget (the race
    # and the sweep may stop a little short of it; Optuna and irace exactly at it or below).
    bad = [r for r in rows if not (0 < r["runs"] <= budget) or not (0.0 <= r["validated_mean"] <= 1.0)]
    if bad or len(rows) != len(problems) * len(seeds) * len(methods):
        print(f"error: {len(bad)} searches out of bounds, {len(rows)} rows", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
