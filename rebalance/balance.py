"""Fit the configured oversampler on the train part and generate what the plan asks for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from rebalance.config import BalanceConfig, ColumnType
from rebalance.plan import BalancePlan
from rebalance.samplers import Oversampler, make_oversampler


def fit_oversampler(
    train: pd.DataFrame,
    target: str,
    types: dict[str, ColumnType],
    config: BalanceConfig,
    listeners: Sequence[Callable[[Any], None]] = (),
) -> Oversampler | None:
    """The fitted sampler, or None for ``method: none``. ``listeners`` receive training
    progress from samplers that train (the GAN)."""
    if config.method == "none":
        return None
    sampler = make_oversampler(config.method, config.seed, config.params)
    progress = getattr(sampler, "progress", None)
    if isinstance(progress, list):
        progress.extend(listeners)
    return sampler.fit(train, target, types)


def generate_synthetic(sampler: Oversampler | None, plan: BalancePlan) -> pd.DataFrame | None:
    """Exactly ``plan.to_generate[c]`` rows per class c, concatenated; None if nothing."""
    if sampler is None or not plan.to_generate:
        return None
    parts = [sampler.sample(label, n) for label, n in plan.to_generate.items()]
    return pd.concat(parts, ignore_index=True)
