"""A fitted binary HistGradientBoostingClassifier as plain arrays, and its logit.

Saved models hold tensors and JSON only (loading never unpickles), so the rejection filter's
trees are exported to flat arrays: every tree's nodes side by side, child indices made global.
Scoring rebuilds scikit-learn's own compiled per-tree predictors from those arrays (a row walks
each tree in C, rows spread over OpenMP threads, each row summed in tree order, so the result
does not depend on the thread count); a fitted and a loaded model score rows identically.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

NO_BITSETS = np.zeros((0, 8), dtype=np.uint32)  # numeric splits only: no category bitsets
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

    _predictors: list[TreePredictor] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def logit(self, features: np.ndarray) -> np.ndarray:
        """(rows,) float64 raw scores of ``features`` (rows, columns): the baseline plus every
        tree's leaf value, added tree by tree."""
        x = np.ascontiguousarray(features, dtype=np.float64)
        no_categories = np.zeros(x.shape[1], dtype=np.uint32)
        threads = _openmp_effective_n_threads()
        out = np.full(len(x), self.baseline, dtype=np.float64)
        for predictor in self.predictors():
            out += predictor.predict(x, NO_BITSETS, no_categories, threads)
        return out

    def predictors(self) -> list[TreePredictor]:
        """One compiled predictor per tree, its node records rebuilt from the flat arrays."""
        if self._predictors is None:
            ends = np.r_[self.roots[1:], len(self.feature)][: len(self.roots)]
            self._predictors = [
                TreePredictor(self._records(begin, end), NO_BITSETS, NO_BITSETS)
                for begin, end in zip(self.roots, ends, strict=True)
            ]
        return self._predictors

    def _records(self, begin: int, end: int) -> np.ndarray:
        nodes = np.zeros(end - begin, dtype=PREDICTOR_RECORD_DTYPE)
        leaf = self.is_leaf[begin:end]
        nodes["value"] = self.value[begin:end]
        nodes["feature_idx"] = self.feature[begin:end]
        nodes["num_threshold"] = self.threshold[begin:end]
        nodes["missing_go_to_left"] = self.missing_left[begin:end]
        nodes["left"] = np.where(leaf, 0, self.left[begin:end] - begin)  # local child indices
        nodes["right"] = np.where(leaf, 0, self.right[begin:end] - begin)
        nodes["is_leaf"] = leaf
        return nodes

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
