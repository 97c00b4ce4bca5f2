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
dtypes. The fitted state is plain JSON (``to_dict`` / ``from_dict``): nothing is pickled.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import pandas_dtype
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

from gan.config import GanConfig
from gan.errors import ColumnTooWideError, ModelFileError

NUMERIC_KINDS = ("continuous", "integer", "datetime")
MODE_WEIGHT_FLOOR = 0.005  # mixture components lighter than this are dropped
QUANTILE_POINTS = 1001
UNREPRESENTED_SHARE = 0.001  # above this share of out-of-mode values, use quantiles instead
SCALE = 4.0  # a value's offset within its mode is measured in units of 4 standard deviations


@dataclass(frozen=True)
class Span:
    """A block of the encoded row: ``tanh`` (one scalar) or ``softmax`` (a one-hot)."""

    start: int
    width: int
    activation: str


class TabularTransformer:
    def __init__(self, config: GanConfig | None = None) -> None:
        self.config = config or GanConfig()

    # ---- fitting ---------------------------------------------------------------------------

    def fit(
        self, frame: pd.DataFrame, types: Mapping[str, str], seed: int = 0
    ) -> TabularTransformer:
        rng = np.random.default_rng(seed)
        self.columns_: list[dict[str, Any]] = []
        for name in frame.columns:
            kind = types[name]
            if kind in NUMERIC_KINDS:
                self.columns_.append(self._fit_numeric(name, kind, frame[name], rng))
            else:
                self.columns_.append(self._fit_categorical(name, kind, frame[name]))
        self._layout()
        return self

    def _fit_numeric(
        self, name: str, kind: str, column: pd.Series, rng: np.random.Generator
    ) -> dict[str, Any]:
        values = _to_float(column, kind)
        present = values[~np.isnan(values)]
        state: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "missing": bool(len(present) < len(values)),
            "low": float(present.min()) if len(present) else 0.0,
            "high": float(present.max()) if len(present) else 0.0,
            "dtype": str(column.dtype),
        }
        if kind == "datetime":
            state["step"] = _time_step(present)
        if len(present) == 0:
            state.update(mode="constant")
            return state
        if self.config.continuous_mode == "quantile" or np.unique(present[:1000]).size == 1:
            grid = np.linspace(0.0, 1.0, QUANTILE_POINTS)
            state.update(mode="quantile", quantiles=np.quantile(present, grid).tolist())
            return state
        sample = present
        if len(present) > self.config.gmm_fit_rows:
            sample = rng.choice(present, size=self.config.gmm_fit_rows, replace=False)
        mixture = BayesianGaussianMixture(
            n_components=min(self.config.max_modes, len(np.unique(sample))),
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001,
            max_iter=100,
            n_init=1,
            random_state=int(rng.integers(2**31 - 1)),
        )
        with warnings.catch_warnings():
            # max_iter is kept low on purpose (as in CTGAN); an unconverged fit is still usable.
            warnings.simplefilter("ignore", ConvergenceWarning)
            mixture.fit(sample.reshape(-1, 1))
        keep = mixture.weights_ > MODE_WEIGHT_FLOOR
        if not keep.any():
            keep[np.argmax(mixture.weights_)] = True
        weights = mixture.weights_[keep]
        means = mixture.means_.ravel()[keep]
        stds = np.sqrt(mixture.covariances_.ravel()[keep]).clip(1e-6)
        # Values no mode can represent (a spike the subsample missed, e.g. a capped maximum)
        # would be clipped on decode: such a column is better served by quantiles.
        unrepresented = np.abs((present[:, None] - means) / (SCALE * stds)).min(axis=1) > 0.99
        if unrepresented.mean() > UNREPRESENTED_SHARE:
            grid = np.linspace(0.0, 1.0, QUANTILE_POINTS)
            state.update(mode="quantile", quantiles=np.quantile(present, grid).tolist())
            return state
        state.update(
            mode="gmm",
            means=means.tolist(),
            stds=stds.tolist(),
            weights=(weights / weights.sum()).tolist(),
        )
        return state

    def _fit_categorical(self, name: str, kind: str, column: pd.Series) -> dict[str, Any]:
        counts = column.value_counts(dropna=True)
        state: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "missing": bool(column.isna().any()),
            "dtype": str(column.dtype),
            "rare": [],
            "rare_weights": [],
        }
        limit = self.config.max_categories
        if len(counts) > limit:
            covered = counts.iloc[: limit - 1].sum() / max(counts.sum(), 1)
            if covered < 0.5:
                raise ColumnTooWideError(
                    f"column {name!r}: expected at most {limit} categories (or frequent ones "
                    f"covering half the rows), found {len(counts)} distinct values in "
                    f"{len(column)} rows; drop it (an identifier?) or raise max_categories"
                )
            rare = counts.iloc[limit - 1 :]
            state["rare"] = [_plain(v) for v in rare.index]
            state["rare_weights"] = (rare / rare.sum()).tolist()
            counts = counts.iloc[: limit - 1]
        state["levels"] = [_plain(v) for v in counts.index]
        return state

    def _layout(self) -> None:
        """Place every block of every column in the encoded row: all tanh scalars first, then
        the one-hot blocks grouped by width, so the generator's output activations work on
        contiguous slices (views) instead of gathers and scatters."""
        blocks = []
        for col in self.columns_:
            col["spans"] = [[0, 0] for _ in _widths(col)]
            for position, (activation, width) in enumerate(_widths(col)):
                blocks.append((activation != "tanh", width, col, position, activation))
        blocks.sort(key=lambda block: (block[0], block[1]))  # stable: column order within a group
        spans: list[Span] = []
        start = 0
        for _, width, col, position, activation in blocks:
            col["spans"][position] = [start, width]
            spans.append(Span(start, width, activation))
            start += width
        self.spans_ = spans
        self.width_ = start
        self.n_scalars_ = sum(span.activation == "tanh" for span in spans)

    # ---- encoding --------------------------------------------------------------------------

    def transform(self, frame: pd.DataFrame, seed: int = 0) -> np.ndarray:
        """(n_rows, width_) float32 matrix."""
        rng = np.random.default_rng(seed)
        out = np.zeros((len(frame), self.width_), dtype=np.float32)
        rows = np.arange(len(frame))
        for col in self.columns_:
            column = frame[col["name"]]
            blocks = col["spans"]
            if col["kind"] in NUMERIC_KINDS:
                values = _to_float(column, col["kind"])
                gaps = np.isnan(values)
                filled = np.where(gaps, col["low"], values)
                scalar_at = blocks[0][0]
                if col["mode"] == "gmm":
                    modes, scalar = _encode_in_modes(filled, col, rng)
                    out[rows, blocks[1][0] + modes] = 1.0
                elif col["mode"] == "quantile":
                    scalar = 2.0 * _quantile_position(filled, np.asarray(col["quantiles"])) - 1.0
                else:
                    scalar = np.zeros(len(filled))
                bound = 0.99 if col["mode"] == "gmm" else 1.0  # tanh targets
                out[:, scalar_at] = np.clip(np.where(gaps, 0.0, scalar), -bound, bound)
                if col["missing"]:
                    out[rows, blocks[-1][0] + gaps.astype(int)] = 1.0
            else:
                out[rows, blocks[0][0] + self._codes(column, col)] = 1.0
        return out

    def _codes(self, column: pd.Series, col: dict[str, Any]) -> np.ndarray:
        levels = col["levels"]
        codes = pd.Categorical(column.astype(object), categories=levels).codes.astype(np.int64)
        absent = column.isna().to_numpy()
        unseen = (codes < 0) & ~absent  # a grouped rare level, or one never seen in fit
        codes[unseen] = len(levels) if col["rare"] else 0
        codes[absent] = len(levels) + bool(col["rare"]) if col["missing"] else 0
        return codes

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
        out: dict[str, Any] = {}
        for col in self.columns_:
            blocks = col["spans"]
            if col["kind"] not in NUMERIC_KINDS:
                out[col["name"]] = self._levels(codes[:, code_at[blocks[0][0]]], col, rng)
                continue
            scalar = np.clip(scalars[:, blocks[0][0]].astype(np.float64), -1.0, 1.0)
            if col["mode"] == "gmm":
                modes = codes[:, code_at[blocks[1][0]]]
                means, stds = np.asarray(col["means"]), np.asarray(col["stds"])
                values = scalar * SCALE * stds[modes] + means[modes]
            elif col["mode"] == "quantile":
                values = _on_quantile_grid((scalar + 1.0) / 2.0, np.asarray(col["quantiles"]))
            else:
                values = np.full(len(scalar), col["low"])
            low, high = col["low"], col["high"]
            if bounds and col["name"] in bounds:
                low, high = max(low, bounds[col["name"]][0]), min(high, bounds[col["name"]][1])
            values = np.clip(values, low, high)
            if col["kind"] == "datetime":
                values = np.round(values / col["step"]) * col["step"]
            elif col["kind"] == "integer":
                values = np.round(values)
            if col["missing"]:
                values[codes[:, code_at[blocks[-1][0]]] == 1] = np.nan
            out[col["name"]] = _from_float(values, col)
        return pd.DataFrame(out)

    def _softmax_spans(self) -> list[Span]:
        return self.spans_[self.n_scalars_ :]

    def _levels(self, codes: np.ndarray, col: dict[str, Any], rng: np.random.Generator) -> Any:
        """Category codes to values: the levels, then (if any) ``other``, then ``missing``."""
        n_levels = len(col["levels"])
        missing_code = n_levels + (1 if col["rare"] else 0)
        # a new array, so the edits below leave the caller's codes alone
        codes = np.minimum(codes, missing_code if col["missing"] else missing_code - 1)
        missing = codes == missing_code
        categories = list(col["levels"])
        if col["rare"]:
            # ``other`` is drawn back as one of the grouped levels, by their real frequencies
            other = codes == n_levels
            codes[other] = n_levels + rng.choice(
                len(col["rare"]), size=int(other.sum()), p=col["rare_weights"]
            )
            categories += col["rare"]
        codes[missing] = -1
        dtype = pandas_dtype(col["dtype"])
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and categories:
            # one C++ take instead of building a Python object per row
            taken = pa.array(categories, type=pa.large_string()).take(
                pa.array(codes, mask=codes < 0)
            )
            return pd.array(taken, dtype=dtype)
        values = np.asarray([*categories, None], dtype=object)[codes]  # code -1: the None
        series = pd.Series(values, dtype=object)
        if col["kind"] == "boolean":
            return series.astype("boolean")
        return series.where(series.notna(), np.nan).astype(dtype)

    # ---- persistence -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config.to_dict(), "columns": self.columns_}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> TabularTransformer:
        try:
            config = GanConfig.from_params(state["config"])
            transformer = cls(config)
            transformer.columns_ = list(state["columns"])
        except (KeyError, TypeError) as exc:
            raise ModelFileError(
                f"expected a transformer state, found a malformed one ({exc})"
            ) from None
        transformer._layout()
        return transformer


def _widths(col: dict[str, Any]) -> list[tuple[str, int]]:
    if col["kind"] in NUMERIC_KINDS:
        widths = [("tanh", 1)]
        if col["mode"] == "gmm":
            widths.append(("softmax", len(col["means"])))
        if col["missing"]:
            widths.append(("softmax", 2))
        return widths
    n = len(col["levels"]) + (1 if col["rare"] else 0) + (1 if col["missing"] else 0)
    return [("softmax", max(n, 1))]


def _encode_in_modes(
    values: np.ndarray, col: dict[str, Any], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's mode, drawn from its posterior, and its scaled offset in that mode; all rows
    at once. A draw whose offset would be clipped is moved to the mode that represents the value
    best, so decoding reproduces it."""
    means, stds, weights = (np.asarray(col[k]) for k in ("means", "stds", "weights"))
    # (n_rows, n_modes) scaled offsets and log posterior (up to a per-row constant)
    offsets = (values[:, None] - means) / (SCALE * stds)
    log_post = np.log(weights) - np.log(stds) - 8.0 * offsets**2
    log_post -= log_post.max(axis=1, keepdims=True)
    cumulative = np.cumsum(np.exp(log_post), axis=1)
    draws = rng.random(len(values)) * cumulative[:, -1]
    modes = np.minimum((cumulative < draws[:, None]).sum(axis=1), len(means) - 1)
    rows = np.arange(len(values))
    clipped = np.abs(offsets[rows, modes]) > 0.99
    modes[clipped] = np.abs(offsets[clipped]).argmin(axis=1)
    return modes, offsets[rows, modes]


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


def _time_step(nanoseconds: np.ndarray) -> float:
    """The coarsest of day/hour/minute/second that every timestamp is a multiple of."""
    for step in (86_400e9, 3_600e9, 60e9, 1e9):
        if np.all(np.mod(nanoseconds, step) == 0):
            return step
    return 1.0


def _to_float(column: pd.Series, kind: str) -> np.ndarray:
    if kind == "datetime":
        ns = pd.to_datetime(column).astype("datetime64[ns]")
        values = ns.to_numpy().astype("int64").astype(np.float64)
        return np.where(ns.isna().to_numpy(), np.nan, values)
    return (
        pd.to_numeric(column, errors="coerce")
        .astype("Float64")
        .to_numpy(np.float64, na_value=np.nan)
    )


def _from_float(values: np.ndarray, col: dict[str, Any]) -> Any:
    if col["kind"] == "datetime":
        return pd.to_datetime(values, unit="ns").astype(col["dtype"])
    if col["kind"] == "integer":
        if col["dtype"].startswith(("int", "uint")) and not np.isnan(values).any():
            return values.astype(col["dtype"])
        as_int = pd.array(values, dtype="Float64").astype("Int64")
        return as_int if col["dtype"] == "Int64" else as_int.astype(col["dtype"])
    return values.astype(col["dtype"]) if col["dtype"].startswith("float") else values


def _plain(value: Any) -> Any:
    """A JSON-safe level (numpy scalars to Python)."""
    return value.item() if hasattr(value, "item") else value
