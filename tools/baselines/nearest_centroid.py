#!/usr/bin/env python3
"""Nearest-centroid accuracy on the bundled digits, on harness's held-out protocol.

The classifier the issue "beyond the nearest centroid" sets as the bar: each class's mean image
from the training split, each test image given the class of the nearest mean (Euclidean distance
on the raw pixels 0..16). The split is harness's `sampling = "holdout"`: per class, a share
`test_fraction` (0.25) of its images held out (stratified), repeated over `--splits` random
splits (numpy's default_rng(seed)); prints the mean and sd of the test accuracy per problem.

Usage (numpy only):
    python3 tools/baselines/nearest_centroid.py [--splits 200] [--pairs 1,8 3,9 5,9 8,9]
"""
import argparse
import gzip
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "digits.csv.gz")


def load():
    """The bundled digits: pixels (one row per image) and labels."""
    with gzip.open(DATA, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(int)


def stratified_split(y, classes, frac, rng):
    """(train, test) indices: per class, a share `frac` of its images held out (rounded), drawn
    by shuffling with `rng`."""
    train, test = [], []
    for c in classes:
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        n = int(round(len(idx) * frac))
        test += list(idx[:n])
        train += list(idx[n:])
    return np.array(train), np.array(test)


def problems(pairs):
    """(name, classes) of ten classes and of each pair given as "a,b"."""
    return [("ten classes", list(range(10)))] + [
        (p.replace(",", " vs "), [int(c) for c in p.split(",")]) for p in pairs
    ]


def accuracy(x, y, splits, frac, rng):
    classes = np.unique(y)
    accs = []
    for _ in range(splits):
        train, test = stratified_split(y, classes, frac, rng)
        centroids = np.array([x[train][y[train] == c].mean(axis=0) for c in classes])
        d = ((x[test][:, None, :] - centroids[None]) ** 2).sum(axis=-1)
        accs.append(float((classes[d.argmin(axis=1)] == y[test]).mean()))
    return np.mean(accs), np.std(accs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=int, default=200)
    ap.add_argument("--test-fraction", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pairs", nargs="*", default=["1,8", "3,9", "5,9", "8,9"])
    args = ap.parse_args()
    x, y = load()
    rng = np.random.default_rng(args.seed)
    print(f"nearest centroid, held-out share {args.test_fraction}, {args.splits} stratified splits")
    for name, classes in problems(args.pairs):
        keep = np.isin(y, classes)
        mean, sd = accuracy(x[keep], y[keep], args.splits, args.test_fraction, rng)
        print(f"{name:12s} {mean:.3f} (sd {sd:.3f})")


if __name__ == "__main__":
    main()
