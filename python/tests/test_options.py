"""Every option of harness.sweep and harness.race does what the command's flag does, and errors
carry what they are about as attributes."""

from __future__ import annotations

import pytest
import tomllib

import harness
from harness import _harness

SMALL = {"name": "small", "replicates": 4, "protocol": {"train_presentations": 10, "test_presentations": 5}}


def test_shard_runs_its_share_and_is_checked(tmp_path, monkeypatch):
    half = harness.sweep(SMALL, out=tmp_path / "s1", progress=False, shard="1/2")
    assert half.manifest["shard"] == "1/2" and half.done == 2
    assert half.runs["replicate"].to_list() == [0, 2]
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "1")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "2")
    auto = harness.sweep(SMALL, out=tmp_path / "s2", progress=False, shard="auto")
    assert auto.manifest["shard"] == "2/2" and auto.runs["replicate"].to_list() == [1, 3]
    with pytest.raises(ValueError, match=r"--shard \"3/2\": expected I/N"):
        harness.sweep(SMALL, out=tmp_path / "never", progress=False, shard="3/2")
    assert not (tmp_path / "never").exists()


def test_allow_other_build_resumes_what_another_build_wrote_and_records_it(tmp_path):
    out = tmp_path / "s"
    harness.sweep(SMALL, out=out, progress=False)
    manifest = (out / "manifest.toml").read_text()
    commit = tomllib.loads(manifest)["git_commit"]
    (out / "manifest.toml").write_text(manifest.replace(f'git_commit = "{commit}"', 'git_commit = "0000000"'))
    with pytest.raises(harness.ResultsError, match="--allow-other-build"):
        harness.sweep(SMALL, out=out, progress=False)
    resumed = harness.sweep(SMALL, out=out, progress=False, allow_other_build=True)
    assert any("0000000" in b for b in resumed.manifest["other_builds"]), resumed.manifest


def test_yes_lets_more_than_ten_thousand_runs_through(tmp_path):
    many = dict(SMALL, replicates=10_001)
    with pytest.raises(harness.ConfigError, match="--yes"):
        harness.sweep(many, out=tmp_path / "never", progress=False)
    # With yes, the size passes and the next check speaks: an output that is a file.
    (tmp_path / "file").write_text("")
    with pytest.raises(harness.ResultsError, match="file"):
        harness.sweep(many, out=tmp_path / "file", progress=False, yes=True)
    race = {"random": {"lr": {"uniform": [0.05, 0.1]}}, "race": {"budget": 20_000}}
    with pytest.raises(harness.ConfigError, match=r"key `race\.budget`: .*--yes"):
        harness.race(race, out=tmp_path / "never", progress=False)


def test_the_native_options_are_checked_by_name():
    with pytest.raises(TypeError, match=r"unknown option \"sharrd\""):
        _harness.sweep(SMALL, False, {"sharrd": "1/2"})
    with pytest.raises(TypeError, match=r"unknown option \"shard\""):
        _harness.race(SMALL, False, {"shard": "1/2"})
    with pytest.raises(TypeError, match="threads"):
        _harness.sweep(SMALL, False, {"threads": "two"})


def test_a_config_error_carries_its_file_key_and_line(tmp_path):
    (tmp_path / "bad.toml").write_text('name = "bad"\n[model]\ntau_ms = 0.0\n')
    with pytest.raises(harness.ConfigError) as e:
        harness.run(tmp_path / "bad.toml")
    assert (e.value.key, e.value.line) == ("model.tau_ms", 3)
    assert e.value.file.endswith("bad.toml")
    assert e.value.problems == [("model.tau_ms", 3, "a time constant must be > 0 ms (got 0)")]
    with pytest.raises(harness.ConfigError) as e:
        harness.run({"model": {"tau_ms": 0.0, "alpha_ms": -1.0}})
    assert e.value.file == "<dict>" and e.value.line is None
    assert {p[0] for p in e.value.problems} == {"model.tau_ms", "model.alpha_ms"}
