"""The fitted state of one encoded column, as frozen records (in the style of CTGAN's
``ColumnTransformInfo``), and how each is fitted.

- ``ContinuousColumn``: a continuous, integer or datetime column; its values are encoded in
  the valid modes of a Bayesian Gaussian mixture (``GaussianModes``), on a grid of quantile
  knots, or (no value present) as a constant.
- ``CategoricalColumn``: a categorical or boolean column; its levels, and the rare levels
  grouped into one ``other`` code (``RareLevels``).

Either may carry a missing indicator (``missing``): a ``[present, missing]`` one-hot for a
number, an extra ``missing`` level for a category. Records are what the transformer keeps in
memory; ``to_dict`` / ``from_dict`` give the plain JSON dicts stored in ``model.json``;
``gan.column_fit`` fits them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

NUMERIC_KINDS = ("continuous", "integer", "datetime")
SCALE = 4.0  # a value's offset within its mode is measured in units of 4 standard deviations


def float_tuple(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class GaussianModes:
    """The valid modes of a column's mixture: those weighing more than ``MODE_WEIGHT_FLOOR``,
    with their weights renormalized to sum to 1."""

    means: tuple[float, ...]
    stds: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.means or not len(self.means) == len(self.stds) == len(self.weights):
            raise ValueError(
                f"expected as many means, stds and weights (at least one), found "
                f"{len(self.means)}, {len(self.stds)} and {len(self.weights)}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"means": list(self.means), "stds": list(self.stds), "weights": list(self.weights)}

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> GaussianModes:
        return cls(
            float_tuple(state["means"]), float_tuple(state["stds"]), float_tuple(state["weights"])
        )


@dataclass(frozen=True)
class ContinuousColumn:
    """A continuous, integer or datetime column. Encoded as one tanh scalar, then a one-hot of
    the mode (``modes`` set), then ``[present, missing]`` (``missing``). With ``quantiles``
    (knots at evenly spaced probabilities) the scalar is the value's quantile; with neither the
    column is a constant. ``low`` / ``high``: the observed range; ``step``: the datetime grain
    in nanoseconds."""

    name: str
    kind: str
    dtype: str
    missing: bool
    low: float
    high: float
    modes: GaussianModes | None = None
    quantiles: tuple[float, ...] | None = None
    step: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in NUMERIC_KINDS:
            raise ValueError(f"expected a kind in {NUMERIC_KINDS}, found {self.kind!r}")
        if self.modes is not None and self.quantiles is not None:
            raise ValueError(f"column {self.name!r}: expected modes or quantiles, found both")
        if self.quantiles is not None and len(self.quantiles) < 2:
            raise ValueError(f"column {self.name!r}: expected 2 or more quantile knots")
        if self.kind == "datetime" and self.step is None:
            raise ValueError(f"datetime column {self.name!r}: expected a step, found none")

    @property
    def mode(self) -> str:
        if self.modes is not None:
            return "gmm"
        return "constant" if self.quantiles is None else "quantile"

    def widths(self) -> list[tuple[str, int]]:
        """(activation, width) of each block, in the column's own order."""
        widths = [("tanh", 1)]
        if self.modes is not None:
            widths.append(("softmax", len(self.modes.means)))
        if self.missing:
            widths.append(("softmax", 2))
        return widths

    def to_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "missing": self.missing,
            "low": self.low,
            "high": self.high,
            "dtype": self.dtype,
        }
        if self.step is not None:
            state["step"] = self.step
        state["mode"] = self.mode
        if self.quantiles is not None:
            state["quantiles"] = list(self.quantiles)
        if self.modes is not None:
            state.update(self.modes.to_dict())
        return state

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> ContinuousColumn:
        mode = state["mode"]
        if mode not in ("gmm", "quantile", "constant"):
            raise ValueError(f"expected mode gmm, quantile or constant, found {mode!r}")
        return cls(
            name=str(state["name"]),
            kind=state["kind"],
            dtype=str(state["dtype"]),
            missing=bool(state["missing"]),
            low=float(state["low"]),
            high=float(state["high"]),
            modes=GaussianModes.from_dict(state) if mode == "gmm" else None,
            quantiles=float_tuple(state["quantiles"]) if mode == "quantile" else None,
            step=float(state["step"]) if "step" in state else None,
        )


@dataclass(frozen=True)
class RareLevels:
    """Levels beyond ``max_categories``, encoded as one ``other`` code and drawn back by their
    real frequencies (``weights``, summing to 1)."""

    levels: tuple[Any, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.levels or len(self.levels) != len(self.weights):
            raise ValueError(
                f"expected one weight per rare level (at least one), found {len(self.levels)} "
                f"levels and {len(self.weights)} weights"
            )


@dataclass(frozen=True)
class CategoricalColumn:
    """A categorical or boolean column, one-hot encoded: ``levels``, then ``other`` (``rare``
    set), then ``missing`` (``missing``)."""

    name: str
    kind: str
    dtype: str
    missing: bool
    levels: tuple[Any, ...]
    rare: RareLevels | None = None

    def __post_init__(self) -> None:
        if self.kind in NUMERIC_KINDS:
            raise ValueError(f"expected a categorical kind, found {self.kind!r}")

    @property
    def other_code(self) -> int | None:
        """The code of ``other`` (the grouped rare levels), if any."""
        return len(self.levels) if self.rare is not None else None

    @property
    def missing_code(self) -> int:
        """The code of ``missing``; with no missing level, one past the last code."""
        return len(self.levels) + (self.rare is not None)

    def widths(self) -> list[tuple[str, int]]:
        return [("softmax", max(self.missing_code + self.missing, 1))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "missing": self.missing,
            "dtype": self.dtype,
            "rare": list(self.rare.levels) if self.rare else [],
            "rare_weights": list(self.rare.weights) if self.rare else [],
            "levels": list(self.levels),
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> CategoricalColumn:
        rare = None
        if state["rare"]:
            rare = RareLevels(tuple(state["rare"]), float_tuple(state["rare_weights"]))
        return cls(
            name=str(state["name"]),
            kind=state["kind"],
            dtype=str(state["dtype"]),
            missing=bool(state["missing"]),
            levels=tuple(state["levels"]),
            rare=rare,
        )


Column = ContinuousColumn | CategoricalColumn


def column_from_dict(state: Mapping[str, Any]) -> Column:
    """The record for one column's JSON state; raises KeyError, TypeError or ValueError when the
    state is malformed."""
    if state["kind"] in NUMERIC_KINDS:
        return ContinuousColumn.from_dict(state)
    return CategoricalColumn.from_dict(state)


def to_float(column: pd.Series, kind: str) -> np.ndarray:
    """A numeric column as float64 with NaN gaps; datetimes as nanoseconds since the epoch."""
    if kind == "datetime":
        ns = pd.to_datetime(column).astype("datetime64[ns]")
        values = ns.to_numpy().astype("int64").astype(np.float64)
        return np.where(ns.isna().to_numpy(), np.nan, values)
    return (
        pd.to_numeric(column, errors="coerce")
        .astype("Float64")
        .to_numpy(np.float64, na_value=np.nan)
    )


def plain_value(value: Any) -> Any:
    """A JSON-safe level (numpy scalars to Python)."""
    return value.item() if hasattr(value, "item") else value
