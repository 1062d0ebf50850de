"""harness.race against `harness race`: the same results directory, byte for byte, from a file or
from a dict of the same keys, and frames equal to its files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = pytest.importorskip("tomli")

import harness
from common import REPO, run_cli, same_bytes

#: The tables that depend only on the race (timings hold wall times, the manifest start times).
DETERMINED = ["runs.parquet", "runs.csv", "race.parquet", "race.csv", "summary.parquet", "summary.csv"]

#: A small race (two classes, short phases): 400 runs and 8 validation seeds per elite, seconds.
#: The file tests/race.rs races too.
RACE_FILE = REPO / "tests" / "fixtures" / "small-race.toml"
#: The same race as a dict of its keys.
RACE = tomllib.loads(RACE_FILE.read_text())


@pytest.fixture(scope="module")
def race_by_command(cli, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "race"
    run_cli(cli, ["race", RACE_FILE, "--out", out])
    return out


def test_a_race_from_python_writes_the_command_s_tables(race_by_command, tmp_path):
    out = tmp_path / "race"
    results = harness.race(RACE_FILE, out=out, progress=False, threads=1)
    for name in DETERMINED:
        assert same_bytes(out / name, race_by_command / name), name
    m = results.manifest
    assert m["kind"] == "race" and m["finished"]
    assert results.ran == len(results.runs) and results.ran > 400
    # The race's own bookkeeping: every candidate has a row, the elites are validated.
    race = results.race
    elites = race.filter(pl.col("elite_rank").is_not_null())
    assert len(elites) == len(results.summary) >= 1
    assert results.summary["test_accuracy_mean"].is_not_null().all()
    phases = results.runs["phase"].value_counts().sort("phase")
    assert phases["phase"].to_list() == ["race", "validation"]


def test_a_dict_races_as_its_file_does(race_by_command, tmp_path):
    out = tmp_path / "race"
    results = harness.race(RACE, out=out, progress=False)
    for name in DETERMINED:
        assert same_bytes(out / name, race_by_command / name), name
    # The frames are the files, and load reads them back (a race directory has a race table).
    loaded = harness.load(out)
    assert sorted(results.tables) == sorted(loaded.tables) == ["race", "runs", "summary", "timings"]
    for name, df in results.tables.items():
        on_disk = pl.read_parquet(out / f"{name}.parquet")
        assert df.schema == on_disk.schema and df.equals(on_disk), name
        assert loaded.tables[name].equals(on_disk), name
    # Racing again resumes from the journal: nothing runs, the tables stay.
    again = harness.race(RACE, out=out, progress=False)
    assert again.ran == 0 and again.race.equals(results.race)


def test_a_screening_race_runs_its_cheap_runs_apart_and_resumes(tmp_path):
    exp = {**RACE, "race": {**RACE["race"], "screen": [[0.5, 0.5]]}}
    out = tmp_path / "race"
    results = harness.race(exp, out=out, progress=False)
    runs = results.runs
    screening = runs.filter(pl.col("phase") == "screening")
    racing = runs.filter(pl.col("phase") == "race")
    assert len(screening) > 0 and len(racing) > 0
    # Half the training and test presentations, under run ids that say the rung.
    assert screening["presentations_train"].max() < racing["presentations_train"].min()
    assert screening["run_id"].str.contains("-r1-").all()
    assert (results.race["eliminated_by"] == "screened").sum() > 0
    again = harness.race(exp, out=out, progress=False)
    assert again.ran == 0 and again.race.equals(results.race)


def test_a_race_with_behind_drops_after_one_seed_and_resumes(tmp_path):
    exp = {**RACE, "race": {**RACE["race"], "behind": 0.2}}
    out = tmp_path / "race"
    results = harness.race(exp, out=out, progress=False)
    behind = results.race.filter(pl.col("eliminated_by") == "behind")
    assert len(behind) > 0 and (behind["seeds"] == 1).any()
    again = harness.race(exp, out=out, progress=False)
    assert again.ran == 0 and again.race.equals(results.race)
    with pytest.raises(harness.ConfigError, match=r"key `race\.behind`: must be an accuracy between 0 and 1"):
        harness.race({**RACE, "race": {**RACE["race"], "behind": 2.0}}, out=tmp_path / "never", progress=False)


def test_a_race_s_errors_name_the_key(tmp_path):
    bad = dict(RACE, race={"budgett": 400})
    with pytest.raises(harness.ConfigError, match=r"^<dict>: key `race\.budgett`: unknown field `budgett`"):
        harness.race(bad, out=tmp_path / "never", progress=False)
    with pytest.raises(harness.ConfigError, match=r"key `race\.first_test`: .*at least 2"):
        harness.race(dict(RACE, race={"budget": 400, "first_test": 1}), out=tmp_path / "never", progress=False)
    without = {k: v for k, v in RACE.items() if k != "race"}
    with pytest.raises(harness.ConfigError, match=r"key `race`: a race needs a `\[race\]` section"):
        harness.race(without, out=tmp_path / "never", progress=False)
    assert not (tmp_path / "never").exists()
    with pytest.raises(AttributeError, match="a sweep's results, not a race's"):
        harness.sweep({"grid": {"c_neg": [1.0]}, "replicates": 1}, out=tmp_path / "s", progress=False).race
