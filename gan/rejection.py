"""Discriminator rejection sampling (Azadi et al., 2019) as a filter on generated rows.

Per class, a gradient-boosted classifier learns the GAN's real training rows against generated
ones; its odds r(x) = p / (1 - p) estimate the density ratio p_real / p_gen (up to a constant,
which cancels). A candidate row is kept with probability min(1, r(x) / M), M a high quantile
of r on fresh generated rows: regions the generator over-produces are thinned out.

On top, the class-consistency check of ``gan.consistency``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from rebalance.core.validation.encoding import (
    MAX_TREE_LEVELS,
    NUMERIC_TYPES,
    category_values,
    level_codes,
    numeric_values,
)
from rebalance.gan.consistency import (
    CONSISTENCY,
    MAX_REAL_ROWS,
    MIN_REAL_ROWS,
    Consistency,
    at_most,
    filter_classifier,
    fit_consistency,
)
from rebalance.gan.trees import TreeEnsemble

MIN_GENERATED_ROWS = 500
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
                codes = level_codes(frame[name], self.levels[name])
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
    consistency: Consistency | None = None

    def log_accept(self, features: np.ndarray) -> np.ndarray:
        """(rows,) log acceptance probability of ``features`` (rows, columns): log min(1, r / M)
        plus the class-consistency part; -inf where the row is not plausible for its class."""
        return self.refined(features, self.log_bound(features))

    def log_bound(self, features: np.ndarray) -> np.ndarray:
        """(rows,) log min(1, r / M) alone: an upper bound of ``log_accept`` (the consistency
        part is at most 0), which spares scoring rows that it already rejects."""
        return np.minimum(self.trees.logit(features) - self.log_cap, 0.0)

    def refined(self, features: np.ndarray, bound: np.ndarray) -> np.ndarray:
        """(rows,) ``log_accept`` of ``features`` whose ``log_bound`` is ``bound``."""
        if self.consistency is None:
            return bound
        return bound + self.consistency.log_accept(features)

    def arrays(self) -> dict[str, np.ndarray]:
        arrays = self.trees.arrays()
        if self.consistency is not None:
            arrays |= {f"{CONSISTENCY}{k}": v for k, v in self.consistency.arrays().items()}
        return arrays

    def scalars(self) -> dict[str, float]:
        scalars = {**self.trees.scalars(), "log_cap": self.log_cap, "rate": self.rate}
        if self.consistency is not None:
            trees = self.consistency.trees.scalars()
            scalars |= {f"{CONSISTENCY}{k}": v for k, v in trees.items()}
        return scalars

    @classmethod
    def from_parts(cls, arrays: dict[str, np.ndarray], scalars: dict[str, float]) -> ClassFilter:
        trees = TreeEnsemble.from_parts(arrays, scalars)
        consistency = None
        if f"{CONSISTENCY}edges" in arrays:
            consistency = Consistency.from_parts(_prefixed(arrays), _prefixed(scalars))
        return cls(trees, float(scalars["log_cap"]), float(scalars["rate"]), consistency)


def fit_filter(
    real: np.ndarray, draw: Draw, encode: Callable[[pd.DataFrame], np.ndarray], quantile: float,
    seed: int, others: np.ndarray | None = None, consistency_quantile: float = 0.0,
    consistency_mode: str = "floor",
) -> ClassFilter | None:  # fmt: skip
    """The filter of one class from its encoded real rows (n, columns); None if too few.
    ``others``: the other classes' encoded real rows, for the class-consistency check."""
    if len(real) < MIN_REAL_ROWS:
        return None
    real = at_most(real, MAX_REAL_ROWS, seed)
    n_fake = max(len(real), MIN_GENERATED_ROWS)
    fake = encode(draw(n_fake, 0))  # fits the classifier
    fresh = encode(draw(n_fake, 1))  # sets M: scores of rows the classifier never saw
    model = filter_classifier(len(real), seed)
    model.fit(np.vstack([real, fake]), np.r_[np.ones(len(real)), np.zeros(len(fake))])
    trees = TreeEnsemble.from_sklearn(model)
    logit = trees.logit(fresh)  # (n_fake,)
    log_cap = float(np.quantile(logit, quantile))
    filt = ClassFilter(trees, log_cap, 1.0)
    if others is not None and consistency_quantile > 0:
        kept = np.exp(np.minimum(logit - log_cap, 0.0))  # (n_fake,) what DRS keeps of fresh
        generated = (fresh, kept) if consistency_mode == "match" else None
        filt.consistency = fit_consistency(real, others, consistency_quantile, seed, generated)
    filt.rate = float(np.exp(filt.log_accept(fresh)).mean())
    return filt


def _prefixed(values: Mapping[str, Any]) -> dict[str, Any]:
    """The consistency trees' own entries, their prefix removed."""
    return {k.removeprefix(CONSISTENCY): v for k, v in values.items() if k.startswith(CONSISTENCY)}


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
            for name, array in filt.arrays().items()
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
