"""Reversible, vectorized encoding of a mixed-type table into the GAN's training matrix.

Per feature column (the target is not encoded: it is the generator's condition):

- continuous / integer / datetime, ``gmm`` mode: a Bayesian Gaussian mixture (up to
  ``max_modes`` components) fitted once on a bounded subsample; each value becomes
  ``[scalar in (-1, 1) within its mode] + [mode one-hot]``. The mode of every row is drawn from
  its posterior in one vectorized pass (no per-row loop, no refit on all rows).
- ``quantile`` mode: one scalar, the value's empirical quantile mapped to (-1, 1).
- a column with missing values adds a 2-way ``[present, missing]`` one-hot, so gaps are
  generated at the real rate instead of refused.
- categorical / boolean: one-hot of the levels, plus a ``missing`` level when needed; beyond
  ``max_categories`` levels the rare ones share an ``other`` level and are drawn back by their
  real frequencies; an identifier-like column is refused.

Decoding clips numbers to the observed range, rounds integers and restores datetimes and
dtypes. The fitted state is one frozen record per column (``gan.columns``), stored as plain
JSON (``to_dict`` / ``from_dict``): nothing is pickled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import pandas_dtype

from rebalance.core.errors import ModelFileError
from rebalance.gan.column_fit import fit_categorical, fit_continuous_columns
from rebalance.gan.columns import (
    NUMERIC_KINDS,
    SCALE,
    CategoricalColumn,
    Column,
    ContinuousColumn,
    GaussianModes,
    column_from_dict,
    to_float,
)
from rebalance.gan.config import GanConfig

LAYOUT = 2  # 1: one-wide one-hot blocks were encoded (a constant 1); 2: they are left out


@dataclass(frozen=True)
class Span:
    """A block of the encoded row: ``tanh`` (one scalar) or ``softmax`` (a one-hot); or a
    ``constant`` block (a one-hot of width 1: a single mode or level), left out of the row
    (start -1, width 0) and decoded as code 0."""

    start: int
    width: int
    activation: str


CONSTANT = Span(-1, 0, "constant")


class TabularTransformer:
    """Fitted attributes: ``columns_`` (one record per column, in frame order),
    ``column_spans_`` (each column's blocks in the encoded row, in the column's own order),
    ``spans_`` (all blocks, in row order), ``width_`` and ``n_scalars_``."""

    def __init__(self, config: GanConfig | None = None) -> None:
        self.config = config or GanConfig()

    # ---- fitting ---------------------------------------------------------------------------

    def fit(
        self, frame: pd.DataFrame, types: Mapping[str, str], seed: int = 0
    ) -> TabularTransformer:
        rng = np.random.default_rng(seed)
        numeric = [name for name in frame.columns if types[name] in NUMERIC_KINDS]
        fitted: dict[str, Column] = {  # first: an identifier column fails before any mixture
            name: fit_categorical(name, types[name], frame[name], self.config)
            for name in frame.columns
            if name not in numeric
        }
        items = [(name, types[name], frame[name]) for name in numeric]
        fitted.update(zip(numeric, fit_continuous_columns(items, self.config, rng), strict=True))
        self._place(tuple(fitted[name] for name in frame.columns))
        return self

    def _place(self, columns: tuple[Column, ...], layout: int = LAYOUT) -> None:
        """Place every block of every column in the encoded row: all tanh scalars first, then
        the one-hot blocks grouped by width, so the generator's output activations work on
        contiguous slices (views) instead of gathers and scatters. A one-wide block is always
        1: it is left out (a wide table of single-mode columns would otherwise carry hundreds
        of constant inputs through both networks)."""
        blocks = []
        placed: list[dict[int, Span]] = [{} for _ in columns]
        for index, col in enumerate(columns):
            for position, (activation, width) in enumerate(col.widths()):
                if activation == "softmax" and width == 1 and layout >= 2:
                    placed[index][position] = CONSTANT
                    continue
                blocks.append((activation != "tanh", width, index, position, activation))
        if not blocks and layout >= 2:
            return self._place(columns, 1)  # nothing but constants: keep them, a row needs width
        blocks.sort(key=lambda block: (block[0], block[1]))  # stable: column order within a group
        spans: list[Span] = []
        start = 0
        for _, width, index, position, activation in blocks:
            span = Span(start, width, activation)
            placed[index][position] = span
            spans.append(span)
            start += width
        self.columns_ = columns
        self.layout_ = layout
        self.column_spans_ = tuple(tuple(p[i] for i in range(len(p))) for p in placed)
        self.spans_ = spans
        self.width_ = start
        self.n_scalars_ = sum(span.activation == "tanh" for span in spans)

    # ---- encoding --------------------------------------------------------------------------

    def transform(self, frame: pd.DataFrame, seed: int = 0) -> np.ndarray:
        """(n_rows, width_) float32 matrix."""
        rng = np.random.default_rng(seed)
        out = np.zeros((len(frame), self.width_), dtype=np.float32)
        rows = np.arange(len(frame))
        for col, spans in zip(self.columns_, self.column_spans_, strict=True):
            column = frame[col.name]
            if isinstance(col, CategoricalColumn):
                if spans[0].activation != "constant":
                    out[rows, spans[0].start + _codes(column, col)] = 1.0
                continue
            values = to_float(column, col.kind)
            gaps = np.isnan(values)
            filled = np.where(gaps, col.low, values)
            if col.modes is not None:
                modes, scalar = _encode_in_modes(filled, col.modes, rng)
                if spans[1].activation != "constant":
                    out[rows, spans[1].start + modes] = 1.0
            elif col.quantiles is not None:
                scalar = 2.0 * _quantile_position(filled, np.asarray(col.quantiles)) - 1.0
            else:
                scalar = np.zeros(len(filled))
            bound = 0.99 if col.modes is not None else 1.0  # tanh targets
            out[:, spans[0].start] = np.clip(np.where(gaps, 0.0, scalar), -bound, bound)
            if col.missing:
                out[rows, spans[-1].start + gaps.astype(int)] = 1.0
        return out

    # ---- decoding --------------------------------------------------------------------------

    def inverse_transform(self, matrix: np.ndarray, seed: int = 0) -> pd.DataFrame:
        """Decode an encoded or activated matrix (n_rows, width_): scalars in (-1, 1), one-hots
        or probabilities (decoded by argmax)."""
        codes = np.stack(
            [matrix[:, s.start : s.start + s.width].argmax(axis=1) for s in self._softmax_spans()],
            axis=1,
        ).reshape(len(matrix), -1)
        return self.decode(matrix[:, : self.n_scalars_], codes, seed=seed)

    def decode(
        self,
        scalars: np.ndarray,
        codes: np.ndarray,
        seed: int = 0,
        bounds: Mapping[str, tuple[float, float]] | None = None,
    ) -> pd.DataFrame:
        """Rows from generator draws (``SpanActivation.draw``): scalars (n, n_scalars_) in
        (-1, 1) and one category code per one-hot span (n, n_spans). ``bounds`` narrows numeric
        columns inside their fitted range (a class's own range)."""
        rng = np.random.default_rng(seed)
        code_at = {span.start: j for j, span in enumerate(self._softmax_spans())}
        only = np.zeros(len(scalars), dtype=np.int64)  # the code of a constant block
        out: dict[str, Any] = {}
        for col, spans in zip(self.columns_, self.column_spans_, strict=True):
            span_codes = [
                only if s.activation == "constant" else codes[:, code_at[s.start]]
                for s in spans
                if s.activation != "tanh"
            ]
            if isinstance(col, CategoricalColumn):
                out[col.name] = _levels(span_codes[0], col, rng)
                continue
            scalar = np.clip(scalars[:, spans[0].start].astype(np.float64), -1.0, 1.0)
            low, high = col.low, col.high
            if bounds and col.name in bounds:
                low, high = max(low, bounds[col.name][0]), min(high, bounds[col.name][1])
            out[col.name] = _decode_number(col, scalar, span_codes, low, high)
        return pd.DataFrame(out)

    def _softmax_spans(self) -> list[Span]:
        return self.spans_[self.n_scalars_ :]

    # ---- persistence -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: each column's record, with where its blocks sit in the encoded row
        (``spans``: [start, width] pairs; recomputed on load, and checked against it)."""
        columns = [
            {**col.to_dict(), "spans": [[span.start, span.width] for span in spans]}
            for col, spans in zip(self.columns_, self.column_spans_, strict=True)
        ]
        return {"config": self.config.to_dict(), "layout": self.layout_, "columns": columns}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> TabularTransformer:
        try:
            config = GanConfig.from_params(state["config"])
            columns = tuple(column_from_dict(column) for column in state["columns"])
            layout = int(state.get("layout", 1))  # no key: saved before layout 2
            if layout not in (1, LAYOUT):
                raise ValueError(f"layout {layout}, expected 1 or {LAYOUT}")
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(
                f"expected a transformer state, found a malformed one ({exc})"
            ) from None
        transformer = cls(config)
        transformer._place(columns, layout)
        for column, spans in zip(state["columns"], transformer.column_spans_, strict=True):
            expected = [[span.start, span.width] for span in spans]
            if "spans" in column and column["spans"] != expected:
                raise ModelFileError(
                    f"column {column['name']!r}: expected spans {expected} (its layout in the "
                    f"encoded row), found {column['spans']}"
                )
        return transformer


def _codes(column: pd.Series, col: CategoricalColumn) -> np.ndarray:
    codes = pd.Categorical(column.astype(object), categories=col.levels).codes.astype(np.int64)
    absent = column.isna().to_numpy()
    unseen = (codes < 0) & ~absent  # a grouped rare level, or one never seen in fit
    codes[unseen] = 0 if col.other_code is None else col.other_code
    codes[absent] = col.missing_code if col.missing else 0
    return codes


def _levels(codes: np.ndarray, col: CategoricalColumn, rng: np.random.Generator) -> Any:
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
        return pd.Categorical.from_codes(codes, categories=categories)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and categories:
        # one C++ take instead of building a Python object per row
        taken = pa.array(categories, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
        return pd.array(taken, dtype=dtype)
    values = np.asarray([*categories, None], dtype=object)[codes]  # code -1: the None
    series = pd.Series(values, dtype=object)
    if col.kind == "boolean":
        return series.astype("boolean")
    return series.where(series.notna(), np.nan).astype(dtype)


def _decode_number(
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
        values = _on_quantile_grid((scalar + 1.0) / 2.0, np.asarray(col.quantiles))
    else:
        values = np.full(len(scalar), col.low)
    values = np.clip(values, low, high)
    if col.kind == "datetime" and col.step is not None:
        values = np.round(values / col.step) * col.step
    elif col.kind == "integer":
        values = np.round(values)
    if col.missing:
        values[codes[-1] == 1] = np.nan
    return _from_float(values, col)


def _encode_in_modes(
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


def _quantile_position(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
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


def _on_quantile_grid(position: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``quantiles`` (values at evenly spaced points of [0, 1]) at
    ``position`` in [0, 1]; the even grid makes it an index computation, not a search."""
    scaled = position * (len(quantiles) - 1)
    below = np.minimum(scaled.astype(np.int64), len(quantiles) - 2)
    return quantiles[below] + (scaled - below) * (quantiles[below + 1] - quantiles[below])


def _from_float(values: np.ndarray, col: ContinuousColumn) -> Any:
    if col.kind == "datetime":
        return pd.to_datetime(values, unit="ns").astype(col.dtype)
    if col.kind == "integer":
        if col.dtype.startswith(("int", "uint")) and not np.isnan(values).any():
            return values.astype(col.dtype)
        as_int: Any = pd.array(values, dtype="Float64").astype("Int64")
        return as_int if col.dtype == "Int64" else as_int.astype(col.dtype)
    return values.astype(col.dtype) if col.dtype.startswith("float") else values
