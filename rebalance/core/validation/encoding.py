"""Numeric encodings of mixed-type rows, fitted on real train rows.

- ``DistanceEncoder``: for nearest-record distances. Numbers are scaled by their real range so
  each contributes at most 1; a missing number becomes its own 0/1 indicator; a category is a
  one-hot scaled by 1/sqrt(2), so two different levels are exactly 1 apart (squared).
- ``ordinal_features``: for tree classifiers. Categories become integer codes (unknown or
  missing -> NaN, which scikit-learn's HistGradientBoosting handles natively).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_complex_dtype, is_integer_dtype, is_numeric_dtype

NUMERIC_TYPES = ("continuous", "integer", "datetime", "boolean")
MAX_ONE_HOT_LEVELS = 50  # rarer levels share one "other" column
MAX_TREE_LEVELS = 250


MISSING_LEVEL = "<missing>"  # how ``category_values`` spells a missing value


def plain_numeric(column: pd.Series) -> bool:
    """A numeric dtype ``to_numpy(float64)`` reads as ``numeric_values`` does (not datetime)."""
    return is_numeric_dtype(column.dtype) and not is_complex_dtype(column.dtype)


def numeric_values(column: pd.Series) -> np.ndarray:
    """float64 view of a numeric, boolean or datetime column; missing -> NaN."""
    if plain_numeric(column):  # one conversion, no Python object per row
        return column.to_numpy(np.float64, na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.astype("datetime64[ns]").astype("int64").astype(np.float64)
        return np.where(column.isna().to_numpy(), np.nan, values)
    return pd.to_numeric(column.astype(object), errors="coerce").to_numpy(np.float64)


def category_values(column: pd.Series) -> pd.Series:
    """Each value as text; missing values as ``MISSING_LEVEL``."""
    return column.astype(object).where(column.notna(), MISSING_LEVEL).astype(str)


def level_codes(column: pd.Series, levels: pd.Index) -> np.ndarray:
    """(rows,) each value's place in ``levels`` (unique texts), -1 where it is none of them:
    ``levels.get_indexer(category_values(column))``. Where the dtype tells values apart exactly
    as their text does, each distinct value is spelled and looked up once instead of per row."""
    if not _distinct_as_text(column):
        return levels.get_indexer(pd.Index(category_values(column)))
    codes, uniques = pd.factorize(column, use_na_sentinel=True)  # missing: code -1
    texts = [str(value) for value in uniques] + [MISSING_LEVEL]  # code -1 reads the last
    return levels.get_indexer(pd.Index(texts, dtype=object))[codes]  # (rows,)


def _distinct_as_text(column: pd.Series) -> bool:
    """Two values of the column's dtype are equal exactly when their texts are (not so for
    floats: 0.0 and -0.0; nor for objects: 1 and 1.0)."""
    if isinstance(column.dtype, pd.StringDtype | pd.CategoricalDtype):
        return True
    return is_integer_dtype(column) or is_bool_dtype(column)


class DistanceEncoder:
    def __init__(self, types: Mapping[str, str]) -> None:
        self.types = dict(types)

    def fit(self, frame: pd.DataFrame) -> DistanceEncoder:
        self.numeric_ = [c for c in frame.columns if self.types[c] in NUMERIC_TYPES]
        self.categorical_ = [c for c in frame.columns if c not in self.numeric_]
        self.low_: dict[str, float] = {}
        self.span_: dict[str, float] = {}
        for name in self.numeric_:
            values = numeric_values(frame[name])
            finite = values[np.isfinite(values)]
            low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
            self.low_[name], self.span_[name] = low, (high - low) or 1.0
        self.levels_: dict[str, list[str]] = {}
        for name in self.categorical_:
            counts = category_values(frame[name]).value_counts()
            self.levels_[name] = list(counts.index[:MAX_ONE_HOT_LEVELS])
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        blocks: list[np.ndarray] = []
        for name in self.numeric_:
            values = (numeric_values(frame[name]) - self.low_[name]) / self.span_[name]
            missing = np.isnan(values)
            blocks.append(np.where(missing, 0.0, values)[:, None])
            # every numeric column has its indicator: the width never depends on the frame
            # transformed (a holdout may have gaps where train had none)
            blocks.append(missing.astype(np.float64)[:, None])
        scale = 1.0 / np.sqrt(2.0)
        for name in self.categorical_:
            levels = self.levels_[name]
            codes = level_codes(frame[name], pd.Index(levels))
            one_hot = np.zeros((len(frame), len(levels) + 1))  # last column: unseen or rare
            one_hot[np.arange(len(frame)), np.where(codes < 0, len(levels), codes)] = scale
            blocks.append(one_hot)
        if not blocks:
            return np.zeros((len(frame), 0), dtype=np.float32)
        return np.hstack(blocks).astype(np.float32)  # (rows, encoded width)


def ordinal_features(
    fit_on: pd.DataFrame, frames: list[pd.DataFrame], types: Mapping[str, str]
) -> tuple[list[np.ndarray], np.ndarray]:
    """Encode ``frames`` with category codes learnt from ``fit_on``; also the boolean mask of
    categorical columns (HistGradientBoosting's ``categorical_features``)."""
    columns = list(fit_on.columns)
    is_categorical = np.array([types[c] not in NUMERIC_TYPES for c in columns])
    # HistGradientBoosting takes at most 255 categories per column: rarer ones become NaN.
    levels = {
        c: pd.Index(category_values(fit_on[c]).value_counts().index[:MAX_TREE_LEVELS])
        for c, cat in zip(columns, is_categorical, strict=True)
        if cat
    }
    encoded = []
    for frame in frames:
        parts = []
        for name in columns:
            if name in levels:
                codes = level_codes(frame[name], levels[name]).astype(np.float64)
                parts.append(np.where(codes < 0, np.nan, codes))
            else:
                parts.append(numeric_values(frame[name]))
        encoded.append(np.column_stack(parts) if parts else np.zeros((len(frame), 0)))
    return encoded, is_categorical
