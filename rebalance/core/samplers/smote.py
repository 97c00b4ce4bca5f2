"""SMOTE for numeric tables, SMOTE-NC for mixed ones, SMOTEN for all-categorical ones.

imbalanced-learn refuses missing values, so they are encoded rather than dropped: a missing
category is a category of its own, and a numeric column with gaps gets a median fill plus a 0/1
"was missing" indicator. The indicator is interpolated like a numeric feature and decoded as
missing at >= 0.5, which reproduces the real missing rate in expectation (a categorical indicator
would be set by SMOTE-NC's majority vote of neighbours and almost never come out missing).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

from rebalance.core.errors import SamplerError
from rebalance.core.samplers.base import Oversampler


@dataclass(frozen=True)
class _NumericColumn:
    name: str
    kind: str  # continuous | integer | datetime
    position: int  # column index in the encoded matrix
    indicator: int | None  # index of the missing indicator, if the column has gaps
    low: float
    high: float


@dataclass(frozen=True)
class _CategoricalColumn:
    name: str
    position: int
    categories: np.ndarray  # code -> value (may contain a missing value)


class SmoteOversampler(Oversampler):
    name = "smote"

    def __init__(
        self,
        seed: int = 0,
        k_neighbors: int = 5,
        neighbour_rows: int = 10_000,
        batch_rows: int = 100_000,
    ) -> None:
        super().__init__(seed=seed)
        for name, value in (
            ("k_neighbors", k_neighbors),
            ("neighbour_rows", neighbour_rows),
            ("batch_rows", batch_rows),
        ):
            if value < 1:
                raise SamplerError(f"expected {name} >= 1, found {value}")
        self.k_neighbors = k_neighbors
        self.neighbour_rows = neighbour_rows  # class rows the neighbours are searched among
        self.batch_rows = batch_rows  # new rows per imbalanced-learn call

    def _fit(self, frame: pd.DataFrame) -> None:
        features = [name for name in self.columns_ if name != self.target_]
        blocks: list[np.ndarray] = []
        numeric: list[_NumericColumn] = []
        categorical: list[_CategoricalColumn] = []
        indicators: list[np.ndarray] = []
        n_numeric = sum(self.types_[f] in ("continuous", "integer", "datetime") for f in features)
        for name in features:
            kind = self.types_[name]
            if kind in ("continuous", "integer", "datetime"):
                values = _as_float(frame[name], kind)
                gaps = np.isnan(values)
                indicator = None
                if gaps.any():
                    fill = np.nanmedian(values) if (~gaps).any() else 0.0
                    values = np.where(gaps, fill, values)
                    indicator = n_numeric + len(indicators)
                    indicators.append(gaps.astype(np.float64))
                numeric.append(
                    _NumericColumn(
                        name, kind, len(blocks), indicator, float(values.min()), float(values.max())
                    )
                )
                blocks.append(values)
        blocks.extend(indicators)
        for name in features:
            if self.types_[name] in ("categorical", "boolean"):
                codes, uniques = pd.factorize(frame[name], use_na_sentinel=False)
                categorical.append(_CategoricalColumn(name, len(blocks), np.asarray(uniques)))
                blocks.append(codes.astype(np.float64))
        # (n_rows, n_numeric + n_indicators + n_categorical)
        self.matrix_ = np.column_stack(blocks) if blocks else np.empty((len(frame), 0))
        self.labels_array_ = frame[self.target_].astype(str).to_numpy()
        self.numeric_ = numeric
        self.categorical_ = categorical
        self.categorical_positions_ = [cat.position for cat in categorical]

    def _sample(self, label: str, n: int) -> pd.DataFrame:
        have = self.class_counts_[label]
        if have < 2:
            raise SamplerError(f"SMOTE needs at least 2 rows of class {label!r}, found {have}")
        matrix, labels = self._neighbour_rows(label)
        seeds = self.class_rng(label)
        parts = []
        for start in range(0, n, self.batch_rows):
            wanted = min(self.batch_rows, n - start)
            sampler = self._imblearn_sampler(label, matrix, labels, wanted, seeds)
            resampled, _ = sampler.fit_resample(matrix, labels)
            # imblearn appends the new rows; each batch is decoded at once, so millions of
            # rows are never held as one float matrix
            parts.append(self._decode(resampled[len(matrix) :]))
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def _imblearn_sampler(
        self,
        label: str,
        matrix: np.ndarray,
        labels: np.ndarray,
        wanted: int,
        seeds: np.random.Generator,
    ) -> SMOTE | SMOTEN | SMOTENC:
        have = int((labels == label).sum())
        options = {
            "sampling_strategy": {label: have + wanted},
            "k_neighbors": min(self.k_neighbors, have - 1),
            "random_state": int(seeds.integers(2**31 - 1)),
        }
        if not self.categorical_positions_:
            return SMOTE(**options)
        if not self.numeric_:
            return SMOTEN(**options)
        return SMOTENC(categorical_features=self.categorical_positions_, **options)

    def _neighbour_rows(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows imbalanced-learn is given to make rows of ``label``: (rows, features) and
        their labels. SMOTE and SMOTE-NC look at the class's own rows only (plus one row of
        another class, since imbalanced-learn wants two classes): the same new rows as the
        whole table gives, without copying it per call. SMOTEN's value-difference metric reads
        every class, so it gets all rows. A class above ``neighbour_rows`` is searched in a
        seeded sample of that many of its rows (with the other classes thinned alike for
        SMOTEN): the neighbour search costs rows squared."""
        in_class = self.labels_array_ == label
        have = int(in_class.sum())
        keep_share = min(1.0, self.neighbour_rows / have)
        rng = np.random.default_rng([self.seed, zlib.crc32(label.encode()), 1])
        if self.categorical_positions_ and not self.numeric_:
            chosen = _thinned(self.labels_array_, keep_share, rng)
        else:
            rows = np.flatnonzero(in_class)
            if keep_share < 1.0:
                rows = np.sort(rng.choice(rows, self.neighbour_rows, replace=False))
            chosen = np.r_[rows, np.flatnonzero(~in_class)[:1]]
        return self.matrix_[chosen], self.labels_array_[chosen]

    def _decode(self, block: np.ndarray) -> pd.DataFrame:
        out: dict[str, object] = {}
        for col in self.numeric_:
            values = np.clip(block[:, col.position], col.low, col.high)
            if col.kind in ("integer", "datetime"):
                values = np.round(values)
            if col.indicator is not None:
                values = np.where(block[:, col.indicator] >= 0.5, np.nan, values)
            if col.kind == "datetime":
                out[col.name] = pd.to_datetime(values, unit="ns")
            elif col.kind == "integer":
                out[col.name] = pd.array(values, dtype="Float64").astype("Int64")
            else:
                out[col.name] = values
        for cat in self.categorical_:
            codes = np.clip(
                np.round(block[:, cat.position]).astype(int), 0, len(cat.categories) - 1
            )
            out[cat.name] = self._category_values(cat, codes)
        return pd.DataFrame(out)

    def _category_values(self, cat: _CategoricalColumn, codes: np.ndarray) -> object:
        """A ``category`` column's values straight as codes of its fitted categories (a
        missing value as -1): one byte a row, not a text column of every new row."""
        dtype = self.dtypes_[cat.name]
        if not isinstance(dtype, pd.CategoricalDtype):
            return cat.categories[codes]
        fitted_codes = dtype.categories.get_indexer(pd.Index(cat.categories))  # missing: -1
        return pd.Categorical.from_codes(fitted_codes[codes], dtype=dtype)


def _thinned(labels: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Row indices: ``share`` of every class's rows (at least one each), in row order."""
    if share >= 1.0:
        return np.arange(len(labels))
    picked = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        size = max(1, round(share * len(rows)))
        picked.append(rng.choice(rows, size, replace=False))
    return np.sort(np.concatenate(picked))


def _as_float(column: pd.Series, kind: str) -> np.ndarray:
    if kind == "datetime":
        ns = column.astype("datetime64[ns]")
        values = ns.to_numpy().astype("int64").astype(np.float64)
        return np.where(ns.isna().to_numpy(), np.nan, values)
    return column.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
