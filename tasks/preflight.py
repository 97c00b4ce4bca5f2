"""Pre-flight checks: settings and folders that would fail a run only at its end (after every
sampler was fitted) fail it here instead, with one line. No retries: they check, they do not
fetch."""

from __future__ import annotations

from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from rebalance.core.config import RebalanceConfig
from rebalance.core.plan import BalancePlan
from rebalance.core.split import check_validation_splits, validated_classes
from rebalance.core.storage import check_output_root

PREFLIGHT_OPTIONS: dict[str, Any] = {"retries": 0, "cache_policy": NO_CACHE}


@task(name="check-output", **PREFLIGHT_OPTIONS)
def check_output(config: RebalanceConfig, input_bytes: int) -> None:
    """The output root is (or can become) a writable folder with room for the output."""
    check_output_root(config.output.root, config.dataset.name, input_bytes)


@task(name="check-splits", **PREFLIGHT_OPTIONS)
def check_splits(
    config: RebalanceConfig,
    plan: BalancePlan,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    selection: pd.DataFrame | None,
) -> None:
    """With validation on, every class the gate scores has rows in the holdout and in the
    selection split (the classifier is scored on both)."""
    if not config.validation.enabled or selection is None:
        return
    validated = validated_classes(plan)
    fractions = (config.balance.holdout_fraction, config.validation.selection_fraction)
    check_validation_splits(
        config.dataset.target, validated, (train, holdout, selection), fractions
    )
