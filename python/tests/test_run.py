"""harness.run against `harness run`: the same runs, to the bit, and the same trace tables."""

from __future__ import annotations

import re
import struct
import sys

import numpy as np
import polars as pl
import pytest

import harness
from common import NOTEBOOK, run_cli


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def printed(out: str) -> dict:
    """What `harness run` printed: per phase the accuracy and presentations, input spikes, and the
    spikes of each output."""
    got: dict = {"outputs": {}}
    for phase in ("train", "test"):
        m = re.search(rf"^{phase} accuracy\s+([0-9.]+)\s+\((\d+) presentations", out, re.M)
        assert m, out
        got[phase] = (float(m[1]), int(m[2]))
    m = re.search(r"^input spikes\s+train (\d+)\s+test (\d+)", out, re.M)
    assert m, out
    got["input_spikes"] = (int(m[1]), int(m[2]))
    for m in re.finditer(r"^output (\d+) \(digit \d\)\s+train (\d+)\s+test (\d+)", out, re.M):
        got["outputs"][int(m[1])] = (int(m[2]), int(m[3]))
    return got


def without_wall_time(text: str) -> list:
    return [line for line in text.splitlines() if not line.startswith("wall time")]


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_run_gives_the_command_s_accuracies_and_spike_counts(cli, seed):
    out = run_cli(cli, ["run", NOTEBOOK, "--seed", seed]).stdout
    r = harness.run(NOTEBOOK, seed=seed)
    assert without_wall_time(str(r)) == without_wall_time(out)
    p = printed(out)
    for phase in (r.train, r.test):
        name = "train" if phase is r.train else "test"
        shown, n = p[name]
        # Four decimals of hits/n (n <= 200) identify the hits; the accuracy is that ratio to the bit.
        hits = round(shown * n)
        assert len(phase.labels) == len(phase.predictions) == n
        assert int(np.count_nonzero(phase.labels == phase.predictions)) == hits
        assert bits(phase.accuracy) == bits(hits / n)
    assert (r.train.input_spikes, r.test.input_spikes) == p["input_spikes"]
    assert {j: (int(r.train.output_spikes[j]), int(r.test.output_spikes[j])) for j in range(r.n_out)} == p["outputs"]
    assert r.steps == 300_000 and r.seed == seed and r.classes == [0, 1]


def test_run_reproduces_the_command_s_sweep_rows_bit_for_bit(cli, tmp_path):
    # The runs table holds each run's accuracies as doubles: harness.run of the same configuration
    # and seed gives the same bits, and the same counts.
    (tmp_path / "rows.toml").write_text(
        'name = "rows"\nseed = 11\nreplicates = 3\n[protocol]\nclasses = [3, 8]\ntrain_presentations = 60\n'
        "[grid]\nc_neg = [0.85, 3.4]\n"
    )
    run_cli(cli, ["sweep", "rows.toml", "--out", "out"], cwd=tmp_path)
    runs = pl.read_parquet(tmp_path / "out" / "runs.parquet")
    assert runs.height == 6
    for row in runs.iter_rows(named=True):
        exp = {"protocol": {"classes": [3, 8], "train_presentations": 60}, "model": {"c_neg": row["c_neg"]}}
        r = harness.run(exp, seed=row["seed"])
        assert bits(r.train_accuracy) == bits(row["train_accuracy"])
        assert bits(r.test_accuracy) == bits(row["test_accuracy"])
        assert (len(r.train.labels), len(r.test.labels)) == (row["presentations_train"], row["presentations_test"])
        assert (r.train.input_spikes, r.test.input_spikes) == (row["input_spikes_train"], row["input_spikes_test"])
        assert int(r.train.output_spikes.sum()) == row["output_spikes_train"]
        assert int(r.test.output_spikes.sum()) == row["output_spikes_test"]
    assert runs["test_accuracy"].n_unique() > 1, "the runs differ from each other"


def test_trace_tables_equal_the_command_s_files(cli, tmp_path):
    run_cli(cli, ["run", NOTEBOOK, "--seed", 3, "--trace", tmp_path / "t", "--record-every", 50])
    r = harness.run(NOTEBOOK, seed=3, record_every=50)
    assert r.trace is not None and r.trace.every == 50
    assert sorted(p.stem for p in (tmp_path / "t").glob("*.parquet")) == sorted(harness.TRACE_TABLES)
    for name in harness.TRACE_TABLES:
        on_disk = pl.read_parquet(tmp_path / "t" / f"{name}.parquet")
        mine = r.trace.tables[name]
        assert mine.schema == on_disk.schema, name
        assert mine.height > 0 and mine.equals(on_disk), name
    assert r.trace.outputs.columns[:3] == ["step", "t_ms", "neuron"]
    shown = r.trace.schedule["label"].to_numpy()
    assert (shown == np.concatenate([r.train.labels, r.test.labels])).all()


def test_a_traced_run_has_the_untraced_run_s_results_and_weights():
    plain = harness.run(NOTEBOOK, seed=4)
    traced = harness.run(NOTEBOOK, seed=4, record_every=100)
    assert plain.trace is None
    for a, b in ((plain.train, traced.train), (plain.test, traced.test)):
        assert bits(a.accuracy) == bits(b.accuracy) and a.input_spikes == b.input_spikes
        assert (a.labels == b.labels).all() and (a.predictions == b.predictions).all()
        assert (a.output_spikes == b.output_spikes).all()
    assert (plain.weights_after_train.forward == traced.weights_after_train.forward).all()
    assert (plain.weights_after_test.lateral == traced.weights_after_test.lateral).all()


def test_weights_after_each_phase_are_the_trace_s_at_that_step():
    r = harness.run(NOTEBOOK, seed=5, record_every=1000)
    w = r.trace.weights
    lat = r.trace.lateral
    for snap in (r.weights_after_train, r.weights_after_test):
        assert snap.forward.shape == (64, 2) and snap.lateral.shape == (2, 2)
        at = w.filter(pl.col("step") == snap.step).sort(["pre", "post"])
        assert at.height == 128, snap.step
        expected = at["w"].to_numpy().reshape(64, 2)
        assert (snap.forward == expected).all()
        for row in lat.filter(pl.col("step") == snap.step).iter_rows(named=True):
            assert snap.lateral[row["pre"], row["post"]] == row["w"]
    assert r.weights_after_train.step == 200_000 and r.weights_after_test.step == r.steps
    assert not (r.weights_after_train.forward == r.weights_after_test.forward).all(), "the test phase learns too"
    images = r.weights_after_train.images()
    assert images.shape == (2, 8, 8) and (images[1] == r.weights_after_train.forward[:, 1].reshape(8, 8)).all()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib reads the experiment file into a dict")
def test_a_dict_runs_as_its_file_does():
    import tomllib

    as_dict = tomllib.loads(NOTEBOOK.read_text())
    a, b = harness.run(as_dict, seed=9), harness.run(NOTEBOOK, seed=9)
    assert a.experiment == b.experiment == "notebook"
    assert without_wall_time(str(a)) == without_wall_time(str(b))
    assert (a.weights_after_test.forward == b.weights_after_test.forward).all()


def test_the_curve_is_the_command_s_checkpoints_and_the_run_is_unchanged(cli):
    # The notebook's protocol with checkpoints: a dict standing for the file plus the key.
    exp = {"name": "curve", "protocol": {"sampling": "notebook", "test_presentations": 100, "checkpoints": [50, 150]}}
    plain, curved = harness.run({**exp, "protocol": {**exp["protocol"], "checkpoints": []}}, seed=4), harness.run(exp, seed=4)
    assert [n for n, _ in curved.curve] == [50, 150, 200]
    assert bits(curved.curve[-1][1]) == bits(curved.test_accuracy) == bits(plain.test_accuracy)
    assert plain.curve == [(200, plain.test_accuracy)]
    assert (curved.weights_after_test.forward == plain.weights_after_test.forward).all()
    out = run_cli(cli, ["run", NOTEBOOK, "--seed", 4, "--checkpoints", "50,150"]).stdout
    shown = [float(m[1]) for m in re.finditer(r"^  after \d+\s+([0-9.]+)", out, re.M)]
    assert shown == [round(a, 4) for _, a in curved.curve[:2]]
    with pytest.raises(harness.ConfigError, match=r"checkpoints\[0\]"):
        harness.run({**exp, "protocol": {**exp["protocol"], "checkpoints": [200]}}, seed=4)


def test_assigned_labels_say_which_digit_each_output_stood_for():
    """With fixed labels each output stands for its teacher's digit; unsupervised (no teacher)
    with assigned labels, the outputs take digits of their own, and the test predicts only
    digits that some output stands for."""
    base = {"name": "labels", "protocol": {"classes": [3, 8, 5], "neurons_per_class": 3,
                                           "train_presentations": 60, "prediction": "spikes"}}
    fixed = harness.run(base, seed=5)
    assert fixed.assigned_digits == fixed.output_digits == [3, 3, 3, 8, 8, 8, 5, 5, 5]
    free = dict(base, protocol=dict(base["protocol"], teacher=0.0, labels="assigned"))
    run = harness.run(free, seed=5)
    assert run.output_digits == fixed.output_digits
    assert run.assigned_digits != run.output_digits
    assert set(run.test.predictions) <= set(run.assigned_digits), (run.test.predictions, run.assigned_digits)
