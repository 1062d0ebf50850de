"""harness from Python: seeded runs and sweeps of the brian2 notebook's spiking network.

The Rust library does the work (the same calls as the ``harness`` command line); this package maps
arguments onto it and hands results back as numpy arrays and polars DataFrames.

- :func:`run` runs one instance (train, then test) and returns a :class:`Run`: accuracies,
  per-presentation labels and predictions, spike counts, the weights after each phase and, with
  ``record_every``, the trace tables of ``harness run --trace``.
- :func:`sweep` runs a grid/random sweep into a results directory exactly as ``harness sweep``
  does (same directory, journal, resume and tables) and returns its tables as a :class:`Results`;
  :func:`race` does the same for ``harness race`` (iterated racing on common seeds);
  :func:`load` reads an existing results directory.

An experiment is a path to an experiment file (TOML, see ``experiments/`` and the README's
"Experiment files") or a dict with the same keys::

    import harness
    r = harness.run("experiments/notebook.toml", seed=1, record_every=10)
    r.test_accuracy, r.trace.outputs
    s = harness.sweep({"name": "c_neg", "replicates": 8,
                       "protocol": {"sampling": "notebook", "test_presentations": 100},
                       "grid": {"c_neg": [0.85, 1.7, 3.4]}}, out="results/c_neg")
    s.summary

Errors are raised as :class:`HarnessError` subclasses carrying the command line's messages
(a misspelt key is named). A run is a pure function of its experiment and seed: the same seed gives
the same bits as ``harness run``.
"""

from __future__ import annotations

import io
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Protocol, Tuple, Union

import numpy as np
import polars as pl

from . import _harness
from ._harness import (
    BUILD,
    DEFAULT_EVERY,
    TRACE_TABLES,
    ConfigError,
    HarnessError,
    ResultsError,
    RunError,
    TraceError,
)

__version__: str = _harness.__version__

__all__ = [
    "BUILD",
    "DEFAULT_EVERY",
    "TRACE_TABLES",
    "ConfigError",
    "ExperimentLike",
    "HarnessError",
    "Phase",
    "Progress",
    "Results",
    "ResultsError",
    "Run",
    "RunError",
    "Trace",
    "TraceError",
    "Weights",
    "load",
    "race",
    "run",
    "sweep",
]

#: An experiment file's path, or a dict of its keys (nested dicts for ``[model]``, ``[protocol]``,
#: ``[grid]``, ``[random]``; ``None`` values count as absent keys).
ExperimentLike = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def _experiment(experiment: ExperimentLike) -> Any:
    # The native side takes a path or a plain dict; other mappings are copied into one.
    if isinstance(experiment, Mapping) and not isinstance(experiment, dict):
        return dict(experiment)
    return experiment


def _options(
    out: Union[str, "os.PathLike[str]", None],
    threads: Optional[int],
    seed: Optional[int],
    force: bool,
    allow_other_build: bool,
    yes: bool,
) -> Dict[str, Any]:
    # The one place the command's options are written out for the native side.
    return {
        "out": None if out is None else os.fspath(out),
        "threads": threads,
        "seed": seed,
        "force": force,
        "allow_other_build": allow_other_build,
        "yes": yes,
    }


def _frame(parquet: bytes) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(parquet))


def _frames(tables: Mapping[str, bytes]) -> Dict[str, pl.DataFrame]:
    return {name: _frame(b) for name, b in tables.items()}


def _array(raw: bytes, shape: Tuple[int, ...]) -> np.ndarray:
    # Native-endian float64 in row-major order; copied so that the array is writable.
    return np.frombuffer(raw, dtype=np.float64).reshape(shape).copy()


@dataclass(frozen=True)
class Phase:
    """One phase of a run: training (teacher on) or test (teacher off)."""

    #: Share of presentations whose prediction equals the label.
    accuracy: float
    #: The digit shown at each presentation, in order.
    labels: np.ndarray
    #: The digit predicted for each presentation.
    predictions: np.ndarray
    #: Spikes of all inputs during the phase.
    input_spikes: int
    #: Spikes of each output during the phase (output ``j`` stands for ``Run.output_digits[j]``).
    output_spikes: np.ndarray


@dataclass(frozen=True)
class Weights:
    """The weights at one moment (the end of a phase)."""

    #: Steps completed when they were taken.
    step: int
    #: Forward weights, ``(n_in, n_out)``: input (pixel) ``k`` to output ``j``.
    forward: np.ndarray
    #: Lateral weights, ``(n_out, n_out)``: output ``i`` to output ``j`` (the diagonal is unused).
    lateral: np.ndarray

    def images(self, side: int = 8) -> np.ndarray:
        """Each output's forward weights as a ``side x side`` image: ``(n_out, side, side)``."""
        return self.forward.T.reshape(self.forward.shape[1], side, side)


@dataclass(frozen=True)
class Trace:
    """The trace of a run (``harness run --trace``): one polars DataFrame per group of variables,
    with the columns and types of the Parquet files the command writes (see the README's
    "Recording and figures"). The state is sampled every ``every`` steps; spikes at every step."""

    every: int
    #: Every table by name (:data:`TRACE_TABLES`).
    tables: Dict[str, pl.DataFrame]

    @property
    def inputs(self) -> pl.DataFrame:
        """``step, t_ms, neuron, rate_hz, a, theta, diff``: each input at each sample."""
        return self.tables["inputs"]

    @property
    def outputs(self) -> pl.DataFrame:
        """``step, t_ms, neuron, a, theta, v, I, I_inp, I_neg, I_teacher, hold``: each output at each sample."""
        return self.tables["outputs"]

    @property
    def weights(self) -> pl.DataFrame:
        """``step, t_ms, pre, post, w``: each forward synapse at each sample."""
        return self.tables["weights"]

    @property
    def lateral(self) -> pl.DataFrame:
        """``step, t_ms, pre, post, w``: each lateral synapse (``pre != post``) at each sample."""
        return self.tables["lateral"]

    @property
    def spikes(self) -> pl.DataFrame:
        """``step, t_ms, population, neuron``: every spike (``population`` is ``input``/``output``)."""
        return self.tables["spikes"]

    @property
    def schedule(self) -> pl.DataFrame:
        """``index, phase, step, t_ms, end_step, label, class_index, row``: every presentation."""
        return self.tables["schedule"]

    @property
    def phases(self) -> pl.DataFrame:
        """``phase, start_step, end_step, start_ms, end_ms``: the train/test boundary."""
        return self.tables["phases"]


@dataclass(frozen=True, repr=False)
class Run:
    """One run of an experiment (what ``harness run`` prints, and more). ``str(run)`` is the text
    the command prints."""

    experiment: str
    seed: int
    #: The digits learnt, in output order.
    classes: List[int]
    neurons_per_class: int
    #: The digit each output stands for (the teacher's: ``neurons_per_class`` outputs a digit).
    output_digits: List[int]
    #: The digit each output stood for in the test phase: ``output_digits`` with fixed labels,
    #: the class it responded to most in training with ``labels = "assigned"``.
    assigned_digits: List[int]
    n_in: int
    n_out: int
    train: Phase
    test: Phase
    #: Steps simulated (both phases).
    steps: int
    #: The learning curve: ``(training presentations, test accuracy)`` at each of the protocol's
    #: ``checkpoints`` (the test phase on a copy of the network), then at the end of training (the
    #: run's own test). Without checkpoints, that last point alone.
    curve: List[Tuple[int, float]]
    #: Seconds the run itself took (the command's ``wall time``).
    wall_s: float
    #: Seconds reading and resolving the experiment took (data included).
    load_s: float
    weights_after_train: Weights
    weights_after_test: Weights
    #: The trace, when run with ``record_every``.
    trace: Optional[Trace]
    #: The text ``harness run`` prints for this run.
    report: str

    @property
    def train_accuracy(self) -> float:
        return self.train.accuracy

    @property
    def test_accuracy(self) -> float:
        return self.test.accuracy

    def __str__(self) -> str:
        return self.report

    def __repr__(self) -> str:
        return (
            f"Run(experiment={self.experiment!r}, seed={self.seed}, train_accuracy={self.train_accuracy:.4f}, "
            f"test_accuracy={self.test_accuracy:.4f}, traced={self.trace is not None})"
        )


def _phase(d: Mapping[str, Any]) -> Phase:
    return Phase(
        accuracy=d["accuracy"],
        labels=np.frombuffer(d["labels"], dtype=np.uint8).copy(),
        predictions=np.frombuffer(d["predictions"], dtype=np.uint8).copy(),
        input_spikes=d["input_spikes"],
        output_spikes=np.asarray(d["output_spikes"], dtype=np.uint64),
    )


def _weights(d: Mapping[str, Any], n_in: int, n_out: int) -> Weights:
    return Weights(
        step=d["step"], forward=_array(d["forward"], (n_in, n_out)), lateral=_array(d["lateral"], (n_out, n_out))
    )


def run(experiment: ExperimentLike, seed: Optional[int] = None, record_every: Optional[int] = None) -> Run:
    """Run one instance of an experiment (train, then test), as ``harness run`` does.

    Args:
        experiment: a path to an experiment file, or a dict with the same keys (relative paths in
            a dict, ``data`` and ``input_spikes``, start from the working directory).
        seed: the run's seed; default the experiment's ``seed`` (else 1). The same experiment and
            seed give the same bits as ``harness run <file> --seed <seed>``.
        record_every: record a trace, sampling the state every this many steps (10 is 1 ms at the
            notebook's ``dt``; spikes are kept at every step): ``Run.trace`` then holds the tables
            of ``harness run --trace``. A traced run gives the same results; it takes a few times
            longer (every step is stepped).

    Returns:
        a :class:`Run`.

    Raises:
        ConfigError: the experiment is invalid (the message names the key).
        TraceError: the trace would not fit in memory (sample less often).
        RunError: the run diverged.

    The GIL is released while the run runs. An experiment with sweep axes runs its base
    configuration (with a warning); use :func:`sweep` for the axes.
    """
    d = _harness.run(_experiment(experiment), seed, record_every)
    for note in d["notes"]:
        warnings.warn(note, stacklevel=2)
    n_in, n_out = d["n_in"], d["n_out"]
    t = d["trace"]
    return Run(
        experiment=d["experiment"],
        seed=d["seed"],
        classes=list(d["classes"]),
        neurons_per_class=d["neurons_per_class"],
        output_digits=list(d["output_digits"]),
        assigned_digits=list(d["assigned_digits"]),
        n_in=n_in,
        n_out=n_out,
        train=_phase(d["train"]),
        test=_phase(d["test"]),
        steps=d["steps"],
        curve=[(int(n), float(a)) for n, a in d["curve"]],
        wall_s=d["wall_s"],
        load_s=d["load_s"],
        weights_after_train=_weights(d["weights_after_train"], n_in, n_out),
        weights_after_test=_weights(d["weights_after_test"], n_in, n_out),
        trace=None if t is None else Trace(every=t["every"], tables=_frames(t["tables"])),
        report=d["report"],
    )


@dataclass(frozen=True, repr=False)
class Results:
    """A results directory's tables (``harness sweep`` writes them; see the README's "Sweeps"),
    as polars DataFrames equal to ``pl.read_parquet`` of its files, and its manifest."""

    #: The results directory.
    path: Path
    #: Every table by name: ``runs``, ``summary``, ``timings`` (and those of other kinds of work).
    tables: Dict[str, pl.DataFrame]
    #: ``manifest.toml`` as a dict: the experiment, its identity, the build, run counts, times.
    manifest: Dict[str, Any]
    #: Runs run by the call that returned this (``None`` from :func:`load`), and their seconds.
    ran: Optional[int] = None
    elapsed_s: Optional[float] = None
    #: Failed runs grouped by error, most frequent first: ``(error, count)``.
    failures: List[Tuple[str, int]] = field(default_factory=list)

    def _table(self, name: str) -> pl.DataFrame:
        if name not in self.tables:
            raise ResultsError(
                f"{self.path}: no {name} table ({name}.parquet is missing): the directory is damaged or was "
                "never finished; `harness verify` says what else is wrong"
            )
        return self.tables[name]

    @property
    def runs(self) -> pl.DataFrame:
        """One row per run, in sweep order: ids, seed, every parameter, status, accuracies, counts."""
        return self._table("runs")

    @property
    def summary(self) -> pl.DataFrame:
        """One row per configuration: its parameters, replicates, failures, and for test and train
        accuracy the mean, sd, standard error and 95% CI (``test_accuracy_mean``, ``_sd``, ``_se``,
        ``_ci95_low``, ``_ci95_high``, likewise ``train_accuracy_*``)."""
        return self._table("summary")

    @property
    def race(self) -> pl.DataFrame:
        """A race's candidates, one row each (a race directory only): parameters, parent,
        iteration born, seeds evaluated, race mean, and the test, p-value and seed index that
        dropped it, or its elite rank. ``summary`` holds the validated elites."""
        if self.manifest.get("kind") != "race":
            raise AttributeError(f"{self.path} holds a sweep's results, not a race's: it has no race table")
        return self._table("race")

    @property
    def timings(self) -> pl.DataFrame:
        """Wall time per run (``run_id, wall_s``)."""
        return self._table("timings")

    @property
    def done(self) -> int:
        """Runs done in the directory."""
        return int(self.manifest["runs_done"])

    @property
    def total(self) -> int:
        """Runs that belong in the directory (its shard's, or all)."""
        return int(self.manifest["runs"])

    @property
    def failed(self) -> int:
        return int(self.manifest["runs_failed"])

    @property
    def complete(self) -> bool:
        """Whether every run is done (the manifest has a ``finished`` time)."""
        return self.manifest.get("finished") is not None

    def __repr__(self) -> str:
        return f"Results(path={str(self.path)!r}, done={self.done}/{self.total}, failed={self.failed})"


def _finished(d: Mapping[str, Any]) -> Results:
    """The Results of a sweep or race that has just run, warning (at the caller of ``sweep`` or
    ``race``) of failed runs: they are recorded, not raised."""
    results = _results(d)
    if results.failures:
        lines = "\n".join(f"  {n} x {msg}" for msg, n in results.failures)
        warnings.warn(f"{results.failed} run(s) failed:\n{lines}", RuntimeWarning, stacklevel=3)
    return results


def _results(d: Mapping[str, Any]) -> Results:
    path = Path(d["out"])
    tables = {}
    for name, parquet in d["tables"].items():
        try:
            tables[name] = _frame(parquet)
        except Exception as e:  # polars' own errors do not name the file
            raise ResultsError(f"{path / (name + '.parquet')}: not a readable Parquet table: {e}") from e
    return Results(
        path=path,
        tables=tables,
        manifest=d["manifest"],
        ran=d.get("ran"),
        elapsed_s=d.get("elapsed_s"),
        failures=[tuple(f) for f in d.get("failures", [])],
    )


class Progress(Protocol):
    """What shows a sweep's progress. Its methods are called from the thread that called
    :func:`sweep` (every 100 ms while runs run), never from the threads that run them."""

    def start(self, total: int, what: str) -> None:
        """``total`` units of work (``what``, e.g. ``"runs"``) are about to run."""

    def update(self, done: int) -> None:
        """``done`` of them have finished."""

    def status(self, line: str) -> None:
        """Where the work stands, in a line (shown beside a bar)."""

    def say(self, line: str) -> None:
        """A line about the work (the sweep's size, its speed)."""

    def note(self, line: str) -> None:
        """A note or a warning (a resumed directory, a torn journal line, an interrupt)."""

    def close(self) -> None:
        """The work has ended (its tables are written)."""


class _Progress:
    """What the native side drives while work runs (from the calling thread, every 100 ms): a
    ``tqdm.auto`` bar when tqdm is installed (it renders in notebooks and terminals), else a line
    per tenth on stderr; ``status`` is shown beside the bar, ``say`` lines go with it, ``note``
    lines (notes and warnings) are shown even when ``show`` is off."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.bar: Any = None
        self.total = 0
        self.what = ""
        self.shown_tenth = 0

    def start(self, total: int, what: str) -> None:
        self.total, self.what, self.shown_tenth = total, what, 0
        if not self.show or total == 0:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, unit=f" {what}", file=sys.stderr, dynamic_ncols=True)

    def update(self, done: int) -> None:
        if not self.show:
            return
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            return
        if self.total == 0:
            return
        tenth = done * 10 // self.total
        if tenth > self.shown_tenth or done == self.total:
            self.shown_tenth = tenth
            print(f"  {done}/{self.total} {self.what} ({100 * done // self.total}%)", file=sys.stderr)

    def status(self, line: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(line)

    def say(self, line: str) -> None:
        if self.show:
            self.note(line)

    def note(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def sweep(
    experiment: ExperimentLike,
    out: Union[str, "os.PathLike[str]", None] = None,
    threads: Optional[int] = None,
    progress: Union[bool, "Progress"] = True,
    *,
    seed: Optional[int] = None,
    shard: Optional[str] = None,
    force: bool = False,
    allow_other_build: bool = False,
    yes: bool = False,
) -> Results:
    """Run a sweep into its results directory, as ``harness sweep`` does: the same directory,
    journal, resume and tables, byte for byte.

    Args:
        experiment: a sweep file's path, or a dict with the same keys (a run's keys plus
            ``seed``, ``replicates``, ``grid`` and/or ``random``; see the README's "Sweeps").
        out: the results directory (default ``results/<name>``, relative to the working
            directory). A directory holding finished runs of the same sweep is resumed.
        threads: worker threads (default: every core).
        seed: the sweep seed instead of the experiment's ``seed`` (``--seed``; the manifest
            records it).
        progress: show a progress bar (tqdm, in the notebook or the terminal) and the sweep's
            summary lines on stderr; notes and warnings are shown either way. Or an object of
            your own with the methods of :class:`Progress`, to show progress your way.
        shard: ``"I/N"`` runs shard I of N (``--shard``); ``"auto"`` reads it from SLURM or
            Kubernetes variables.
        force: move a directory holding other results aside and start afresh (``--force``).
        allow_other_build: resume results written by another build of harness
            (``--allow-other-build``).
        yes: allow sweeps of more than 10,000 runs (``--yes``).

    Returns:
        the directory's :class:`Results` (``runs``, ``summary``, ``timings``), equal to
        ``pl.read_parquet`` of its files.

    Raises:
        ConfigError: the sweep is invalid (file, key and what is wrong).
        ResultsError: the directory holds other results, is locked by another process, or
            cannot be written.
        KeyboardInterrupt: on Ctrl-C (or a notebook's interrupt), after the runs in flight have
            finished and the tables of every finished run are written, as the command does; call
            ``sweep`` again with the same arguments to resume.

    The runs run with the GIL released; failed runs (a diverging network) are recorded, not
    raised, and reported with a warning.
    """
    shown = _Progress(progress) if isinstance(progress, bool) else progress
    options = _options(out, threads, seed, force, allow_other_build, yes)
    options["shard"] = shard
    d = _harness.sweep(_experiment(experiment), shown, options)
    return _finished(d)


def race(
    experiment: ExperimentLike,
    out: Union[str, "os.PathLike[str]", None] = None,
    threads: Optional[int] = None,
    progress: Union[bool, "Progress"] = True,
    *,
    seed: Optional[int] = None,
    force: bool = False,
    allow_other_build: bool = False,
    yes: bool = False,
) -> Results:
    """Race configurations into a results directory, as ``harness race`` does: iterated racing on
    common seeds (see the README's "Racing"), the same directory, journal, resume and tables.

    Args:
        experiment: a race file's path, or a dict with the same keys (a run's keys, ``seed``,
            ``random`` axes for the space, optionally ``grid`` for initial candidates, and
            ``race`` with at least ``budget``).
        out: the results directory (default ``results/<name>``). A directory holding the same
            race's journal is resumed.
        threads: worker threads (default: every core). The tables do not depend on it.
        seed: the race seed instead of the experiment's ``seed`` (``--seed``).
        progress: as for :func:`sweep`.
        force: move a directory holding other results aside and start afresh (``--force``).
        allow_other_build: resume a race journalled by another build (``--allow-other-build``).
        yes: allow budgets of more than 10,000 runs (``--yes``).

    Returns:
        the directory's :class:`Results`: ``runs`` (racing and validation runs), ``race`` (one row
        per candidate), ``summary`` (the final elites validated on fresh seeds: report these, not
        the race's own means, which selection biases upward) and ``timings``.

    Raises:
        ConfigError, ResultsError: as for :func:`sweep`.
        KeyboardInterrupt: on Ctrl-C, after the runs in flight have finished; every finished run
            is in the journal, and calling ``race`` again with the same arguments resumes.
    """
    shown = _Progress(progress) if isinstance(progress, bool) else progress
    d = _harness.race(_experiment(experiment), shown, _options(out, threads, seed, force, allow_other_build, yes))
    return _finished(d)


def load(path: Union[str, "os.PathLike[str]"]) -> Results:
    """Read a results directory (a sweep's, a shard's or a merge's) as :class:`Results`.

    The tables are read under the directory's shared lock, as ``harness verify`` and ``harness
    report`` read them: never while a sweep is replacing them.

    Raises:
        ResultsError: not a harness results directory, or a sweep is writing it.
    """
    return _results(_harness.load(os.fspath(path)))
