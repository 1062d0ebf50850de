# Types of the native module (python/src/lib.rs). The public API is harness/__init__.py, which
# turns these plain values into Run, Results, numpy arrays and polars DataFrames.

import os
from typing import Any, Dict, List, Optional, Protocol, Tuple, Union

__version__: str
#: This build of harness, as results manifests record it: "<version> <git commit>".
BUILD: str
#: The recording interval `harness run --plots` uses without --record-every (steps).
DEFAULT_EVERY: int
#: The trace's tables, in the order `harness run --trace` writes them.
TRACE_TABLES: List[str]

class HarnessError(Exception): ...
class ConfigError(HarnessError):
    file: str
    key: Optional[str]
    line: Optional[int]
    problems: List[Tuple[str, Optional[int], str]]
class ResultsError(HarnessError): ...
class RunError(HarnessError): ...
class TraceError(HarnessError): ...

class _ProgressLike(Protocol):
    def start(self, total: int, what: str) -> None: ...
    def update(self, done: int) -> None: ...
    def status(self, line: str) -> None: ...
    def say(self, line: str) -> None: ...
    def note(self, line: str) -> None: ...
    def close(self) -> None: ...

_Experiment = Union[str, os.PathLike[str], Dict[str, Any]]

# Every argument is positional (harness/__init__.py passes them all, in this order); a sweep's or
# race's options are one dict (out, threads, seed, shard for a sweep, force, allow_other_build,
# yes), each checked by name.

def run(experiment: _Experiment, seed: Optional[int], record_every: Optional[int], /) -> Dict[str, Any]:
    """One run: accuracies, labels and predictions (uint8 bytes of digits), spike counts, weights
    (native float64 bytes, row-major), the Rust-side timings ``load_s`` and ``wall_s``, the
    command's report text, and the trace's tables as Parquet bytes when recording."""

def sweep(experiment: _Experiment, progress: _ProgressLike, options: Dict[str, Any], /) -> Dict[str, Any]:
    """A sweep into its results directory: the directory, its tables as Parquet bytes, its manifest."""

def race(experiment: _Experiment, progress: _ProgressLike, options: Dict[str, Any], /) -> Dict[str, Any]:
    """A race into its results directory: the directory, its tables as Parquet bytes, its manifest."""

def load(dir: Union[str, os.PathLike[str]], /) -> Dict[str, Any]:
    """A results directory's tables as Parquet bytes and its manifest, read under its shared lock."""
