"""A fitted binary HistGradientBoostingClassifier as plain arrays, and its logit in numpy.

Saved models hold tensors and JSON only (loading never unpickles), so the rejection filter's
trees are exported to flat arrays: every tree's nodes side by side, child indices made global.
Prediction walks all trees at once, one level per step (no per-row Python), and is the only
prediction ever used, so a fitted and a loaded model score rows identically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

ROW_CHUNK = 8192  # rows scored together: (chunk, trees) index arrays stay a few MB
FIELDS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "roots")


@dataclass
class TreeEnsemble:
    feature: np.ndarray  # (nodes,) int64: column tested by each split node
    threshold: np.ndarray  # (nodes,) float64: go left when x <= threshold
    missing_left: np.ndarray  # (nodes,) bool: where NaN goes
    left: np.ndarray  # (nodes,) int64, global node index
    right: np.ndarray  # (nodes,) int64
    is_leaf: np.ndarray  # (nodes,) bool
    value: np.ndarray  # (nodes,) float64: leaf contribution to the logit
    roots: np.ndarray  # (trees,) int64
    baseline: float
    depth: int  # levels to walk: the deepest leaf's depth

    @classmethod
    def from_sklearn(cls, model: HistGradientBoostingClassifier) -> TreeEnsemble:
        """The trees of a binary model fitted without categorical features."""
        nodes = [tree[0].nodes for tree in model._predictors]  # one tree per iteration
        if any(n["is_categorical"].any() for n in nodes):
            raise ValueError("expected numeric splits only, found categorical ones")
        sizes = np.array([len(n) for n in nodes], dtype=np.int64)
        offsets = np.cumsum(sizes) - sizes  # (trees,)
        flat = np.concatenate(nodes)
        shift = np.repeat(offsets, sizes)  # (nodes,): each node's tree offset
        return cls(
            feature=flat["feature_idx"].astype(np.int64),
            threshold=flat["num_threshold"].astype(np.float64),
            missing_left=flat["missing_go_to_left"].astype(bool),
            left=flat["left"].astype(np.int64) + shift,
            right=flat["right"].astype(np.int64) + shift,
            is_leaf=flat["is_leaf"].astype(bool),
            value=flat["value"].astype(np.float64),
            roots=offsets,
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            depth=int(flat["depth"].max()),
        )

    def logit(self, features: np.ndarray) -> np.ndarray:
        """(rows,) float64 raw scores of ``features`` (rows, columns)."""
        out = np.empty(len(features), dtype=np.float64)
        for begin in range(0, len(features), ROW_CHUNK):
            out[begin : begin + ROW_CHUNK] = self._logit(features[begin : begin + ROW_CHUNK])
        return out

    def _logit(self, x: np.ndarray) -> np.ndarray:
        rows = np.arange(len(x))[:, None]  # (n, 1)
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()  # (n, trees)
        for _ in range(self.depth):
            value = x[rows, self.feature[node]]  # (n, trees)
            go_left = np.where(
                np.isnan(value), self.missing_left[node], value <= self.threshold[node]
            )
            child = np.where(go_left, self.left[node], self.right[node])
            node = np.where(self.is_leaf[node], node, child)
        return self.baseline + self.value[node].sum(axis=1)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in FIELDS}

    def scalars(self) -> dict[str, float]:
        return {"baseline": self.baseline, "depth": self.depth}

    @classmethod
    def from_parts(cls, arrays: dict[str, np.ndarray], scalars: dict[str, float]) -> TreeEnsemble:
        return cls(
            **{name: arrays[name] for name in FIELDS},
            baseline=float(scalars["baseline"]),
            depth=int(scalars["depth"]),
        )
