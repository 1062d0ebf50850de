"""Errors are Python exceptions carrying the command's messages; a dict's bad key is named."""

from __future__ import annotations

import pytest

import harness
from common import run_cli


def test_a_misspelt_key_in_a_dict_is_named(tmp_path):
    with pytest.raises(harness.ConfigError, match=r"^<dict>: key `model\.tau_mss`: unknown field `tau_mss`"):
        harness.run({"model": {"tau_mss": 10.0}})
    with pytest.raises(harness.ConfigError, match=r"^<dict>: key `protocl`: unknown field `protocl`"):
        harness.run({"protocl": {"classes": [0, 1]}})
    with pytest.raises(harness.ConfigError, match=r"key `grid\.c_nge`"):
        harness.sweep({"grid": {"c_nge": [1.0, 2.0]}}, out=tmp_path / "never-written", progress=False)
    assert not (tmp_path / "never-written").exists()


def test_a_file_s_error_is_the_command_s_message(cli, tmp_path, monkeypatch):
    (tmp_path / "bad.toml").write_text('name = "bad"\n[model]\ntau_ms = 0.0\n')
    stderr = run_cli(cli, ["run", "bad.toml"], cwd=tmp_path, ok=False).stderr
    expected = "bad.toml:3: key `model.tau_ms`: a time constant must be > 0 ms (got 0)"
    assert stderr.splitlines()[0] == f"Error: {expected}"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(harness.ConfigError) as e:
        harness.run("bad.toml")
    assert str(e.value) == expected
    # The same value in a dict: the key, without a line of a file the user never wrote.
    with pytest.raises(harness.ConfigError) as e:
        harness.run({"model": {"tau_ms": 0.0}})
    assert str(e.value) == "<dict>: key `model.tau_ms`: a time constant must be > 0 ms (got 0)"


def test_a_sweep_file_s_error_is_the_command_s_message(cli, tmp_path, monkeypatch):
    (tmp_path / "s.toml").write_text("[grid]\nc_inp = [0.1, 0.2]\nlrr = [0.1]\n")
    stderr = run_cli(cli, ["sweep", "s.toml", "--out", "o"], cwd=tmp_path, ok=False).stderr
    monkeypatch.chdir(tmp_path)
    with pytest.raises(harness.ConfigError) as e:
        harness.sweep("s.toml", out="o", progress=False)
    assert "lrr" in str(e.value) and stderr.startswith(f"Error: {e.value}")
    assert not (tmp_path / "o").exists(), "nothing is written before the sweep is valid"


def test_values_a_toml_file_cannot_hold_are_refused_with_their_key():
    with pytest.raises(harness.ConfigError, match=r"key `model\.c_inp`: object values cannot be written"):
        harness.run({"model": {"c_inp": object()}})
    with pytest.raises(harness.ConfigError, match=r"key `protocol\.classes\[1\]`: None cannot be an element"):
        harness.run({"protocol": {"classes": [0, None]}})
    with pytest.raises(harness.ConfigError, match=r"key `seed`: .* beyond a TOML integer"):
        harness.run({"seed": 2**70})
    with pytest.raises(TypeError, match="path to an experiment file"):
        harness.run(3)  # type: ignore[arg-type]


def test_none_leaves_a_key_at_its_default():
    a = harness.run({"protocol": {"train_presentations": 20, "test_presentations": None}}, seed=2)
    b = harness.run({"protocol": {"train_presentations": 20}}, seed=2)
    assert (a.test.labels == b.test.labels).all() and a.test_accuracy == b.test_accuracy


def test_run_errors_are_typed():
    # c_inp = 1e307 drives the currents past a double's range (seed 1 diverges).
    with pytest.raises(harness.RunError, match="not finite"):
        harness.run({"model": {"c_inp": 1e307}, "protocol": {"train_presentations": 20}}, seed=1)
    with pytest.raises(harness.TraceError, match="record-every"):
        harness.run({"protocol": {"train_presentations": 2000}}, record_every=1)
    with pytest.raises(ValueError, match="record_every"):
        harness.run({"protocol": {"train_presentations": 2}}, record_every=0)
    with pytest.raises(harness.ConfigError, match="cannot read"):
        harness.run("no-such-file.toml")
    assert issubclass(harness.ConfigError, harness.HarnessError)


def test_a_directory_of_other_results_is_refused_with_the_command_s_message(tmp_path):
    out = tmp_path / "r"
    small = {"name": "small", "replicates": 2, "protocol": {"train_presentations": 10, "test_presentations": 5}}
    harness.sweep(small, out=out, progress=False)
    other = dict(small, seed=99)
    with pytest.raises(harness.ResultsError, match="holds the results of another experiment") as e:
        harness.sweep(other, out=out, progress=False)
    assert "--force" in str(e.value)
    moved = harness.sweep(other, out=out, progress=False, force=True)
    assert moved.done == 2 and len(list(tmp_path.glob("r.replaced-*"))) == 1
    with pytest.raises(harness.ResultsError, match="not a harness results directory"):
        harness.load(tmp_path)


def test_a_cyclic_or_very_deep_experiment_is_a_config_error_not_a_crash():
    cyclic: dict = {"protocol": {}}
    cyclic["protocol"]["again"] = cyclic
    with pytest.raises(harness.ConfigError, match=r"key `protocol\.again`: .*contains itself \(a cycle\)"):
        harness.run(cyclic)
    looped: list = []
    looped.append(looped)
    with pytest.raises(harness.ConfigError, match="contains itself"):
        harness.run({"grid": {"classes": looped}})
    deep: dict = {}
    for _ in range(20_000):
        deep = {"x": deep}
    with pytest.raises(harness.ConfigError, match="more than 32 deep"):
        harness.run(deep)
    nested: list = []
    for _ in range(20_000):
        nested = [nested]
    with pytest.raises(harness.ConfigError, match="more than 32 deep"):
        harness.sweep({"grid": {"classes": nested}}, out="never", progress=False)
    # The same shared (not cyclic) list twice is a tree of values, not a cycle.
    shared = [0, 1]
    with pytest.raises(harness.ConfigError, match="unknown field"):
        harness.run({"protocol": {"classes": shared, "other": shared}})


def test_loading_a_damaged_directory_raises_a_harness_error_naming_the_path(tmp_path):
    s = harness.sweep({"grid": {"c_neg": [1.0]}, "replicates": 1, "protocol": {"test_presentations": 5, "train_presentations": 10}},
                      out=tmp_path / "s", progress=False)
    assert s.runs.height == 1
    (tmp_path / "s" / "summary.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(harness.ResultsError, match=r"summary\.parquet: not a readable Parquet table"):
        harness.load(tmp_path / "s")
    (tmp_path / "s" / "summary.parquet").unlink()
    loaded = harness.load(tmp_path / "s")
    with pytest.raises(harness.ResultsError, match=r"s: no summary table \(summary\.parquet is missing\)"):
        loaded.summary
    (tmp_path / "s" / "manifest.toml").write_text("this is = not [a manifest")
    with pytest.raises(harness.HarnessError, match="manifest.toml"):
        harness.load(tmp_path / "s")
    with pytest.raises(harness.HarnessError, match="nowhere"):
        harness.load(tmp_path / "nowhere")
