#!/usr/bin/env python3
"""Small brian2 probes of details that matter for bit-level agreement with the spec.

1. the value that the notebook's reset `hold += 0.1 * n_hidden` adds;
2. the total that the per-synapse trace increments (`1./n_hidden *1*ms/(alpha)` per
   forward synapse on_pre, `1./n_input *1*ms/(alpha)` per synapse on_post) add to a trace,
   compared with 1 ms/alpha = 0.1 and with sequential float sums;
3. the one-step `v` update of `method='linear'` when tau == tau_I (the spec's limit case);
4. refractoriness: first step at which an output can spike again after a spike.

Usage: /work/venv-brian2/bin/python tools/brian2_reference/check_details.py [--target numpy]
"""
import sys

import numpy as np
import brian2 as b2
from brian2 import NeuronGroup, Synapses, Network, SpikeMonitor, ms

target = "numpy" if "--target" in sys.argv and sys.argv[-1] == "numpy" else "cython"
b2.prefs.codegen.target = target
b2.BrianLogger.log_level_error()
print("target", target, "brian2", b2.__version__)


def probe_increments(n_hidden):
    b2.start_scope()
    n_input = 64.
    alpha = 10 * ms
    beta = 100 * ms
    c_inp = 0.2
    wmax, decay, lr = 1.0, 0.0, 0.0
    # all 64 inputs spike at step 0 -> each P.a gets n_hidden increments
    P = NeuronGroup(64, '''da/dt = 0/ms : 1
                           dtheta/dt = 0/ms : 1
                           diff = a - theta : 1
                           train : 1''', threshold='t < 0.05*ms', refractory=2 * ms,
                    method='euler', dt=0.1 * ms, name='P')
    # all outputs spike at step 0 -> each G.a gets 64 increments, G.hold one reset
    G = NeuronGroup(n_hidden, '''dv/dt = 0/ms : 1 (unless refractory)
                                 I_inp : 1
                                 da/dt = 0/ms : 1
                                 dtheta/dt = 0/ms : 1
                                 dhold/dt = 0/ms : 1''', threshold='v > hold',
                    reset='''v = 0
                             hold += 0.1 * n_hidden''', refractory=2 * ms,
                    method='euler', dt=0.1 * ms, name='G')
    G.v = 1.0
    G.hold = 0.0
    P.train = 1
    S = Synapses(P, G, 'w : 1', on_pre='''
    I_inp_post += w * c_inp
    a_pre += 1./n_hidden *1*ms/(alpha)
    theta_pre += 1./n_hidden *1*ms/(beta)
    ''', on_post='''
    a_post += 1./n_input *1*ms/(alpha)
    theta_post += 1./n_input *1*ms/(beta)
    w = clip(w + train_pre * (-decay + lr*diff_pre), 0, wmax)
    ''', dt=0.1 * ms, name='synapses')
    S.connect()
    net = Network(P, G, S)
    net.run(0.1 * ms)
    seq = lambda x, n: sum([x] * n, 0.0)
    print(f"n_out={n_hidden}: hold increment {float(G.hold[0])!r} "
          f"(0.1*n={0.1 * n_hidden!r}, literal {round(0.1 * n_hidden, 10)!r})")
    print(f"  P.a total {float(P.a[0])!r}  P.theta total {float(P.theta[0])!r}  "
          f"(sequential sums {seq(1. / n_hidden * 0.001 / 0.01, n_hidden)!r}, "
          f"{seq(1. / n_hidden * 0.001 / 0.1, n_hidden)!r})")
    print(f"  G.a total {float(G.a[0])!r}  G.theta total {float(G.theta[0])!r}  "
          f"(sequential sums {seq(1. / 64 * 0.001 / 0.01, 64)!r}, "
          f"{seq(1. / 64 * 0.001 / 0.1, 64)!r})")


def probe_equal_taus():
    b2.start_scope()
    tau = 10 * ms
    tau_I = 10 * ms
    G = NeuronGroup(1, '''dv/dt = (-v+I)/tau : 1
                          dI_inp/dt = -I_inp/tau_I : 1
                          I_teacher : 1
                          I = I_inp + I_teacher : 1''', method='linear', dt=0.1 * ms)
    G.I_inp = 1.0
    net = Network(G)
    dt = 0.1
    try:
        net.run(0.1 * ms)
    except Exception as e:  # noqa: BLE001
        cause = e.__cause__ if e.__cause__ is not None else e
        print(f"tau == tau_I: brian2 run() fails: {type(cause).__name__}: {cause}; spec limit "
              f"(dt/tau)e^(-dt/tau) = {dt / 10 * np.exp(-dt / 10)!r}")
        return
    print(f"tau == tau_I: v after one step from I_inp=1: {float(G.v[0])!r}; spec limit "
          f"(dt/tau)e^(-dt/tau) = {dt / 10 * np.exp(-dt / 10)!r}")


def probe_refractory():
    b2.start_scope()
    G = NeuronGroup(1, 'dv/dt = 1000/ms : 1 (unless refractory)', threshold='v > 1',
                    reset='v = 0', refractory=2 * ms, method='euler', dt=0.1 * ms)
    G.v = 2
    m = SpikeMonitor(G)
    net = Network(G, m)
    net.run(5 * ms)
    steps = np.round(np.asarray(m.t[:]) / 1e-4).astype(int)
    print(f"refractory 2 ms: output spike steps {steps.tolist()} (spec: n, n+20, ...)")


for n in (2, 3):
    probe_increments(n)
probe_equal_taus()
probe_refractory()
