"""The column-vectorised fidelity and privacy metrics equal their per-column definitions.

The reference side of each test is the per-column computation the metrics used before they
were vectorised (``fidelity.ks_complement`` / ``tv_complement`` per column, ``numeric_values``
per column, the per-series ``discretize`` kept below, ``row_keys`` and ``DistanceEncoder``),
run on frames with every dtype, missing values, ties, infinities and unseen levels.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

from rebalance.core.validation.columnwise import CONTINUOUS, MAX_BINS
from rebalance.core.validation.encoding import DistanceEncoder, category_values, numeric_values
from rebalance.core.validation.fidelity import ks_complement, tv_complement
from rebalance.core.validation.metrics import (
    ContingencySimilarity,
    CorrelationSimilarity,
    KSComplement,
    TVComplement,
    _pairs,
)
from rebalance.core.validation.privacy import (
    CloserThanHoldoutShare,
    DCRRatio,
    ExactCopyShare,
    closest_record_distances,
    row_keys,
)

TYPES = {
    "f": "continuous", "g": "continuous", "k": "continuous", "i": "integer", "n": "integer",
    "d": "datetime", "b": "boolean", "c": "categorical", "s": "categorical",
}  # fmt: skip


def mixed(rows: int, seed: int, levels: tuple[str, ...] = ("a", "b", "c")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=rows).round(1)  # rounded: ties within and across the frames
    f[rng.random(rows) < 0.15] = np.nan
    f[0] = np.inf if seed % 2 else f[0]
    n = pd.array(rng.integers(0, 4, rows), dtype="Int64")
    n[rng.random(rows) < 0.2] = pd.NA
    d = pd.Series(pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 5, rows), "D"))
    d[rng.random(rows) < 0.1] = pd.NaT
    c = pd.Series(rng.choice(levels, rows), dtype=object)
    c[rng.random(rows) < 0.1] = None
    return pd.DataFrame(
        {"f": f, "g": rng.normal(size=rows) + f, "k": np.full(rows, 2.5),
         "i": rng.integers(0, 3, rows), "n": n, "d": d, "b": rng.random(rows) < 0.3, "c": c,
         "s": pd.array(rng.choice(["x", "y"], rows), dtype="str")}
    )  # fmt: skip


CASES = [
    (mixed(30, 0), mixed(20, 1, ("a", "b", "zz"))),
    (mixed(12, 2), mixed(40, 3)),
    (mixed(25, 4), mixed(25, 4)),  # identical
]


def _old_mean(scores: list[float]) -> float:
    return float(np.mean(scores)) if scores else float("nan")


def old_ks(real: pd.DataFrame, synthetic: pd.DataFrame, types: Mapping = TYPES) -> float:
    cols = [c for c in real.columns if types[c] in CONTINUOUS]
    return _old_mean([ks_complement(real[c], synthetic[c]) for c in cols])


def old_tv(real: pd.DataFrame, synthetic: pd.DataFrame, types: Mapping = TYPES) -> float:
    cols = [c for c in real.columns if types[c] not in CONTINUOUS]
    return _old_mean([tv_complement(real[c], synthetic[c]) for c in cols])


def old_correlation(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    values = pd.DataFrame({c: numeric_values(frame[c]) for c in columns})
    return values.corr(method="pearson", min_periods=3).to_numpy()


def old_discretize(real: pd.Series, other: pd.Series, numeric: bool) -> tuple:
    if numeric:
        values = numeric_values(real)
        finite = values[np.isfinite(values)]
        edges = (
            np.unique(np.quantile(finite, np.linspace(0, 1, MAX_BINS + 1)[1:-1]))
            if len(finite)
            else np.array([])
        )

        def codes(series: pd.Series) -> np.ndarray:
            v = numeric_values(series)
            return np.where(np.isnan(v), len(edges) + 1, np.searchsorted(edges, v))

        return codes(real), codes(other)
    levels = pd.Index(category_values(real).unique())

    def level_codes(series: pd.Series) -> np.ndarray:
        found = levels.get_indexer(category_values(series))
        return np.where(found < 0, len(levels), found)

    return level_codes(real), level_codes(other)


def old_contingency(
    real: pd.DataFrame, synthetic: pd.DataFrame, seed: int, types: Mapping = TYPES
) -> float:
    columns = list(real.columns)
    coded = {c: old_discretize(real[c], synthetic[c], types[c] in CONTINUOUS) for c in columns}
    scores = []
    for left, right in _pairs(columns, seed):
        (ra, sa), (rb, sb) = coded[left], coded[right]
        width = int(max(ra.max(), sa.max())) + 1
        size = width * (int(max(rb.max(), sb.max())) + 1)
        p = np.bincount(ra * (size // width) + rb, minlength=size) / len(ra)
        q = np.bincount(sa * (size // width) + sb, minlength=size) / len(sa)
        scores.append(1.0 - 0.5 * np.abs(p - q).sum())
    return _old_mean(scores)


def old_copy_share(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    real_keys = set(row_keys(real))
    return float(np.mean([key in real_keys for key in row_keys(synthetic)]))


def old_distances(train: pd.DataFrame, others: list[pd.DataFrame], types: Mapping) -> list:
    encoder = DistanceEncoder(types).fit(train)
    index = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(encoder.transform(train))
    return [index.kneighbors(encoder.transform(frame))[0][:, 0] for frame in others]


@pytest.mark.parametrize(("real", "synthetic"), CASES)
def test_column_fidelity_equals_the_per_column_definition(
    real: pd.DataFrame, synthetic: pd.DataFrame
) -> None:
    assert KSComplement.compute(real, synthetic, TYPES) == pytest.approx(
        old_ks(real, synthetic), abs=1e-12
    )
    assert TVComplement.compute(real, synthetic, TYPES) == pytest.approx(
        old_tv(real, synthetic), abs=1e-12
    )


@pytest.mark.parametrize(("real", "synthetic"), CASES)
def test_pairwise_fidelity_equals_the_per_column_definition(
    real: pd.DataFrame, synthetic: pd.DataFrame
) -> None:
    numeric = [c for c in real.columns if TYPES[c] in CONTINUOUS]
    a, b = old_correlation(real, numeric), old_correlation(synthetic, numeric)
    upper = np.triu_indices(len(numeric), k=1)
    usable = np.isfinite(a[upper])
    gaps = np.abs(a[upper][usable] - np.nan_to_num(b[upper][usable], nan=0.0))
    expected = float(np.mean(1.0 - gaps / 2.0))
    found = CorrelationSimilarity.compute(real, synthetic, TYPES)
    assert found == pytest.approx(expected, abs=1e-12)
    for seed in (0, 3):
        assert ContingencySimilarity.compute(real, synthetic, TYPES, seed=seed) == pytest.approx(
            old_contingency(real, synthetic, seed), abs=1e-12
        )


def test_many_columns_sample_the_same_pairs() -> None:
    """Past MAX_PAIRS column pairs only the sampled ones are scored."""
    real, synthetic = mixed(30, 5), mixed(30, 6)
    wide = {f"{c}{k}": c for k in range(3) for c in real.columns}
    types = {name: TYPES[c] for name, c in wide.items()}
    real_wide = pd.concat({name: real[c] for name, c in wide.items()}, axis=1)
    synthetic_wide = pd.concat({name: synthetic[c] for name, c in wide.items()}, axis=1)
    expected = old_contingency(real_wide, synthetic_wide, 1, types)
    ks, tv = old_ks(real_wide, synthetic_wide, types), old_tv(real_wide, synthetic_wide, types)
    assert ContingencySimilarity.compute(real_wide, synthetic_wide, types, seed=1) == (
        pytest.approx(expected, abs=1e-12)
    )
    assert KSComplement.compute(real_wide, synthetic_wide, types) == pytest.approx(ks, abs=1e-12)
    assert TVComplement.compute(real_wide, synthetic_wide, types) == pytest.approx(tv, abs=1e-12)


@pytest.mark.parametrize(("real", "synthetic"), CASES)
def test_privacy_equals_the_per_column_definition(
    real: pd.DataFrame, synthetic: pd.DataFrame
) -> None:
    real, synthetic = finite(real), finite(synthetic)  # the input contract refuses infinities
    copies = pd.concat([synthetic, real.iloc[:5]], ignore_index=True)  # some exact copies
    assert ExactCopyShare.compute(real, copies, TYPES) == old_copy_share(real, copies)
    holdout = finite(mixed(22, 9))
    found = closest_record_distances(real, copies, holdout, TYPES)
    for got, expected in zip(found, old_distances(real, [copies, holdout], TYPES), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    assert DCRRatio.compute(real, copies, TYPES, holdout=holdout) >= 0
    assert 0 <= CloserThanHoldoutShare.compute(real, copies, TYPES, holdout=holdout) <= 1


def finite(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(f=frame["f"].replace(np.inf, 9.0), g=frame["g"].replace(np.inf, 9.0))


def test_copies_match_only_value_for_value() -> None:
    """Equal text is an equal value: -0.0 is not 0.0, 1 (int) is not 1.0 (float)."""
    types = {"x": "continuous", "c": "categorical"}
    real = pd.DataFrame({"x": [0.0, 1.0, np.nan], "c": ["a", "b", None]})
    synthetic = pd.DataFrame({"x": [-0.0, 1.0, np.nan, 1.0], "c": ["a", "b", None, None]})
    assert ExactCopyShare.compute(real, synthetic, types) == old_copy_share(real, synthetic)
    assert ExactCopyShare.compute(real, synthetic, types) == 0.5  # rows 1 and 2
    as_ints = pd.DataFrame({"x": pd.array([1, None], dtype="Int64"), "c": ["b", None]})
    expected = old_copy_share(real, as_ints)
    assert ExactCopyShare.compute(real, as_ints, types) == expected == 0.5  # 1 is not 1.0


@pytest.mark.parametrize("levels", [["a", "b", "c"], ["c", "b", "a"], ["c", "b", "a", "zz"]])
def test_copies_of_categorical_columns_match_by_value(levels: list[str]) -> None:
    """Typed categorical columns are ``category``: the same categories on both sides are
    compared by code, others (another order, more of them) by text; either way as the
    per-row texts say."""
    real, synthetic = finite(mixed(40, 5)), finite(mixed(30, 6))
    synthetic = pd.concat([synthetic, real.iloc[::4]], ignore_index=True)  # some exact copies
    real = real.assign(c=real["c"].astype(pd.CategoricalDtype(["a", "b", "c"])))
    synthetic = synthetic.assign(c=synthetic["c"].astype(pd.CategoricalDtype(levels)))
    expected = old_copy_share(real, synthetic)
    assert 0 < expected < 1
    assert ExactCopyShare.compute(real, synthetic, TYPES) == expected
