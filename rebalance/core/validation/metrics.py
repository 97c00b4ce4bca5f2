"""Metrics of synthetic rows, one small class each (as in SDMetrics): a name, a goal, a range,
and ``compute(real, synthetic, types, ...)`` returning a float, or NaN when the metric does not
apply (e.g. no numeric column for a correlation).

Fidelity metrics (here) compare synthetic rows of one class with the real train rows of that
class. Privacy metrics (``privacy.py``) also take the real holdout rows, which the generator
never saw.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from rebalance.core.validation.columnwise import (
    CONTINUOUS,
    coded_pairs,
    correlation_matrix,
    ks_scores,
    numeric_block,
    tv_scores,
)
from rebalance.core.validation.encoding import NUMERIC_TYPES, ordinal_features, plain_numeric
from rebalance.core.validation.fidelity import ks_complement

Goal = Literal["maximize", "minimize"]
MAX_PAIRS = 200  # column pairs scored by the pairwise metrics (a seeded sample beyond that)


class Metric(ABC):
    name: ClassVar[str]
    kind: ClassVar[Literal["fidelity", "privacy"]]
    goal: ClassVar[Goal]
    min_value: ClassVar[float]
    max_value: ClassVar[float]
    description: ClassVar[str]
    # privacy: compared with every train row of the class (cheap), not a bounded sample of them
    every_train_row: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float: ...


def _continuous(frame: pd.DataFrame, types: Mapping[str, str]) -> list[str]:
    return [c for c in frame.columns if types[c] in CONTINUOUS]


def _discrete(frame: pd.DataFrame, types: Mapping[str, str]) -> list[str]:
    return [c for c in frame.columns if types[c] not in CONTINUOUS]


def _mean(scores: list[float]) -> float:
    return float(np.mean(scores)) if scores else float("nan")


def _pairs(columns: list[str], seed: int) -> list[tuple[str, str]]:
    pairs = list(itertools.combinations(columns, 2))
    if len(pairs) > MAX_PAIRS:
        keep = np.random.default_rng(seed).choice(len(pairs), MAX_PAIRS, replace=False)
        pairs = [pairs[i] for i in sorted(keep)]
    return pairs


class KSComplement(Metric):
    name = "ks_complement"
    kind = "fidelity"
    goal = "maximize"
    min_value, max_value = 0.0, 1.0
    description = "1 - Kolmogorov-Smirnov distance, mean over numeric columns"

    @classmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float:
        cols = _continuous(real, types)
        plain = [c for c in cols if plain_numeric(real[c]) and plain_numeric(synthetic[c])]
        others = [ks_complement(real[c], synthetic[c]) for c in cols if c not in set(plain)]
        scores = ks_scores(numeric_block(real, plain), numeric_block(synthetic, plain))
        return _mean([*scores.tolist(), *others])  # the mean does not depend on the order


class TVComplement(Metric):
    name = "tv_complement"
    kind = "fidelity"
    goal = "maximize"
    min_value, max_value = 0.0, 1.0
    description = "1 - total variation distance, mean over categorical columns"

    @classmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float:
        return _mean(tv_scores(real, synthetic, _discrete(real, types)).tolist())


class CorrelationSimilarity(Metric):
    name = "correlation_similarity"
    kind = "fidelity"
    goal = "maximize"
    min_value, max_value = 0.0, 1.0
    description = "1 - |Pearson r real - r synthetic| / 2, mean over numeric column pairs"

    @classmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float:
        cols = _continuous(real, types)
        if len(cols) < 2:
            return float("nan")
        real_corr = correlation_matrix(real, cols)
        synthetic_corr = correlation_matrix(synthetic, cols)
        upper = np.triu_indices(len(cols), k=1)
        a, b = real_corr[upper], synthetic_corr[upper]
        usable = np.isfinite(a)  # a constant real column has no correlation to match
        if not usable.any():
            return float("nan")
        b = np.where(np.isfinite(b), b, 0.0)  # a constant synthetic column correlates with nothing
        return float(np.mean(1.0 - np.abs(a[usable] - b[usable]) / 2.0))


class ContingencySimilarity(Metric):
    name = "contingency_similarity"
    kind = "fidelity"
    goal = "maximize"
    min_value, max_value = 0.0, 1.0
    description = "1 - total variation of 2-D frequency tables, mean over column pairs"

    @classmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float:
        columns = list(real.columns)
        if len(columns) < 2 or real.empty or synthetic.empty:
            return float("nan")
        pairs = _pairs(columns, seed)
        used = list(dict.fromkeys(c for pair in pairs for c in pair))  # at most 2 * MAX_PAIRS
        coded = coded_pairs(real, synthetic, types, used)
        scores = []
        for left, right in pairs:
            (ra, sa), (rb, sb) = coded[left], coded[right]
            width = int(max(ra.max(), sa.max())) + 1
            size = width * (int(max(rb.max(), sb.max())) + 1)
            p = np.bincount(ra * (size // width) + rb, minlength=size) / len(ra)
            q = np.bincount(sa * (size // width) + sb, minlength=size) / len(sa)
            scores.append(1.0 - 0.5 * np.abs(p - q).sum())
        return _mean(scores)


class DetectionAUC(Metric):
    name = "detection_auc"
    kind = "fidelity"
    goal = "minimize"  # 0.5: a classifier cannot tell synthetic rows from real ones
    min_value, max_value = 0.0, 1.0
    description = "cross-validated ROC AUC of a classifier separating real from synthetic rows"
    folds = 3
    min_rows = 10

    @classmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float:
        n = min(len(real), len(synthetic))
        if n < cls.min_rows:
            return float("nan")
        rng = np.random.default_rng(seed)
        real = real.iloc[np.sort(rng.choice(len(real), n, replace=False))]
        synthetic = synthetic.iloc[np.sort(rng.choice(len(synthetic), n, replace=False))]
        both = pd.concat([real, synthetic], ignore_index=True)
        (features,), categorical = ordinal_features(both, [both], types)
        labels = np.r_[np.zeros(n), np.ones(n)]
        model = HistGradientBoostingClassifier(
            max_iter=100,
            min_samples_leaf=max(2, min(20, n // 20)),
            categorical_features=categorical if categorical.any() else None,
            early_stopping=False,
            random_state=seed,
        )
        folds = StratifiedKFold(n_splits=cls.folds, shuffle=True, random_state=seed)
        scores = cross_val_predict(model, features, labels, cv=folds, method="predict_proba")
        return float(roc_auc_score(labels, scores[:, 1]))


FIDELITY_METRICS: tuple[type[Metric], ...] = (
    KSComplement,
    TVComplement,
    CorrelationSimilarity,
    ContingencySimilarity,
    DetectionAUC,
)
__all__ = ["FIDELITY_METRICS", "NUMERIC_TYPES", "Metric"]
