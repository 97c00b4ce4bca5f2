"""The class-consistency check on top of the GAN's rejection sampling (``gan.rejection``).

A classifier learns the class's real rows against the other classes' real rows; a candidate
whose logit falls below the ``quantile`` of the class's own out-of-fold logits sits where the
real data puts other classes, and is refused (``floor``), or each band of that logit is thinned
to the share of the class's real rows it holds (``match``). Added as rows of its class, a row
in the other classes' region teaches a downstream classifier to call those rows so (measured:
``benchmarks/gan_amounts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from rebalance.gan.trees import TreeEnsemble

MIN_REAL_ROWS = 20  # fewer real rows of a class: no filter, its rows are kept as generated
MAX_REAL_ROWS = 5000  # a class's real rows the classifier sees, at most (a seeded subsample)
CONSISTENCY = "consistency_"  # names of the class-consistency trees' arrays and scalars


@dataclass
class Consistency:
    """The class-vs-other-classes trees of one class, and a log acceptance per band of their
    logit: ``floor`` mode refuses the band below the floor, ``match`` mode thins each band to
    the share of the class's real rows it holds."""

    trees: TreeEnsemble
    edges: np.ndarray  # (bands - 1,) ascending logit edges
    log_weights: np.ndarray  # (bands,) log acceptance per band, max 0

    def log_accept(self, features: np.ndarray) -> np.ndarray:
        """(rows,) log acceptance of ``features`` (rows, columns)."""
        band = np.searchsorted(self.edges, self.trees.logit(features), side="right")
        return self.log_weights[band]

    def passes(self, features: np.ndarray) -> np.ndarray:
        """(rows,) bool: the row can be kept."""
        return np.isfinite(self.log_accept(features))

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.trees.arrays(), "edges": self.edges, "log_weights": self.log_weights}

    @classmethod
    def from_parts(cls, arrays: dict[str, np.ndarray], scalars: dict[str, float]) -> Consistency:
        trees = TreeEnsemble.from_parts(arrays, scalars)
        return cls(trees, np.asarray(arrays["edges"]), np.asarray(arrays["log_weights"]))


def filter_classifier(real_rows: int, seed: int) -> HistGradientBoostingClassifier:
    """The real-vs-generated classifier of one class, unfitted."""
    return HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=max(5, min(20, real_rows // 20)),
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )


def fit_consistency(
    real: np.ndarray,
    others: np.ndarray,
    quantile: float,
    seed: int,
    generated: tuple[np.ndarray, np.ndarray] | None = None,
) -> Consistency | None:
    """The class's real rows (n, columns) against the other classes' (m, columns): the trees,
    and as the floor the ``quantile`` of the class rows' out-of-fold logits, or with
    ``generated`` (rows, and the weight rejection sampling keeps of each) the bands of
    :func:`matched_bands`. None if either side has too few rows."""
    if len(real) < MIN_REAL_ROWS or len(others) < MIN_REAL_ROWS:
        return None
    others = at_most(others, MAX_REAL_ROWS, seed)
    x = np.vstack([real, others])  # (n + m, columns)
    y = np.r_[np.ones(len(real)), np.zeros(len(others))]
    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    model = filter_classifier(len(real), seed)
    unseen = cross_val_predict(model, x, y, cv=folds, method="decision_function")  # (n + m,)
    trees = TreeEnsemble.from_sklearn(model.fit(x, y))
    real_logits = unseen[: len(real)]
    if generated is not None:
        return matched_bands(trees, real_logits, *generated)
    floor = np.array([np.quantile(real_logits, quantile)])
    return Consistency(trees, floor, np.array([-np.inf, 0.0]))


def matched_bands(
    trees: TreeEnsemble, real_logits: np.ndarray, rows: np.ndarray, kept: np.ndarray
) -> Consistency:
    """Bands at the deciles of the class's out-of-fold real logits; each band keeps its real
    share over its share of generated ``rows`` (weighted by ``kept``), scaled so that the most
    under-produced band keeps every row."""
    bands = max(2, min(10, len(real_logits) // 5))
    edges = np.quantile(real_logits, np.arange(1, bands) / bands)  # (bands - 1,)
    band = np.searchsorted(edges, trees.logit(rows), side="right")  # (rows,)
    generated = np.bincount(band, weights=kept, minlength=bands) / max(kept.sum(), 1e-12)
    ratio = (1.0 / bands) / np.maximum(generated, 0.25 / bands)  # at most 4: rare bands
    return Consistency(trees, edges, np.log(ratio / ratio.max()))


def at_most(rows: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """At most ``limit`` of the rows (n, columns), a seeded subsample in their order."""
    if len(rows) <= limit:
        return rows
    keep = np.random.default_rng(seed).choice(len(rows), limit, replace=False)
    return rows[np.sort(keep)]
