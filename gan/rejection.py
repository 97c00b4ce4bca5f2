"""Discriminator rejection sampling (Azadi et al., 2019) as a filter on generated rows.

Per class, a gradient-boosted classifier learns the GAN's real training rows against generated
ones; its odds r(x) = p / (1 - p) estimate the density ratio p_real / p_gen (up to a constant,
which cancels). A candidate row is kept with probability min(1, r(x) / M), M a high quantile
of r on fresh generated rows: regions the generator over-produces are thinned out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import HistGradientBoostingClassifier

from rebalance.core.validation.encoding import (
    MAX_TREE_LEVELS,
    NUMERIC_TYPES,
    category_values,
    numeric_values,
)
from rebalance.gan.trees import TreeEnsemble

MIN_REAL_ROWS = 20  # fewer real rows of a class: no filter, its rows are kept as generated
MAX_REAL_ROWS = 5000  # a class's real rows the classifier sees, at most (a seeded subsample)
MIN_GENERATED_ROWS = 500
MIN_BATCH = 256  # candidates per draw, at least
PREFIX = "rejection."  # tensor names in the saved weights file

Draw = Callable[[int, int], pd.DataFrame]  # (rows, round) -> decoded feature rows


class OrdinalEncoder:
    """Numbers as they are, categories as codes of the training rows' levels (unseen: NaN)."""

    def __init__(self, columns: list[str], levels: Mapping[str, list[str]]) -> None:
        self.columns = columns
        self.levels = {c: pd.Index(v) for c, v in levels.items()}

    @classmethod
    def fit(cls, frame: pd.DataFrame, types: Mapping[str, str]) -> OrdinalEncoder:
        levels = {
            c: [str(v) for v in category_values(frame[c]).value_counts().index[:MAX_TREE_LEVELS]]
            for c in frame.columns
            if types[c] not in NUMERIC_TYPES
        }
        return cls(list(frame.columns), levels)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        parts = []
        for name in self.columns:
            if name in self.levels:
                codes = self.levels[name].get_indexer(pd.Index(category_values(frame[name])))
                parts.append(np.where(codes < 0, np.nan, codes.astype(np.float64)))
            else:
                parts.append(numeric_values(frame[name]))
        return np.column_stack(parts)  # (rows, columns) float64

    def to_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "levels": {c: list(v) for c, v in self.levels.items()}}


@dataclass
class ClassFilter:
    trees: TreeEnsemble
    log_cap: float  # log M
    rate: float  # expected share of candidates kept, sizes the draws

    def log_accept(self, features: np.ndarray) -> np.ndarray:
        """(rows,) log acceptance probability, log min(1, r / M)."""
        return np.minimum(self.trees.logit(features) - self.log_cap, 0.0)

    def scalars(self) -> dict[str, float]:
        return {**self.trees.scalars(), "log_cap": self.log_cap, "rate": self.rate}

    @classmethod
    def from_parts(cls, arrays: dict[str, np.ndarray], scalars: dict[str, float]) -> ClassFilter:
        trees = TreeEnsemble.from_parts(arrays, scalars)
        return cls(trees, float(scalars["log_cap"]), float(scalars["rate"]))


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


def fit_filter(
    real: np.ndarray, draw: Draw, encode: Callable[[pd.DataFrame], np.ndarray], quantile: float,
    seed: int,
) -> ClassFilter | None:  # fmt: skip
    """The filter of one class from its encoded real rows (n, columns); None if too few."""
    if len(real) < MIN_REAL_ROWS:
        return None
    if len(real) > MAX_REAL_ROWS:
        keep = np.random.default_rng(seed).choice(len(real), MAX_REAL_ROWS, replace=False)
        real = real[np.sort(keep)]
    n_fake = max(len(real), MIN_GENERATED_ROWS)
    fake = encode(draw(n_fake, 0))  # fits the classifier
    fresh = encode(draw(n_fake, 1))  # sets M: scores of rows the classifier never saw
    model = filter_classifier(len(real), seed)
    model.fit(np.vstack([real, fake]), np.r_[np.ones(len(real)), np.zeros(len(fake))])
    trees = TreeEnsemble.from_sklearn(model)
    logit = trees.logit(fresh)  # (n_fake,)
    log_cap = float(np.quantile(logit, quantile))
    rate = float(np.exp(np.minimum(logit - log_cap, 0.0)).mean())
    return ClassFilter(trees, log_cap, rate)


def filtered_rows(
    filt: ClassFilter,
    draw: Draw,
    encode: Callable[[pd.DataFrame], np.ndarray],
    n: int,
    rng: torch.Generator,
    max_draws: float,
) -> pd.DataFrame:
    """Exactly n accepted rows, drawn in batches; once ``max_draws * n`` candidates are spent,
    the rejected rows most likely to be kept fill what is missing."""
    if n == 0:
        return draw(0, 0)
    budget = max(int(np.ceil(max_draws * n)), n)
    kept: list[pd.DataFrame] = []
    rejected: list[tuple[pd.DataFrame, np.ndarray]] = []
    drawn = accepted = rounds = 0
    while accepted < n and drawn < budget:
        wanted = int(np.ceil((n - accepted) / max(filt.rate, 1e-3) * 1.2))
        size = min(max(wanted, MIN_BATCH), budget - drawn)
        batch = draw(size, rounds)
        log_p = filt.log_accept(encode(batch))  # (size,)
        u = torch.rand(size, generator=rng, dtype=torch.float64).numpy()
        keep = np.log(u) < log_p
        kept.append(batch[keep])
        rejected.append((batch[~keep], log_p[~keep]))
        accepted += int(keep.sum())
        drawn += size
        rounds += 1
    rows = pd.concat(kept, ignore_index=True).iloc[:n]
    if len(rows) < n:
        pool = pd.concat([frame for frame, _ in rejected], ignore_index=True)
        order = np.argsort(-np.concatenate([p for _, p in rejected]), kind="stable")
        rows = pd.concat([rows, pool.iloc[order[: n - len(rows)]]], ignore_index=True)
    return rows


@dataclass
class RejectionFilters:
    """The fitted filters of a model: one encoding, one filter per class that has enough rows."""

    encoder: OrdinalEncoder
    classes: dict[str, ClassFilter]

    def tensors(self) -> dict[str, torch.Tensor]:
        """Tree arrays keyed ``rejection.<i>.<field>``, i the class's place in ``state()``."""
        return {
            f"{PREFIX}{i}.{name}": torch.from_numpy(np.ascontiguousarray(array))
            for i, filt in enumerate(self.classes.values())
            for name, array in filt.trees.arrays().items()
        }

    def state(self) -> dict[str, Any]:
        classes = [[label, filt.scalars()] for label, filt in self.classes.items()]
        return {"encoder": self.encoder.to_dict(), "classes": classes}

    @classmethod
    def from_saved(
        cls, state: dict[str, Any], tensors: Mapping[str, torch.Tensor]
    ) -> RejectionFilters:
        classes = {}
        for i, (label, scalars) in enumerate(state["classes"]):
            arrays = {
                key.rsplit(".", 1)[1]: value.cpu().numpy()
                for key, value in tensors.items()
                if key.startswith(f"{PREFIX}{i}.")
            }
            classes[label] = ClassFilter.from_parts(arrays, scalars)
        encoder = state["encoder"]
        return cls(OrdinalEncoder(encoder["columns"], encoder["levels"]), classes)
