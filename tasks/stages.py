"""Deterministic pipeline stages. No retries: the same input would fail the same way."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency

from rebalance.core.balance import fit_oversampler, generate_synthetic
from rebalance.core.columns import TypedTable, check_quarantine_share, type_table
from rebalance.core.config import (
    BalanceConfig,
    ColumnType,
    ContractConfig,
    DatasetSpec,
    Release,
    ValidationConfig,
)
from rebalance.core.errors import RebalanceError
from rebalance.core.ingest import RawTable
from rebalance.core.plan import BalancePlan, make_plan
from rebalance.core.profile import build_profile, class_counts, column_rows, profile_markdown
from rebalance.core.progress import TerminalBar
from rebalance.core.samplers import Oversampler, method_traits
from rebalance.core.samplers.base import ProgressListener
from rebalance.core.split import selection_split, stratified_split
from rebalance.data_contracts.input_contract import validate_input
from rebalance.tasks.io import artifact_key
from rebalance.tasks.progress import PrefectProgress

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
    train: pd.DataFrame, spec: DatasetSpec, balance: BalanceConfig, release: Release = "augmented"
) -> BalancePlan:
    result = make_plan(class_counts(train[spec.target]), balance, release)
    logger = get_run_logger()
    for label, why in result.excluded.items():
        logger.warning("class %r excluded from synthesis: %s", label, why)
    logger.info("plan: generate %s", result.to_generate or "nothing")
    return result


def retry_unless_domain_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a training that crashed (out of memory, a lost device), never a bad input."""
    try:
        state.result()
    except RebalanceError:
        return False
    except Exception:
        return True
    return False


# A retried training resumes from the checkpoint in the run's work folder.
@task(
    name="fit-sampler",
    retries=1,
    retry_delay_seconds=5,
    retry_condition_fn=retry_unless_domain_error,
    cache_policy=NO_CACHE,
)
def fit_sampler(
    train: pd.DataFrame,
    types: dict[str, ColumnType],
    spec: DatasetSpec,
    balance: BalanceConfig,
    work_dir: str | None = None,
) -> Oversampler | None:
    """Fit ``balance.method`` on the train part (None for ``none``)."""
    method = balance.method
    traits = method_traits(method)
    listeners: list[ProgressListener] = []
    if traits.trains:
        listeners = [TerminalBar(), PrefectProgress(artifact_key(spec.name, "training"))]
    # one accelerator-bound fit per GPU: the "gpu" global limit, when the server has one
    slot = concurrency(GPU_LIMIT, occupy=1, strict=False) if traits.uses_accelerator else None
    with slot or nullcontext():
        sampler = fit_oversampler(
            train,
            spec.target,
            types,
            method,
            balance.seed,
            balance.params,
            work_dir=work_dir if traits.checkpoints else None,
            progress=listeners,
        )
    if sampler is not None and (summary := sampler.training_summary()):
        get_run_logger().info(summary)
    return sampler


@task(name="generate", **STAGE_OPTIONS)
def generate(sampler: Oversampler | None, balance_plan: BalancePlan) -> pd.DataFrame | None:
    return generate_synthetic(sampler, balance_plan)
