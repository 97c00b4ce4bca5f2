"""``sampling_strategy: "f1"``: as many minority rows as put a classifier's default cut at the
F1-best one.

A classifier trained on rows in which the minority's count is multiplied by ``w`` (the other
class unchanged) scales its predicted minority odds by about ``w``: its default cut of 0.5 then
sits where the real rows' model would put a cut of ``1 / (1 + w)``. For calibrated scores the
cut that maximizes a class's F1 is half the best F1 reachable, ``F*/2`` (Lipton, Elkan and
Narayanaswamy, 2014), so ``w = (1 - F*/2) / (F*/2)``. ``F*`` (the maximum of the F1 curve) is
read from out-of-fold predictions of the validation classifier on the real rows the samplers
fit on; it is far steadier on a small class than the place of that maximum.

Full balance moves the cut much further on a rare class (a 1:40 class, by 40 in odds), which
lowers minority F1 at the default cut. ``w`` is at least 1 (and 1 only for a class separated
without error, F* = 1); where ``w`` reaches the majority's count, ``"f1"`` is full balance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rebalance.core.errors import PlanError

if TYPE_CHECKING:
    import pandas as pd

    from rebalance.core.gate_config import ClassifierConfig

F1_STRATEGY = "f1"
MAX_ROWS = 100_000  # a stratified sample of larger fit splits estimates F* ...
MIN_SAMPLED_MINORITY = 200  # ... grown until it holds this many minority rows (or all of them)


@dataclass(frozen=True)
class F1Amount:
    """The minority's count multiplier of ``sampling_strategy: "f1"`` and what it rests on."""

    minority: str
    best_f1: float  # F*: out-of-fold minority F1 at its best cut, real rows only
    rows: int  # real rows F* was estimated on

    @property
    def cut(self) -> float:
        """The F1-best cut on calibrated minority probabilities."""
        return self.best_f1 / 2

    @property
    def factor(self) -> float:
        """How many times its count the minority should have; inf where F* is 0."""
        return (1 - self.cut) / self.cut if self.cut > 0 else float("inf")

    def target(self, have: int, majority: int) -> int:
        """The minority's count after balancing: ``have`` x factor (rounded), at most the
        majority's."""
        if not np.isfinite(self.factor):
            return majority
        return max(have, min(majority, math.floor(have * self.factor + 0.5)))

    def explain(self, have: int, majority: int) -> str:
        """One line: why the minority gets the rows it gets."""
        target = self.target(have, majority)
        capped = np.isfinite(self.factor) and have * self.factor + 0.5 >= majority + 1
        return (
            f"sampling_strategy f1: out-of-fold minority F1 {self.best_f1:.3f} on {self.rows} "
            f"real rows puts the F1-best cut at {self.cut:.3f}; class {self.minority!r} x"
            f"{self.factor:.2f} moves the default cut there: {have} -> {target} rows"
            + (" (capped at the majority's count)" if capped else "")
        )


def measure_f1_amount(
    rows: pd.DataFrame,
    target: str,
    minority: str,
    types: Mapping[str, str],
    classifier: ClassifierConfig,
    seed: int,
    folds: int = 3,
) -> F1Amount:
    """F* of class ``minority`` (the train split's smaller class) from ``folds``-fold
    out-of-fold predictions of ``classifier`` on ``rows`` (the real rows the samplers fit on;
    a binary target)."""
    # imported here: the plan (which reads F1Amount) is reached by the inbox watcher, which
    # must not load scikit-learn; the validation modules import the plan
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from rebalance.core.validation.encoding import ordinal_features
    from rebalance.core.validation.utility import impute, make_classifier

    sample = _sample(rows, target, minority, seed)
    y = sample[target].astype(str).to_numpy()
    have = int((y == minority).sum())
    if have < 2:
        raise PlanError(
            f"sampling_strategy 'f1' needs at least 2 rows of class {minority!r} (column "
            f"{target!r}) among the {len(rows)} rows the samplers fit on to score it out of "
            f"fold, found {have}"
        )
    features = sample.drop(columns=[target])
    (x,), categorical = ordinal_features(features, [features], types)  # (rows, features)
    model = make_classifier(classifier, categorical, seed)
    splitter = StratifiedKFold(n_splits=min(folds, have), shuffle=True, random_state=seed)
    oof = cross_val_predict(  # (rows, 2)
        clone(model), impute(classifier, x), y, cv=splitter, method="predict_proba"
    )
    score = oof[:, sorted(set(y)).index(minority)]  # (rows,)
    return F1Amount(minority, best_f1(y == minority, score), len(sample))


def _sample(rows: pd.DataFrame, target: str, minority: str, seed: int) -> pd.DataFrame:
    """``rows``, or a stratified sample of them (class shares kept, as F* depends on them)
    large enough to hold ``MIN_SAMPLED_MINORITY`` minority rows."""
    from rebalance.core.split import bounded_sample

    labels = rows[target].astype(str)
    found = sorted(labels.unique())
    if len(found) != 2 or minority not in found:
        raise PlanError(
            f"sampling_strategy 'f1' needs a binary target with class {minority!r}, found "
            f"{len(found)} class(es) in column {target!r} of the rows the samplers fit on: "
            f"{found}"
        )
    share = float((labels == minority).mean())
    wanted = max(MAX_ROWS, math.ceil(MIN_SAMPLED_MINORITY / share))
    return bounded_sample(rows, target, wanted, seed)


def best_f1(is_positive: np.ndarray, score: np.ndarray) -> float:
    """The highest F1 of the positive class over every cut of ``score`` (the value, not the
    cut: ``utility.best_f1_threshold`` finds a cut and counts inside ties; here a cut keeps a
    tie whole, as F* is all that is read)."""
    if not is_positive.any():
        return 0.0
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    hits = np.cumsum(is_positive[order])
    f1 = 2 * hits / (np.arange(1, len(score) + 1) + is_positive.sum())
    # a cut keeps every row of a tied score or none of them
    ends = np.append(ranked[1:] != ranked[:-1], True)
    return float(f1[ends].max())
