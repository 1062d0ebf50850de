"""The original notebook's brian2 network, written once, with its constants as parameters.

docs/model.md is the spec (the model the Rust crate implements); this module is the notebook's
own brian2 code for it: the constants (with the notebook's names), the equations, thresholds,
resets, on_pre/on_post statements, the refractory period, `method='linear'`, the time step, and
the constructors of the four objects:

    P      input_group()        n_input input neurons (Poisson input `rand()<rates*dt` by default)
    G      hidden_group()       n_hidden output neurons (adaptive threshold `hold`)
    S      forward_synapses()   P -> G, all to all (brian2 name 'synapses')
    S_neg  lateral_synapses()   G -> G, i != j (brian2 name 'synapses_1')

Every model constant is a parameter of `namespace()` whose default is the notebook's value,
written as the notebook writes it (so that with the defaults brian2 generates exactly the code it
generates for the notebook, bit for bit): n_input, the time constants alpha, beta, tau, tau_I,
tau_h, the refractory period t_ref, the time step, hold0 (the initial threshold, which the
callers set), hold_inc (the threshold increase per output spike: absent, the reset is the
notebook's own `hold += 0.1 * n_hidden`), wmax, c_inp, c_neg, lr, lr_n, decay. A harness
experiment's `[model]` table maps onto them one to one (`alpha_ms` -> alpha, `tau_i_ms` ->
tau_I, `t_ref_ms` -> t_ref, `dt_ms` -> dt, ...; benches/brian2_side_by_side.py does it).

Imported by tools/brian2_reference/accuracy.py (runtime mode, the notebook as it is),
tools/brian2_reference/golden.py (P's threshold replays a table of input spikes) and
benches/brian2_side_by_side.py (cpp_standalone, any harness experiment: input rates, teacher and
plasticity as TimedArrays, spike counters). What differs between them is a parameter: the
constants, P's threshold, whether P has `rates`, how G's `I_teacher` and both groups' `train`
are defined, the `nspk` spike counters, extra names in the namespace (TimedArrays), object
names.

The callers keep the initial values, the monitors, the protocol and the creation order: they
interleave their random draws with the constructions (P, P's draws, G, G's draws, ..., S, S.w,
S_neg), and brian2 breaks ties within a schedule slot by object name, so the default names
(brian2's default names for the notebook's creation order) fix the order of the four synaptic
pathways (see check_pathway_order).

The constants reach brian2 as each object's explicit namespace (`namespace()`), not from the
caller's local variables at `run()` time. brian2 is imported inside the functions only, so that
importing this module costs nothing and needs neither brian2 nor numpy.
"""

N_INPUT = 64  # input neurons in the notebook: one per pixel of an 8x8 image


def namespace(n_hidden, n_input=N_INPUT, alpha=None, beta=None, tau=None, tau_I=None,
              tau_h=None, t_ref=None, dt=None, hold0=3.0, hold_inc=None, wmax=1.0, c_inp=0.2,
              c_neg=1.7, lr=0.05, lr_n=0.01, decay=0.001, **extra):
    """The model's constants, as brian2 resolves them in the equations and statements below.

    Every default is the notebook's value. Times are brian2 quantities (None: the notebook's
    10 ms, 100 ms, 10 ms, 15 ms, 50 ms, 2 ms and dt 0.1 ms); the rest are plain numbers.
    `hold_inc` None keeps the notebook's reset `hold += 0.1 * n_hidden` (its default, computed
    by brian2 as the notebook does); a number makes the reset `hold += hold_inc`. `hold0` (the
    initial threshold, set by the callers), `t_ref` and the time step (key `time_step`) are read
    by the callers and the constructors, not by brian2's statements. `extra`: further names the
    caller's expressions use (e.g. a TimedArray)."""
    from brian2 import ms
    ns = dict(
        n_input=float(n_input),   # a float in the notebook: the on_post increments divide by it
        n_hidden=n_hidden,
        alpha=10 * ms if alpha is None else alpha,
        beta=100 * ms if beta is None else beta,
        tau=10 * ms if tau is None else tau,
        tau_I=15 * ms if tau_I is None else tau_I,
        tau_h=50 * ms if tau_h is None else tau_h,
        t_ref=2 * ms if t_ref is None else t_ref,
        time_step=0.1 * ms if dt is None else dt,
        hold0=hold0,
        wmax=wmax,
        c_inp=c_inp,
        c_neg=c_neg,
        lr=lr,
        lr_n=lr_n,
        decay=decay,
    )
    if hold_inc is not None:
        ns['hold_inc'] = hold_inc
    ns.update(extra)
    return ns


def time_step(ns=None):
    """dt of every object: `ns['time_step']`, the notebook's 0.1 ms without a namespace."""
    from brian2 import ms
    return 0.1 * ms if ns is None else ns['time_step']


# ----------------------------------------------------------------------------- equations

def input_equations(rates=True, count_spikes=False, train='train : 1'):
    """P's model; `rates : Hz` (set by the notebook's protocol) first if `rates`; `train` is the
    line that defines the plasticity switch (a parameter set to 1 in the notebook); a spike
    counter `nspk : 1` last if `count_spikes`."""
    return (('rates : Hz\n' if rates else '')
            + 'da/dt = -a/alpha : 1\n'
              'dtheta/dt = -theta/beta : 1\n'
              'diff = a - theta: 1\n'
            + train + '\n'
            + ('nspk : 1\n' if count_spikes else ''))


def hidden_equations(teacher='I_teacher : 1', count_spikes=False, train='train : 1', extra=''):
    """G's model; `teacher` is the line that defines I_teacher (a parameter set by the protocol
    in the notebook), `train` the line that defines the plasticity switch (a parameter set to 1
    in the notebook); a spike counter `nspk : 1` if `count_spikes`, then `extra` (further
    equation lines of a caller, e.g. an accumulator for its monitors), last."""
    return ('dv/dt = (-v+I)/tau : 1 (unless refractory)\n'
            'dI_inp/dt = -I_inp/tau_I :1\n'
            'dI_neg/dt = -I_neg/tau_I :1\n'
            + teacher + '\n'
            'I = I_inp + I_neg + I_teacher :1\n'
            'da/dt = -a/alpha : 1\n'
            'dtheta/dt = -theta/beta : 1\n'
            'diff = a - theta: 1\n'
            'dhold/dt = -hold/tau_h : 1\n'
            + train + '\n'
            + ('nspk : 1\n' if count_spikes else '')
            + extra)


def hidden_reset(count_spikes=False, explicit_hold_inc=False):
    """G's reset: `v = 0` and the threshold increase, the notebook's `hold += 0.1 * n_hidden`,
    or `hold += hold_inc` if `explicit_hold_inc` (the namespace defines `hold_inc`); `nspk += 1`
    last if `count_spikes`."""
    return ('v = 0\n'
            + ('hold += hold_inc\n' if explicit_hold_inc else 'hold += 0.1 * n_hidden\n')
            + ('nspk += 1\n' if count_spikes else ''))


SYNAPSE_MODEL = 'w : 1'  # both S and S_neg

FORWARD_ON_PRE = '''
I_inp_post += w * c_inp
a_pre += 1./n_hidden *1*ms/(alpha)
theta_pre += 1./n_hidden *1*ms/(beta)
'''
FORWARD_ON_POST = '''
a_post += 1./n_input *1*ms/(alpha)
theta_post += 1./n_input *1*ms/(beta)
w = clip(w + train_pre * (-decay + lr*diff_pre), 0, wmax)
'''
# Option (docs/model.md, "Options"): soft bounds in the forward rule. d is the notebook's change
# (gated by train_pre); it moves w towards wmax by d*(wmax - w)/wmax if d > 0, towards 0 by
# d*w/wmax otherwise (one of the two int() factors is 1, the other 0); clipped as before.
FORWARD_ON_POST_SOFT = '''
a_post += 1./n_input *1*ms/(alpha)
theta_post += 1./n_input *1*ms/(beta)
dw = train_pre * (-decay + lr*diff_pre)
w = clip(w + dw*(int(dw > 0)*(wmax - w) + int(dw <= 0)*w)/wmax, 0, wmax)
'''
LATERAL_ON_PRE = '''
I_neg_post += w * c_neg
'''
LATERAL_ON_POST = '''
w = clip(w + train_pre*(-lr_n*diff_pre), -wmax, 0)
'''


# ----------------------------------------------------------------------------- constructors

def input_group(ns, threshold='rand()<rates*dt', rates=True, count_spikes=False,
                train='train : 1', name='P'):
    """P: ns['n_input'] neurons, the notebook's Poisson threshold unless `threshold` is given;
    `train` defines the plasticity switch (see input_equations); with `count_spikes`, `nspk` and
    the reset `nspk += 1`. Refractory ns['t_ref']. No initial values are set."""
    from brian2 import NeuronGroup
    return NeuronGroup(int(ns['n_input']), input_equations(rates, count_spikes, train),
                       threshold=threshold, reset='nspk += 1' if count_spikes else None,
                       method='linear', refractory=ns['t_ref'], dt=time_step(ns), name=name,
                       namespace=ns)


def hidden_group(ns, teacher='I_teacher : 1', count_spikes=False, train='train : 1', extra='',
                 name='G'):
    """G: ns['n_hidden'] neurons, threshold `v > hold`, reset `v = 0` and the threshold increase
    (see hidden_reset); `teacher`, `train`, `count_spikes` and `extra` as in hidden_equations.
    Refractory ns['t_ref']. No initial values are set (the notebook: train 1, a and theta drawn,
    hold ns['hold0'] = 3)."""
    from brian2 import NeuronGroup
    return NeuronGroup(ns['n_hidden'], hidden_equations(teacher, count_spikes, train, extra),
                       method='linear', threshold='v > hold',
                       reset=hidden_reset(count_spikes, explicit_hold_inc='hold_inc' in ns),
                       refractory=ns['t_ref'], dt=time_step(ns), name=name, namespace=ns)


def forward_synapses(P, G, ns, name='synapses', soft_bounds=False):
    """S: P -> G, connected all to all; the weights are not set. `soft_bounds`: the forward rule
    with soft bounds (FORWARD_ON_POST_SOFT) instead of the notebook's."""
    from brian2 import Synapses
    S = Synapses(P, G, SYNAPSE_MODEL, on_pre=FORWARD_ON_PRE,
                 on_post=FORWARD_ON_POST_SOFT if soft_bounds else FORWARD_ON_POST,
                 dt=time_step(ns), name=name, namespace=ns)
    S.connect()
    return S


def lateral_synapses(G, ns, name='synapses_1'):
    """S_neg: G -> G, connected where i != j; the weights are not set (the notebook: -1)."""
    from brian2 import Synapses
    S_neg = Synapses(G, G, SYNAPSE_MODEL, on_pre=LATERAL_ON_PRE, on_post=LATERAL_ON_POST,
                     dt=time_step(ns), name=name, namespace=ns)
    S_neg.connect('i!=j')
    return S_neg


def check_pathway_order(net):
    """Asserts the notebook's order of the synaptic pathways in `net`'s schedule (docs/model.md,
    step 4: lateral on_pre, forward on_pre, lateral on_post, forward on_post; brian2 sorts them
    by name within a slot, so this holds for the default names); returns the names of the
    scheduled objects in order."""
    order = [o.name for o in net.sorted_objects if not len(o.contained_objects)]
    assert (order.index("synapses_1_pre") < order.index("synapses_pre")
            < order.index("synapses_1_post") < order.index("synapses_post")), order
    return order
