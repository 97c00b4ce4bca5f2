"""Fit a method's oversampler on the train part and generate what the plan asks for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from rebalance.core.config import ColumnType
from rebalance.core.plan import BalancePlan
from rebalance.core.samplers import Oversampler, make_oversampler
from rebalance.core.samplers.base import ProgressListener


def fit_oversampler(
    train: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    method: str,
    seed: int,
    params: Mapping[str, Any] | None = None,
    *,
    work_dir: str | None = None,
    progress: Sequence[ProgressListener] = (),
) -> Oversampler | None:
    """The fitted sampler of ``method``, or None for ``none`` (real rows only)."""
    if method == "none":
        return None
    sampler = make_oversampler(method, seed, params)
    return sampler.fit(train, target, dict(types), work_dir=work_dir, progress=progress)


def generate_synthetic(sampler: Oversampler | None, plan: BalancePlan) -> pd.DataFrame | None:
    """Exactly ``plan.to_generate[c]`` rows per class c, concatenated; None if nothing."""
    if sampler is None or not plan.to_generate:
        return None
    parts = [sampler.sample(label, n) for label, n in plan.to_generate.items()]
    return pd.concat(parts, ignore_index=True)
