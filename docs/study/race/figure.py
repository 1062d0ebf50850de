"""Study, part 6: the 64 validation accuracies of each winner, race beside random search.

Collects them from results/study-winner-*/runs.csv into validation-runs.csv (committed beside this
script), then draws docs/study/figures/race-vs-random.svg from that file. Needs matplotlib.

    python3 docs/study/race/figure.py
"""
import csv
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "validation-runs.csv")
FIGURE = os.path.join(HERE, "..", "figures", "race-vs-random.svg")
SEEDS = range(1, 6)
METHODS = ["race", "random"]

if os.path.isdir("results/study-winner-race-1"):
    with open(TABLE, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method", "search_seed", "replicate", "seed", "test_accuracy"])
        for s in SEEDS:
            for m in METHODS:
                with open(f"results/study-winner-{m}-{s}/runs.csv") as g:
                    for r in csv.DictReader(g):
                        w.writerow([m, s, r["replicate"], r["seed"], r["test_accuracy"]])

acc = {}
with open(TABLE) as f:
    for r in csv.DictReader(f):
        acc.setdefault((r["method"], int(r["search_seed"])), []).append(float(r["test_accuracy"]))

fig, ax = plt.subplots(figsize=(8, 4))
positions, data, colours = [], [], []
for i, s in enumerate(SEEDS):
    for j, m in enumerate(METHODS):
        positions.append(3 * i + j)
        data.append(acc[(m, s)])
        colours.append("#1f77b4" if m == "race" else "#ff7f0e")
box = ax.boxplot(data, positions=positions, widths=0.8, patch_artist=True, showmeans=True)
for patch, c in zip(box["boxes"], colours):
    patch.set_facecolor(c)
    patch.set_alpha(0.6)
ax.set_xticks([3 * i + 0.5 for i in range(len(SEEDS))])
ax.set_xticklabels([f"search seed {s}" for s in SEEDS])
ax.set_ylabel("held-out test accuracy, ten classes")
ax.set_title("Winners of 1,024-run searches, re-run on the same 64 fresh seeds")
ax.legend([box["boxes"][0], box["boxes"][1]], ["iterated race", "random search (128 x 8)"], loc="lower right")
ax.grid(axis="y", alpha=0.3)
fig.tight_layout()
fig.savefig(FIGURE, metadata={"Date": None})
print(FIGURE)
