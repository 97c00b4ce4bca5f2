"""The validation stage's settings: the classifier it trains, the gate's pass marks, and how
candidates are chosen (``validation:`` in a spec, part of ``rebalance.core.config``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rebalance.core.options import DEFAULT_FALLBACKS, Method
from rebalance.core.release import Release, check_release


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassifierConfig(_Strict):
    """The downstream classifier the utility check trains (scikit-learn)."""

    name: Literal["hist_gradient_boosting", "random_forest", "logistic_regression"] = (
        "hist_gradient_boosting"
    )
    params: dict[str, Any] = Field(default_factory=dict, description="estimator keyword args")
    training_rows: Literal["compare", "published"] = Field(
        "compare",
        description="train-classifier: compare fits the model with and without the synthetic "
        "rows and keeps the higher tuned minority F1 on the selection rows (train rows no "
        "sampler saw); published: always every published train row",
    )


class GateThresholds(_Strict):
    """Pass marks of the synthetic-sample gate. Defaults and how they were chosen: README,
    "Validation gate"."""

    min_ks_complement: float = Field(0.70, ge=0, le=1, description="mean over numeric columns")
    min_tv_complement: float = Field(0.70, ge=0, le=1, description="mean over categories")
    min_correlation_similarity: float = Field(0.80, ge=0, le=1)
    min_contingency_similarity: float = Field(0.50, ge=0, le=1)
    max_detection_auc: float = Field(0.98, ge=0.5, le=1)
    max_exact_copy_share: float = Field(0.10, ge=0, le=1)
    min_dcr_ratio: float = Field(
        0.3, ge=0, description="median distance to train, synthetic over real holdout rows"
    )
    max_closer_than_holdout_share: float = Field(
        0.15, ge=0, le=1, description="memorization: unseen real rows score about 0.05"
    )
    calibrate: bool = Field(
        True,
        description="scale each fidelity threshold by the similarity two real samples of the "
        "class, of the same sizes, reach (small classes are judged as such)",
    )
    min_utility_gain: float = Field(
        0.0, ge=-1, le=1, description="minority F1 gain over training on real rows only"
    )
    min_gain_probability: float = Field(
        0.8,
        ge=0,
        le=1,
        description="share of bootstrap resamples of the selection rows on which a candidate's "
        "minority F1 must beat the real-only model's",
    )
    beat_threshold_tuning: bool = Field(
        False, description="also require the F1 of the real-only model with a tuned threshold"
    )
    max_tstr_f1_loss: float = Field(
        0.05,
        ge=0,
        le=1,
        description="synthetic_only release: how much lower the minority F1 of a classifier "
        "trained on the synthetic rows alone (TSTR) may be than the real-only model's, on the "
        "real selection rows",
    )


class ValidationConfig(_Strict):
    """The synthetic-sample validation stage and the gate in front of publishing."""

    enabled: bool = True
    release: Release = Field(
        "augmented",
        description="augmented: synthetic rows are published beside the real train rows, so "
        "closeness to real rows is reported, not gating (memorisation by a generative model "
        "still gates); synthetic_only: only synthetic rows of every class are published, for "
        "sharing, so privacy gates and utility is train-synthetic-test-real (TSTR)",
    )
    selection_fraction: float = Field(
        0.25,
        ge=0.1,
        le=0.5,
        description="share of the train rows (per class) held aside to choose between "
        "candidates; samplers fit on the rest, and the holdout is scored only for the report",
    )
    classifier: ClassifierConfig = Field(default_factory=ClassifierConfig)
    thresholds: GateThresholds = Field(default_factory=GateThresholds)
    on_failure: Literal["fail", "publish_real_only", "fallback"] = "fail"
    fallback_methods: list[Method] = Field(
        default_factory=lambda: list(DEFAULT_FALLBACKS),
        description="tried in order under on_failure: fallback",
    )
    max_rows: int = Field(
        5000, ge=100, description="rows per class used by fidelity and privacy metrics"
    )
    max_split_rows: int = Field(
        200_000,
        ge=1000,
        description="larger splits are scored on a stratified sample of this many rows: the "
        "gate's classifiers train on and score samples of the fit, selection, train and "
        "holdout rows (the report's train rows and scored rows), and distances to train rows "
        "are measured to at most this many rows of each class",
    )
    cv_folds: int = Field(3, ge=2, le=10)

    @model_validator(mode="after")
    def _release_fits_policy(self) -> ValidationConfig:
        check_release(self)
        return self


def check_holdout(validation: ValidationConfig, holdout_fraction: float) -> None:
    """The gate's choice is scored once on the holdout: a zero fraction leaves it empty."""
    if validation.enabled and holdout_fraction == 0:
        raise ValueError(
            "balance.holdout_fraction: expected > 0 while validation.enabled is true (the "
            "published rows are scored on the holdout), found 0; set validation.enabled: false "
            "to publish without a holdout"
        )
