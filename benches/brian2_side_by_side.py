#!/usr/bin/env python3
"""Side-by-side wall time of the notebook protocol: brian2 (C++ standalone, runtime) vs harness.

One instance = the notebook's protocol on 2 classes (digits 0/1): positions drawn uniformly from
1..348 of the 360-image 0/1 subset with replacement in both phases, 200 training presentations
with teacher 100 into the labelled output, then 100 test presentations without it, windows of
50 ms presentation / 50 ms rest, plasticity on throughout, Poisson input `rand() < rates*dt`,
30 s = 300,000 steps of 0.1 ms (model: docs/model.md; the brian2 network:
tools/brian2_reference/notebook_model.py, shared with accuracy.py and golden.py).

Modes, all run on this machine, one after the other, single-threaded:

  harness     `harness sweep` of experiments/notebook.toml + `replicates = N`, `--threads 1`:
              per instance = mean of `wall_s` in timings.csv (harness's own timer around each
              run); the process wall time / N is reported too.
  standalone  brian2 `cpp_standalone` (build_on_run=False): one 30 s network, the schedule as
              TimedArrays (input rates per 50 ms window, 2D, shape (600, 64); teacher current per
              window and output, 2D, shape (600, 2)), so no network_operation; G.a recorded every
              step by a StateMonitor and the notebook's prediction rule applied to the trace in
              numpy afterwards. Compiled once; then each instance is one
              `device.run(run_args={...})` with its own initial values (P.a, P.theta, G.a,
              G.theta, S.w), its own schedule (TimedArray values) and its own seed for the C++
              random generator (an environment variable read by two lines inserted in main()).
              Per instance = wall time of `device.run()` (writing the run_args arrays, starting
              the binary, loading the arrays, simulating, writing the results, brian2's check of
              the states); brian2's own reported network run time (`device._last_run_time`,
              the simulation loop only) is shown as a second row. Reading the monitor and
              computing the predictions is not timed. One untimed warm-up run precedes them.
  runtime     brian2 runtime mode, cython target, exactly as the notebook runs it (the
              network_operation and all): tools/brian2_reference/accuracy.py's run_notebook().
              Per instance = wall time of its two `net.run()` calls (20 s train + 10 s test,
              including brian2's per-run code generation, excluding C compilation: an untimed
              short warm-up fills the cython cache first).

Usage (from the repository root, after
`CARGO_TARGET_DIR=/work/target cargo build --release`):

    python3 benches/brian2_side_by_side.py --instances 16 [--runtime 1] [--harness PATH]

brian2 runs under the Python that has it: this one if it imports brian2, else $BRIAN2_PYTHON,
else /work/venv-brian2/bin/python.
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

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
REF = os.path.join(REPO, "tools", "brian2_reference")
NOTEBOOK_TOML = os.path.join(REPO, "experiments", "notebook.toml")
# tools/brian2_reference on the path: notebook_model.py (the notebook's brian2 network, shared with
# golden.py and accuracy.py) and accuracy.py (runtime mode) are imported from there
sys.path.insert(0, REF)
import notebook_model  # noqa: E402  (imports neither brian2 nor numpy until used)

N_WINDOWS_TRAIN = 400     # 200 presentations + 200 rests
N_WINDOWS_TEST = 200      # 100 presentations + 100 rests
WINDOW_STEPS = 500        # 50 ms / 0.1 ms
PREDICT_STEPS = 50
TEACHER = 100.0
F_MAX = 250.0             # Hz


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


# ----------------------------------------------------------------------------------- harness

def run_harness(exe, n, workdir):
    exp = os.path.join(workdir, "notebook_side_by_side.toml")
    with open(NOTEBOOK_TOML) as f:
        body = f.read()
    with open(exp, "w") as f:  # a top-level key must precede the first [table]
        f.write(f"replicates = {n}\n" + body)
    out = os.path.join(workdir, "harness_out")
    cmd = [exe, "sweep", exp, "--threads", "1", "--out", out]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    total = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"harness sweep failed ({p.returncode})")
    with open(os.path.join(out, "timings.csv")) as f:
        walls = [float(r["wall_s"]) for r in csv.DictReader(f)]
    with open(os.path.join(out, "runs.csv")) as f:
        rows = list(csv.DictReader(f))
    assert len(walls) == n and len(rows) == n, (len(walls), len(rows))
    assert all(r["status"] == "ok" for r in rows)
    return dict(wall=walls, total=total,
                in_spikes=[int(r["input_spikes_train"]) + int(r["input_spikes_test"]) for r in rows],
                out_spikes=[int(r["output_spikes_train"]) + int(r["output_spikes_test"])
                            for r in rows],
                train=[float(r["train_accuracy"]) for r in rows],
                test=[float(r["test_accuracy"]) for r in rows],
                cmd=" ".join(cmd))


# ----------------------------------------------------------------------------------- brian2 workers

def load_data():
    import accuracy  # tools/brian2_reference/accuracy.py
    return accuracy.load_data()


def schedule(rng, data, y):
    """The notebook's draws for one instance: rates (600, 64) in Hz, teacher (600, 2), labels."""
    import numpy as np
    n_pres = (N_WINDOWS_TRAIN + N_WINDOWS_TEST) // 2
    idx = rng.randint(1, 349, size=n_pres)             # np.random.randint(1, 349), both phases
    rates = np.zeros((N_WINDOWS_TRAIN + N_WINDOWS_TEST, 64))
    teacher = np.zeros((N_WINDOWS_TRAIN + N_WINDOWS_TEST, 2))
    rates[0::2] = data[idx] * F_MAX                     # presentations; rests stay 0
    labels = y[idx].astype(int)
    train_windows = np.arange(0, N_WINDOWS_TRAIN, 2)
    teacher[train_windows, labels[: N_WINDOWS_TRAIN // 2]] = TEACHER
    return rates, teacher, labels


def predict(a):
    """The notebook's rule on a full-rate trace a (2, steps): at each rest start t (step), argmax
    of the mean of the records t-50 .. t-1."""
    import numpy as np
    n_pres = (N_WINDOWS_TRAIN + N_WINDOWS_TEST) // 2
    starts = (2 * np.arange(n_pres) + 1) * WINDOW_STEPS
    win = np.stack([a[:, t - PREDICT_STEPS: t] for t in starts])   # (n_pres, 2, 50)
    return np.argmax(win.mean(axis=2), axis=1)


def worker_standalone(n, seed0, builddir):
    import numpy as np
    import brian2 as b2
    from brian2 import StateMonitor, TimedArray, ms, Hz, set_device, device, prefs
    data, y = load_data()
    set_device("cpp_standalone", build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0    # single thread, like --threads 1

    n_hidden = 2
    n_win = N_WINDOWS_TRAIN + N_WINDOWS_TEST

    # placeholders: every instance replaces the values through run_args
    rates_ta = TimedArray(np.zeros((n_win, 64)) * Hz, dt=50 * ms, name="rates_ta")
    teacher_ta = TimedArray(np.zeros((n_win, n_hidden)), dt=50 * ms, name="teacher_ta")

    # the notebook's network (notebook_model.py), with the schedule read from the TimedArrays
    # (P has no `rates`; G's I_teacher is the teacher TimedArray) and spike counters `nspk` (a
    # sanity check against harness's counts; the only addition)
    ns = notebook_model.namespace(n_hidden, rates_ta=rates_ta, teacher_ta=teacher_ta)
    P = notebook_model.input_group(ns, threshold='rand() < rates_ta(t, i)*dt', rates=False,
                                   count_spikes=True)
    P.train = 1
    P.a = 0.25
    P.theta = 0.25
    G = notebook_model.hidden_group(ns, teacher='I_teacher = teacher_ta(t, i) : 1',
                                    count_spikes=True)
    G.train = 1
    G.a = 0.25
    G.theta = 0.25
    G.hold = 3.
    mon = StateMonitor(G, 'a', record=True, name='statemonitor')
    S = notebook_model.forward_synapses(P, G, ns)
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
    net = b2.Network(P, G, S, S_neg, mon)
    notebook_model.check_pathway_order(net)
    net.run((N_WINDOWS_TRAIN + N_WINDOWS_TEST) * 50 * ms)

    t0 = time.perf_counter()
    device.build(directory=builddir, compile=True, run=False, with_output=False)
    compile_s = time.perf_counter() - t0

    def instance(seed):
        rng = np.random.RandomState(seed)
        init = {P.a: rng.rand(64) * 0.5, P.theta: rng.rand(64) * 0.5,
                G.a: rng.rand(2) * 0.5, G.theta: rng.rand(2) * 0.5,
                S.w: rng.rand(64 * n_hidden)}
        rates, teacher, labels = schedule(rng, data, y)
        run_args = dict(init)
        run_args[rates_ta] = rates * Hz
        run_args[teacher_ta] = teacher
        os.environ["SBS_SEED"] = str(seed)
        t0 = time.perf_counter()
        device.run(run_args=run_args, with_output=False)
        wall = time.perf_counter() - t0
        a = np.asarray(mon.a)
        assert a.shape == (2, (N_WINDOWS_TRAIN + N_WINDOWS_TEST) * WINDOW_STEPS), a.shape
        pred = predict(a)
        ntr = N_WINDOWS_TRAIN // 2
        return dict(seed=seed, wall=wall, binary=device.timers["run_binary"],
                    network=device._last_run_time,
                    train=float(np.mean(pred[:ntr] == labels[:ntr])),
                    test=float(np.mean(pred[ntr:] == labels[ntr:])),
                    a_sum=float(a.sum()), in_spikes=int(np.sum(P.nspk[:])),
                    out_spikes=int(np.sum(G.nspk[:])))

    warm = instance(10 ** 6 + seed0)   # untimed: first start of the binary, cold page cache
    res = [instance(seed0 + k) for k in range(n)]
    assert len({r["a_sum"] for r in res}) == n, "instances gave identical traces"
    return dict(compile=compile_s, warmup=warm["wall"], version=b2.__version__,
                wall=[r["wall"] for r in res], binary=[r["binary"] for r in res],
                network=[r["network"] for r in res], train=[r["train"] for r in res],
                test=[r["test"] for r in res], seeds=[r["seed"] for r in res],
                in_spikes=[r["in_spikes"] for r in res], out_spikes=[r["out_spikes"] for r in res])


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


def call_worker(py, mode, args, extra):
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--instances", type=int, default=16,
                    help="instances of harness and of brian2 standalone (default 16)")
    ap.add_argument("--runtime", type=int, default=1,
                    help="instances of brian2 runtime mode (cython); 0 skips it (default 1)")
    ap.add_argument("--runtime-full", type=int, default=0,
                    help="instances of brian2 runtime mode with the notebook's full set of "
                         "StateMonitors (every P, G and synapse variable it plots; ~1 GB); "
                         "default 0")
    ap.add_argument("--seed", type=int, default=0,
                    help="first seed of the brian2 instances (default 0)")
    ap.add_argument("--harness", default=None, help="harness binary")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--worker", choices=["standalone", "runtime", "runtime-full"], help=argparse.SUPPRESS)
    ap.add_argument("--builddir", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker == "standalone":
        r = worker_standalone(args.instances, args.seed, args.builddir)
        print("RESULT " + json.dumps(r), flush=True)
        return
    if args.worker in ("runtime", "runtime-full"):
        r = worker_runtime(args.runtime, args.seed, notebook_monitors=args.worker == "runtime-full")
        print("RESULT " + json.dumps(r), flush=True)
        return

    n = args.instances
    exe = find_harness(args.harness)
    py = brian2_python()
    tmp = tempfile.mkdtemp(prefix="brian2_side_by_side_")
    print(f"machine: {machine()}")
    print(f"protocol: notebook, classes 0/1, 200 train + 100 test presentations, "
          f"300,000 steps of 0.1 ms per instance")
    print(f"work dir: {tmp}", flush=True)
    try:
        print(f"[1/3] harness: {n} instances ...", flush=True)
        h = run_harness(exe, n, tmp)
        print(f"[2/3] brian2 cpp_standalone: compile, then {n} instances ...", flush=True)
        sa = call_worker(py, "standalone", args,
                         ["--instances", str(n), "--seed", str(args.seed),
                          "--builddir", os.path.join(tmp, "standalone")])
        rt = None
        if args.runtime > 0:
            print(f"[3/3] brian2 runtime (cython): {args.runtime} instance(s) ...", flush=True)
            rt = call_worker(py, "runtime", args,
                             ["--runtime", str(args.runtime), "--seed", str(args.seed)])
        rf = None
        if args.runtime_full > 0:
            print(f"[3/3] brian2 runtime (cython), the notebook's monitors: {args.runtime_full} "
                  f"instance(s) ...", flush=True)
            rf = call_worker(py, "runtime-full", args,
                             ["--runtime", str(args.runtime_full), "--seed", str(args.seed)])
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    h_mean, h_sd = mean_sd(h["wall"])
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
          f"(vs harness process wall / N: {sa_m / h_proc:.1f})")
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
    print("spikes per instance (mean): input / output")
    for name, r in [("harness", h), ("brian2 cpp_standalone", sa)]:
        print(f"  {name:<22} {sum(r['in_spikes']) / n:.0f} / {sum(r['out_spikes']) / n:.0f}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    bad = [t for t in sa["test"] if t < 0.9]
    if sum(sa["test"]) / n < 0.93 or sum(sa["train"]) / n < 0.97:
        print("WARNING: brian2 standalone accuracies are not in the expected range "
              "(test ~0.95-1.0, train ~1.0)")
    elif bad:
        print(f"note: {len(bad)} standalone instance(s) below 0.90 test accuracy")


if __name__ == "__main__":
    main()
