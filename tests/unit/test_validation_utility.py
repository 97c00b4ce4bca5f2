"""Holdout utility: minority scores, the tuned-threshold baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rebalance.core.config import ClassifierConfig
from rebalance.core.errors import ValidationError
from rebalance.core.validation.utility import (
    UtilityProblem,
    best_f1_threshold,
    fit_and_score,
    minority_classes,
    tuned_threshold_scores,
)


def frame(n_major: int, n_minor: int, gap: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = np.array(["maj"] * n_major + ["min"] * n_minor)
    x = rng.normal(size=len(y)) + (y == "min") * gap
    return pd.DataFrame({"x": x, "c": rng.choice(["u", "v"], len(y)), "y": y})


def problem(gap: float, name: str = "hist_gradient_boosting") -> UtilityProblem:
    return UtilityProblem(
        train=frame(400, 40, gap, 0),
        holdout=frame(200, 20, gap, 1),
        target="y",
        types={"x": "continuous", "c": "categorical", "y": "categorical"},
        minority=["min"],
        classifier=ClassifierConfig(name=name),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("name", ["hist_gradient_boosting", "random_forest", "logistic_regression"])
def test_separable_classes_score_perfectly(name: str) -> None:
    scores = fit_and_score(problem(gap=20.0, name=name), problem(20.0).train)
    assert scores.f1 == 1.0 and scores.recall == 1.0 and scores.pr_auc == pytest.approx(1.0)


def test_noise_features_score_poorly() -> None:
    scores = fit_and_score(problem(gap=0.0), problem(0.0).train)
    assert scores.pr_auc < 0.4 and scores.balanced_accuracy < 0.65


def test_best_f1_threshold_picks_the_cut_between_classes() -> None:
    positive = np.array([False, False, True, False, True, True])
    score = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.9])
    assert best_f1_threshold(positive, score) == 0.3  # F1 = 6/7 there, the best cut


def test_tuned_threshold_helps_recall_of_an_overlapping_minority() -> None:
    p = problem(gap=1.5)
    plain, tuned = fit_and_score(p, p.train), tuned_threshold_scores(p)
    assert tuned is not None and tuned.threshold is not None
    assert tuned.recall >= plain.recall


def test_minority_is_the_smaller_class_or_the_synthesized_ones() -> None:
    assert minority_classes({"a": 10, "b": 3}, ["b"]) == ["b"]
    assert minority_classes({"a": 10, "b": 3, "c": 5}, ["b", "c"]) == ["b", "c"]


def test_unknown_minority_class_is_refused() -> None:
    with pytest.raises(ValidationError, match="expected minority classes"):
        UtilityProblem(
            train=frame(10, 5, 1.0, 0),
            holdout=frame(10, 5, 1.0, 1),
            target="y",
            types={"x": "continuous", "c": "categorical", "y": "categorical"},
            minority=["zzz"],
            classifier=ClassifierConfig(),
        )
