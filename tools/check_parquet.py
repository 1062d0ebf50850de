#!/usr/bin/env python3
"""Check the column types of a `harness sweep` results directory from Python.

Opens ``runs.parquet`` and ``summary.parquet`` in a results directory with pyarrow, converts
them to pandas (integer columns as pandas' nullable ``Int64``, so that a missing value stays
missing instead of turning the column into floats), prints every column's Arrow type and pandas
dtype next to the documented one, and the row counts. Exits with status 1 if a documented
column is missing or has another dtype, 2 on a usage error.

The documented dtypes (pandas, as read here):

- ``uint64``: replicate, seed, presentations_*, input_spikes_*, output_spikes_* (runs);
  replicates, failed (summary)
- ``float64``: train/test accuracy (runs), their mean/sd/se/ci95_low/ci95_high (summary),
  and the floating-point parameters (dt_ms ... decay, test_fraction, window_ms, f_max_hz,
  teacher)
- ``Int64`` (nullable): the whole-number parameters (predict_steps, train_presentations,
  test_presentations, split_seed)
- ``bool``: plasticity_train, plasticity_test
- string (``object``, or ``str``/``string`` in newer pandas): run_id, config_id, classes,
  sampling, notebook_positions, status, error

Columns not listed above are printed without a check.

Usage (pandas and pyarrow needed, e.g. ``pip install pandas pyarrow``):

    python tools/check_parquet.py results/grid
"""

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

STRING = "string"  # any of pandas' string dtypes

FLOAT_PARAMS = [
    "dt_ms", "alpha_ms", "beta_ms", "tau_ms", "tau_i_ms", "tau_h_ms", "t_ref_ms", "hold0", "hold_inc",
    "wmax", "c_inp", "c_neg", "lr", "lr_n", "decay", "test_fraction", "window_ms", "f_max_hz", "teacher",
]
INT_PARAMS = ["predict_steps", "train_presentations", "test_presentations", "split_seed"]
BOOL_PARAMS = ["plasticity_train", "plasticity_test"]
TEXT_PARAMS = ["classes", "sampling", "notebook_positions"]


def params() -> dict:
    expected = {c: "float64" for c in FLOAT_PARAMS}
    expected.update({c: "Int64" for c in INT_PARAMS})
    expected.update({c: "bool" for c in BOOL_PARAMS})
    expected.update({c: STRING for c in TEXT_PARAMS})
    return expected


RUNS = {
    "run_id": STRING,
    "config_id": STRING,
    "replicate": "uint64",
    "seed": "uint64",
    **params(),
    "status": STRING,
    "error": STRING,
    "train_accuracy": "float64",
    "test_accuracy": "float64",
    **{f"{k}_{p}": "uint64" for k in ["presentations", "input_spikes", "output_spikes"] for p in ["train", "test"]},
}

SUMMARY = {
    "config_id": STRING,
    **params(),
    "replicates": "uint64",
    "failed": "uint64",
    **{f"{m}_{s}": "float64" for m in ["test_accuracy", "train_accuracy"]
       for s in ["mean", "sd", "se", "ci95_low", "ci95_high"]},
}


def matches(dtype, expected: str) -> bool:
    if expected == STRING:
        return dtype == object or isinstance(dtype, pd.StringDtype)
    return str(dtype) == expected


def check(path: Path, expected: dict) -> int:
    """Print the columns of the table at `path`; return the number of problems."""
    table = pq.read_table(path)
    df = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    print(f"{path}: {len(df)} rows, {len(df.columns)} columns")
    problems = 0
    width = max(len(c) for c in df.columns)
    for field in table.schema:
        name = field.name
        dtype = df[name].dtype
        want = expected.get(name)
        if want is None:
            verdict = "(not checked)"
        elif matches(dtype, want):
            verdict = "ok"
        else:
            verdict = f"WRONG: expected {want}"
            problems += 1
        print(f"  {name:<{width}}  {str(field.type):<12}  {str(dtype):<8}  {verdict}")
    for name in expected:
        if name not in df.columns:
            print(f"  {name:<{width}}  MISSING: expected {expected[name]}")
            problems += 1
    return problems


def main(argv: list) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results = Path(argv[1])
    problems = 0
    for name, expected in [("runs.parquet", RUNS), ("summary.parquet", SUMMARY)]:
        path = results / name
        if not path.is_file():
            print(f"{path}: missing", file=sys.stderr)
            problems += 1
            continue
        problems += check(path, expected)
        print()
    if problems:
        print(f"{problems} problem(s)", file=sys.stderr)
        return 1
    print("all documented dtypes as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
