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
JSON (``to_dict`` / ``from_dict``): nothing is pickled. The per-column arithmetic (codes, modes,
quantile positions, decoding) is in ``gan.column_codec``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rebalance.core.errors import ModelFileError
from rebalance.gan.column_codec import (
    category_codes,
    category_values,
    decode_number,
    encode_in_modes,
    quantile_position,
)
from rebalance.gan.column_fit import fit_categorical, fit_continuous_columns
from rebalance.gan.columns import (
    NUMERIC_KINDS,
    CategoricalColumn,
    Column,
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
                    out[rows, spans[0].start + category_codes(column, col)] = 1.0
                continue
            values = to_float(column, col.kind)
            gaps = np.isnan(values)
            filled = np.where(gaps, col.low, values)
            if col.modes is not None:
                modes, scalar = encode_in_modes(filled, col.modes, rng)
                if spans[1].activation != "constant":
                    out[rows, spans[1].start + modes] = 1.0
            elif col.quantiles is not None:
                scalar = 2.0 * quantile_position(filled, np.asarray(col.quantiles)) - 1.0
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
                out[col.name] = category_values(span_codes[0], col, rng)
                continue
            scalar = np.clip(scalars[:, spans[0].start].astype(np.float64), -1.0, 1.0)
            low, high = col.low, col.high
            if bounds and col.name in bounds:
                low, high = max(low, bounds[col.name][0]), min(high, bounds[col.name][1])
            out[col.name] = decode_number(col, scalar, span_codes, low, high)
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
