"""The reported holdout, scored once after the gate has decided: the published train split
against the real-only references. No choice is made on these rows, so they are an unbiased
estimate of what the published data does for a classifier. A synthetic-only release is scored
train-synthetic-test-real (TSTR): on its synthetic rows alone; only these aggregate scores are
kept, never the holdout rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rebalance.core.config import ColumnType, ValidationConfig
from rebalance.core.plan import BalancePlan
from rebalance.core.publish import assemble_train
from rebalance.core.split import bounded_sample
from rebalance.core.validation.evaluate import scaled_rows
from rebalance.core.validation.utility import (
    UtilityScores,
    fit_and_score,
    tuned_threshold_scores,
    utility_problem,
)


@dataclass(frozen=True)
class HoldoutScores:
    """Minority-class scores on the real holdout of one classifier per train set."""

    method: str  # whose synthetic rows the published train split carries ("none": real only)
    published: UtilityScores  # trained on the published train split
    real_only: UtilityScores  # trained on the real train rows
    real_only_tuned: UtilityScores | None  # the same, threshold tuned out of fold (binary)
    release: str = "augmented"  # synthetic_only: ``published`` trained on synthetic rows alone

    @property
    def gain(self) -> float:
        """Minority F1 of the published train split over the real train rows alone."""
        return self.published.f1 - self.real_only.f1

    def as_dict(self) -> dict[str, Any]:
        tuned = self.real_only_tuned
        return {
            "method": self.method,
            "published": self.published.as_dict(),
            "real_only": self.real_only.as_dict(),
            "real_only_tuned": tuned.as_dict() if tuned is not None else None,
            "f1_gain": self.gain,
            "release": self.release,
        }


def score_holdout(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    plan: BalancePlan,
    config: ValidationConfig,
    seed: int,
    method: str,
    synthetic: pd.DataFrame | None,
) -> HoldoutScores:
    """``method``'s rows beside all real train rows (a synthetic-only release: its rows alone),
    and the references, on the holdout."""
    # the classifiers train on and score bounded samples of large splits
    train_scored = bounded_sample(train, target, config.max_split_rows, seed)
    holdout_scored = bounded_sample(holdout, target, config.max_split_rows, seed)
    problem = utility_problem(train_scored, holdout_scored, target, types, plan, config, seed)
    real_only = fit_and_score(problem, train_scored)
    published = real_only
    if synthetic is not None and not synthetic.empty:
        share = len(train_scored) / len(train)
        scored = scaled_rows(synthetic, target, share)
        rows = assemble_train(train_scored, scored).drop(columns="is_synthetic")
        if plan.release == "synthetic_only":
            rows = rows.iloc[len(train_scored) :].reset_index(drop=True)
        published = fit_and_score(problem, rows)
    tuned = tuned_threshold_scores(problem)
    return HoldoutScores(method, published, real_only, tuned, plan.release)
