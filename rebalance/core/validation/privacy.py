"""Privacy metrics: how close synthetic rows sit to the real train rows, measured against how
close real holdout rows (never seen by the generator) sit to them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from rebalance.core.validation.columnwise import numeric_block
from rebalance.core.validation.encoding import NUMERIC_TYPES, DistanceEncoder
from rebalance.core.validation.metrics import FIDELITY_METRICS, Metric


class ExactCopyShare(Metric):
    name = "exact_copy_share"
    kind = "privacy"
    goal = "minimize"
    min_value, max_value = 0.0, 1.0
    description = "share of synthetic rows identical to a real train row"
    every_train_row = True  # one hash join: a copy of any train row counts

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
        if synthetic.empty:
            return float("nan")
        if list(real.columns) != list(synthetic.columns) or real.columns.empty:
            real_keys = set(row_keys(real))
            return float(np.mean([key in real_keys for key in row_keys(synthetic)]))
        rows = _row_ids([_value_codes(real[c], synthetic[c]) for c in real.columns])
        return float(np.isin(rows[len(real) :], rows[: len(real)]).mean())


def row_keys(frame: pd.DataFrame) -> np.ndarray:
    """One hash per row over its values as text, so equal rows match across dtypes."""
    as_text = frame.astype(object).where(frame.notna(), "<missing>").astype(str)
    return pd.util.hash_pandas_object(as_text, index=False).to_numpy()


def _row_ids(columns: list[np.ndarray]) -> np.ndarray:
    """One id per distinct row of the per-column codes (equal rows, equal id). Exact, without
    sorting a rows x columns matrix: the ids are renumbered after each column, so they stay
    below the row count and ``ids * width + code`` never overflows."""
    ids = np.zeros(len(columns[0]), dtype=np.int64)
    for codes in columns:
        width = int(codes.max()) + 2  # codes run from -1 (missing)
        ids = pd.factorize(ids * width + (codes + 1))[0]
    return ids


def _value_codes(real: pd.Series, synthetic: pd.Series) -> np.ndarray:
    """One code per distinct value of the column in both frames, equal where ``row_keys``
    texts are equal: missing is one value; numbers of one numpy dtype compare bit for bit
    (their text is their shortest repr, so -0.0 is not 0.0), category columns with the same
    categories in the same order by their code, anything else by its text."""
    missing = np.r_[real.isna().to_numpy(), synthetic.isna().to_numpy()]
    dtype = real.dtype
    if _same_categories(dtype, synthetic.dtype):
        return np.r_[real.cat.codes.to_numpy(np.int64), synthetic.cat.codes.to_numpy(np.int64)]
    if dtype == synthetic.dtype and isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        values = np.r_[real.to_numpy(), synthetic.to_numpy()]
        keys = values.view(f"i{values.itemsize}") if dtype.kind == "f" else values
    else:  # each side its own text before they meet (a shared dtype could rewrite 1 as 1.0)
        keys = np.r_[_texts(real), _texts(synthetic)]
    return np.where(missing, -1, pd.factorize(keys)[0])


def _same_categories(left: object, right: object) -> bool:
    """Whether a code means the same value on both sides: the same categories in the same
    order (unordered dtypes compare equal whatever the order, so ``==`` does not say)."""
    return (
        isinstance(left, pd.CategoricalDtype)
        and isinstance(right, pd.CategoricalDtype)
        and left.categories.equals(right.categories)
    )


def _texts(column: pd.Series) -> np.ndarray:
    return column.astype(object).where(column.notna(), "<missing>").astype(str).to_numpy()


class DCRRatio(Metric):
    name = "dcr_ratio"
    kind = "privacy"
    goal = "maximize"  # 1: synthetic rows sit as far from train as unseen real rows do
    min_value, max_value = 0.0, float("inf")
    description = (
        "median distance from synthetic rows to their closest train row, over the same median "
        "for real holdout rows"
    )

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
        if holdout is None or holdout.empty or synthetic.empty or real.empty:
            return float("nan")
        return cls.from_distances(*closest_record_distances(real, synthetic, holdout, types))

    @classmethod
    def from_distances(cls, synthetic_dcr: np.ndarray, holdout_dcr: np.ndarray) -> float:
        """The metric from each synthetic and each holdout row's distance to train."""
        if len(synthetic_dcr) == 0 or len(holdout_dcr) == 0:
            return float("nan")
        baseline = float(np.median(holdout_dcr))
        if baseline == 0.0:  # unseen real rows repeat train rows: distance says nothing here
            return float("nan")
        return float(np.median(synthetic_dcr)) / baseline


class CloserThanHoldoutShare(Metric):
    name = "closer_than_holdout_share"
    kind = "privacy"
    goal = "minimize"  # about 0.05 when synthetic rows are as novel as unseen real rows
    min_value, max_value = 0.0, 1.0
    description = "share of synthetic rows closer to a train row than 95% of real holdout rows are"
    quantile = 0.05

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
        if holdout is None or len(holdout) < 20 or synthetic.empty or real.empty:
            return float("nan")  # too few unseen rows to place a 5% quantile
        return cls.from_distances(*closest_record_distances(real, synthetic, holdout, types))

    @classmethod
    def from_distances(cls, synthetic_dcr: np.ndarray, holdout_dcr: np.ndarray) -> float:
        """The metric from each synthetic and each holdout row's distance to train."""
        if len(holdout_dcr) < 20 or len(synthetic_dcr) == 0:
            return float("nan")
        cut = float(np.quantile(holdout_dcr, cls.quantile))
        return float(np.mean(synthetic_dcr < cut)) if cut > 0 else float("nan")


def closest_record_distances(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    types: Mapping[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distance of each synthetic and each holdout row to its closest train row."""
    encoded = distance_features(train, [train, synthetic, holdout], types)
    index = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(encoded[0])
    synthetic_dcr = index.kneighbors(encoded[1])[0][:, 0]
    holdout_dcr = index.kneighbors(encoded[2])[0][:, 0]
    return synthetic_dcr, holdout_dcr


def distance_features(
    train: pd.DataFrame, frames: list[pd.DataFrame], types: Mapping[str, str]
) -> list[np.ndarray]:
    """``DistanceEncoder(types).fit(train).transform(frame)`` for each frame, the numeric
    columns scaled as one block (per column it cost seconds at 1,000 columns)."""
    numeric = [c for c in train.columns if types[c] in NUMERIC_TYPES]
    categorical = DistanceEncoder(types).fit(train.drop(columns=numeric))
    values = numeric_block(train, numeric)
    finite = np.where(np.isfinite(values), values, np.nan)
    seen = np.isfinite(values).any(axis=0)
    with np.errstate(all="ignore"):  # a column without a finite value: low 0, span 1
        low = np.where(seen, np.nanmin(finite, axis=0, initial=np.inf), 0.0)
        high = np.where(seen, np.nanmax(finite, axis=0, initial=-np.inf), 1.0)
    span = np.where(high - low == 0, 1.0, high - low)
    encoded = []
    for frame in frames:
        scaled = (numeric_block(frame, numeric) - low) / span
        missing = np.isnan(scaled)
        # each numeric column's value, then its missing indicator, as DistanceEncoder lays out
        pairs = np.stack([np.where(missing, 0.0, scaled), missing], axis=2).reshape(len(frame), -1)
        others = categorical.transform(frame.drop(columns=numeric))
        encoded.append(np.hstack([pairs, others]).astype(np.float32))
    return encoded


PRIVACY_METRICS: tuple[type[Metric], ...] = (ExactCopyShare, DCRRatio, CloserThanHoldoutShare)
ALL_METRICS = FIDELITY_METRICS + PRIVACY_METRICS
