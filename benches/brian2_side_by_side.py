#!/usr/bin/env python3
"""Side-by-side wall time of one harness experiment file: brian2 (C++ standalone, runtime) vs harness.

The experiment (default experiments/notebook.toml: the notebook's own protocol, 2 outputs, 300,000
steps of 0.1 ms) runs as N independent instances in harness and in brian2, on this machine, one
after the other, single-threaded, in one invocation of this script. brian2 runs the same
configuration as harness: every `[model]` value, `n_out = len(classes) * neurons_per_class`
outputs, `f_max_hz`, the teacher into all of the labelled class's outputs during training, the
train and test presentations (the very images harness showed, in its order), `plasticity_train` /
`plasticity_test` and the prediction rule (`trace` or `spikes`). The model: docs/model.md; the
brian2 network: tools/brian2_reference/notebook_model.py (shared with accuracy.py and golden.py),
whose constants are set from the experiment.

Modes:

  harness     `harness sweep` of a temporary copy of the experiment file with `replicates = N`,
              `--threads 1`: per instance = `wall_s` in timings.csv (harness's own timer around
              each run); the process wall time / N is reported too. Then, untimed, `harness run
              COPY --seed S --trace DIR` for each instance's seed S (from runs.csv) writes the
              schedule harness showed (DIR/schedule.parquet: per presentation its phase, first
              step, class index and data row), which brian2 then shows too; its accuracies are
              checked equal to the sweep's.
  standalone  brian2 `cpp_standalone` (build_on_run=False): one network of the whole run, the
              schedule as TimedArrays with one value per window (input rates, 2D (windows x
              n_in); teacher current, 2D (windows x n_out); plasticity `train`, 1D: both groups'
              `train` is `train = plastic_ta(t) : 1`, 1 in the windows of a phase whose
              plasticity is on), so no network_operation. What the predictions need is collected
              inside the run, cheaply: an accumulator `asum += a * predict_ta(t)` on G (a
              run_regularly every step in the `start` slot, after the monitors: the values a
              monitor sampling G.a every step would record; predict_ta is 1 in the last
              `predict_steps` steps of each presentation) and the spike counters `nspk` of P and G
              (incremented by the resets), all three recorded at every window boundary by
              StateMonitors with dt = window. The prediction rule is applied in numpy afterwards
              (not timed): `trace`, the class whose outputs' summed accumulator is largest;
              `spikes`, the class whose outputs fired most during the presentation, the trace
              rule when none fired; the first class wins a tie (src/protocol/phase.rs).
              Compiled once (not counted); then each instance is one `device.run(run_args={...})`
              with its own initial values (P.a, P.theta, G.a, G.theta ~ U(0, 0.5), S.w ~ U(0, 1)
              from numpy, seeded --seed + instance; hold = hold0 and S_neg.w = -1 are fixed), its
              harness instance's schedule (TimedArray values) and its own seed of the C++ random
              generator (an environment variable read by two lines inserted in main()). Only the
              distributions of the initial state and of the input spikes agree with harness's,
              not the draws. Per instance = wall time of `device.run()` (writing the run_args
              arrays, starting the binary, loading the arrays, simulating, writing the results,
              brian2's check of the states); brian2's own reported network run time
              (`device._last_run_time`, the simulation loop only) is shown as a second row. One
              untimed warm-up run precedes them.
  runtime     (the notebook's configuration only) brian2 runtime mode, cython target, exactly as
              the notebook runs it (its network_operation and all, its own sampling):
              tools/brian2_reference/accuracy.py's run_notebook(). Per instance = wall time of its
              two `net.run()` calls (20 s train + 10 s test, including brian2's per-run code
              generation, excluding C compilation: an untimed short warm-up fills the cython
              cache first).

The spike counts (input and output, per phase) and the accuracies of both are reported: they must
agree within noise, the check that brian2 runs the configuration harness runs.

Experiment files: one configuration (no `grid`, `random` or `race`), Poisson input (no
`input_spikes`); `data` (relative to the file) is honoured. A key this script does not know is
refused with its name. Model options: `[protocol] on_off` (on/off input coding: 2 x n_pixels
inputs, the off ones at (16 - pixel)/16 * f_max) and `[model] soft_bounds` (the forward rule with
soft bounds, notebook_model.FORWARD_ON_POST_SOFT) run in standalone mode; `[model] weight_sum`
(weight normalisation) is refused: it is a network_operation (golden.py), which cpp_standalone
does not have. The protocol's `teacher_to`, `labels`, `assign_presentations` and `test_window_ms`
run at their defaults only (PROTOCOL_DEFAULT_ONLY below; golden.py checks each against brian2).

Usage (from the repository root, after `CARGO_TARGET_DIR=/work/target cargo build --release`):

    python3 benches/brian2_side_by_side.py [--experiment experiments/notebook.toml]
        [--instances N] [--runtime K] [--runtime-full K] [--seed S] [--harness PATH] [--keep]

brian2 runs under the Python that has it (with numpy and pyarrow): this one if it imports brian2,
else $BRIAN2_PYTHON, else /work/venv-brian2/bin/python.
"""
import argparse
import csv
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
REF = os.path.join(REPO, "tools", "brian2_reference")
NOTEBOOK_TOML = os.path.join(REPO, "experiments", "notebook.toml")
BUNDLED_DATA = os.path.join(REPO, "data", "digits.csv.gz")
MAX_PIXEL = 16  # a pixel's rate is pixel / MAX_PIXEL * f_max (src/data/mod.rs)
# tools/brian2_reference on the path: notebook_model.py (the notebook's brian2 network, shared with
# golden.py and accuracy.py) and accuracy.py (runtime mode) are imported from there
sys.path.insert(0, REF)
import notebook_model  # noqa: E402  (imports neither brian2 nor numpy until used)

# [model] keys (src/model/params.rs) -> notebook_model.namespace() keyword, and whether the value
# is a time in ms (passed to brian2 as a quantity)
MODEL_KEYS = {
    "dt_ms": ("dt", True), "alpha_ms": ("alpha", True), "beta_ms": ("beta", True),
    "tau_ms": ("tau", True), "tau_i_ms": ("tau_I", True), "tau_h_ms": ("tau_h", True),
    "t_ref_ms": ("t_ref", True), "hold0": ("hold0", False), "hold_inc": ("hold_inc", False),
    "wmax": ("wmax", False), "c_inp": ("c_inp", False), "c_neg": ("c_neg", False),
    "lr": ("lr", False), "lr_n": ("lr_n", False), "decay": ("decay", False),
}
# [model] keys of the model options (docs/model.md), not namespace constants: soft_bounds chooses
# the forward on_post statements; weight_sum is refused (see read_experiment)
MODEL_OPTION_KEYS = ("soft_bounds", "weight_sum")
WEIGHT_SUM_REFUSED = ("weight normalisation runs in a network_operation (at the start of every "
                      "rest, tools/brian2_reference/golden.py does it in runtime mode), which "
                      "brian2's cpp_standalone does not have")
# [protocol] keys (src/protocol/mod.rs): the ones that choose the images (classes, sampling,
# notebook_positions, test_fraction, split_seed, train/test_presentations) act through harness's
# schedule; the others through the network and the prediction rule
PROTOCOL_KEYS = ("classes", "sampling", "notebook_positions", "test_fraction", "split_seed",
                 "train_presentations", "test_presentations", "window_ms", "predict_steps",
                 "f_max_hz", "teacher", "plasticity_train", "plasticity_test",
                 "neurons_per_class", "prediction", "on_off")
# [protocol] options that brian2 mode runs at their defaults only (src/protocol/teacher.rs,
# readout.rs): the teacher on the best-matching output is chosen in a network_operation at every
# presentation (golden.py does it in runtime mode), which cpp_standalone does not have; assigned
# labels are read off the outputs after training, which this bench does not do (it times the
# simulation; golden.py checks the assignment); the test phase's own window (test_window_ms) would
# need test windows of several schedule slots in the TimedArrays below (golden.py checks it)
PROTOCOL_DEFAULT_ONLY = {"teacher_to": "class", "labels": "fixed", "assign_presentations": None,
                         "test_window_ms": None}
TOP_KEYS = ("name", "seed", "data", "replicates", "common_seeds", "model", "protocol")
REFUSED = {
    "input_spikes": "replays a table of input spikes; brian2 mode draws Poisson input "
                    "(golden.py replays tables in brian2)",
    "grid": "defines sweep axes; brian2 mode runs one configuration",
    "random": "defines sweep axes; brian2 mode runs one configuration",
    "race": "defines a race; brian2 mode runs one configuration",
}
# The notebook's configuration (what runtime mode, accuracy.py's run_notebook, runs), as runs.csv
# writes it
NOTEBOOK = dict(dt_ms=0.1, alpha_ms=10.0, beta_ms=100.0, tau_ms=10.0, tau_i_ms=15.0, tau_h_ms=50.0,
                t_ref_ms=2.0, hold0=3.0, hold_inc=0.2, wmax=1.0, c_inp=0.2, c_neg=1.7, lr=0.05,
                lr_n=0.01, decay=0.001, classes=[0, 1], sampling="notebook",
                notebook_positions=[1, 348], train_presentations=200, test_presentations=100,
                window_ms=50.0, predict_steps=50, f_max_hz=250.0, teacher=100.0,
                plasticity_train=True, plasticity_test=True, neurons_per_class=1,
                prediction="trace", on_off=False, weight_sum=None, soft_bounds=False)


# ----------------------------------------------------------------------------------- helpers

def mean_sd(xs):
    n = len(xs)
    m = sum(xs) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else float("nan")
    return m, sd


def fmt_s(x):
    if x >= 1.0:
        return f"{x:.3f} s"
    return f"{x * 1e3:.2f} ms"


def brian2_python():
    try:
        import brian2  # noqa: F401
        return sys.executable
    except ImportError:
        pass
    for c in [os.environ.get("BRIAN2_PYTHON", ""), "/work/venv-brian2/bin/python"]:
        if c and os.path.exists(c):
            return c
    raise SystemExit("no Python with brian2: set BRIAN2_PYTHON")


def find_harness(arg):
    cands = [arg] if arg else []
    if os.environ.get("CARGO_TARGET_DIR"):
        cands.append(os.path.join(os.environ["CARGO_TARGET_DIR"], "release", "harness"))
    cands += ["/work/target/release/harness", os.path.join(REPO, "target", "release", "harness")]
    for c in cands:
        if c and os.path.exists(c):
            return os.path.abspath(c)
    raise SystemExit("harness binary not found: build it "
                     "(CARGO_TARGET_DIR=/work/target cargo build --release) or pass --harness")


# ----------------------------------------------------------------------------------- the experiment

def read_experiment(path):
    """The experiment file as a dict, after checking that brian2 mode can run it: every key known,
    none refused. Exits with a message naming the offending key otherwise."""
    try:
        with open(path, "rb") as f:
            exp = tomllib.load(f)
    except OSError as e:
        raise SystemExit(f"{path}: cannot read: {e}")
    except tomllib.TOMLDecodeError as e:
        raise SystemExit(f"{path}: not valid TOML: {e}")
    for key in exp:
        if key in REFUSED:
            raise SystemExit(f"{path}: key `{key}` {REFUSED[key]}: not supported by "
                             f"benches/brian2_side_by_side.py")
        if key not in TOP_KEYS:
            raise SystemExit(f"{path}: key `{key}` is not supported by brian2 mode "
                             f"(benches/brian2_side_by_side.py knows {', '.join(TOP_KEYS)})")
    for table, known in (("model", tuple(MODEL_KEYS) + MODEL_OPTION_KEYS),
                         ("protocol", PROTOCOL_KEYS)):
        t = exp.get(table, {})
        if not isinstance(t, dict):
            raise SystemExit(f"{path}: `{table}` must be a table")
        for key in t:
            if table == "protocol" and key in PROTOCOL_DEFAULT_ONLY:
                if t[key] != PROTOCOL_DEFAULT_ONLY[key]:
                    raise SystemExit(f"{path}: key `protocol.{key}` = {t[key]!r}: brian2 mode runs "
                                     f"only {PROTOCOL_DEFAULT_ONLY[key]!r} (see "
                                     f"PROTOCOL_DEFAULT_ONLY in benches/brian2_side_by_side.py)")
                continue
            if key not in known:
                raise SystemExit(f"{path}: key `{table}.{key}` is not supported by brian2 mode "
                                 f"(benches/brian2_side_by_side.py knows {', '.join(known)})")
    if "weight_sum" in exp.get("model", {}):
        raise SystemExit(f"{path}: key `model.weight_sum`: {WEIGHT_SUM_REFUSED}; not supported "
                         f"by benches/brian2_side_by_side.py")
    return exp


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)              # shortest round-trip form; inf and nan are TOML too
    if isinstance(v, str):
        return json.dumps(v)        # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise SystemExit(f"cannot write {v!r} back as TOML")


def write_copy(exp, src_path, n, dst_path):
    """The experiment with `replicates = n` and `data` made absolute (relative to the file), as a
    TOML file at dst_path; returns the absolute data path (None: the bundled digits)."""
    top = {k: v for k, v in exp.items() if k not in ("model", "protocol", "replicates")}
    data = None
    if "data" in top:
        data = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(src_path)), top["data"]))
        top["data"] = data
    lines = [f"replicates = {n}"] + [f"{k} = {toml_value(v)}" for k, v in top.items()]
    for table in ("model", "protocol"):
        lines.append(f"\n[{table}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in exp.get(table, {}).items()]
    with open(dst_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return data


def parse_param(key, text):
    """A parameter's value as runs.csv writes it."""
    if key in ("classes", "notebook_positions"):
        return [int(x) for x in text.split(",")] if text else []
    if key in ("sampling", "prediction"):
        return text
    if key in ("plasticity_train", "plasticity_test", "on_off", "soft_bounds"):
        return {"true": True, "false": False}[text]
    if key in ("predict_steps", "neurons_per_class", "train_presentations", "test_presentations",
               "split_seed"):
        return int(text) if text else None
    return float(text) if text else None


def config_from_runs(rows, exp, path):
    """The configuration harness ran (every parameter's effective value, from runs.csv), checked
    to be one and the same in every run."""
    cols = list(rows[0].keys())
    params = cols[cols.index("seed") + 1: cols.index("status")]
    for key in params:
        if key in PROTOCOL_DEFAULT_ONLY:
            continue  # at its default: read_experiment refused any other value
        if key not in MODEL_KEYS and key not in PROTOCOL_KEYS and key not in MODEL_OPTION_KEYS:
            # not in the file (read_experiment refused it), so at harness's default
            print(f"warning: harness parameter `{key}` is unknown to brian2 mode; it is at its "
                  f"default ({rows[0][key]!r}) and brian2 ignores it", file=sys.stderr)
    for r in rows[1:]:
        diff = [k for k in params if r[k] != rows[0][k]]
        if diff:
            raise SystemExit(f"{path}: the runs differ in {', '.join(diff)}: one configuration only")
    cfg = {k: parse_param(k, rows[0][k]) for k in params
           if k in MODEL_KEYS or k in PROTOCOL_KEYS or k in MODEL_OPTION_KEYS}
    # the options, from the file when runs.csv has no column of theirs (absent: off)
    cfg.setdefault("on_off", bool(exp.get("protocol", {}).get("on_off", False)))
    cfg.setdefault("soft_bounds", bool(exp.get("model", {}).get("soft_bounds", False)))
    cfg.setdefault("weight_sum", exp.get("model", {}).get("weight_sum"))
    if cfg["weight_sum"] is not None:
        raise SystemExit(f"{path}: weight_sum = {cfg['weight_sum']}: {WEIGHT_SUM_REFUSED}")
    # absent in the file: the notebook's reset `hold += 0.1 * n_hidden` (runs.csv shows its value)
    cfg["hold_inc_explicit"] = "hold_inc" in exp.get("model", {})
    return cfg


def check_brian2_can_run(cfg, path):
    """Refuses what harness runs but brian2 cannot: tau == tau_I, where the solution of
    `method='linear'` divides by tau_I - tau (runtime mode raises ZeroDivisionError, standalone
    silently integrates v to NaN; harness uses the limit, docs/model.md; see
    tools/brian2_reference/check_details.py)."""
    if cfg["tau_ms"] == cfg["tau_i_ms"]:
        raise SystemExit(f"{path}: `model.tau_ms` == `model.tau_i_ms` ({cfg['tau_ms']}): brian2's "
                         f"exact integration (method='linear') divides by tau_I - tau there; "
                         f"brian2 mode cannot run it")


def describe(cfg, steps):
    c = cfg
    n_out = len(c["classes"]) * c["neurons_per_class"]
    on = {True: "on", False: "off"}
    return (f"{len(c['classes'])} classes x {c['neurons_per_class']} = {n_out} outputs, "
            f"{c['sampling']} sampling, {c['train_presentations']} train + "
            f"{c['test_presentations_run']} test presentations, {steps:,} steps of {c['dt_ms']} ms "
            f"per instance; prediction {c['prediction']}; plasticity train {on[c['plasticity_train']]}"
            f" / test {on[c['plasticity_test']]}; on/off coding {on[c['on_off']]}, soft bounds "
            f"{on[c['soft_bounds']]}")


def notebook_differences(cfg):
    """The keys in which cfg differs from the notebook's configuration (runtime mode's)."""
    return [f"{k} = {cfg.get(k)!r}" for k, v in NOTEBOOK.items()
            if (cfg.get("test_presentations_run") if k == "test_presentations" else cfg.get(k)) != v]


# ----------------------------------------------------------------------------------- harness

def run_harness(exe, exp, src_path, n, workdir):
    """harness sweep of the experiment with replicates = n, --threads 1 (timed), then the
    schedule of each run (harness run --trace, untimed)."""
    copy = os.path.join(workdir, "experiment.toml")
    data = write_copy(exp, src_path, n, copy)
    out = os.path.join(workdir, "harness_out")
    cmd = [exe, "sweep", copy, "--threads", "1", "--out", out]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    total = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"harness sweep failed ({p.returncode})")
    with open(os.path.join(out, "timings.csv")) as f:
        walls = {r["run_id"]: float(r["wall_s"]) for r in csv.DictReader(f)}
    with open(os.path.join(out, "runs.csv")) as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["replicate"]))
    assert len(walls) == n and len(rows) == n, (len(walls), len(rows))
    bad = [r for r in rows if r["status"] != "ok"]
    if bad:
        raise SystemExit(f"harness run {bad[0]['run_id']} failed: {bad[0]['error']}")
    cfg = config_from_runs(rows, exp, src_path)
    check_brian2_can_run(cfg, src_path)
    ntr, nte = int(rows[0]["presentations_train"]), int(rows[0]["presentations_test"])
    cfg["test_presentations_run"] = nte
    window_steps = round(cfg["window_ms"] / cfg["dt_ms"])
    steps = (ntr + nte) * 2 * window_steps
    h = dict(wall=[walls[r["run_id"]] for r in rows], total=total, cmd=" ".join(cmd),
             seeds=[int(r["seed"]) for r in rows],
             in_train=[int(r["input_spikes_train"]) for r in rows],
             in_test=[int(r["input_spikes_test"]) for r in rows],
             out_train=[int(r["output_spikes_train"]) for r in rows],
             out_test=[int(r["output_spikes_test"]) for r in rows],
             train=[float(r["train_accuracy"]) for r in rows],
             test=[float(r["test_accuracy"]) for r in rows])

    # the schedules: the same runs again, traced (state sampled once: only schedule.parquet is read)
    h["schedules"] = []
    for k, (seed, tr, te) in enumerate(zip(h["seeds"], h["train"], h["test"])):
        d = os.path.join(workdir, f"schedule_{k}")
        cmd = [exe, "run", copy, "--seed", str(seed), "--trace", d, "--record-every", str(steps)]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stdout + p.stderr)
            raise SystemExit(f"harness run --trace failed ({p.returncode}): {' '.join(cmd)}")
        acc = {ln.split()[0]: ln.split()[2] for ln in p.stdout.splitlines()
               if ln.startswith(("train accuracy", "test accuracy"))}
        if acc != {"train": f"{tr:.4f}", "test": f"{te:.4f}"}:
            raise SystemExit(f"harness run --seed {seed} disagrees with the sweep's run "
                             f"({acc} vs train {tr:.4f}, test {te:.4f})")
        h["schedules"].append(os.path.join(d, "schedule.parquet"))
    return h, cfg, data, steps


# ----------------------------------------------------------------------------------- brian2 workers

def load_pixels(path):
    """Pixels (int, one row per image) and labels of a data file as harness reads it (CSV, gzip
    or not, no header: pixels then the label)."""
    import gzip
    import io
    import numpy as np
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    arr = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64, ndmin=2)
    return arr[:, :-1], arr[:, -1]


def read_schedule(path, classes, labels):
    """(phase is train, class index, data row) per presentation, in order, from harness's
    schedule.parquet; checks that its rows carry its labels in our copy of the data."""
    import numpy as np
    import pyarrow.parquet as pq
    t = pq.read_table(path).to_pydict()
    order = np.argsort(t["index"])

    def col(name):
        return np.asarray(t[name])[order]

    rows, label, ci = col("row"), col("label"), col("class_index")
    assert np.array_equal(labels[rows], label), f"{path}: data rows do not carry their labels"
    assert np.array_equal(np.asarray(classes)[ci], label), path
    return dict(train=col("phase") == "train", class_index=ci.astype(int), row=rows.astype(int),
                step=col("step").astype(np.int64), end_step=col("end_step").astype(np.int64))


def worker_standalone(job):
    """brian2 cpp_standalone on job's configuration (a dict written by main()): compile once,
    then one device.run per instance. Returns the timings, accuracies and spike counts."""
    import numpy as np
    import brian2 as b2
    from brian2 import StateMonitor, TimedArray, ms, Hz, set_device, device, prefs
    cfg = job["config"]
    pixels, labels = load_pixels(job["data"] or BUNDLED_DATA)
    set_device("cpp_standalone", build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0    # single thread, like --threads 1

    dt_ms = cfg["dt_ms"]
    k = cfg["neurons_per_class"]
    n_classes = len(cfg["classes"])
    # on/off coding: the pixels' own inputs, then one off input per pixel at 16 - pixel
    n_in = pixels.shape[1] * (2 if cfg["on_off"] else 1)
    n_out = n_classes * k
    wsteps = round(cfg["window_ms"] / dt_ms)            # steps per window (not `w`: a name of S)
    ps = cfg["predict_steps"]
    ntr, nte = cfg["train_presentations"], cfg["test_presentations_run"]
    n_pres = ntr + nte
    n_win = 2 * n_pres
    n_steps = n_win * wsteps
    window = wsteps * dt_ms * ms

    # G.a is summed over the last `ps` steps of each presentation: predict_ta is 1 there, on a grid
    # of g = gcd(wsteps, ps) steps (the same for every instance)
    g = math.gcd(wsteps, ps)
    pos = (np.arange(n_steps // g) * g) % (2 * wsteps)
    mask = ((pos >= wsteps - ps) & (pos < wsteps)).astype(float)
    predict_ta = TimedArray(mask, dt=g * dt_ms * ms, name="predict_ta")
    # plasticity per window: 1 where the window's phase learns (the same for every instance)
    plastic = np.zeros(n_win)
    plastic[: 2 * ntr] = float(cfg["plasticity_train"])
    plastic[2 * ntr:] = float(cfg["plasticity_test"])
    plastic_ta = TimedArray(plastic, dt=window, name="plastic_ta")
    # placeholders: every instance sets the values through run_args
    rates_ta = TimedArray(np.zeros((n_win, n_in)) * Hz, dt=window, name="rates_ta")
    teacher_ta = TimedArray(np.zeros((n_win, n_out)), dt=window, name="teacher_ta")

    # the notebook's network (notebook_model.py) with the experiment's constants, the schedule read
    # from the TimedArrays (P has no `rates`; G's I_teacher is the teacher TimedArray; both groups'
    # `train` is the plasticity TimedArray), spike counters `nspk` and G's accumulator `asum`
    consts = {}
    for key, (kw, is_ms) in MODEL_KEYS.items():
        if key == "hold_inc" and not cfg["hold_inc_explicit"]:
            continue                                    # the notebook's `hold += 0.1 * n_hidden`
        consts[kw] = cfg[key] * ms if is_ms else cfg[key]
    ns = notebook_model.namespace(n_out, n_input=n_in, **consts, rates_ta=rates_ta,
                                  teacher_ta=teacher_ta, plastic_ta=plastic_ta,
                                  predict_ta=predict_ta)
    train_eq = 'train = plastic_ta(t) : 1'
    P = notebook_model.input_group(ns, threshold='rand() < rates_ta(t, i)*dt', rates=False,
                                   count_spikes=True, train=train_eq)
    P.a = 0.25
    P.theta = 0.25
    G = notebook_model.hidden_group(ns, teacher='I_teacher = teacher_ta(t, i) : 1',
                                    count_spikes=True, train=train_eq, extra='asum : 1\n')
    G.a = 0.25
    G.theta = 0.25
    G.hold = ns['hold0']
    # the values a StateMonitor of G.a at every step records (start slot, before the groups)
    G.run_regularly('asum += a * predict_ta(t)', dt=notebook_model.time_step(ns), when='start',
                    order=1, name='G_asum')
    mon = StateMonitor(G, ['asum', 'nspk'], record=True, dt=window, when='start', order=0,
                       name='statemonitor')
    mon_p = StateMonitor(P, 'nspk', record=True, dt=window, when='start', order=0,
                         name='statemonitor_1')
    S = notebook_model.forward_synapses(P, G, ns, soft_bounds=cfg["soft_bounds"])
    S.w = 0.5
    S_neg = notebook_model.lateral_synapses(G, ns)
    S_neg.w = -1.
    # per-instance seed of the C++ generators (Poisson input) from the environment
    device.insert_code("main", """
    {
        const char* _sbs_seed = getenv("SBS_SEED");
        if (_sbs_seed != NULL)
            for (size_t _i = 0; _i < brian::_random_generators.size(); _i++)
                brian::_random_generators[_i].seed(strtoul(_sbs_seed, NULL, 10) + _i);
    }
    """)
    net = b2.Network(P, G, S, S_neg, mon, mon_p)
    order = notebook_model.check_pathway_order(net)
    assert order.index("statemonitor") < order.index("G_asum") < order.index("G_stateupdater"), order
    net.run(n_steps * dt_ms * ms)

    t0 = time.perf_counter()
    device.build(directory=job["builddir"], compile=True, run=False, with_output=False)
    compile_s = time.perf_counter() - t0

    def instance(seed, schedule_path):
        sch = read_schedule(schedule_path, cfg["classes"], labels)
        assert len(sch["row"]) == n_pres and sch["train"].sum() == ntr, schedule_path
        assert np.array_equal(sch["step"], 2 * wsteps * np.arange(n_pres)), schedule_path
        assert np.array_equal(sch["end_step"] - sch["step"], np.full(n_pres, wsteps)), schedule_path
        rng = np.random.RandomState(seed)
        init = {P.a: rng.rand(n_in) * 0.5, P.theta: rng.rand(n_in) * 0.5,
                G.a: rng.rand(n_out) * 0.5, G.theta: rng.rand(n_out) * 0.5,
                S.w: rng.rand(n_in * n_out)}
        rates = np.zeros((n_win, n_in))
        shown = pixels[sch["row"]]
        if cfg["on_off"]:
            shown = np.concatenate([shown, MAX_PIXEL - shown], axis=1)   # off inputs 16 - pixel
        rates[0::2] = shown / MAX_PIXEL * cfg["f_max_hz"]   # rests stay 0
        teacher = np.zeros((n_win, n_out))
        for p in np.flatnonzero(sch["train"]):
            c = sch["class_index"][p]
            teacher[2 * p, c * k:(c + 1) * k] = cfg["teacher"]
        run_args = dict(init)
        run_args[rates_ta] = rates * Hz
        run_args[teacher_ta] = teacher
        os.environ["SBS_SEED"] = str(seed)
        t0 = time.perf_counter()
        device.run(run_args=run_args, with_output=False)
        wall = time.perf_counter() - t0

        # records at every window boundary j * wsteps (before that step); the totals after the run
        asum, g_cnt, p_cnt = np.asarray(mon.asum), np.asarray(mon.nspk), np.asarray(mon_p.nspk)
        assert asum.shape == (n_out, n_win) and p_cnt.shape == (n_in, n_win), (asum.shape,
                                                                             p_cnt.shape)
        g_end, p_end = np.asarray(G.nspk[:]), np.asarray(P.nspk[:])
        pres = 2 * np.arange(n_pres)
        trace = (asum[:, pres + 1] - asum[:, pres]).T.reshape(n_pres, n_classes, k).sum(axis=2)
        spikes = (g_cnt[:, pres + 1] - g_cnt[:, pres]).T.reshape(n_pres, n_classes, k).sum(axis=2)
        if cfg["prediction"] == "spikes":
            fired = spikes.sum(axis=1) > 0
            scores = np.where(fired[:, None], spikes, trace)
        else:
            scores = trace
        pred = np.argmax(scores, axis=1)                # the first class wins a tie
        hit = pred == sch["class_index"]
        # spikes of the training phase: the records at the first test window (the totals when
        # there is no test phase)
        def at_split(rec, end):
            return (rec[:, 2 * ntr] if 2 * ntr < n_win else end).sum()

        in_tr, out_tr = at_split(p_cnt, p_end), at_split(g_cnt, g_end)
        return dict(wall=wall, network=device._last_run_time,
                    train=float(hit[:ntr].mean()) if ntr else float("nan"),
                    test=float(hit[ntr:].mean()) if nte else float("nan"),
                    a_sum=float(asum[:, -1].sum()),
                    in_train=int(in_tr), in_test=int(p_end.sum() - in_tr),
                    out_train=int(out_tr), out_test=int(g_end.sum() - out_tr))

    seeds = [job["seed"] + i for i in range(len(job["schedules"]))]
    warm = instance(10 ** 6 + job["seed"], job["schedules"][0])   # untimed: first start, cold cache
    res = [instance(s, path) for s, path in zip(seeds, job["schedules"])]
    if len(res) > 1:
        assert len({r["a_sum"] for r in res}) == len(res), "instances gave identical traces"
    out = {key: [r[key] for r in res] for key in res[0]}
    out.update(compile=compile_s, warmup=warm["wall"], version=b2.__version__, seeds=seeds)
    return out


def worker_runtime(k, seed0, notebook_monitors=False):
    import brian2 as b2
    import accuracy
    b2.prefs.codegen.target = "cython"
    data, y = accuracy.load_data()
    accuracy.run_notebook(12345, data, y, train_ms=100, test_ms=100)   # untimed cython warm-up
    res = []
    for s in range(seed0, seed0 + k):
        tr, te, wall, n_test = accuracy.run_notebook(s, data, y, notebook_monitors=notebook_monitors)
        assert n_test == 100
        res.append((tr, te, wall))
    return dict(version=b2.__version__, wall=[r[2] for r in res],
                train=[r[0] for r in res], test=[r[1] for r in res])


def call_worker(py, mode, extra):
    cmd = [py, os.path.abspath(__file__), "--worker", mode] + extra
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-5000:] + p.stderr[-5000:])
        raise SystemExit(f"brian2 {mode} worker failed ({p.returncode})")
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    sys.stderr.write(p.stdout[-5000:] + p.stderr[-5000:])
    raise SystemExit(f"brian2 {mode} worker printed no result")


# ----------------------------------------------------------------------------------- main

def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return f"{cpu}, {os.cpu_count()} logical cores, load average {load[0]:.2f} at start"


def report_spikes(h, sa, n):
    """Spike counts per instance of both, and whether they agree."""
    print("spikes per instance (mean +- sd): input train / test / total; output train / test / total")
    for name, r in [("harness", h), ("brian2 cpp_standalone", sa)]:
        tot_in = [a + b for a, b in zip(r["in_train"], r["in_test"])]
        tot_out = [a + b for a, b in zip(r["out_train"], r["out_test"])]
        r["in_total"], r["out_total"] = tot_in, tot_out
        cells = []
        for xs in (r["in_train"], r["in_test"], tot_in, r["out_train"], r["out_test"], tot_out):
            m, sd = mean_sd(xs)
            cells.append(f"{m:.0f}" + (f" +- {sd:.0f}" if not math.isnan(sd) else ""))
        print(f"  {name:<22} input {' / '.join(cells[:3])};  output {' / '.join(cells[3:])}")
    worst = 0.0
    for what in ("in_total", "out_total"):
        (mh, sh), (mb, sb) = mean_sd(h[what]), mean_sd(sa[what])
        rel = mb / mh - 1.0
        se = math.sqrt((sh ** 2 + sb ** 2) / n) if n > 1 else float("nan")
        z = (mb - mh) / se if se and not math.isnan(se) else float("nan")
        worst = max(worst, abs(rel))
        print(f"  brian2 / harness, {'input' if what == 'in_total' else 'output'} total: "
              f"{mb / mh:.4f} ({rel * 100:+.2f} %, {z:+.1f} standard errors of the difference)")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--experiment", default=NOTEBOOK_TOML,
                    help="experiment file (TOML) of one configuration "
                         "(default experiments/notebook.toml)")
    ap.add_argument("--instances", type=int, default=None,
                    help="instances of harness and of brian2 standalone (default 16, or 4 when "
                         "the experiment has more than 500 training presentations)")
    ap.add_argument("--runtime", type=int, default=None,
                    help="instances of brian2 runtime mode (cython; the notebook's configuration "
                         "only); 0 skips it (default 1 for the notebook's configuration, else 0)")
    ap.add_argument("--runtime-full", type=int, default=0,
                    help="instances of brian2 runtime mode with the notebook's full set of "
                         "StateMonitors (every P, G and synapse variable it plots; ~1 GB); "
                         "default 0")
    ap.add_argument("--seed", type=int, default=0,
                    help="first seed of the brian2 instances (default 0)")
    ap.add_argument("--harness", default=None, help="harness binary")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--worker", choices=["standalone", "runtime", "runtime-full"],
                    help=argparse.SUPPRESS)
    ap.add_argument("--job", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker == "standalone":
        with open(args.job) as f:
            r = worker_standalone(json.load(f))
        print("RESULT " + json.dumps(r), flush=True)
        return
    if args.worker in ("runtime", "runtime-full"):
        r = worker_runtime(args.runtime, args.seed, notebook_monitors=args.worker == "runtime-full")
        print("RESULT " + json.dumps(r), flush=True)
        return

    exp_path = os.path.abspath(args.experiment)
    exp = read_experiment(exp_path)
    if args.instances is None:
        args.instances = 16 if exp.get("protocol", {}).get("train_presentations", 200) <= 500 else 4
    n = args.instances
    if n < 1:
        raise SystemExit("--instances must be at least 1")
    exe = find_harness(args.harness)
    py = brian2_python()
    tmp = tempfile.mkdtemp(prefix="brian2_side_by_side_")
    print(f"machine: {machine()}")
    print(f"experiment: {os.path.relpath(exp_path, REPO)}")
    print(f"work dir: {tmp}", flush=True)
    try:
        print(f"[1/3] harness: {n} instances (sweep, timed), then their schedules (run --trace) ...",
              flush=True)
        h, cfg, data, steps = run_harness(exe, exp, exp_path, n, tmp)
        print(f"      {describe(cfg, steps)}", flush=True)
        differs = notebook_differences(cfg)
        runtime = args.runtime if args.runtime is not None else (0 if differs else 1)
        if (runtime > 0 or args.runtime_full > 0) and differs:
            raise SystemExit("brian2 runtime mode runs the notebook's own code "
                             "(tools/brian2_reference/accuracy.py), which knows only the "
                             "notebook's configuration; this experiment differs in "
                             + ", ".join(differs) + ": use --runtime 0")
        job = dict(config=cfg, data=data, schedules=h["schedules"], seed=args.seed,
                   builddir=os.path.join(tmp, "standalone"))
        job_path = os.path.join(tmp, "job.json")
        with open(job_path, "w") as f:
            json.dump(job, f)
        print(f"[2/3] brian2 cpp_standalone: compile, then {n} instances ...", flush=True)
        sa = call_worker(py, "standalone", ["--job", job_path])
        rt = None
        if runtime > 0:
            print(f"[3/3] brian2 runtime (cython): {runtime} instance(s) ...", flush=True)
            rt = call_worker(py, "runtime", ["--runtime", str(runtime), "--seed", str(args.seed)])
        rf = None
        if args.runtime_full > 0:
            print(f"[3/3] brian2 runtime (cython), the notebook's monitors: {args.runtime_full} "
                  f"instance(s) ...", flush=True)
            rf = call_worker(py, "runtime-full", ["--runtime", str(args.runtime_full),
                                                  "--seed", str(args.seed)])
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    h_mean, _ = mean_sd(h["wall"])
    h_proc = h["total"] / n
    rows = [
        ("harness sweep --threads 1 (timings.csv wall_s)", n, h["wall"]),
        ("harness sweep --threads 1 (process wall / N)", n, [h_proc]),
        ("brian2 cpp_standalone (device.run wall)", n, sa["wall"]),
        ("brian2 cpp_standalone (brian2-reported run time)", n, sa["network"]),
    ]
    if rt is not None:
        rows.append(("brian2 runtime, cython (two net.run() walls)", len(rt["wall"]), rt["wall"]))
    if rf is not None:
        rows.append(("brian2 runtime, cython, notebook's monitors", len(rf["wall"]), rf["wall"]))

    print()
    print(f"brian2 {sa['version']}; harness {exe}")
    print(f"brian2 cpp_standalone: compilation {sa['compile']:.1f} s (once, not counted); "
          f"untimed warm-up run {fmt_s(sa['warmup'])}")
    print()
    w = max(len(r[0]) for r in rows)
    head = (f"{'mode':<{w}}  {'instances':>9}  {'mean / instance':>15}  {'sd':>9}  "
            f"{'x harness':>10}")
    print(head)
    print("-" * len(head))
    for name, k, xs in rows:
        m, sd = mean_sd(xs)
        sd_s = fmt_s(sd) if not math.isnan(sd) else "-"
        print(f"{name:<{w}}  {k:>9}  {fmt_s(m):>15}  {sd_s:>9}  {m / h_mean:>9.1f}x")
    print()
    sa_m = mean_sd(sa["wall"])[0]
    print(f"ratio brian2-standalone / harness: {sa_m / h_mean:.1f} "
          f"(vs harness process wall / N: {sa_m / h_proc:.1f}; "
          f"brian2's loop time / harness: {mean_sd(sa['network'])[0] / h_mean:.1f})")
    if rt is not None:
        rt_m = mean_sd(rt["wall"])[0]
        print(f"ratio brian2-runtime / harness:    {rt_m / h_mean:.1f} "
              f"(vs harness process wall / N: {rt_m / h_proc:.1f})")
    if rf is not None:
        rf_m = mean_sd(rf["wall"])[0]
        print(f"ratio brian2-runtime with the notebook's monitors / harness: {rf_m / h_mean:.1f} "
              f"(vs harness process wall / N: {rf_m / h_proc:.1f})")
    print()
    print("accuracy (mean, sd, min over instances):")
    for name, r in [("harness", h), ("brian2 cpp_standalone", sa)] + (
            [("brian2 runtime", rt)] if rt is not None else []) + (
            [("brian2 runtime, monitors", rf)] if rf is not None else []):
        tm, tsd = mean_sd(r["test"])
        trm = sum(r["train"]) / len(r["train"])
        sd_s = f"{tsd:.4f}" if not math.isnan(tsd) else "-"
        print(f"  {name:<22} train {trm:.4f}  test {tm:.4f} sd {sd_s} "
              f"min {min(r['test']):.2f}  (n={len(r['test'])})")
    worst = report_spikes(h, sa, n)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if worst > 0.05:
        print(f"WARNING: brian2's spike counts differ from harness's by {worst * 100:.1f} % "
              f"(more than noise: the two do not run the same network)")
    h_test, sa_test = mean_sd(h["test"])[0], mean_sd(sa["test"])[0]
    if abs(h_test - sa_test) > 0.05:
        print(f"WARNING: mean test accuracies differ by {abs(h_test - sa_test):.3f}")


if __name__ == "__main__":
    main()
