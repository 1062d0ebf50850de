"""harness.sweep against `harness sweep`: the same results directory, byte for byte, and frames
equal to its files."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import harness
from common import GRID, big_grid, run_cli, same_bytes

#: The tables that depend only on the sweep (timings hold wall times, the manifest start times).
DETERMINED = ["runs.parquet", "summary.parquet", "runs.csv", "summary.csv"]


@pytest.fixture(scope="module")
def grid_by_command(cli, tmp_path_factory) -> Path:
    """experiments/grid.toml (216 runs) swept by the command."""
    out = tmp_path_factory.mktemp("cli") / "grid"
    run_cli(cli, ["sweep", GRID, "--out", out])
    return out


@pytest.fixture(scope="module")
def grid_by_python(tmp_path_factory) -> tuple:
    out = tmp_path_factory.mktemp("py") / "grid"
    return out, harness.sweep(GRID, out=out, progress=False)


def test_a_sweep_from_python_writes_the_command_s_tables(grid_by_command, grid_by_python):
    out, results = grid_by_python
    for name in DETERMINED:
        assert same_bytes(out / name, grid_by_command / name), name
    assert pl.read_parquet(out / "timings.parquet")["run_id"].equals(
        pl.read_parquet(grid_by_command / "timings.parquet")["run_id"]
    )
    lines = (out / "journal.jsonl").read_text().splitlines()
    assert len(lines) == 216 and all(json.loads(line)["run_id"] for line in lines)
    m = results.manifest
    assert m["kind"] == "sweep" and m["runs_done"] == m["runs"] == 216 and m["finished"]
    assert m["identity"] == _manifest_identity(grid_by_command)
    assert results.done == results.total == 216 and results.complete and results.ran == 216


def _manifest_identity(out: Path) -> str:
    for line in (out / "manifest.toml").read_text().splitlines():
        if line.startswith("identity = "):
            return json.loads(line.split(" = ", 1)[1])
    raise AssertionError("no identity in the manifest")


def test_the_frames_equal_the_files(grid_by_python):
    out, results = grid_by_python
    assert sorted(results.tables) == ["runs", "summary", "timings"]
    for name, df in results.tables.items():
        on_disk = pl.read_parquet(out / f"{name}.parquet")
        assert df.schema == on_disk.schema and df.equals(on_disk), name
    assert results.runs.height == 216 and results.summary.height == 27
    loaded = harness.load(out)
    assert loaded.ran is None and loaded.path == out
    for name in ("runs", "summary", "timings"):
        assert loaded.tables[name].equals(results.tables[name]), name
    assert loaded.manifest == results.manifest


def test_a_finished_sweep_is_resumed_with_nothing_to_run(grid_by_python, grid_by_command):
    out, first = grid_by_python
    again = harness.sweep(GRID, out=out, progress=False)
    assert again.ran == 0 and again.done == 216
    assert again.runs.equals(first.runs) and again.summary.equals(first.summary)
    for name in DETERMINED:
        assert same_bytes(out / name, grid_by_command / name), name


def test_a_dict_sweeps_as_its_file_does(cli, tmp_path):
    text = (
        'name = "two"\nseed = 5\nreplicates = 2\n[protocol]\nsampling = "notebook"\ntest_presentations = 20\n'
        "train_presentations = 40\n[grid]\nlr = [0.1, 0.025]\nc_neg = [3.4, 0.85, 1.7]\n"
    )
    (tmp_path / "two.toml").write_text(text)
    run_cli(cli, ["sweep", "two.toml", "--out", "cli"], cwd=tmp_path)
    as_dict = {
        "name": "two",
        "seed": 5,
        "replicates": 2,
        "protocol": {"sampling": "notebook", "test_presentations": 20, "train_presentations": 40},
        # The first axis is the slowest, as in the file: the dict's order is kept.
        "grid": {"lr": [0.1, 0.025], "c_neg": [3.4, 0.85, 1.7]},
    }
    r = harness.sweep(as_dict, out=tmp_path / "py", threads=1, progress=False)
    for name in DETERMINED:
        assert same_bytes(tmp_path / "py" / name, tmp_path / "cli" / name), name
    assert r.runs["lr"].to_list()[:6] == [0.1] * 6
    assert r.manifest["experiment_file"] == "<dict>"


def test_seed_replaces_the_file_s_seed_as_the_command_s_option_does(cli, tmp_path):
    text = "seed = 5\nreplicates = 3\n[protocol]\ntrain_presentations = 30\n[grid]\nc_inp = [0.1, 0.4]\n"
    (tmp_path / "s.toml").write_text(text)
    run_cli(cli, ["sweep", "s.toml", "--seed", 7, "--out", "cli"], cwd=tmp_path)
    by_file = harness.sweep(tmp_path / "s.toml", out=tmp_path / "file", seed=7, progress=False)
    by_dict = harness.sweep(
        {"name": "s", "seed": 5, "replicates": 3, "protocol": {"train_presentations": 30}, "grid": {"c_inp": [0.1, 0.4]}},
        out=tmp_path / "dict",
        seed=7,
        progress=False,
    )
    for name in DETERMINED:
        assert same_bytes(tmp_path / "file" / name, tmp_path / "cli" / name), name
        assert same_bytes(tmp_path / "dict" / name, tmp_path / "cli" / name), name
    unseeded = harness.sweep(tmp_path / "s.toml", out=tmp_path / "five", progress=False)
    assert not unseeded.runs["seed"].equals(by_file.runs["seed"])
    assert by_dict.manifest["experiment"]["seed"] == 7


def test_failed_runs_are_recorded_and_warned_about(tmp_path):
    exp = {
        "seed": 1,
        "replicates": 2,
        "protocol": {"train_presentations": 20, "test_presentations": 5},
        "grid": {"c_inp": [0.2, 1e307]},
    }
    with pytest.warns(RuntimeWarning, match=r"run\(s\) failed"):
        r = harness.sweep(exp, out=tmp_path / "f", progress=False)
    failed = r.runs.filter(pl.col("status") == "failed")
    assert failed.height == r.failed > 0 and failed["error"].str.contains("not finite").all()
    assert r.failures and r.failures[0][1] == r.failed


class Recorder:
    """A progress object that keeps what the native side told it."""

    def __init__(self, fail_on_update: bool = False) -> None:
        self.calls: list = []
        self.fail_on_update = fail_on_update

    def start(self, total: int, what: str) -> None:
        self.calls.append(("start", total, what))

    def update(self, done: int) -> None:
        self.calls.append(("update", done))
        if self.fail_on_update:
            raise RuntimeError("the progress display broke")

    def status(self, line: str) -> None:
        self.calls.append(("status", line))

    def say(self, line: str) -> None:
        self.calls.append(("say", line))

    def note(self, line: str) -> None:
        self.calls.append(("note", line))

    def close(self) -> None:
        self.calls.append(("close",))


def test_progress_is_reported_from_the_calling_thread(tmp_path):
    rec = Recorder()
    harness.sweep(GRID, out=tmp_path / "g", progress=rec)
    kinds = [c[0] for c in rec.calls]
    assert ("start", 216, "runs") in rec.calls
    updates = [c[1] for c in rec.calls if c[0] == "update"]
    assert updates and updates == sorted(updates) and updates[-1] == 216
    assert kinds.count("close") == 1 and kinds.index("close") > max(i for i, k in enumerate(kinds) if k == "update")
    said = [c[1] for c in rec.calls if c[0] == "say"]
    assert said[0].startswith("sweep grid: 27 configurations x 8 replicates = 216 runs; 0 already done, 216 to run")
    assert said[-1].startswith("ran 216 runs in ")


def test_an_error_of_the_progress_display_stops_the_sweep_after_writing_its_tables(tmp_path):
    out = tmp_path / "g"
    with pytest.raises(RuntimeError, match="progress display broke"):
        harness.sweep(big_grid(tmp_path), out=out, threads=1, progress=Recorder(fail_on_update=True))
    journal = (out / "journal.jsonl").read_text().splitlines()
    assert 0 < len(journal) < 1080, "stopped early, with runs finished"
    assert harness.load(out).runs.height == len(journal)
