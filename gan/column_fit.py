"""Fitting the column records of ``gan.columns``: a numeric column's modes (a variational
Gaussian mixture, all numeric columns of a table fitted together) or quantile knots, and a
categorical column's levels."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from rebalance.core.errors import ColumnTooWideError
from rebalance.core.identifiers import identifier_problem, looks_like_identifier
from rebalance.gan.columns import (
    SCALE,
    CategoricalColumn,
    ContinuousColumn,
    GaussianModes,
    RareLevels,
    float_tuple,
    plain_value,
    to_float,
)
from rebalance.gan.config import GanConfig
from rebalance.gan.mixtures import MixtureFit, fit_mixtures

MODE_WEIGHT_FLOOR = 0.005  # mixture components lighter than this are dropped
QUANTILE_POINTS = 1001
UNREPRESENTED_SHARE = 0.001  # above this share of out-of-mode values, use quantiles instead


@dataclass(frozen=True)
class _Pending:
    """A numeric column whose mixture is still to be fitted."""

    position: int
    present: np.ndarray  # every non-missing value
    sample: np.ndarray  # the bounded subsample the mixture is fitted on
    seed: int


def fit_continuous_columns(
    items: list[tuple[str, str, pd.Series]], config: GanConfig, rng: np.random.Generator
) -> list[ContinuousColumn]:
    """A record per ``(name, kind, column)``; the mixtures of all of them in one batched fit."""
    fitted: list[ContinuousColumn] = []
    pending: list[_Pending] = []
    for position, (name, kind, column) in enumerate(items):
        values = to_float(column, kind)
        present = values[~np.isnan(values)]
        fitted.append(_bare_record(name, kind, column, values, present))
        if len(present) == 0:
            continue
        if config.continuous_mode != "quantile" and np.unique(present[:1000]).size > 1:
            sample = present
            if len(present) > config.gmm_fit_rows:
                sample = rng.choice(present, size=config.gmm_fit_rows, replace=False)
            pending.append(_Pending(position, present, sample, int(rng.integers(2**31 - 1))))
        else:
            fitted[position] = _with_quantiles(fitted[position], present)
    mixtures = fit_mixtures(
        [p.sample for p in pending],
        [min(config.max_modes, len(np.unique(p.sample))) for p in pending],
        [p.seed for p in pending],
    )
    for item, mixture in zip(pending, mixtures, strict=True):
        modes = _valid_modes(mixture, item.present)
        record = fitted[item.position]
        fitted[item.position] = (
            replace(record, modes=modes) if modes else _with_quantiles(record, item.present)
        )
    return fitted


def _bare_record(
    name: str, kind: str, column: pd.Series, values: np.ndarray, present: np.ndarray
) -> ContinuousColumn:
    return ContinuousColumn(
        name=name,
        kind=kind,
        dtype=str(column.dtype),
        missing=bool(len(present) < len(values)),
        low=float(present.min()) if len(present) else 0.0,
        high=float(present.max()) if len(present) else 0.0,
        step=_time_step(present) if kind == "datetime" else None,
    )


def _with_quantiles(record: ContinuousColumn, present: np.ndarray) -> ContinuousColumn:
    grid = np.linspace(0.0, 1.0, QUANTILE_POINTS)
    return replace(record, quantiles=float_tuple(np.quantile(present, grid).tolist()))


def _valid_modes(mixture: MixtureFit, present: np.ndarray) -> GaussianModes | None:
    """The modes heavier than the floor, or None when they leave too many values
    unrepresented (quantiles serve such a column better) or the fit is not finite."""
    fitted = (mixture.weights, mixture.means, mixture.variances)
    if not all(np.isfinite(part).all() for part in fitted):
        return None
    keep = mixture.weights > MODE_WEIGHT_FLOOR
    if not keep.any():
        keep[np.argmax(mixture.weights)] = True
    weights = mixture.weights[keep]
    means = mixture.means[keep]
    stds = np.sqrt(mixture.variances[keep]).clip(1e-6)
    # Values no mode can represent (a spike the subsample missed, e.g. a capped maximum)
    # would be clipped on decode: such a column is better served by quantiles.
    unrepresented = np.abs((present[:, None] - means) / (SCALE * stds)).min(axis=1) > 0.99
    if unrepresented.mean() > UNREPRESENTED_SHARE:
        return None
    return GaussianModes(
        float_tuple(means.tolist()),
        float_tuple(stds.tolist()),
        float_tuple((weights / weights.sum()).tolist()),
    )


def fit_categorical(
    name: str, kind: str, column: pd.Series, config: GanConfig
) -> CategoricalColumn:
    if looks_like_identifier(column):  # the same rule as the input contract's, for every method
        raise ColumnTooWideError(f"column {name!r}: {identifier_problem(column)}")
    # values present only (a category's count lists unused categories too), ties in order of
    # appearance as for a text column
    coded = isinstance(column.dtype, pd.CategoricalDtype)
    counts = (column.astype(object) if coded else column).value_counts(dropna=True)
    limit = config.max_categories
    rare = None
    if len(counts) > limit:
        covered = counts.iloc[: limit - 1].sum() / max(counts.sum(), 1)
        if covered < 0.5:
            raise ColumnTooWideError(
                f"column {name!r}: expected at most {limit} categories (or frequent ones "
                f"covering half the rows), found {len(counts)} distinct values in "
                f"{len(column)} rows; drop it (an identifier?) or raise max_categories"
            )
        grouped = counts.iloc[limit - 1 :]
        rare = RareLevels(
            tuple(plain_value(v) for v in grouped.index),
            float_tuple((grouped / grouped.sum()).tolist()),
        )
        counts = counts.iloc[: limit - 1]
    return CategoricalColumn(
        name=name,
        kind=kind,
        dtype=str(column.dtype),
        missing=bool(column.isna().any()),
        levels=tuple(plain_value(v) for v in counts.index),
        rare=rare,
    )


def _time_step(nanoseconds: np.ndarray) -> float:
    """The coarsest of day/hour/minute/second that every timestamp is a multiple of."""
    for step in (86_400e9, 3_600e9, 60e9, 1e9):
        if np.all(np.mod(nanoseconds, step) == 0):
            return step
    return 1.0
