#!/usr/bin/env python3
"""Statistical reference: the notebook's full protocol in brian2, over many seeds (fixture: 0..59).

Per seed s: brian2 `seed(s)` (which also seeds numpy's global generator) and
`np.random.seed(s)`; then exactly the notebook's network (notebook_model.py; Poisson input
`rand()<rates*dt`, 2 classes [0, 1]), its initialisation from numpy's global generator,
its `update_input` network_operation (each presentation draws
`np.random.randint(1, 349)` into the 360-row 0/1 subset, both phases), train 20 s with
the teacher, then test 10 s without it (plasticity on, no reset between). Only the G.a
StateMonitor that the predictions need is recorded. Runtime mode, cython target.

Writes tests/fixtures/brian2_notebook_accuracy.csv (repository root resolved from this
file): seed,train_accuracy,test_accuracy,wall_seconds (wall time of the two run() calls).

Usage (from the repository root):
    /work/venv-brian2/bin/python tools/brian2_reference/accuracy.py [--seeds 20] [--out FILE]
        [--first-seed 0]

--first-seed S runs seeds S .. S+N-1 (N = --seeds) and writes the same columns, e.g. to extend the
fixture: --first-seed 20 --seeds 40 --out new.csv, then append new.csv's rows to the fixture.
"""
import argparse
import csv
import gc
import os
import time

import numpy as np

import notebook_model  # the notebook's brian2 network, shared with golden.py and the bench

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "tests", "fixtures", "brian2_notebook_accuracy.csv")


def find_data():
    for c in [os.environ.get("DIGITS_CSV", ""),
              os.path.join(REPO, "data", "digits.csv.gz")]:
        if c and os.path.exists(c):
            return os.path.abspath(c)
    raise SystemExit("digits.csv.gz not found (set DIGITS_CSV)")


def load_data():
    """The notebook's `load_digits(2)`: the rows labelled 0 or 1, in file order, / 16."""
    arr = np.loadtxt(find_data(), delimiter=",", dtype=np.int64)
    sub = arr[np.isin(arr[:, 64], [0, 1])]
    data, y = sub[:, :64] / 16, sub[:, 64]
    assert data.shape == (360, 64)
    try:  # cross-check with scikit-learn's copy of the same data set
        from sklearn import datasets
        d = datasets.load_digits(n_class=2)
        assert np.array_equal(d.images.reshape(-1, 64) / 16, data)
        assert np.array_equal(d.target, y)
    except ImportError:
        pass
    return data, y


def run_notebook(s, data, y, train_ms=20000, test_ms=10000, notebook_monitors=False):
    """One instance; `notebook_monitors` adds the notebook's full set of StateMonitors (P: rates,
    a, theta, diff; G: a, I, diff, I_inp, I_neg, hold; S.w; S_neg.w, every step), which only
    record: the dynamics and the predictions are the same."""
    import brian2 as b2
    from brian2 import StateMonitor, Network, network_operation, ms, Hz, seed
    b2.start_scope()
    seed(s)
    np.random.seed(s)

    # the notebook's network (notebook_model.py); its random draws in the notebook's order
    ns = notebook_model.namespace(n_hidden=2)
    P = notebook_model.input_group(ns)
    P.rates = [k * 250 * Hz for k in data[0]]
    P.train = np.ones_like(P.train)
    P.a = np.random.rand(len(P)) * 0.5
    P.theta = np.random.rand(len(P)) * 0.5

    G = notebook_model.hidden_group(ns)
    G.train = np.ones_like(G.train)
    G.a = np.random.rand(len(G)) * 0.5
    G.theta = np.random.rand(len(G)) * 0.5
    G.hold = np.ones_like(G.hold) * 3.
    g_vars = ['a', 'I', 'diff', 'I_inp', 'I_neg', 'hold'] if notebook_monitors else 'a'
    StateMonitorG = StateMonitor(G, g_vars, record=True, name='statemonitor')

    # names = brian2's default names in the notebook (they fix the pathway order)
    S = notebook_model.forward_synapses(P, G, ns)
    S.w = np.random.rand(len(S))
    S_neg = notebook_model.lateral_synapses(G, ns)
    S_neg.w = np.ones_like(S_neg.w) * (-1.)

    st = dict(counter=0, train=1)
    predictions, labels = [], []

    @network_operation(dt=50 * ms)
    def update_input():
        if st["counter"] % 2 == 0:
            index = np.random.randint(1, 349)
            P.rates = [k * 250 * Hz for k in data[index]]
            if st["train"]:
                G.I_teacher = np.zeros_like(G.I_teacher)
                G.I_teacher[int(y[index])] = 100.0
            labels.append(int(y[index]))
        else:
            P.rates = np.zeros_like(P.rates)
            G.I_teacher = np.zeros_like(G.I_teacher)
            predictions.append(np.argmax(np.mean(StateMonitorG.a[:, -50:], axis=1)))
        st["counter"] += 1

    extra = []
    if notebook_monitors:
        extra = [StateMonitor(P, ['rates', 'a', 'theta', 'diff'], record=True, name='statemonitor_p'),
                 StateMonitor(S, ['w'], record=True, name='statemonitor_s'),
                 StateMonitor(S_neg, ['w'], record=True, name='statemonitor_s_neg')]
    net = Network(P, G, S, S_neg, StateMonitorG, update_input, *extra)
    order = notebook_model.check_pathway_order(net)
    assert order.index("networkoperation") < order.index("statemonitor")

    t0 = time.perf_counter()
    net.run(train_ms * ms)
    t1 = time.perf_counter()
    train_acc = float(np.mean(np.array(predictions) == np.array(labels)))
    predictions.clear(); labels.clear()
    st["counter"] = 0
    st["train"] = 0
    t2 = time.perf_counter()
    net.run(test_ms * ms)
    t3 = time.perf_counter()
    test_acc = float(np.mean(np.array(predictions) == np.array(labels)))
    n_test = len(predictions)
    del net, P, G, S, S_neg, StateMonitorG, update_input, extra
    gc.collect()
    return train_acc, test_acc, (t1 - t0) + (t3 - t2), n_test


def main():
    import brian2 as b2
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20, help="number of seeds")
    ap.add_argument("--first-seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--no-warmup", action="store_true")
    args = ap.parse_args()
    b2.prefs.codegen.target = "cython"
    data, y = load_data()
    if not args.no_warmup:  # fill the cython cache so seed 0's time excludes C compilation
        run_notebook(12345, data, y, train_ms=100, test_ms=100)
    rows = []
    for s in range(args.first_seed, args.first_seed + args.seeds):
        tr, te, wall, n_test = run_notebook(s, data, y)
        assert n_test == 100
        rows.append((s, tr, te, wall))
        print(f"seed {s}: train {tr:.3f} test {te:.3f} wall {wall:.2f} s", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["seed", "train_accuracy", "test_accuracy", "wall_seconds"])
        for s, tr, te, wall in rows:
            w.writerow([s, repr(tr), repr(te), f"{wall:.3f}"])
    te = np.array([r[2] for r in rows]); wl = np.array([r[3] for r in rows])
    tr = np.array([r[1] for r in rows])
    print(f"brian2 {b2.__version__}: train mean {tr.mean():.4f}; test mean {te.mean():.4f} "
          f"sd {te.std(ddof=1):.4f} min {te.min():.2f} max {te.max():.2f}; "
          f"wall mean {wl.mean():.2f} s sd {wl.std(ddof=1):.2f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
