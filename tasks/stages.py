"""Deterministic pipeline stages. No retries: the same input would fail the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency

from data_contracts.input_contract import validate_input
from gan.progress import TerminalBar
from rebalance.balance import fit_oversampler, generate_synthetic
from rebalance.columns import TypedTable, check_quarantine_share, type_table
from rebalance.config import BalanceConfig, ContractConfig, DatasetSpec
from rebalance.errors import RebalanceError
from rebalance.ingest import RawTable
from rebalance.plan import BalancePlan, make_plan
from rebalance.profile import build_profile, class_counts, column_rows, profile_markdown
from rebalance.samplers import Oversampler
from rebalance.split import stratified_split
from tasks.io import artifact_key
from tasks.progress import PrefectProgress

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


@task(name="plan-balance", **STAGE_OPTIONS)
def plan(train: pd.DataFrame, spec: DatasetSpec, balance: BalanceConfig) -> BalancePlan:
    result = make_plan(class_counts(train[spec.target]), balance)
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


# A retried GAN training resumes from the checkpoint in the run's work folder.
@task(
    name="fit-sampler",
    retries=1,
    retry_delay_seconds=5,
    retry_condition_fn=retry_unless_domain_error,
    cache_policy=NO_CACHE,
)
def fit_sampler(
    train: pd.DataFrame,
    table: TypedTable,
    spec: DatasetSpec,
    balance: BalanceConfig,
    work_dir: str | None = None,
) -> Oversampler | None:
    if balance.method == "gan" and work_dir and "checkpoint_dir" not in balance.params:
        # checkpoints live beside the output, keyed by version, so a retried run resumes
        params = {**balance.params, "checkpoint_dir": str(Path(work_dir) / "gan")}
        balance = balance.model_copy(update={"params": params})
    bar = TerminalBar()
    listeners: list[Callable[[Any], None]] = [
        bar,
        PrefectProgress(artifact_key(spec.name, "training")),
    ]
    if balance.method == "gan":
        # one GAN training per GPU: the "gpu" global limit, when the server has one
        with concurrency(GPU_LIMIT, occupy=1, strict=False):
            sampler = fit_oversampler(train, spec.target, table.types, balance, listeners)
    else:
        sampler = fit_oversampler(train, spec.target, table.types, balance, listeners)
    history = getattr(getattr(sampler, "model_", None), "history_", None)
    if history is not None:
        get_run_logger().info(
            "GAN trained %d epoch(s), best at epoch %s%s",
            len(history.critic_loss),
            history.best_epoch,
            f", stopped early at {history.stopped_early_at}" if history.stopped_early_at else "",
        )
    return sampler


@task(name="generate", **STAGE_OPTIONS)
def generate(sampler: Oversampler | None, balance_plan: BalancePlan) -> pd.DataFrame | None:
    return generate_synthetic(sampler, balance_plan)
