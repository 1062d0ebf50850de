"""What the tests share: where the checkout is, and running the harness command beside the binding."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence, Union

#: The repository (python/tests/ is two levels below it).
REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "experiments" / "notebook.toml"
GRID = REPO / "experiments" / "grid.toml"


def target_dir() -> Path:
    t = Path(os.environ.get("CARGO_TARGET_DIR", "target"))
    return t if t.is_absolute() else REPO / t


def run_cli(
    cli: Path, args: Sequence[Union[str, os.PathLike]], cwd: Union[Path, None] = None, ok: bool = True
) -> subprocess.CompletedProcess:
    """Run the harness command; with ``ok``, fail (showing its output) unless it succeeds."""
    p = subprocess.run([str(cli), *map(str, args)], cwd=cwd, capture_output=True, text=True)
    if ok and p.returncode != 0:
        raise AssertionError(f"harness {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def same_bytes(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


def big_grid(directory: Path, replicates: int = 40) -> Path:
    """experiments/grid.toml with more replicates (1,080 runs by default): a sweep long enough to
    be stopped midway whatever the machine."""
    text = GRID.read_text()
    assert "\nreplicates = 8" in text
    path = directory / "big.toml"
    path.write_text(text.replace("\nreplicates = 8", f"\nreplicates = {replicates}"))
    return path
