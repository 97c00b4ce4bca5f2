"""Each validation metric on constructed cases whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rebalance.core.validation.metrics import (
    ContingencySimilarity,
    CorrelationSimilarity,
    DetectionAUC,
    KSComplement,
    TVComplement,
)
from rebalance.core.validation.privacy import ALL_METRICS, DCRRatio, ExactCopyShare

TYPES = {"x": "continuous", "y": "continuous", "n": "integer", "c": "categorical"}


def table(n: int, seed: int, shift: float = 0.0, rho: float = 0.8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=n)
    return pd.DataFrame(
        {
            "x": x + shift,
            "y": y + shift,
            "n": rng.integers(0, 10, n) + int(shift),
            "c": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
        }
    )


def test_every_metric_declares_name_goal_and_range() -> None:
    names = [m.name for m in ALL_METRICS]
    assert len(set(names)) == len(names)
    real, synthetic = table(300, 0), table(300, 1)
    for metric in ALL_METRICS:
        assert metric.goal in ("maximize", "minimize") and metric.kind in ("fidelity", "privacy")
        value = metric.compute(real, synthetic, TYPES, holdout=table(300, 2))
        assert metric.min_value <= value <= metric.max_value, metric.name


def test_identical_data_scores_perfect_fidelity() -> None:
    real = table(500, 0)
    for metric in (KSComplement, TVComplement, CorrelationSimilarity, ContingencySimilarity):
        assert metric.compute(real, real.copy(), TYPES) == pytest.approx(1.0), metric.name
    assert DetectionAUC.compute(real, table(500, 1), TYPES) < 0.65  # same distribution


def test_shifted_data_is_detected_and_scores_low() -> None:
    real, shifted = table(500, 0), table(500, 1, shift=5.0)
    assert KSComplement.compute(real, shifted, TYPES) < 0.2
    assert DetectionAUC.compute(real, shifted, TYPES) > 0.99
    assert KSComplement.compute(real, table(500, 1), TYPES) > 0.85


def test_disjoint_categories_have_zero_tv_complement() -> None:
    real = table(200, 0)
    other = real.assign(c=np.where(real["c"] == "a", "x", "y"))
    assert TVComplement.compute(real, other, TYPES) == pytest.approx(0.0)


def test_reversed_correlation_is_penalised() -> None:
    real, reversed_ = table(2000, 0, rho=0.9), table(2000, 1, rho=-0.9)
    score = CorrelationSimilarity.compute(real[["x", "y"]], reversed_[["x", "y"]], TYPES)
    assert score == pytest.approx(1 - 1.8 / 2, abs=0.03)
    assert CorrelationSimilarity.compute(real[["c"]], reversed_[["c"]], TYPES) != 0.0  # NaN
    assert math.isnan(CorrelationSimilarity.compute(real[["c"]], reversed_[["c"]], TYPES))


def test_independent_columns_lose_contingency_similarity() -> None:
    real = table(3000, 0, rho=0.99)
    shuffled = real.assign(y=np.random.default_rng(1).permutation(real["y"].to_numpy()))
    assert ContingencySimilarity.compute(real, shuffled, TYPES) < ContingencySimilarity.compute(
        real, table(3000, 1, rho=0.99), TYPES
    )


def test_copied_rows_are_caught_by_both_privacy_metrics() -> None:
    train, holdout = table(400, 0), table(200, 1)
    copies = train.sample(300, replace=True, random_state=0)
    assert ExactCopyShare.compute(train, copies, TYPES) == 1.0
    assert DCRRatio.compute(train, copies, TYPES, holdout=holdout) == 0.0
    fresh = table(300, 2)  # new rows from the same distribution
    assert ExactCopyShare.compute(train, fresh, TYPES) == 0.0
    assert 0.6 < DCRRatio.compute(train, fresh, TYPES, holdout=holdout) < 1.6


def test_half_copied_rows_give_half_exact_copy_share() -> None:
    train = table(400, 0)
    mixed = pd.concat([train.head(100), table(100, 3)], ignore_index=True)
    assert ExactCopyShare.compute(train, mixed, TYPES) == pytest.approx(0.5)


def test_missing_values_match_as_missing() -> None:
    train = pd.DataFrame({"x": [1.0, np.nan], "c": ["a", None]})
    types = {"x": "continuous", "c": "categorical"}
    assert ExactCopyShare.compute(train, train.iloc[[1]], types) == 1.0


def test_distance_encoding_width_is_fixed_by_fit() -> None:
    """A holdout with gaps in a column that had none in train encodes to the same width."""
    from rebalance.core.validation.encoding import DistanceEncoder

    train = table(60, seed=1)
    holdout = table(30, seed=2)
    holdout.loc[:4, "x"] = np.nan
    encoder = DistanceEncoder(TYPES).fit(train)
    assert encoder.transform(holdout).shape[1] == encoder.transform(train).shape[1]
    assert DCRRatio.compute(train, holdout, TYPES, holdout=holdout) > 0


def test_distance_metrics_from_one_search_equal_their_own_compute() -> None:
    from rebalance.core.validation.privacy import CloserThanHoldoutShare, closest_record_distances

    train, synthetic, holdout = table(300, 0), table(200, 1, shift=0.3), table(100, 2)
    distances = closest_record_distances(train, synthetic, holdout, TYPES)
    for metric in (DCRRatio, CloserThanHoldoutShare):
        alone = metric.compute(train, synthetic, TYPES, holdout=holdout)
        assert not math.isnan(alone)
        assert metric.from_distances(*distances) == alone
