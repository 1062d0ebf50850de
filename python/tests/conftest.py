from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from common import REPO, target_dir


@pytest.fixture(scope="session")
def cli() -> Path:
    """The harness command of this checkout, to compare the binding with: ``$HARNESS_BIN``, else
    built by cargo (a no-op when it is up to date) so that it is the same code as the binding."""
    explicit = os.environ.get("HARNESS_BIN")
    if explicit:
        return Path(explicit)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "harness"], cwd=REPO, check=True)
    return target_dir() / "release" / "harness"
