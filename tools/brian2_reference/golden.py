#!/usr/bin/env python3
"""Golden trajectory fixtures for the Rust re-implementation (brian2 reference).

Runs the notebook's network (the original notebook is not vendored; docs/model.md writes it out) in brian2 with
the notebook's own equations, on_pre/on_post statements and reset, but with the input
spikes replayed from a precomputed, seeded table (2D TimedArray) instead of rand().

Writes tests/fixtures/golden_2out.json.gz and golden_3out.json.gz (the notebook's model and
parameters) and golden_onoff_3out.json.gz, golden_norm_3out.json.gz, golden_soft_3out.json.gz,
golden_options_4out.json.gz (the model options of docs/model.md, each with parameters of its own:
on/off input coding, weight normalisation, soft bounds, and the three together) and
golden_best_6out.json.gz (the protocol's options: two outputs per class, the teacher on each
class's best-matching output, labels assigned by the responses) and golden_testwindow_3out.json.gz
(test presentations of their own length, 100 ms after training's 50), relative to the
repository root, resolved from this file's location. FIXTURES below lists them.

After each brian2 run the script checks the fixture against an independent numpy loop
that follows docs/model.md literally (step order, refractoriness, pathway order,
protocol before monitor), and checks brian2's schedule (sorted objects) explicitly.

Usage (from the repository root):
    /work/venv-brian2/bin/python tools/brian2_reference/golden.py
Options: --target cython|numpy (default cython), --only 2|3|onoff|norm|soft|options|best|testwindow, --out DIR,
--no-verify, --dump-code DIR (write brian2's generated code and exit)
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np

import notebook_model  # the notebook's brian2 network, shared with accuracy.py and the bench

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "tests", "fixtures")


def find_data():
    cands = [
        os.environ.get("DIGITS_CSV", ""),
        os.path.join(REPO, "data", "digits.csv.gz"),
    ]
    for c in cands:
        if c and os.path.exists(c):
            return os.path.abspath(c)
    raise SystemExit("digits.csv.gz not found (set DIGITS_CSV)")


def load_digits_csv():
    arr = np.loadtxt(find_data(), delimiter=",", dtype=np.int64)
    assert arr.shape == (1797, 65), arr.shape
    return arr[:, :64], arr[:, 64]


# ---------------------------------------------------------------- protocol constants
N_PIXELS = 64  # pixels of an image: n_in, or 2 * 64 with on/off input coding
DT_MS = 0.1    # every fixture's dt and window (the protocol's step counts below)
WINDOW_MS = 50.0
STEPS_PER_WINDOW = int(round(WINDOW_MS / DT_MS))  # 500
TRAIN_PRES = 12
TEST_PRES = 8
TRAIN_WINDOWS = 2 * TRAIN_PRES
TEST_WINDOWS = 2 * TEST_PRES
N_STEPS = (TRAIN_WINDOWS + TEST_WINDOWS) * STEPS_PER_WINDOW  # 20000 (a longer test window: more)
PREDICT_ENTRIES = 50  # the prediction: mean of the monitor's last 50 entries of G.a
G_EVERY, P_EVERY, W_EVERY = 10, 200, 200

# The notebook's parameters (docs/model.md). `hold_inc` None: the notebook's reset
# `hold += 0.1 * n_hidden`; the fixture records the number it adds.
PARAMS = dict(dt_ms=0.1, f_max_hz=250.0, alpha_ms=10.0, beta_ms=100.0, tau_ms=10.0,
              tau_i_ms=15.0, tau_h_ms=50.0, t_ref_ms=2.0, hold0=3.0, hold_inc=None,
              wmax=1.0, c_inp=0.2, c_neg=1.7, lr=0.05, lr_n=0.01, decay=0.001,
              teacher=100.0, window_ms=50.0)

# The fixtures: name (--only), file, classes (class index = position in the list), first seed
# tried (the first one that satisfies every check is used), parameters that differ from PARAMS,
# model options (absent: the notebook's model; the notebook's two fixtures have no option keys,
# so that their bytes stay what they were).
FIXTURES = [
    dict(name="2", file="golden_2out.json.gz", classes=[0, 1], seed=2000, params={},
         options=None),
    dict(name="3", file="golden_3out.json.gz", classes=[0, 1, 2], seed=3000, params={},
         options=None),
    dict(name="onoff", file="golden_onoff_3out.json.gz", classes=[0, 1, 2], seed=4000,
         params=dict(c_inp=0.12, hold_inc=0.25, lr=0.03),
         options=dict(on_off=True, weight_sum=None, soft_bounds=False)),
    dict(name="norm", file="golden_norm_3out.json.gz", classes=[0, 1, 2], seed=5000,
         params=dict(lr=0.08, decay=0.002, c_neg=1.2),
         options=dict(on_off=False, weight_sum=24.0, soft_bounds=False)),
    dict(name="soft", file="golden_soft_3out.json.gz", classes=[0, 1, 2], seed=6000,
         params=dict(lr=0.1, wmax=0.8, c_inp=0.25),
         options=dict(on_off=False, weight_sum=None, soft_bounds=True)),
    dict(name="options", file="golden_options_4out.json.gz", classes=[3, 8, 5, 9], seed=7000,
         params=dict(tau_ms=12.0, alpha_ms=8.0, hold_inc=0.35, lr=0.06),
         options=dict(on_off=True, weight_sum=40.0, soft_bounds=True)),
    # The readout options (protocol, not model): two outputs per class, the teacher on the
    # class's best-matching output, labels assigned by the responses (see readout below).
    dict(name="best", file="golden_best_6out.json.gz", classes=[3, 8, 5], seed=8000,
         params=dict(lr=0.08, hold_inc=0.3, c_inp=0.15),
         options=dict(on_off=True, weight_sum=30.0, soft_bounds=False, neurons_per_class=2,
                      teacher_to="best", labels="assigned", assign_presentations=6)),
    # The test phase's own window (protocol): test presentations and rests of 100 ms after
    # training's 50 ms ones, with plasticity on in both phases as in every fixture.
    dict(name="testwindow", file="golden_testwindow_3out.json.gz", classes=[0, 1, 2], seed=9000,
         params=dict(lr=0.06, hold_inc=0.3),
         options=dict(on_off=False, weight_sum=None, soft_bounds=False, test_window_ms=100.0)),
]
NO_OPTIONS = dict(on_off=False, weight_sum=None, soft_bounds=False)


def fixture_params(cfg):
    """(params as brian2 gets them: hold_inc None = the notebook's reset; params as the fixture
    records them: hold_inc the number the reset adds, and with options the option keys, the
    classes and the initial weights' scale)."""
    p = dict(PARAMS)
    for k, v in cfg["params"].items():
        assert k in p, k
        p[k] = v
    assert p["dt_ms"] == DT_MS and p["window_ms"] == WINDOW_MS, "the protocol's step counts"
    rec = dict(p)
    if p["hold_inc"] is None:
        rec["hold_inc"] = 0.1 * len(cfg["classes"])  # as the reset `hold += 0.1 * n_hidden` computes it
    if cfg["options"] is not None:
        rec.update(cfg["options"])
        rec["classes"] = list(cfg["classes"])
        rec["w_init_scale"] = p["wmax"]  # initial w = U(0,1) * wmax
    return p, rec


def test_window_ms(opt):
    """The test phase's window, ms: the option's, else the training window."""
    return opt.get("test_window_ms") or WINDOW_MS


def windows(test_ms):
    """(first step of every window, both phases in order; the run's steps) with training windows
    of WINDOW_MS and test windows of `test_ms` (a whole number of training windows, so that the
    protocol's network_operation, ticking every WINDOW_MS, meets every window's start)."""
    ratio = test_ms / WINDOW_MS
    assert ratio == int(ratio) >= 1, test_ms
    tw = STEPS_PER_WINDOW * int(ratio)
    train_end = TRAIN_WINDOWS * STEPS_PER_WINDOW
    starts = [i * STEPS_PER_WINDOW for i in range(TRAIN_WINDOWS)]
    starts += [train_end + i * tw for i in range(TEST_WINDOWS)]
    return starts, train_end + TEST_WINDOWS * tw


def n_inputs(opt):
    return 2 * N_PIXELS if opt["on_off"] else N_PIXELS


def input_levels(pixels, opt):
    """Per input, its share of f_max while the image is shown: pixel/16, then (on/off coding)
    (16 - pixel)/16 for the off inputs 64..127."""
    if opt["on_off"]:
        return np.concatenate([pixels, 16 - pixels]) / 16.0
    return pixels / 16.0


def per_class(opt):
    """Outputs per class (`neurons_per_class`; the notebook: 1)."""
    return opt.get("neurons_per_class", 1)


def taught(opt, label, W, levels, f_max):
    """The outputs the teacher drives for class index `label` (docs/model.md, "Options"): all of
    the class's k outputs, or ("best") the one whose forward weights W (n_in x n_out) have the
    largest sum of products with the input rates in Hz, summed in input order (first of ties)."""
    k = per_class(opt)
    outs = list(range(label * k, (label + 1) * k))
    if opt.get("teacher_to", "class") != "best":
        return outs
    r = levels * f_max
    best, best_drive = outs[0], -np.inf
    for j in outs:
        d = 0.0
        for i in range(len(r)):
            d = d + float(W[i, j]) * float(r[i])
        if d > best_drive:
            best, best_drive = j, d
    return [best]


def trace_sums(a_last):
    """Each output's sum of its last PREDICT_ENTRIES samples of G.a (rows: outputs), in time order."""
    sums = np.zeros(a_last.shape[0])
    for t in range(a_last.shape[1]):
        sums = sums + a_last[:, t]
    return sums


def readout_predict(sums, owner, sizes):
    """The class whose outputs' trace sums score highest: the sum over its outputs (in output
    order), divided by their number for assigned labels (sizes not None; no outputs: never)."""
    n_classes = max(owner) + 1 if sizes is None else len(sizes)
    score = [0.0] * n_classes
    for j, c in enumerate(owner):
        score[c] = score[c] + float(sums[j])
    if sizes is not None:
        score = [-np.inf if n == 0 else sc / n for sc, n in zip(score, sizes)]
    return int(np.argmax(score))


def assign_labels(responses, n_classes):
    """Assigned labels (Diehl & Cook): each output to the class with its highest mean trace sum
    over the recorded presentations (a list of (class index, sums), summed in that order)."""
    n_out = len(responses[0][1])
    tot = np.zeros((n_classes, n_out))
    count = [0] * n_classes
    for c, sums in responses:
        count[c] += 1
        tot[c] = tot[c] + sums
    owner = []
    for j in range(n_out):
        means = [-np.inf if count[c] == 0 else tot[c, j] / count[c] for c in range(n_classes)]
        owner.append(int(np.argmax(means)))
    sizes = [owner.count(c) for c in range(n_classes)]
    return owner, sizes


def make_inputs(seed, classes, pixels_all, labels_all, p, opt, with_options):
    """Schedule, initial state and input spike table, all from one seeded RandomState.

    Draw order: schedule (20 positions into the class subset, file order), then
    P.a, P.theta, G.a, G.theta (U(0,0.5)), S.w (U(0,1), times wmax with options), then the
    spike table uniforms (steps x n_in).
    """
    n_out = len(classes) * per_class(opt)
    n_in = n_inputs(opt)
    rng = np.random.RandomState(seed)
    subset = np.flatnonzero(np.isin(labels_all, classes))  # file order
    pos = rng.randint(0, len(subset), size=TRAIN_PRES + TEST_PRES)
    rows = subset[pos]
    lab = np.array([classes.index(int(labels_all[r])) for r in rows])
    if set(lab[:TRAIN_PRES].tolist()) != set(range(len(classes))):
        return None
    init = dict(
        p_a=rng.rand(n_in) * 0.5,
        p_theta=rng.rand(n_in) * 0.5,
        g_a=rng.rand(n_out) * 0.5,
        g_theta=rng.rand(n_out) * 0.5,
        g_hold=np.ones(n_out) * p["hold0"],
        w=rng.rand(n_in * n_out),
    )
    if with_options:  # the option fixtures: U(0,1) * wmax (fixture params.w_init_scale)
        init["w"] = init["w"] * p["wmax"]
    # spike table: p = level * f_max * dt while shown, 0 in rests; refractory t_ref
    t_ref_steps = int(round(p["t_ref_ms"] / p["dt_ms"]))
    starts, n_steps = windows(test_window_ms(opt))
    u = rng.random_sample((n_steps, n_in))
    table = np.zeros((n_steps, n_in), dtype=np.float64)
    last = np.full(n_in, -10 ** 9)
    for w_idx, s0 in enumerate(starts):
        if w_idx % 2 == 1:
            continue
        prob = input_levels(pixels_all[rows[w_idx // 2]], opt) * p["f_max_hz"] * (p["dt_ms"] * 1e-3)
        s1 = starts[w_idx + 1]  # a presentation is followed by its rest
        for n in range(s0, s1):
            sp = (u[n] < prob) & (n - last >= t_ref_steps)
            table[n, sp] = 1.0
            last[sp] = n
    return dict(rows=rows, labels=lab, init=init, table=table)


def normalise_weights(S, n_in, n_out, weight_sum):
    """Weight normalisation (Diehl & Cook 2015), in the network_operation: each output's forward
    weights rescaled to sum to weight_sum; the sum taken sequentially in k order; no clipping."""
    W = np.array(S.w[:], dtype=np.float64).reshape(n_in, n_out)  # source-major: i*n_out + j
    s = W[0].copy()
    for k in range(1, n_in):
        s = s + W[k]
    for j in range(n_out):
        if s[j] > 0:
            factor = weight_sum / s[j]
            W[:, j] = W[:, j] * factor
    S.w[:] = W.reshape(-1)


def run_brian2(inp, cfg, pixels_all, target, dump_code=None):
    import brian2 as b2
    from brian2 import (StateMonitor, SpikeMonitor, Network, TimedArray, network_operation,
                        ms, Hz)
    b2.prefs.codegen.target = target
    b2.start_scope()
    classes = cfg["classes"]
    p, params = fixture_params(cfg)
    opt = cfg["options"] or NO_OPTIONS
    k_out = per_class(opt)
    n_out = len(classes) * k_out
    n_in = n_inputs(opt)
    rows, lab = inp["rows"], inp["labels"]
    readout = "neurons_per_class" in opt  # the readout fixture: harness's class sums, assignment

    # --- the notebook's network (notebook_model.py), with every parameter the fixture's ---
    dt = p["dt_ms"] * ms
    spike_table = TimedArray(inp["table"], dt=dt)
    ns = notebook_model.namespace(
        n_hidden=n_out, n_input=n_in, alpha=p["alpha_ms"] * ms, beta=p["beta_ms"] * ms,
        tau=p["tau_ms"] * ms, tau_I=p["tau_i_ms"] * ms, tau_h=p["tau_h_ms"] * ms,
        t_ref=p["t_ref_ms"] * ms, dt=dt, hold0=p["hold0"], hold_inc=p["hold_inc"],
        wmax=p["wmax"], c_inp=p["c_inp"], c_neg=p["c_neg"], lr=p["lr"], lr_n=p["lr_n"],
        decay=p["decay"], spike_table=spike_table)
    time_step = notebook_model.time_step(ns)

    def rates(row):  # P.rates drives nothing here (the table does); set as the notebook does
        return input_levels(pixels_all[row], opt) * p["f_max_hz"] * Hz

    # Only change vs the notebook: threshold replays the table instead of rand()<rates*dt
    P = notebook_model.input_group(ns, threshold='spike_table(t, i) > 0.5')
    P.rates = rates(rows[0])
    P.train = np.ones_like(P.train)
    P.a = inp["init"]["p_a"]
    P.theta = inp["init"]["p_theta"]

    G = notebook_model.hidden_group(ns)
    G.train = np.ones_like(G.train)
    G.a = inp["init"]["g_a"]
    G.theta = inp["init"]["g_theta"]
    G.hold = np.ones_like(G.hold) * p["hold0"]

    # names = brian2's default names for the notebook's creation order
    S = notebook_model.forward_synapses(P, G, ns, soft_bounds=opt["soft_bounds"])
    S.w = inp["init"]["w"]
    S_neg = notebook_model.lateral_synapses(G, ns)
    S_neg.w = np.ones_like(S_neg.w) * (-1.)

    assert np.array_equal(np.asarray(S.i[:]), np.repeat(np.arange(n_in), n_out))
    assert np.array_equal(np.asarray(S.j[:]), np.tile(np.arange(n_out), n_in))
    neg_i, neg_j = np.asarray(S_neg.i[:]), np.asarray(S_neg.j[:])

    def wneg_full(vals):
        m = np.zeros((n_out, n_out))
        m[neg_i, neg_j] = vals
        return m.reshape(-1)

    mon_pred = StateMonitor(G, 'a', record=True, name='statemonitor')  # the notebook's G monitor
    mon_g = StateMonitor(G, ['v', 'I_inp', 'I_neg', 'hold', 'a', 'theta'], record=True,
                         dt=G_EVERY * time_step, name='statemonitor_g')
    mon_p = StateMonitor(P, ['a', 'theta'], record=True, dt=P_EVERY * time_step,
                         name='statemonitor_p')
    mon_w = StateMonitor(S, 'w', record=True, dt=W_EVERY * time_step, name='statemonitor_w')
    mon_wn = StateMonitor(S_neg, 'w', record=True, dt=W_EVERY * time_step,
                          name='statemonitor_wneg')
    spk_p = SpikeMonitor(P, name='spikemonitor_p')
    spk_g = SpikeMonitor(G, name='spikemonitor_g')

    state = dict(counter=0, train=1, pres=0, tick=0)
    test_ms = test_window_ms(opt)
    _, n_steps = windows(test_ms)
    ticks_per_test_window = int(test_ms / p["window_ms"])
    predictions, labels = [], []
    fixed_owner = [j // k_out for j in range(n_out)]
    responses = []  # (class index, trace sums) of each training presentation (readout fixture)
    assigned = {}  # owner and sizes, once training is over

    plastic = True  # plasticity on in both phases (the notebook's train = 1 throughout)

    @network_operation(dt=p["window_ms"] * ms)
    def update_input():
        # The test phase's windows span several ticks: act on the first of each.
        tick = state["tick"]
        state["tick"] += 1
        if not state["train"] and tick % ticks_per_test_window:
            return
        if state["counter"] % 2 == 0:
            k = state["pres"]  # pre-fixed schedule instead of np.random.randint
            state["pres"] += 1
            P.rates = rates(rows[k])
            if state["train"]:
                G.I_teacher = np.zeros_like(G.I_teacher)
                W = np.array(S.w[:], dtype=np.float64).reshape(n_in, n_out)
                levels = input_levels(pixels_all[rows[k]], opt)
                G.I_teacher[taught(opt, int(lab[k]), W, levels, p["f_max_hz"])] = p["teacher"]
            labels.append(int(lab[k]))
        else:
            P.rates = np.zeros_like(P.rates)
            G.I_teacher = np.zeros_like(G.I_teacher)
            if readout:
                sums = trace_sums(np.asarray(mon_pred.a[:, -PREDICT_ENTRIES:]))
                if state["train"]:
                    predictions.append(readout_predict(sums, fixed_owner, None))
                    responses.append((labels[-1], sums))
                else:
                    predictions.append(readout_predict(sums, assigned["owner"], assigned["sizes"]))
            else:
                predictions.append(int(np.argmax(np.mean(mon_pred.a[:, -PREDICT_ENTRIES:], axis=1))))
            if opt["weight_sum"] is not None and plastic:  # option: weight normalisation
                normalise_weights(S, n_in, n_out, opt["weight_sum"])
        state["counter"] += 1

    net = Network(P, G, S, S_neg, mon_pred, mon_g, mon_p, mon_w, mon_wn, spk_p, spk_g,
                  update_input)
    sched = [(o.name, o.when, o.order) for o in net.sorted_objects
             if not len(o.contained_objects)]

    if dump_code:  # write brian2's generated code of every object, no simulation
        net._clocks = {o.clock for o in net.sorted_objects}  # normally set by run()
        net.before_run(dict(locals()))
        with open(dump_code, "w") as f:
            for o in net.sorted_objects:
                for co in getattr(o, "_code_objects", []):
                    if co is None:
                        continue
                    f.write(f"##### {o.name} / {co.name}\n")
                    code = co.code
                    if hasattr(code, "run"):
                        code = code.run
                    f.write(str(code) + "\n")
        return None, sched, 0.0
    initial_w_neg = wneg_full(np.asarray(S_neg.w[:]))
    t0 = time.time()
    net.run(TRAIN_WINDOWS * p["window_ms"] * ms)
    train_pred, train_lab = list(predictions), list(labels)
    predictions.clear(); labels.clear()
    state["counter"] = 0
    state["train"] = 0
    state["tick"] = 0
    if readout:
        recent = responses[-opt["assign_presentations"]:] if opt.get("labels") == "assigned" else None
        owner, sizes = assign_labels(recent, len(classes)) if recent else (fixed_owner, None)
        assigned.update(owner=owner, sizes=sizes)
    net.run(TEST_WINDOWS * test_ms * ms)
    wall = time.time() - t0
    test_pred, test_lab = list(predictions), list(labels)

    def steps_of(tq, every):
        s = np.round(np.asarray(tq) / (p["dt_ms"] * 1e-3)).astype(np.int64)
        assert np.array_equal(s, np.arange(0, n_steps, every)), (s[:5], s[-5:], len(s))
        return s.tolist()

    def spikes(mon):
        st = np.round(np.asarray(mon.t[:]) / (p["dt_ms"] * 1e-3)).astype(np.int64)
        ni = np.asarray(mon.i[:]).astype(np.int64)
        o = np.lexsort((ni, st))
        return {"step": st[o].tolist(), "neuron": ni[o].tolist()}

    fl = lambda a: np.asarray(a, dtype=np.float64).tolist()
    g_traj = {"step": steps_of(mon_g.t[:], G_EVERY)}
    for var in ['v', 'I_inp', 'I_neg', 'hold', 'a', 'theta']:
        g_traj[var] = fl(getattr(mon_g, var)[:].T)
    p_traj = {"step": steps_of(mon_p.t[:], P_EVERY), "a": fl(mon_p.a[:].T),
              "theta": fl(mon_p.theta[:].T)}
    wn = np.asarray(mon_wn.w[:]).T  # (records, n_syn)
    w_traj = {"step": steps_of(mon_w.t[:], W_EVERY), "w": fl(np.asarray(mon_w.w[:]).T),
              "w_neg": [fl(wneg_full(r)) for r in wn]}
    assert steps_of(mon_wn.t[:], W_EVERY) == w_traj["step"]

    init = {k: fl(v) for k, v in inp["init"].items()}
    init["w_neg"] = fl(initial_w_neg)
    final = dict(p_a=fl(P.a[:]), p_theta=fl(P.theta[:]), g_a=fl(G.a[:]),
                 g_theta=fl(G.theta[:]), g_hold=fl(G.hold[:]), w=fl(S.w[:]),
                 w_neg=fl(wneg_full(np.asarray(S_neg.w[:]))), g_v=fl(G.v[:]),
                 g_I_inp=fl(G.I_inp[:]), g_I_neg=fl(G.I_neg[:]))
    fx = {
        "generator": "tools/brian2_reference/golden.py",
        "brian2_version": b2.__version__,
        "numpy_version": np.__version__,
        "codegen_target": target,
        "n_in": n_in, "n_out": n_out, "classes": list(classes),
        "params": params,
        "train_presentations": TRAIN_PRES, "test_presentations": TEST_PRES,
        "n_steps": n_steps,
        "presentations": [{"row": int(r), "label": int(l),
                           "pixels": [int(x) for x in pixels_all[r]]}
                          for r, l in zip(rows, lab)],
        "initial": init,
        "input_spikes": spikes(spk_p),
        "output_spikes": spikes(spk_g),
        "g_record_every": G_EVERY, "g_trajectory": g_traj,
        "p_record_every": P_EVERY, "p_trajectory": p_traj,
        "w_record_every": W_EVERY, "w_trajectory": w_traj,
        "final": final,
        "predictions": {"train": train_pred, "test": test_pred},
        "labels": {"train": train_lab, "test": test_lab},
    }
    if readout:
        fx["assigned_owner"] = assigned["owner"]
    return fx, sched, wall


# ------------------------------------------------------------------ checks
EXPECTED_ORDER = [
    ("networkoperation", "start"),      # protocol before the G.a monitor
    ("statemonitor", "start"),
    ("G_stateupdater", "groups"), ("P_stateupdater", "groups"),      # (order within a
    ("G_spike_thresholder", "thresholds"), ("P_spike_thresholder", "thresholds"),  # slot: name)
    ("synapses_1_pre", "synapses"),     # lateral on_pre
    ("synapses_pre", "synapses"),       # forward on_pre
    ("synapses_1_post", "synapses"),    # lateral on_post
    ("synapses_post", "synapses"),      # forward on_post
    ("G_spike_resetter", "resets"),
]


def check_schedule(sched):
    names = [s[0] for s in sched]
    pos = []
    for name, when in EXPECTED_ORDER:
        hits = [k for k, s in enumerate(sched) if s[0] == name and s[1] == when]
        assert len(hits) == 1, (name, when, sched)
        pos.append(hits[0])
    assert pos == sorted(pos), ("schedule order differs from the spec", sched)
    # the netop must precede every start-slot monitor
    nop = names.index("networkoperation")
    for k, s in enumerate(sched):
        if s[1] == "start" and s[0].startswith("statemonitor"):
            assert k > nop, sched


def reference_loop(fx):
    """Literal implementation of docs/model.md, replaying fx's input spikes; with the model
    options of the fixture's params (absent: off): on/off coding (n_in = 128: only the number of
    inputs changes here, the spikes are replayed), weight normalisation at the start of each
    rest, soft bounds in the forward on_post rule."""
    n_in, n_out = fx["n_in"], fx["n_out"]
    p = fx["params"]
    on_off = p.get("on_off", False)
    weight_sum = p.get("weight_sum")
    soft_bounds = p.get("soft_bounds", False)
    opt = dict(neurons_per_class=p["neurons_per_class"], teacher_to=p["teacher_to"]) \
        if "neurons_per_class" in p else {}
    readout = bool(opt)
    k_out = per_class(opt)
    n_classes = n_out // k_out
    fixed_owner = [j // k_out for j in range(n_out)]
    responses, owner, sizes = [], fixed_owner, None
    assert n_in == (2 * N_PIXELS if on_off else N_PIXELS), n_in
    plastic = True  # both phases
    dt = p["dt_ms"]
    ea, eb = np.exp(-dt / p["alpha_ms"]), np.exp(-dt / p["beta_ms"])
    eh, ei, ev = np.exp(-dt / p["tau_h_ms"]), np.exp(-dt / p["tau_i_ms"]), np.exp(-dt / p["tau_ms"])
    ti, tm = p["tau_i_ms"], p["tau_ms"]
    kk = ti / (ti - tm) * (np.exp(-dt / ti) - np.exp(-dt / tm))
    ref = int(round(p["t_ref_ms"] / dt))
    init = fx["initial"]
    Pa, Pth = np.array(init["p_a"]), np.array(init["p_theta"])
    Ga, Gth, hold = np.array(init["g_a"]), np.array(init["g_theta"]), np.array(init["g_hold"])
    v = np.zeros(n_out); Ii = np.zeros(n_out); In = np.zeros(n_out); It = np.zeros(n_out)
    W = np.array(init["w"]).reshape(n_in, n_out)
    Wn = np.array(init["w_neg"]).reshape(n_out, n_out)
    offdiag = ~np.eye(n_out, dtype=bool)
    last_g = np.full(n_out, -10 ** 9)
    inp = fx["input_spikes"]
    in_by_step = {}
    for s, k in zip(inp["step"], inp["neuron"]):
        in_by_step.setdefault(s, []).append(k)
    pres = fx["presentations"]
    counter, train, pk = 0, 1, 0
    starts, n_steps = windows(test_window_ms(p))
    starts = set(starts)
    assert n_steps == fx["n_steps"], (n_steps, fx["n_steps"])
    a_hist = np.zeros((n_steps, n_out))
    out_s, out_n = [], []
    preds = {"train": [], "test": []}
    rec = {"g": [], "p": [], "w": []}
    inc_a, inc_t = 1.0 / p["alpha_ms"], 1.0 / p["beta_ms"]
    for n in range(n_steps):
        # 1. start: protocol, then monitors
        if n == TRAIN_WINDOWS * STEPS_PER_WINDOW:
            counter, train = 0, 0
            if readout and p.get("labels") == "assigned":
                owner, sizes = assign_labels(responses[-p["assign_presentations"]:], n_classes)
        if n in starts:
            if counter % 2 == 0:
                It[:] = 0.0
                if train:
                    levels = input_levels(np.array(pres[pk]["pixels"]), dict(on_off=on_off))
                    It[taught(opt, pres[pk]["label"], W, levels, p["f_max_hz"])] = p["teacher"]
                pk += 1
            elif readout:
                It[:] = 0.0
                sums = trace_sums(a_hist[n - PREDICT_ENTRIES:n].T)
                preds["train" if train else "test"].append(readout_predict(sums, owner, sizes))
                if train:
                    responses.append((pres[pk - 1]["label"], sums))
            else:
                It[:] = 0.0
                preds["train" if train else "test"].append(
                    int(np.argmax(a_hist[n - PREDICT_ENTRIES:n].mean(axis=0))))
            if counter % 2 == 1 and weight_sum is not None and plastic:
                # each output's weights to sum weight_sum; sequential sum over k, no clip
                col_sum = np.cumsum(W, axis=0)[-1]
                for j in range(n_out):
                    if col_sum[j] > 0:
                        factor = weight_sum / col_sum[j]
                        W[:, j] = W[:, j] * factor
            counter += 1
        a_hist[n] = Ga
        if n % G_EVERY == 0:
            rec["g"].append(np.concatenate([v, Ii, In, hold, Ga, Gth]))
        if n % P_EVERY == 0:
            rec["p"].append(np.concatenate([Pa, Pth]))
        if n % W_EVERY == 0:
            rec["w"].append(np.concatenate([W.reshape(-1), Wn.reshape(-1)]))
        # 2. groups
        nr = (n - last_g) >= ref
        v_new = v * ev + It * (1 - ev) + (Ii + In) * kk
        v = np.where(nr, v_new, v)
        Pa *= ea; Pth *= eb; Ga *= ea; Gth *= eb; hold *= eh; Ii *= ei; In *= ei
        # 3. thresholds
        ks = in_by_step.get(n, [])
        gs = np.flatnonzero(nr & (v > hold))
        # 4. synapses
        for i in gs:                                   # lateral on_pre
            for j in range(n_out):
                if j != i:
                    In[j] += Wn[i, j] * p["c_neg"]
        for k in ks:                                   # forward on_pre
            Ii += W[k] * p["c_inp"]
            Pa[k] += inc_a; Pth[k] += inc_t
        for j in gs:                                   # lateral on_post
            for i in range(n_out):
                if i != j:
                    Wn[i, j] = min(max(Wn[i, j] - p["lr_n"] * (Ga[i] - Gth[i]), -p["wmax"]), 0.0)
        for j in gs:                                   # forward on_post
            Ga[j] += inc_a; Gth[j] += inc_t
            if soft_bounds:
                d = -p["decay"] + p["lr"] * (Pa - Pth)
                wj, wmax = W[:, j], p["wmax"]
                step = np.where(d > 0, d * (wmax - wj) / wmax, d * wj / wmax)
                W[:, j] = np.clip(wj + step, 0.0, wmax)
            else:
                W[:, j] = np.clip(W[:, j] - p["decay"] + p["lr"] * (Pa - Pth), 0.0, p["wmax"])
        # 5. resets
        for j in gs:
            v[j] = 0.0
            hold[j] += p["hold_inc"]
            last_g[j] = n
            out_s.append(n); out_n.append(int(j))
    return dict(out=(out_s, out_n), preds=preds, rec=rec,
                final=dict(p_a=Pa, p_theta=Pth, g_a=Ga, g_theta=Gth, g_hold=hold,
                           w=W.reshape(-1), w_neg=Wn.reshape(-1), g_v=v, g_I_inp=Ii,
                           g_I_neg=In))


def reference_loop_b2expr(fx):
    """Same as reference_loop, but with brian2's generated expressions (cython target,
    as dumped with --dump-code): times in seconds, per-synapse trace increments added
    one synapse at a time, brian2's algebraic form of the linear v update and of the
    plasticity rules. Shows how close a re-implementation can get (brian2 compiles with
    -ffast-math -march=native, so bit equality is not guaranteed). The notebook's parameters
    and model only (the two notebook fixtures; not run for the option fixtures)."""
    import math
    n_out = fx["n_out"]
    p = fx["params"]
    assert fx["n_in"] == N_PIXELS and "on_off" not in p and p["alpha_ms"] == 10.0, \
        "the notebook's fixtures only"
    ms = 0.001
    dt = 0.1 * ms
    alpha, beta, tau, tau_I, tau_h = 10 * ms, 100 * ms, 10 * ms, 15 * ms, 50 * ms
    e_I, e_a, e_h, e_b = (math.exp(-dt / tau_I), math.exp(-dt / alpha),
                          math.exp(-dt / tau_h), math.exp(-dt / beta))
    k = ((tau_I * math.exp(-dt / tau_I)) * (-math.exp(dt / tau_I) + math.exp(dt / tau))
         * math.exp(-dt / tau)) / (-tau + tau_I)
    e_v = math.exp(-dt / tau)
    inc_pa, inc_pt = ms / (n_out * alpha), ms / (n_out * beta)
    inc_ga, inc_gt = ms / (64.0 * alpha), ms / (64.0 * beta)
    hold_inc = 0.1 * n_out
    c_inp, c_neg, lr, lr_n, decay, wmax = 0.2, 1.7, 0.05, 0.01, 0.001, 1.0
    clip = lambda x, lo, hi: lo if x < lo else (hi if x > hi else x)
    init = fx["initial"]
    Pa, Pth = list(init["p_a"]), list(init["p_theta"])
    Ga, Gth, hold = list(init["g_a"]), list(init["g_theta"]), list(init["g_hold"])
    v, Ii, In, It = [0.0] * n_out, [0.0] * n_out, [0.0] * n_out, [0.0] * n_out
    W = list(init["w"])
    Wn = list(init["w_neg"])
    last_g = [-10 ** 9] * n_out
    in_by_step = {}
    for st, kk in zip(fx["input_spikes"]["step"], fx["input_spikes"]["neuron"]):
        in_by_step.setdefault(st, []).append(kk)
    pres = fx["presentations"]
    counter, train, pk = 0, 1, 0
    a_hist = np.zeros((N_STEPS, n_out))
    out_s, out_n = [], []
    preds = {"train": [], "test": []}
    rec = {"g": [], "p": [], "w": []}
    for n in range(N_STEPS):
        if n == TRAIN_WINDOWS * STEPS_PER_WINDOW:
            counter, train = 0, 0
        if n % STEPS_PER_WINDOW == 0:
            It = [0.0] * n_out
            if counter % 2 == 0:
                if train:
                    It[pres[pk]["label"]] = p["teacher"]
                pk += 1
            else:
                preds["train" if train else "test"].append(
                    int(np.argmax(a_hist[n - 50:n].mean(axis=0))))
            counter += 1
        a_hist[n] = Ga
        if n % G_EVERY == 0:
            rec["g"].append(v + Ii + In + hold + Ga + Gth)
        if n % P_EVERY == 0:
            rec["p"].append(Pa + Pth)
        if n % W_EVERY == 0:
            rec["w"].append(W + Wn)
        nr = [(n - last_g[j]) >= 20 for j in range(n_out)]
        for j in range(n_out):
            if nr[j]:
                v[j] = ((((k * Ii[j]) + (k * In[j])) + It[j]) + (e_v * v[j])) - (e_v * It[j])
            Ii[j] *= e_I; In[j] *= e_I; Ga[j] *= e_a; hold[j] *= e_h; Gth[j] *= e_b
        for q in range(64):
            Pa[q] *= e_a; Pth[q] *= e_b
        gs = [j for j in range(n_out) if nr[j] and v[j] > hold[j]]
        for i in gs:
            for j in range(n_out):
                if j != i:
                    In[j] += c_neg * Wn[i * n_out + j]
        for q in in_by_step.get(n, []):
            for j in range(n_out):
                Ii[j] += c_inp * W[q * n_out + j]
                Pa[q] += inc_pa
                Pth[q] += inc_pt
        for j in gs:
            for i in range(n_out):
                if i != j:
                    Wn[i * n_out + j] = clip(Wn[i * n_out + j] + (-lr_n * (1.0 * (Ga[i] - Gth[i]))),
                                             -wmax, 0.0)
        for j in gs:
            for q in range(64):
                Ga[j] += inc_ga
                Gth[j] += inc_gt
                W[q * n_out + j] = clip(W[q * n_out + j] + (1.0 * (-decay + (lr * (Pa[q] - Pth[q])))),
                                        0.0, wmax)
        for j in gs:
            v[j] = 0.0
            hold[j] += hold_inc
            last_g[j] = n
            out_s.append(n); out_n.append(j)
    return dict(out=(out_s, out_n), preds=preds, rec=rec,
                final=dict(p_a=Pa, p_theta=Pth, g_a=Ga, g_theta=Gth, g_hold=hold, w=W,
                           w_neg=Wn, g_v=v, g_I_inp=Ii, g_I_neg=In))


def verify(fx, inp, loop=None):
    n_out = fx["n_out"]
    # (a) brian2's P spikes are exactly the table
    st, ni = np.nonzero(inp["table"] > 0.5)
    assert fx["input_spikes"]["step"] == st.tolist(), "P spikes differ from the table"
    assert fx["input_spikes"]["neuron"] == ni.tolist(), "P spikes differ from the table"
    # (b) literal spec loop
    r = (loop or reference_loop)(fx)
    same_out = (r["out"][0] == fx["output_spikes"]["step"]
                and r["out"][1] == fx["output_spikes"]["neuron"])
    same_pred = r["preds"] == fx["predictions"]
    g = np.array(r["rec"]["g"])
    gb = np.concatenate([np.array(fx["g_trajectory"][k]) for k in
                         ['v', 'I_inp', 'I_neg', 'hold', 'a', 'theta']], axis=1)
    pb = np.concatenate([np.array(fx["p_trajectory"][k]) for k in ['a', 'theta']], axis=1)
    wb = np.concatenate([np.array(fx["w_trajectory"][k]) for k in ['w', 'w_neg']], axis=1)
    err = {
        "g_traj": float(np.max(np.abs(g - gb))),
        "p_traj": float(np.max(np.abs(np.array(r["rec"]["p"]) - pb))),
        "w_traj": float(np.max(np.abs(np.array(r["rec"]["w"]) - wb))),
        "final": float(max(np.max(np.abs(np.asarray(r["final"][k]) - np.asarray(fx["final"][k])))
                           for k in r["final"])),
    }
    return same_out, same_pred, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="cython", choices=["cython", "numpy"])
    ap.add_argument("--only", choices=[c["name"] for c in FIXTURES],
                    help="one fixture: 2, 3 (the notebook's model), onoff, norm, soft, options, best, "
                         "testwindow")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--dump-code", metavar="DIR",
                    help="write brian2's generated code per fixture to DIR and exit")
    args = ap.parse_args()
    pixels_all, labels_all = load_digits_csv()
    os.makedirs(args.out, exist_ok=True)
    for cfg in FIXTURES:
        if args.only and cfg["name"] != args.only:
            continue
        classes = cfg["classes"]
        p, _ = fixture_params(cfg)
        opt = cfg["options"] or NO_OPTIONS
        n_out = len(classes) * per_class(opt)
        tag = f"{n_out}out" if cfg["options"] is None else f"{cfg['name']}_{n_out}out"
        with_options = cfg["options"] is not None

        def inputs(seed):
            return make_inputs(seed, classes, pixels_all, labels_all, p, opt, with_options)

        seed = cfg["seed"]
        if args.dump_code:
            os.makedirs(args.dump_code, exist_ok=True)
            dst = os.path.join(args.dump_code, f"brian2_code_{tag}_{args.target}.txt")
            while inputs(seed) is None:
                seed += 1
            run_brian2(inputs(seed), cfg, pixels_all, args.target, dump_code=dst)
            print(f"wrote {dst}")
            continue
        while True:
            inp = inputs(seed)
            if inp is None:
                print(f"[{tag}] seed {seed}: a class missing in training, next seed")
                seed += 1
                continue
            fx, sched, wall = run_brian2(inp, cfg, pixels_all, args.target)
            counts = np.bincount(fx["output_spikes"]["neuron"], minlength=n_out)
            if np.all(counts > 0):
                break
            print(f"[{tag}] seed {seed}: output spike counts {counts.tolist()}, next seed")
            seed += 1
        check_schedule(sched)
        print(f"[{tag}] seed {seed}, brian2 run() wall {wall:.2f} s")
        print(f"[{tag}] schedule: " + ", ".join(f"{a}@{b}/{c}" for a, b, c in sched))
        if not args.no_verify:
            same_out, same_pred, err = verify(fx, inp)
            print(f"[{tag}] spec loop vs brian2: output spikes identical={same_out}, "
                  f"predictions identical={same_pred}, max abs diff {err}")
            assert same_out and same_pred and max(err.values()) < 1e-9, "spec loop mismatch"
            if not with_options:  # brian2's expressions for the notebook's model only
                same_out, same_pred, err = verify(fx, inp, reference_loop_b2expr)
                print(f"[{tag}] brian2-expression loop vs brian2: output spikes identical="
                      f"{same_out}, predictions identical={same_pred}, max abs diff {err}")
        path = os.path.join(args.out, cfg["file"])
        with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:
            f.write(json.dumps(fx, separators=(",", ":")).encode())
        print(f"[{tag}] wrote {path} ({os.path.getsize(path)} bytes); "
              f"input spikes {len(fx['input_spikes']['step'])}, output spikes "
              f"{len(fx['output_spikes']['step'])} per neuron {counts.tolist()}; "
              f"pred train {fx['predictions']['train']} labels {fx['labels']['train']}; "
              f"pred test {fx['predictions']['test']} labels {fx['labels']['test']}")


if __name__ == "__main__":
    main()
