"""Ctrl-C stops a sweep from Python as it stops the command: the runs in flight finish, the tables
of every finished run are written, KeyboardInterrupt is raised, and the same call resumes."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import harness
from common import big_grid, run_cli, same_bytes

CHILD = textwrap.dedent(
    """
    import sys
    import harness

    try:
        harness.sweep(sys.argv[1], out=sys.argv[2], threads=1, progress=False)
    except KeyboardInterrupt:
        sys.exit(42)
    sys.exit(0)
    """
)


def journal_lines(out) -> int:
    try:
        return len((out / "journal.jsonl").read_text().splitlines())
    except FileNotFoundError:
        return 0


def test_an_interrupted_sweep_keeps_its_runs_and_resumes(cli, tmp_path):
    sweep_file = big_grid(tmp_path)
    total = 27 * 40
    out = tmp_path / "interrupted"
    (tmp_path / "child.py").write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(tmp_path / "child.py"), str(sweep_file), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait (at most two minutes, polling) until runs have finished, then press Ctrl-C.
        deadline = time.monotonic() + 120
        while journal_lines(out) < 10 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert child.poll() is None, f"the sweep ended before it was interrupted:\n{child.stderr.read()}"
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 42, f"KeyboardInterrupt expected (exit 42), got {child.returncode}:\n{stderr}"
    assert "interrupt: finishing the runs in flight, then writing tables" in stderr
    done = journal_lines(out)
    assert 10 <= done < total, "stopped midway"
    kept = harness.load(out)
    assert kept.runs.height == done and not kept.complete
    assert f"interrupted: {done} of {total} runs done" in stderr

    resumed = harness.sweep(sweep_file, out=out, progress=False)
    assert resumed.ran == total - done and resumed.done == total and resumed.complete

    run_cli(cli, ["sweep", sweep_file, "--out", tmp_path / "whole"])
    for name in ("runs.parquet", "summary.parquet", "runs.csv", "summary.csv"):
        assert same_bytes(out / name, tmp_path / "whole" / name), name
