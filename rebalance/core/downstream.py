"""The downstream model as one scikit-learn ``Pipeline`` that takes published rows as they are.

``pd.read_parquet(version / "split=holdout")`` (any extra column, such as the target or
``is_synthetic``, is dropped by the pipeline) goes straight into ``predict_proba``:

- numbers (continuous, integer, datetime per the manifest's ``column_types``) become float64
  with NaN for gaps, datetimes as seconds since 1970 whatever their unit. HistGradientBoosting
  takes the gaps as they are; random forest and logistic regression get the median and a
  missing-value indicator.
- categories and booleans: ``OrdinalEncoder`` for the tree models (unknown or missing -> -1;
  HistGradientBoosting splits them natively as ``categorical_features``), ``OneHotEncoder``
  (unknown -> all zeros) for logistic regression, which then scales every column.

Only scikit-learn and numpy objects go into the pipeline (``numpy.asarray`` does the dtype
conversions), so its skops file loads with an allow-list of those types (plus
``functools.partial``, which HistGradientBoosting keeps around ``check_array``). The tuned
decision threshold lives beside it in ``model.json`` (see ``DownstreamModel``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)

from rebalance.core.config import ClassifierConfig
from rebalance.core.errors import InputError
from rebalance.core.validation.encoding import MAX_ONE_HOT_LEVELS
from rebalance.core.validation.utility import best_f1_threshold, make_classifier, predict_labels

if TYPE_CHECKING:  # training_rows imports this module
    from rebalance.core.training_rows import TrainingRows

NUMBER_TYPES = ("continuous", "integer")
CATEGORY_TYPES = ("categorical", "boolean")
THRESHOLD_FOLDS = 5
HGB_MAX_BINS = 255  # HistGradientBoosting's default (and largest) number of bins
# float64 of NaT's int64 (the smallest int64): what numpy casts a missing datetime to
NAT_AS_FLOAT = float(np.iinfo(np.int64).min)


def _cast(dtype: str) -> FunctionTransformer:
    return FunctionTransformer(np.asarray, kw_args={"dtype": dtype}, feature_names_out="one-to-one")


def _as_float() -> StandardScaler:
    """Identity that (as every scikit-learn input check) makes float64 of any numeric column,
    nullable pandas ones (Int64, boolean) included, with NaN for their gaps."""
    return StandardScaler(with_mean=False, with_std=False)


def _numbers(config: ClassifierConfig, datetimes: bool) -> Pipeline:
    if datetimes:  # seconds whatever the unit; NaT comes out as the smallest int64: NaN
        nat_to_nan = SimpleImputer(
            missing_values=NAT_AS_FLOAT,
            strategy="constant",
            fill_value=np.nan,
            keep_empty_features=True,
        )
        steps: list[Any] = [_cast("datetime64[s]"), _cast("float64"), nat_to_nan]
    else:
        steps = [_as_float()]
    if config.name != "hist_gradient_boosting":  # the others cannot take NaN
        steps.append(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True))
    return make_pipeline(*steps)


def _categories(config: ClassifierConfig) -> Any:
    if config.name == "logistic_regression":
        return OneHotEncoder(
            handle_unknown="ignore", max_categories=MAX_ONE_HOT_LEVELS, sparse_output=False
        )
    # HistGradientBoosting takes at most max_bins categories per column, -1 (unknown or
    # missing) being one of them: rarer ones share one code.
    levels = int(config.params.get("max_bins", HGB_MAX_BINS)) - 1
    return OrdinalEncoder(
        handle_unknown="use_encoded_value",
        unknown_value=-1,
        encoded_missing_value=-1,
        max_categories=levels if config.name == "hist_gradient_boosting" else None,
    )


def build_pipeline(
    features: Sequence[str], types: Mapping[str, str], config: ClassifierConfig, seed: int
) -> Pipeline:
    """Encoding + the configured classifier, for the ``features`` columns (others dropped)."""
    numbers = [c for c in features if types[c] in NUMBER_TYPES]
    dates = [c for c in features if types[c] == "datetime"]
    categories = [c for c in features if types[c] in CATEGORY_TYPES]
    parts = [
        (name, encoder, columns)
        for name, encoder, columns in (
            ("numbers", _numbers(config, datetimes=False), numbers),
            ("datetimes", _numbers(config, datetimes=True), dates),
            ("categories", _categories(config), categories),
        )
        if columns
    ]
    encode = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)
    # HistGradientBoosting keeps one output column per input: categories come last.
    width = len(numbers) + len(dates)
    categorical = np.array([False] * width + [True] * len(categories))
    model = make_classifier(config, categorical, seed)
    return Pipeline([("encode", encode), ("model", model)])


@dataclass(frozen=True)
class DownstreamModel:
    """The fitted pipeline and its decision rule.

    ``predict`` returns class labels as text (as the manifest's class counts name them): for a
    binary target the minority class wherever its probability reaches ``threshold`` (tuned out
    of fold on the train split), otherwise the most probable class (``threshold`` is None).
    """

    pipeline: Pipeline
    features: list[str]
    classes: list[str]
    minority: str | None  # the binary target's smaller class; None for several classes
    threshold: float | None
    source: str = "<in memory>"  # the model folder, for error messages
    training_rows: TrainingRows | None = None  # which published rows it learnt from, and why

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """(rows, classes) probabilities, columns in the order of ``classes``."""
        missing = [c for c in self.features if c not in frame.columns]
        if missing:
            raise InputError(
                self.source,
                f"expected the model's feature columns in the rows to predict, found "
                f"{list(frame.columns)} (missing {missing})",
            )
        proba: np.ndarray = self.pipeline.predict_proba(frame)
        return proba

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return predict_labels(
            self.classes, self.predict_proba(frame), self.minority, self.threshold
        )

    def describe(self) -> dict[str, Any]:
        """The decision rule as JSON (``model.json``)."""
        return {
            "features": self.features,
            "classes": self.classes,
            "minority": self.minority,
            "threshold": self.threshold,
            "trained_on": self.training_rows.as_dict() if self.training_rows else None,
        }


def out_of_fold_threshold(
    pipeline: Pipeline,
    x: pd.DataFrame,
    y: np.ndarray,
    minority: str,
    scored: np.ndarray,
    seed: int,
) -> float | None:
    """The minority probability cut that maximizes minority F1 on out-of-fold predictions
    (stratified, seeded K-fold over all train rows; F1 counted on the ``scored`` rows, the
    real ones). None when a class has fewer rows than two folds need."""
    folds = min(THRESHOLD_FOLDS, int(pd.Series(y).value_counts().min()))
    if folds < 2:
        return None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    oof = cross_val_predict(clone(pipeline), x, y, cv=splitter, method="predict_proba")
    positive = oof[:, sorted(set(y)).index(minority)]
    is_minority = y == minority
    if not is_minority[scored].any():  # no real minority row: count every row
        scored = np.ones(len(y), dtype=bool)
    return best_f1_threshold(is_minority[scored], positive[scored])
