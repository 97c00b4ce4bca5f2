"""Utility on the real holdout: does training on the balanced rows help a classifier?

The same classifier is trained on each candidate train set and scored on the real holdout rows
(which no sampler saw). Scores are about the minority side: for a binary target the smaller
class; for several classes the mean over the classes that received synthetic rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    precision_score,
    recall_score,
)
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rebalance.core.config import ClassifierConfig, ValidationConfig
from rebalance.core.errors import ValidationError
from rebalance.core.plan import BalancePlan
from rebalance.core.validation.encoding import ordinal_features

UTILITY_METRICS = ("f1", "recall", "precision", "pr_auc", "balanced_accuracy")


@dataclass(frozen=True)
class UtilityScores:
    f1: float
    recall: float
    precision: float
    pr_auc: float
    balanced_accuracy: float
    train_rows: int
    threshold: float | None = None  # set for the tuned-threshold baseline
    scored_rows: int | None = None  # rows scored (a bounded sample of a large split)
    # the labels predicted for the scored rows (not stored): paired comparisons between models
    predicted: np.ndarray | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "predicted"}


@dataclass
class UtilityProblem:
    """Everything fixed across candidates: the real rows, the encoding, the minority classes."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    target: str
    types: Mapping[str, str]
    minority: list[str]  # class labels (as text) whose scores are reported
    classifier: ClassifierConfig
    seed: int = 0
    folds: int = 3

    def __post_init__(self) -> None:
        self.features = [c for c in self.train.columns if c != self.target]
        self.classes_ = sorted(self.train[self.target].astype(str).unique())
        missing = [label for label in self.minority if label not in self.classes_]
        if missing:
            raise ValidationError(
                f"expected minority classes among the train classes {self.classes_}, "
                f"found {missing}"
            )

    @property
    def binary(self) -> bool:
        return len(self.classes_) == 2

    def encode(self, frames: Sequence[pd.DataFrame]) -> tuple[list[np.ndarray], np.ndarray]:
        features = [frame[self.features] for frame in frames]
        return ordinal_features(self.train[self.features], features, self.types)

    def labels(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.target].astype(str).to_numpy()


def utility_problem(
    train: pd.DataFrame,
    scored: pd.DataFrame,
    target: str,
    types: Mapping[str, str],
    plan: BalancePlan,
    config: ValidationConfig,
    seed: int,
) -> UtilityProblem:
    """The classifier problem of a run: trained on ``train`` (plus synthetic rows), scored on
    ``scored`` (the selection rows or the holdout), minority classes from ``plan``."""
    return UtilityProblem(
        train=train,
        holdout=scored,
        target=target,
        types=types,
        minority=minority_classes(plan.before, plan.oversampled),
        classifier=config.classifier,
        seed=seed,
        folds=config.cv_folds,
    )


def make_classifier(config: ClassifierConfig, categorical: np.ndarray, seed: int) -> Any:
    params = dict(config.params)
    if config.name == "hist_gradient_boosting":
        params.setdefault("random_state", seed)
        # Its automatic early stopping needs 2+ rows per class in a split and changes with
        # the train size; 100 fixed iterations keep every candidate comparable.
        params.setdefault("early_stopping", False)
        if categorical.any():
            params.setdefault("categorical_features", categorical)
        return HistGradientBoostingClassifier(**params)
    # The other two cannot take NaN: gaps become 0 after scaling (see impute).
    if config.name == "random_forest":
        params.setdefault("random_state", seed)
        params.setdefault("n_jobs", -1)
        return RandomForestClassifier(**params)
    params.setdefault("max_iter", 1000)
    return make_pipeline(StandardScaler(), LogisticRegression(**params))


def impute(config: ClassifierConfig, features: np.ndarray) -> np.ndarray:
    if config.name == "hist_gradient_boosting":
        return features
    return np.nan_to_num(features, nan=-1.0)


def fit_and_score(problem: UtilityProblem, train: pd.DataFrame) -> UtilityScores:
    """Train the classifier on ``train`` (real, or real + synthetic) and score the holdout."""
    return fit_and_score_model(problem, train)[1]


def fit_and_score_model(problem: UtilityProblem, train: pd.DataFrame) -> tuple[Any, UtilityScores]:
    """The fitted classifier and its holdout scores."""
    (x_train, x_holdout), categorical = problem.encode([train, problem.holdout])
    model = make_classifier(problem.classifier, categorical, problem.seed)
    y_train = problem.labels(train)
    model.fit(impute(problem.classifier, x_train), y_train)
    proba = model.predict_proba(impute(problem.classifier, x_holdout))  # (holdout, classes)
    return model, _scores(problem, list(model.classes_), proba, None, len(train))


def tuned_threshold_scores(problem: UtilityProblem) -> UtilityScores | None:
    """Binary only: the real-only model with the decision threshold that maximizes minority F1
    on out-of-fold train predictions (no holdout row is used to pick it)."""
    if not problem.binary:
        return None
    (x_train, x_holdout), categorical = problem.encode([problem.train, problem.holdout])
    y_train = problem.labels(problem.train)
    model = make_classifier(problem.classifier, categorical, problem.seed)
    minority = problem.minority[0]
    counts = pd.Series(y_train).value_counts()
    folds = min(problem.folds, int(counts.min()))
    if folds < 2:
        return None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=problem.seed)
    x_fit = impute(problem.classifier, x_train)
    oof = cross_val_predict(clone(model), x_fit, y_train, cv=splitter, method="predict_proba")
    classes = sorted(set(y_train))
    positive = oof[:, classes.index(minority)]
    threshold = best_f1_threshold(y_train == minority, positive)
    model.fit(x_fit, y_train)
    proba = model.predict_proba(impute(problem.classifier, x_holdout))
    return _scores(problem, list(model.classes_), proba, threshold, len(problem.train))


def best_f1_threshold(is_positive: np.ndarray, score: np.ndarray) -> float:
    """The score cut that maximizes F1 of the positive class."""
    order = np.argsort(-score, kind="stable")
    hits = np.cumsum(is_positive[order])
    predicted = np.arange(1, len(score) + 1)
    f1 = 2 * hits / (predicted + is_positive.sum())
    best = int(np.argmax(f1))
    return float(score[order][best])


def _scores(
    problem: UtilityProblem,
    classes: list[str],
    proba: np.ndarray,
    threshold: float | None,
    train_rows: int,
) -> UtilityScores:
    truth = problem.labels(problem.holdout)
    return score_predictions(truth, classes, proba, problem.minority, threshold, train_rows)


def predict_labels(
    classes: Sequence[str], proba: np.ndarray, minority: str | None, threshold: float | None
) -> np.ndarray:
    """The predicted labels: the most probable class, or (binary, with a ``threshold``) the
    minority class wherever its probability reaches the threshold."""
    classes = list(classes)
    if threshold is None or minority is None:
        return np.asarray(classes)[np.argmax(proba, axis=1)]
    other = next(c for c in classes if c != minority)
    positive = proba[:, classes.index(minority)]
    return np.where(positive >= threshold, minority, other)


def score_predictions(
    truth: np.ndarray,
    classes: list[str],
    proba: np.ndarray,
    minority: list[str],
    threshold: float | None,
    train_rows: int,
) -> UtilityScores:
    """Minority scores of ``proba`` (rows, classes) against the true labels ``truth``."""
    chosen = minority[0] if threshold is not None else None
    predicted = predict_labels(classes, proba, chosen, threshold)
    labels = minority
    pr_auc = [
        float(average_precision_score(truth == label, proba[:, classes.index(label)]))
        for label in labels
        if (truth == label).any()
    ]
    return UtilityScores(
        f1=float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        recall=float(
            recall_score(truth, predicted, labels=labels, average="macro", zero_division=0)
        ),
        precision=float(
            precision_score(truth, predicted, labels=labels, average="macro", zero_division=0)
        ),
        pr_auc=float(np.mean(pr_auc)) if pr_auc else float("nan"),
        balanced_accuracy=float(balanced_accuracy_score(truth, predicted)),
        train_rows=train_rows,
        threshold=threshold,
        scored_rows=len(truth),
        predicted=predicted,
    )


def minority_classes(before: Mapping[str, int], synthesized: Sequence[str]) -> list[str]:
    """Binary: the smaller class. Otherwise the synthesized classes (or the smallest class)."""
    if len(before) == 2:
        return [min(before, key=lambda label: before[label])]
    chosen = [label for label in before if label in synthesized]
    return chosen or [min(before, key=lambda label: before[label])]
