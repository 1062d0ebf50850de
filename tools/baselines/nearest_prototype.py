#!/usr/bin/env python3
"""Nearest-prototype accuracy on the bundled digits, on harness's held-out protocol.

What a network of template outputs could reach at best: each class's training images clustered
into k prototypes (k-means, Lloyd's algorithm from a k-means++ start, the best of a few starts by
inertia), each test image given the class of its nearest prototype (Euclidean distance on the raw
pixels 0..16). k = 1 is the nearest centroid (tools/baselines/nearest_centroid.py). The split is
harness's `sampling = "holdout"`: per class, a share `test_fraction` (0.25) held out (stratified),
over `--splits` random splits (numpy's default_rng(seed)); prints the mean test accuracy for each
k and problem.

Usage (numpy only):
    python3 tools/baselines/nearest_prototype.py [--splits 20] [--k 1 2 4 8 16 32] [--pairs 3,9]
"""
import argparse

import numpy as np

from nearest_centroid import load, problems, stratified_split  # the protocol's split, one home


def kmeans(x, k, rng, starts=3, iters=100):
    """k prototypes of the rows of x: the best of `starts` runs of Lloyd's algorithm."""
    if k >= len(x):
        return x.copy()
    best, best_inertia = None, np.inf
    for _ in range(starts):
        centres = [x[rng.integers(len(x))]]
        for _ in range(1, k):  # k-means++: the next centre far from the chosen ones
            d = ((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1).min(1)
            centres.append(x[rng.choice(len(x), p=d / d.sum())])
        c = np.array(centres, dtype=float)
        for _ in range(iters):
            nearest = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
            moved = np.array([x[nearest == j].mean(0) if np.any(nearest == j) else c[j] for j in range(k)])
            if np.allclose(moved, c):
                break
            c = moved
        inertia = ((x - c[((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)]) ** 2).sum()
        if inertia < best_inertia:
            best, best_inertia = c, inertia
    return best


def accuracy(x, y, ks, splits, frac, rng):
    classes = np.unique(y)
    accs = {k: [] for k in ks}
    for _ in range(splits):
        train, test = stratified_split(y, classes, frac, rng)
        for k in ks:
            protos = [kmeans(x[train][y[train] == c], k, rng) for c in classes]
            owner = np.concatenate([[c] * len(p) for c, p in zip(classes, protos)])
            d = ((x[test][:, None, :] - np.vstack(protos)[None]) ** 2).sum(-1)
            accs[k].append(float((owner[d.argmin(1)] == y[test]).mean()))
    return {k: np.mean(v) for k, v in accs.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=int, default=20)
    ap.add_argument("--test-fraction", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, nargs="*", default=[1, 2, 4, 8, 16, 32])
    ap.add_argument("--pairs", nargs="*", default=["3,9"])
    args = ap.parse_args()
    x, y = load()
    rng = np.random.default_rng(args.seed)
    print(f"nearest prototype (k-means per class), held-out share {args.test_fraction}, {args.splits} splits")
    print(f"{'problem':12s} " + " ".join(f"k={k:<6d}" for k in args.k))
    for name, classes in problems(args.pairs):
        keep = np.isin(y, classes)
        acc = accuracy(x[keep], y[keep], args.k, args.splits, args.test_fraction, rng)
        print(f"{name:12s} " + " ".join(f"{acc[k]:.3f}  " for k in args.k))


if __name__ == "__main__":
    main()
