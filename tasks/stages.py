"""Deterministic pipeline stages. No retries: the same input would fail the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from rebalance.core.columns import TypedTable, type_table
from rebalance.core.config import (
    BalanceConfig,
    ContractConfig,
    DatasetSpec,
    RebalanceConfig,
    ValidationConfig,
)
from rebalance.core.ingest import RawTable
from rebalance.core.plan import BalancePlan, plan_run
from rebalance.core.profile import build_profile, column_rows, profile_markdown
from rebalance.core.quarantine import check_quarantine_share
from rebalance.core.split import selection_split, stratified_split
from rebalance.data_contracts.input_contract import validate_input
from rebalance.tasks.io import artifact_key

STAGE_OPTIONS: dict[str, Any] = {"retries": 0, "cache_policy": NO_CACHE}
GPU_LIMIT = "gpu"


@task(name="type-columns", **STAGE_OPTIONS)
def type_columns(raw: RawTable, spec: DatasetSpec) -> TypedTable:
    table = type_table(raw, spec)
    get_run_logger().info("column types (inferred unless marked): %s", table.describe_types())
    return table


@task(name="validate-input", **STAGE_OPTIONS)
def check_contract(table: TypedTable, spec: DatasetSpec, contract: ContractConfig) -> int:
    check_quarantine_share(table, contract.max_quarantine_share)
    results = validate_input(table.frame, spec, table.types)
    get_run_logger().info("input contract: %d check(s) passed", len(results))
    return len(results)


@task(name="profile", **STAGE_OPTIONS)
def profile(table: TypedTable, spec: DatasetSpec, balance: BalanceConfig) -> dict[str, Any]:
    result = build_profile(table, spec.target, balance.min_class_rows)
    create_markdown_artifact(
        key=artifact_key(spec.name, "profile"),
        markdown=profile_markdown(result, spec.name),
        description=f"Imbalance profile of {spec.name}",
    )
    create_table_artifact(
        key=artifact_key(spec.name, "columns"),
        table=column_rows(result),
        description=f"Column summary of {spec.name}",
    )
    return result


@task(name="split-holdout", **STAGE_OPTIONS)
def split(
    table: TypedTable, spec: DatasetSpec, balance: BalanceConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return stratified_split(table.frame, spec.target, balance.holdout_fraction, balance.seed)


@task(name="hold-selection", **STAGE_OPTIONS)
def hold_selection(
    train: pd.DataFrame, spec: DatasetSpec, validation: ValidationConfig, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """``(fit, selection)``: samplers fit on ``fit``, the gate decides on ``selection``.
    Without validation there is no selection: samplers fit on every train row."""
    if not validation.enabled:
        return train, None
    fit, selection = selection_split(train, spec.target, validation.selection_fraction, seed)
    get_run_logger().info(
        "samplers fit on %d train rows; %d are held aside to choose between candidates",
        len(fit),
        len(selection),
    )
    return fit, selection


@task(name="plan-balance", **STAGE_OPTIONS)
def plan(
    train: pd.DataFrame, fit: pd.DataFrame, types: Mapping[str, str], config: RebalanceConfig
) -> BalancePlan:
    """Rows to generate per class, for the train split's counts (``sampling_strategy: f1``
    measures its amount on ``fit``)."""
    result = plan_run(train, fit, types, config)
    logger = get_run_logger()
    if result.basis is not None:
        logger.info(result.basis)
    for label, why in result.excluded.items():
        logger.warning("class %r excluded from synthesis: %s", label, why)
    logger.info("plan: generate %s", result.to_generate or "nothing")
    return result
