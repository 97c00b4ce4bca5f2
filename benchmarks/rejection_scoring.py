"""Scoring speed of the GAN's rejection filter: the compiled per-tree predictors it uses
(``TreeEnsemble.logit``) against a numpy walk of all trees at once, one level per step (the
previous implementation, kept here as the reference), side by side in one run.

The filter classifier is the GAN's own (``filter_classifier``), fitted on Adult's encoded
minority rows against its majority rows (a stand-in for generated rows: same sizes, same
trees); then ``--rows`` rows resampled from Adult are scored by both, best of three, and the
two outputs are compared.

    .venv/bin/python benchmarks/rejection_scoring.py --rows 1000000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from gan_vs_ctgan import MINORITY, TARGET, load_adult  # this folder: run as a script
from timing import best_of

from rebalance.gan.consistency import filter_classifier
from rebalance.gan.rejection import OrdinalEncoder
from rebalance.gan.trees import TreeEnsemble

ROW_CHUNK = 8192  # the reference walk's rows per step: (chunk, trees) index arrays


def numpy_walk(trees: TreeEnsemble, features: np.ndarray) -> np.ndarray:
    """The reference: every tree at once, one level per step, in chunks of rows."""
    out = np.empty(len(features), dtype=np.float64)
    for begin in range(0, len(features), ROW_CHUNK):
        x = features[begin : begin + ROW_CHUNK]
        rows = np.arange(len(x))[:, None]  # (n, 1)
        node = np.broadcast_to(trees.roots, (len(x), len(trees.roots))).copy()  # (n, trees)
        for _ in range(trees.depth):
            value = x[rows, trees.feature[node]]  # (n, trees)
            go_left = np.where(
                np.isnan(value), trees.missing_left[node], value <= trees.threshold[node]
            )
            child = np.where(go_left, trees.left[node], trees.right[node])
            node = np.where(trees.is_leaf[node], node, child)
        out[begin : begin + ROW_CHUNK] = trees.baseline + trees.value[node].sum(axis=1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    frame, types = load_adult(args.data)
    features = [c for c in frame.columns if c != TARGET]
    encoder = OrdinalEncoder.fit(frame[features], {c: types[c] for c in features})
    x = encoder.transform(frame[features])  # (rows, features)
    is_minority = (frame[TARGET] == MINORITY).to_numpy()
    model = filter_classifier(int(is_minority.sum()), seed=0)
    model.fit(x, is_minority.astype(int))
    trees = TreeEnsemble.from_sklearn(model)
    scored = x[np.random.default_rng(0).integers(0, len(x), args.rows)]

    compiled_s = best_of(3, lambda: trees.logit(scored))
    walk_s = best_of(3, lambda: numpy_walk(trees, scored))
    gap = float(np.max(np.abs(trees.logit(scored) - numpy_walk(trees, scored))))
    print(f"rejection filter scoring, {args.rows:,} Adult rows, {len(trees.roots)} trees, "
          f"depth {trees.depth}")  # fmt: skip
    print(f"{'implementation':<38}{'seconds':>10}{'rows/s':>14}")
    for name, seconds in (
        ("numpy level walk (previous)", walk_s),
        ("compiled predictors", compiled_s),
    ):
        print(f"{name:<38}{seconds:>10.3f}{args.rows / seconds:>14,.0f}")
    print(f"speed-up {walk_s / compiled_s:.1f}x; largest logit difference {gap:.2e}")


if __name__ == "__main__":
    main()
