"""Per-column arithmetic of the GAN's encoding: category codes and values, a number's mode and
offset, quantile positions, and decoding a number back to its column's dtype. All rows of a
column at once; ``gan.transformer`` places the results in the encoded row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import pandas_dtype

from rebalance.gan.columns import SCALE, CategoricalColumn, ContinuousColumn, GaussianModes


def category_codes(column: pd.Series, col: CategoricalColumn) -> np.ndarray:
    codes = pd.Categorical(column.astype(object), categories=col.levels).codes.astype(np.int64)
    absent = column.isna().to_numpy()
    unseen = (codes < 0) & ~absent  # a grouped rare level, or one never seen in fit
    codes[unseen] = 0 if col.other_code is None else col.other_code
    codes[absent] = col.missing_code if col.missing else 0
    return codes


def category_values(codes: np.ndarray, col: CategoricalColumn, rng: np.random.Generator) -> Any:
    """Category codes to values: the levels, then (if any) ``other``, then ``missing``."""
    missing_code = col.missing_code
    # a new array, so the edits below leave the caller's codes alone
    codes = np.minimum(codes, missing_code if col.missing else missing_code - 1)
    missing = codes == missing_code
    categories = list(col.levels)
    if col.rare is not None:
        # ``other`` is drawn back as one of the grouped levels, by their real frequencies
        other = codes == col.other_code
        codes[other] = len(col.levels) + rng.choice(
            len(col.rare.levels), size=int(other.sum()), p=col.rare.weights
        )
        categories += col.rare.levels
    codes[missing] = -1
    dtype = pandas_dtype(col.dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        # codes straight in: no Python object per row, and every batch has the same categories
        # (the learned levels), so joining batches keeps the column a category
        return pd.Categorical.from_codes(codes, categories=pd.Index(categories))
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and categories:
        # one C++ take instead of building a Python object per row
        taken = pa.array(categories, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
        return pd.array(taken, dtype=dtype)
    values = np.asarray([*categories, None], dtype=object)[codes]  # code -1: the None
    series = pd.Series(values, dtype=object)
    if col.kind == "boolean":
        return series.astype("boolean")
    return series.where(series.notna(), np.nan).astype(dtype)


def decode_number(
    col: ContinuousColumn,
    scalar: np.ndarray,
    codes: Sequence[np.ndarray],
    low: float,
    high: float,
) -> Any:
    """One numeric column from its scalar in [-1, 1] and the codes of its one-hot spans (the
    mode, if any, then the missing indicator, if any), clipped to [low, high]."""
    if col.modes is not None:
        modes = codes[0]
        means, stds = np.asarray(col.modes.means), np.asarray(col.modes.stds)
        values = scalar * SCALE * stds[modes] + means[modes]
    elif col.quantiles is not None:
        values = on_quantile_grid((scalar + 1.0) / 2.0, np.asarray(col.quantiles))
    else:
        values = np.full(len(scalar), col.low)
    values = np.clip(values, low, high)
    if col.kind == "datetime" and col.step is not None:
        values = np.round(values / col.step) * col.step
    elif col.kind == "integer":
        values = np.round(values)
    if col.missing:
        values[codes[-1] == 1] = np.nan
    return from_float(values, col)


def encode_in_modes(
    values: np.ndarray, modes: GaussianModes, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's mode, drawn from its posterior, and its scaled offset in that mode; all rows
    at once. A draw whose offset would be clipped is moved to the mode that represents the value
    best, so decoding reproduces it."""
    means, stds, weights = (np.asarray(v) for v in (modes.means, modes.stds, modes.weights))
    # (n_rows, n_modes) scaled offsets and log posterior (up to a per-row constant)
    offsets = (values[:, None] - means) / (SCALE * stds)
    log_post = np.log(weights) - np.log(stds) - 8.0 * offsets**2
    log_post -= log_post.max(axis=1, keepdims=True)
    cumulative = np.cumsum(np.exp(log_post), axis=1)
    draws = rng.random(len(values)) * cumulative[:, -1]
    chosen = np.minimum((cumulative < draws[:, None]).sum(axis=1), len(means) - 1)
    rows = np.arange(len(values))
    clipped = np.abs(offsets[rows, chosen]) > 0.99
    chosen[clipped] = np.abs(offsets[clipped]).argmin(axis=1)
    return chosen, offsets[rows, chosen]


def quantile_position(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Position in [0, 1] of each value on the quantile grid. A value equal to a run of equal
    quantiles (a spike such as zero-inflation) maps to the middle of its run, so decoding by
    interpolating the grid returns it exactly."""
    last = len(quantiles) - 1
    left = np.searchsorted(quantiles, values, side="left")
    right = np.searchsorted(quantiles, values, side="right")
    on_grid = right > left
    below = np.clip(left - 1, 0, last)
    above = np.clip(left, 0, last)
    gap = quantiles[above] - quantiles[below]
    between = below + np.divide(
        values - quantiles[below], gap, out=np.zeros_like(values), where=gap > 0
    )
    position = np.where(on_grid, (left + right - 1) / 2.0, between)
    return np.clip(position / last, 0.0, 1.0)


def on_quantile_grid(position: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``quantiles`` (values at evenly spaced points of [0, 1]) at
    ``position`` in [0, 1]; the even grid makes it an index computation, not a search."""
    scaled = position * (len(quantiles) - 1)
    below = np.minimum(scaled.astype(np.int64), len(quantiles) - 2)
    return quantiles[below] + (scaled - below) * (quantiles[below + 1] - quantiles[below])


def from_float(values: np.ndarray, col: ContinuousColumn) -> Any:
    if col.kind == "datetime":
        return pd.to_datetime(values, unit="ns").astype(col.dtype)
    if col.kind == "integer":
        if col.dtype.startswith(("int", "uint")) and not np.isnan(values).any():
            return values.astype(col.dtype)
        as_int: Any = pd.array(values, dtype="Float64").astype("Int64")
        return as_int if col.dtype == "Int64" else as_int.astype(col.dtype)
    return values.astype(col.dtype) if col.dtype.startswith("float") else values
