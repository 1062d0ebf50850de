#!/usr/bin/env python3
"""Reference values for harness::stats (src/stats/distributions.rs, gamma.rs, beta.rs, friedman.rs,
paired.rs): writes tests/fixtures/stats/hypothesis.json, read by tests/stats_fixtures.rs. Deterministic (fixed seeds, no clock, no permutation tests).

Rerun (from the repository root):
    python3 -m venv /work/venvs/stats
    /work/venvs/stats/bin/pip install numpy==2.4.6 scipy==1.17.1 scikit-posthocs==0.17.1 \
        statsmodels==0.15.0 pandas==3.1.1 mpmath==1.4.1
    /work/venvs/stats/bin/python tools/stats_fixtures/make_fixtures.py
Versions it ran with (Python 3.11.7): numpy 2.4.6, scipy 1.17.1, scikit-posthocs 0.17.1, statsmodels 0.15.0,
pandas 3.1.1, mpmath 1.4.1. Another version prints a warning; the values may move in the last digits.

What each reference is, and why:
- Distributions: scipy.special.gammaln / gammainc / gammaincc / betainc / betaincc and scipy.stats t.sf / t.cdf /
  chi2.sf / norm.cdf / norm.sf. Each record also carries an mpmath value (40 digits; 400 for Q(a, x) at a >= 1e6
  so that P = 1 - Q stays exact), the referee where scipy itself is off (the Rust tests assert against mpmath,
  and against scipy wherever scipy agrees with mpmath). Where scipy 1.17.1 is off: gammaln near x = 1 and 2
  (relative error 2e-9 at 1 +- 1e-8: only absolute accuracy), gammainc/gammaincc for a >= 1e6 (4e-6 relative at
  a = 1e6, 13% at a = 1e8, x = 0.999 a), a few tails below 1e-20 (up to 5e-12), t.sf(3.2e299, 1) = 0 (true
  1e-300). mpmath is not spotless either: its betainc(a, b, x, 1) complement is 1 - I at working precision (noise
  below 1e-40), so complements are taken by symmetry here.
- Friedman: scipy.stats.friedmanchisquare, plus T1 in exact rational arithmetic ("statistic_exact": scipy's
  12/(nk(k+1)) sum R^2 - 3n(k+1) cancels, up to ~1e-12 relative for small statistics). scipy's statistic,
  (12/(nk(k+1)) sum R_j^2 - 3n(k+1)) / (1 - sum(t^3-t) / (n k (k^2-1))), is algebraically irace's tie-corrected one (aux2_friedman in irace's R/race.R, the same as R's
  friedman.test) and Conover's T1 = (k-1) sum (R_j - n(k+1)/2)^2 / (A - C); this script checks the three agree to
  1e-12 relative. They differ only where scipy cannot answer: scipy refuses k = 2 (irace switches to Wilcoxon
  there, R computes it), so for k = 2 the T1 formula in numpy is the reference; and when every block is one big
  tie, scipy and R give NaN (0/0) where the crate documents statistic NaN, p = 1 (irace treats NaN as "not
  significant").
- Conover post-hoc against the best (smallest rank sum): scikit_posthocs.posthoc_conover_friedman(p_adjust=None).
  Its formula, |R_i - R_j| / sqrt(A * B) with A = S2 * 2n(k-1)/((n-1)(k-1)), B = 1 - T2/(n(k-1)), S2 = (A1 -
  C)/(k-1), reduces to |R_i - R_j| / sqrt(2(n A1 - sum R^2)/((n-1)(k-1))) on (n-1)(k-1) df, which is irace's
  critical-difference formula (Conover 1999, pp. 369-371); the script checks it against that textbook formula in
  numpy. When n A1 = sum R^2 (every block ranks the same way) it divides by zero; there the crate's documented
  rule (p = 0 for a different rank sum, 1 for an equal one, = irace with a zero critical difference) is stored.
  Also stored, per alpha in {0.1, 0.05, 0.01}: irace's keep/drop decision from its critical difference
  t.ppf(1 - alpha/2, df) * SE (scipy's t.ppf standing in for R's qt).
- Wilcoxon: scipy.stats.wilcoxon(x, y, zero_method="wilcox", correction=True, method=M) with M chosen as R's
  wilcox.test(paired = TRUE) default does: "exact" iff the number of nonzero differences is < 50 AND no zero was
  dropped AND no |difference| is tied, else "asymptotic" (scipy's name for the normal approximation). scipy's own
  method="auto" is NOT R's: it uses the exact law up to n = 50 (R: < 50) counting zeros in n, and with ties or
  zeros it runs a permutation test when n <= 13 (R: normal approximation). The statistic stored is V = R+ (R's),
  not scipy's min(R+, R-). All differences zero: scipy gives NaN, the crate p = 1 (stored).
  Each p-value is cross-checked against an independent numpy implementation of R's formulas.
- Paired t: scipy.stats.ttest_rel; constant differences (scipy: NaN or +-inf with a warning) get the crate's
  documented values (mean 0 -> t = 0, p = 1; else t = +-inf, p = 0).
- Holm: statsmodels.stats.multitest.multipletests(method="holm"), checked against the textbook step-down.
- t quantiles: scipy.stats.t.ppf at the p and df grid used to measure the harness's current t_quantile, and
  the 40-digit mpmath root of the t cdf (scipy's t.ppf is off by up to 3.7e-5 relative at p = 0.5 + 1e-6).
Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity" (JSON has no literal for them).
"""

import json
import math
import os
import sys
import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pandas
import scikit_posthocs
import scipy
import scipy.special as sc
import scipy.stats as ss
import statsmodels
from statsmodels.stats.multitest import multipletests

PINNED = {"numpy": "2.4.6", "scipy": "1.17.1", "scikit-posthocs": "0.17.1", "statsmodels": "0.15.0",
          "pandas": "3.1.1", "mpmath": "1.4.1"}
VERSIONS = {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-posthocs": scikit_posthocs.__version__,
            "statsmodels": statsmodels.__version__, "pandas": pandas.__version__, "mpmath": mpmath.__version__}
for name, want in PINNED.items():
    if VERSIONS[name] != want:
        print(f"warning: {name} {VERSIONS[name]} (fixtures were made with {want})", file=sys.stderr)

mpmath.mp.dps = 40
warnings.simplefilter("ignore")  # scipy warns on the degenerate cases on purpose


def enc(v):
    """JSON-safe float: shortest round-trip repr, non-finite values as strings."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def sig(v, digits=10):
    """Round to `digits` significant digits (shorter JSON; the rounded double is the exact input)."""
    return float(f"{v:.{digits}g}")


# ---------------------------------------------------------------- distributions
def mp_t_sf(t, df):
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    if t == 0:
        return mpmath.mpf(0.5)
    x = df / (df + t * t)
    tail = mpmath.betainc(df / 2, mpmath.mpf(0.5), 0, x, regularized=True) / 2
    return tail if t > 0 else 1 - tail


def mp_gamma_pq(a, x):
    """Regularized P and Q at 40 digits. P from x^a e^-x / Gamma(a+1) 1F1(1; a+1; x) (positive terms; mpmath's
    gammainc gives up on its own series for a ~ 5e4), Q from mpmath's upper gammainc or, failing that, 1 - P at
    80 digits."""
    a, x = mpmath.mpf(a), mpmath.mpf(x)
    with mpmath.workdps(80):
        p = mpmath.exp(a * mpmath.log(x) - x - mpmath.loggamma(a + 1)) * mpmath.hyp1f1(1, a + 1, x, maxterms=10**7)
        try:
            q = mpmath.gammainc(a, x, mpmath.inf, regularized=True)
        except mpmath.libmp.libhyper.NoConvergence:
            q = 1 - p
        assert abs(p + q - 1) < mpmath.mpf(10) ** -35
    return +p, +q


def distributions():
    out = {}
    xs = sorted({*[sig(10.0 ** e) for e in np.linspace(-12, 6, 55)], 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 9.99, 10.0,
                 10.5, 1 - 1e-8, 1 + 1e-8, 2 - 1e-8, 2 + 1e-8, 0.999, 1.001, 1.999, 2.001, 0.9, 1.1, 1.9, 2.1,
                 -0.5, -1.5, -2.5, -10.3, 170.5, 1e10, 1e15})
    out["ln_gamma"] = [[x, enc(sc.gammaln(x)), enc(mpmath.log(abs(mpmath.gamma(x))))] for x in xs]

    gam = []
    for a in [0.01, 0.1, 0.5, 1.0, 2.5, 10.0, 50.0, 100.0, 500.0, 5000.0, 50000.0]:
        for f in [1e-3, 0.1, 0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 2.0, 5.0, 20.0]:
            x = sig(a * f)
            p, q = mp_gamma_pq(a, x)
            if q < 1e-300 or p < 1e-300:
                continue
            gam.append([a, x, enc(sc.gammainc(a, x)), enc(sc.gammaincc(a, x)), enc(p), enc(q)])
    out["gamma_inc"] = gam

    beta = []
    params = [0.1, 0.5, 1.0, 2.5, 10.0, 100.0, 1000.0, 5000.0]
    for a in params:
        for b in params:
            mean = a / (a + b)
            for x in sorted({1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-6, sig(mean), sig(mean * 0.9),
                             sig(min(1 - 1e-9, mean * 1.1))}):
                try:
                    i = mpmath.betainc(a, b, 0, x, regularized=True)
                except ValueError:  # mpmath's 2F1 gives up on a few far-tail values: skip them
                    continue
                if i <= 0.5:
                    ic = 1 - i
                else:
                    # The small complement by symmetry, I_{1-x}(b, a) with 1 - x exact in mpmath: mpmath's own
                    # betainc(a, b, x, 1) is 1 - I at working precision and returns noise (~1e-44) below ~1e-40.
                    try:
                        ic = mpmath.betainc(b, a, 0, 1 - mpmath.mpf(x), regularized=True)
                    except ValueError:  # mpmath's 2F1 gives up on a few far-tail complements: skip them
                        continue
                if i < 1e-300 or ic < 1e-300:
                    continue
                beta.append([a, b, x, enc(sc.betainc(a, b, x)), enc(sc.betaincc(a, b, x)), enc(i), enc(ic)])
    out["beta_inc"] = beta

    tt = []
    dfs = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0, 15.0, 29.5, 30.0, 50.0, 100.0, 300.0, 1000.0, 3000.0,
           10000.0]
    ps = [0.45, 0.3, 0.1, 0.05, 0.01, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-15, 1e-20, 1e-50, 1e-100, 1e-300]
    for df in dfs:
        for p in ps:
            t = sig(ss.t.isf(p, df))
            if not math.isfinite(t):
                continue
            for s in (t, -t):
                tt.append([s, df, enc(ss.t.sf(s, df)), enc(ss.t.cdf(s, df)), enc(mp_t_sf(s, df)),
                           enc(mp_t_sf(-s, df))])
    for df in [1.0, 5.0, 1000.0]:
        tt.append([0.0, df, enc(ss.t.sf(0.0, df)), enc(ss.t.cdf(0.0, df)), 0.5, 0.5])
    out["t"] = tt

    chi = []
    for df in [1.0, 2.0, 3.0, 4.5, 10.0, 29.0, 100.0, 1000.0, 10000.0]:
        for p in [0.999, 0.9, 0.5] + ps:
            x = sig(ss.chi2.isf(p, df))
            ref = mp_gamma_pq(df / 2, x / 2)[1]
            chi.append([x, df, enc(ss.chi2.sf(x, df)), enc(ref)])
    out["chi_square"] = chi

    zs = sorted({*[sig(v) for v in np.linspace(-38, 38, 153)], 0.0, 0.5, -0.5, 0.999, 1.0, 1.001, 1e-8, -1e-8, 7.0,
                 -7.0, 7.034483, 8.2})
    norm = []
    for z in zs:
        cdf = mpmath.ncdf(z)
        norm.append([z, enc(ss.norm.cdf(z)), enc(ss.norm.sf(z)), enc(cdf), enc(mpmath.ncdf(-z))])
    out["normal"] = norm

    # Last, because mpmath's hypergeometric code misbehaved in the beta section after these 400-digit runs.
    gam = out["gamma_inc"]
    # Very large a (chi-square with millions of degrees of freedom), where the crate switches to Temme's
    # uniform asymptotic expansion: x close to a, both tails.
    for a in [1e6, 1e7, 3e7, 1e8]:
        for lam in [0.995, 0.999, 0.9999, 1.0, 1.0001, 1.001, 1.005]:
            x = sig(a * lam, 12)
            with mpmath.workdps(400):  # P = 1 - Q keeps 400 digits absolute: exact enough for P > 1e-300
                q = mpmath.gammainc(mpmath.mpf(a), mpmath.mpf(x), mpmath.inf, regularized=True)
                p = 1 - q
            if q < 1e-300 or p < 1e-300:
                continue
            gam.append([a, x, enc(sc.gammainc(a, x)), enc(sc.gammaincc(a, x)), enc(p), enc(q)])
    return out


# ---------------------------------------------------------------- data generators
def gen_block(rng, n, k, kind):
    if kind == "normal":
        shift = rng.normal(0, 0.4, size=k)
        data = rng.normal(0, 1, size=(n, k)) + shift
        return [[sig(v, 6) for v in row] for row in data]
    if kind == "acc25":  # accuracies on 25 test items: multiples of 1/25, heavy ties
        probs = rng.uniform(0.5, 0.95, size=k)
        counts = rng.binomial(25, probs, size=(n, k))
        return [[int(c) / 25 for c in row] for row in counts]
    if kind == "int3":  # very heavy ties
        return [[float(v) for v in row] for row in rng.integers(0, 3, size=(n, k))]
    if kind == "equal_rows":  # some blocks entirely tied, the others random
        rows = gen_block(rng, n, k, "acc25")
        for i in range(0, n, 3):
            rows[i] = [rows[i][0]] * k
        return rows
    if kind == "all_ties":
        return [[float(i)] * k for i in range(n)]
    if kind == "same_order":  # every block ranks the candidates alike -> Conover SE = 0
        base = np.sort(rng.normal(size=k))
        return [[sig(v + 10 * i, 6) for v in base] for i in range(n)]
    raise ValueError(kind)


# ---------------------------------------------------------------- Friedman + Conover
def ranks_rows(a):
    return ss.rankdata(a, axis=1, method="average")


def exact_t1(r):
    """T1 in exact rational arithmetic (mid-ranks are multiples of 1/2), rounded once to a double."""
    n, k = r.shape
    half = [[Fraction(int(round(2 * v)), 2) for v in row] for row in r]
    R = [sum(row[j] for row in half) for j in range(k)]
    A = sum(v * v for row in half for v in row)
    C = Fraction(n * k * (k + 1) ** 2, 4)
    if A == C:
        return float("nan")
    centre = Fraction(n * (k + 1), 2)
    return float((k - 1) * sum((x - centre) ** 2 for x in R) / (A - C))


def friedman_case(blocks):
    a = np.asarray(blocks, dtype=float)
    n, k = a.shape
    r = ranks_rows(a)
    R = r.sum(axis=0)
    A = float((r ** 2).sum())
    C = n * k * (k + 1) ** 2 / 4
    spread = float(((R - n * (k + 1) / 2) ** 2).sum())
    ties = 0.0
    for row in a:
        _, cnt = np.unique(row, return_counts=True)
        ties += float((cnt ** 3 - cnt).sum())
    irace_denom = n * k * (k + 1) - ties / (k - 1)
    t1 = (k - 1) * spread / (A - C) if A - C > 0 else float("nan")
    irace_stat = 12 * spread / irace_denom if irace_denom > 0 else float("nan")
    case = {"n": n, "k": k, "blocks": blocks, "rank_sums": [enc(v) for v in R], "sum_sq_ranks": A}
    notes = []
    if k >= 3:
        res = ss.friedmanchisquare(*[a[:, j] for j in range(k)])
        stat, p = float(res.statistic), float(res.pvalue)
        source = "scipy.stats.friedmanchisquare"
    else:
        stat = t1
        p = float(ss.chi2.sf(t1, k - 1)) if math.isfinite(t1) else float("nan")
        source = "T1 in numpy (scipy refuses k = 2)"
    if math.isfinite(t1):
        for other in (stat, irace_stat):
            assert abs(other - t1) <= 1e-12 * max(1.0, abs(t1)), (other, t1)
    if not math.isfinite(stat):
        assert all(len(set(row)) == 1 for row in blocks)
        notes.append(f"{source} gives statistic {stat}, p {p} (0/0, all blocks tied): crate documents NaN, p = 1")
        stat, p = float("nan"), 1.0
    case.update(statistic=enc(stat), p_value=enc(p), friedman_source=source, statistic_exact=enc(exact_t1(r)))

    best = int(np.argmin(R))
    df = (n - 1) * (k - 1)
    var_num = n * A - float((R ** 2).sum())
    sp = scikit_posthocs.posthoc_conover_friedman(a, p_adjust=None).to_numpy()[best]
    if var_num > 0:
        se = math.sqrt(2 * var_num / df)
        textbook = [1.0 if R[j] == R[best] else float(2 * ss.t.sf(abs(R[j] - R[best]) / se, df))
                    for j in range(k)]
        for u, v in zip(sp, textbook):
            assert abs(u - v) <= 1e-12 * max(v, 1e-300) or (u == v), (u, v)
        conover = [float(v) for v in sp]
        conover[best] = 1.0
        csource = "scikit_posthocs.posthoc_conover_friedman(p_adjust=None)"
    else:
        se = 0.0
        conover = [1.0 if R[j] == R[best] else 0.0 for j in range(k)]
        csource = "documented rule for SE = 0 (scikit-posthocs divides by zero)"
        notes.append(f"Conover SE = 0; scikit-posthocs row: {[enc(v) for v in sp]}")
    keep = {}
    for alpha in (0.1, 0.05, 0.01):
        crit = float(ss.t.ppf(1 - alpha / 2, df)) * se
        keep[str(alpha)] = [bool(abs(R[j] - R[best]) <= crit) for j in range(k)]
    case.update(reference=best, conover_p=[enc(v) for v in conover], conover_source=csource, irace_keep=keep)
    case["notes"] = notes
    return case


def friedman_cases(rng):
    cases = []
    plan = []
    for n in (2, 3, 5, 10, 20, 40, 60):
        for k in (2, 3, 4, 6, 10, 20, 30):
            for kind in ("normal", "acc25", "int3"):
                if n * k > 600 and rng.uniform() < 0.7:
                    continue  # keep the file small: a sample of the large designs
                plan.append((n, k, kind))
    plan += [(6, 5, "equal_rows"), (12, 8, "equal_rows"), (4, 3, "all_ties"), (5, 10, "all_ties"),
             (5, 4, "same_order"), (10, 6, "same_order"), (60, 30, "acc25"), (60, 30, "normal")]
    for n, k, kind in plan:
        case = friedman_case(gen_block(rng, n, k, kind))
        case["kind"] = kind
        cases.append(case)
    return cases


# ---------------------------------------------------------------- Wilcoxon
def r_wilcoxon(x, y):
    """R's wilcox.test(x, y, paired = TRUE) defaults, in numpy, independent of scipy."""
    d = np.asarray(x) - np.asarray(y)
    zeroes = bool(np.any(d == 0))
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return 0.0, float("nan"), False, 0
    r = ss.rankdata(np.abs(d))
    v = float(r[d > 0].sum())
    _, cnt = np.unique(np.abs(d), return_counts=True)
    ties = bool(np.any(cnt > 1))
    if n < 50 and not ties and not zeroes:
        counts = np.zeros(n * (n + 1) // 2 + 1, dtype=object)  # exact big integers
        counts[0] = 1
        for i in range(1, n + 1):
            counts[i:] = counts[i:] + counts[:-i].copy()
        if v > n * (n + 1) / 4:
            p = sum(counts[int(v):]) / 2 ** n
        else:
            p = sum(counts[: int(v) + 1]) / 2 ** n
        return v, min(2 * float(p), 1.0), True, n
    z = v - n * (n + 1) / 4
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float((cnt ** 3 - cnt).sum()) / 48)
    z = (z - np.sign(z) * 0.5) / sigma
    return v, float(2 * min(ss.norm.cdf(z), ss.norm.sf(z))), False, n


def wilcoxon_case(x, y, kind):
    v, p_r, exact, n = r_wilcoxon(x, y)
    notes = []
    if n == 0:
        res = ss.wilcoxon(x, y, zero_method="wilcox", correction=True, method="asymptotic")
        notes.append(f"all differences zero: scipy p = {enc(res.pvalue)}, R NaN; crate documents p = 1")
        p = 1.0
    else:
        method = "exact" if exact else "asymptotic"
        res = ss.wilcoxon(x, y, zero_method="wilcox", correction=True, method=method)
        p = float(res.pvalue)
        assert abs(p - p_r) <= 1e-12 * p_r, (p, p_r, x, y)
        assert min(v, n * (n + 1) / 2 - v) == float(res.statistic)
    auto = ss.wilcoxon(x, y, zero_method="wilcox", correction=True, method="auto").pvalue if n else float("nan")
    return {"kind": kind, "x": x, "y": y, "statistic": v, "p_value": enc(p), "exact": exact, "n": n,
            "scipy_auto_p": enc(auto), "notes": notes}


def wilcoxon_cases(rng):
    cases = []
    for n in list(range(1, 13)) + [15, 20, 25, 30, 40, 48, 49, 50, 51, 60]:
        x = [sig(v, 6) for v in rng.normal(0.3, 1, n)]
        y = [sig(v, 6) for v in rng.normal(0, 1, n)]
        cases.append(wilcoxon_case(x, y, "normal"))
    for n in (5, 10, 20, 30, 49, 50, 60):
        x = [int(c) / 25 for c in rng.binomial(25, 0.8, n)]
        y = [int(c) / 25 for c in rng.binomial(25, 0.75, n)]
        cases.append(wilcoxon_case(x, y, "acc25"))
    for n in (8, 30):  # distinct |d| but one zero difference: R leaves the exact test
        x = [sig(v, 6) for v in rng.normal(0.5, 1, n)]
        y = [sig(v, 6) for v in rng.normal(0, 1, n)]
        y[0] = x[0]
        cases.append(wilcoxon_case(x, y, "one_zero"))
    cases.append(wilcoxon_case([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "all_zero"))
    cases.append(wilcoxon_case([1.5, 2.0, 3.0], [1.0, 2.0, 3.0], "one_nonzero"))
    cases.append(wilcoxon_case([float(i + 1) for i in range(20)], [0.0] * 20, "all_positive"))
    cases.append(wilcoxon_case([float(i % 3) for i in range(40)], [1.0] * 40, "heavy_ties"))
    return cases


# ---------------------------------------------------------------- paired t, Holm, t quantiles
def paired_t_case(x, y, kind):
    d = np.asarray(x) - np.asarray(y)
    n = len(d)
    res = ss.ttest_rel(x, y)
    stat, p = float(res.statistic), float(res.pvalue)
    notes = []
    sd = float(np.std(d, ddof=1))
    mean = float(np.mean(d))
    if sd / math.sqrt(n) < 10 * np.finfo(float).eps * abs(mean) or sd == 0:
        notes.append(f"constant differences: scipy t = {enc(stat)}, p = {enc(p)}; crate documents its own")
        stat, p = (0.0, 1.0) if mean == 0 else (math.copysign(math.inf, mean), 0.0)
    return {"kind": kind, "x": x, "y": y, "statistic": enc(stat), "df": n - 1, "p_value": enc(p),
            "mean_diff": mean, "notes": notes}


def paired_t_cases(rng):
    cases = []
    for n in (2, 3, 4, 5, 8, 10, 20, 30, 45, 60):
        x = [sig(v, 6) for v in rng.normal(0.2, 1, n)]
        y = [sig(v + 0.1 * rng.normal(), 6) for v in x]
        cases.append(paired_t_case(x, y, "correlated"))
        x = [int(c) / 25 for c in rng.binomial(25, 0.8, n)]
        y = [int(c) / 25 for c in rng.binomial(25, 0.7, n)]
        cases.append(paired_t_case(x, y, "acc25"))
    cases.append(paired_t_case([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0], "constant_shift"))
    cases.append(paired_t_case([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "identical"))
    cases.append(paired_t_case([1.0, 2.0, 3.0, 40.0], [1.0, 2.0, 3.0, 0.0], "one_outlier"))
    return cases


def holm_cases(rng):
    cases = []
    for m in (1, 2, 3, 5, 8, 13, 20, 30):
        for scale in (1.0, 0.05):
            p = [sig(v, 8) for v in rng.uniform(0, scale, m)]
            if m >= 5:
                p[1] = p[3]  # a tie
            adj = multipletests(p, method="holm")[1]
            order = np.argsort(p, kind="stable")
            text = np.empty(m)
            run = 0.0
            for i, j in enumerate(order):
                run = max(run, (m - i) * p[j])
                text[j] = min(1.0, run)
            assert np.allclose(adj, text, rtol=1e-15, atol=0)
            cases.append({"p": p, "adjusted": [enc(v) for v in adj]})
    return cases


def mp_t_ppf(p, df):
    """Root of t_cdf(t, df) = p (p the exact double) at 40 digits, started from scipy's answer."""
    p = mpmath.mpf(p)
    start = mpmath.mpf(ss.t.ppf(float(p), df))
    root = mpmath.findroot(lambda t: (1 - mp_t_sf(t, df)) - p, start, tol=mpmath.mpf(10) ** -30)
    assert abs((1 - mp_t_sf(root, df)) - p) < mpmath.mpf(10) ** -28
    return root


def t_quantiles():
    """[p, df, scipy t.ppf, mpmath root]. scipy 1.17.1's t.ppf is not reliable next to the median: at p = 0.5 +
    1e-6 it is off by 3.7e-5 relative for df = 4 (1e-11 at df = 1, 1e-13 at df = 29.5), so the measurement of
    the harness's t_quantile uses the mpmath root."""
    ps = [0.5 + 1e-6, 0.9, 0.95, 0.975, 0.995, 0.9995]
    dfs = [float(d) for d in range(1, 201)] + [250.0, 500.0, 1000.0, 1e4, 1.5, 2.5, 29.5, 30.5]
    return [[p, df, enc(ss.t.ppf(p, df)), enc(mp_t_ppf(p, df))] for df in dfs for p in ps]


def main():
    rng = np.random.default_rng(20260601)
    data = {
        "meta": {"generator": "tests/fixtures/make_fixtures.py", "versions": VERSIONS, "seed": 20260601,
                 "python": sys.version.split()[0]},
        "distributions": distributions(),
        "friedman": friedman_cases(rng),
        "wilcoxon": wilcoxon_cases(rng),
        "paired_t": paired_t_cases(rng),
        "holm": holm_cases(rng),
        "t_quantile": t_quantiles(),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "tests", "fixtures", "stats", "hypothesis.json")
    with open(path, "w") as fh:
        json.dump(data, fh, separators=(",", ":"), allow_nan=False)
        fh.write("\n")
    w = data["wilcoxon"]
    differ = [c for c in w if c["n"] and c["scipy_auto_p"] != c["p_value"]]
    print(f"wrote {path}: {len(data['friedman'])} Friedman, {len(w)} Wilcoxon, {len(data['paired_t'])} paired t, "
          f"{len(data['holm'])} Holm cases; scipy's method='auto' differs from R's default in {len(differ)} "
          f"Wilcoxon cases: {[(c['kind'], c['n']) for c in differ]}")


if __name__ == "__main__":
    main()
