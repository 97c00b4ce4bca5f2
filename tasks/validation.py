"""Validation tasks: thin wrappers over ``rebalance.validation``. Deterministic: no retries."""

from __future__ import annotations

from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from rebalance.config import ColumnType, RebalanceConfig
from rebalance.plan import BalancePlan
from rebalance.validation import report as reporting
from rebalance.validation.evaluate import ValidationContext, evaluate_candidate, prepare
from rebalance.validation.gate import CandidateResult, GateDecision, decide
from tasks.io import artifact_key
from tasks.stages import STAGE_OPTIONS


@task(name="prepare-validation", **STAGE_OPTIONS)
def prepare_validation(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    types: dict[str, ColumnType],
    plan: BalancePlan,
    config: RebalanceConfig,
) -> ValidationContext:
    context = prepare(
        train,
        holdout,
        config.dataset.target,
        types,
        plan,
        config.validation,
        config.balance.seed,
    )
    tuned = f", threshold tuned {context.tuned.f1:.3f}" if context.tuned else ""
    get_run_logger().info(
        "holdout minority F1 of the real-only baseline: %.3f%s", context.baseline.f1, tuned
    )
    return context


@task(name="validate-synthetic", **STAGE_OPTIONS)
def validate(
    context: ValidationContext, method: str, synthetic: pd.DataFrame | None
) -> CandidateResult:
    result = evaluate_candidate(context, method, synthetic)
    failures = result.failures()
    get_run_logger().info(
        "%s: holdout minority F1 %.3f, %d check(s), %d failed%s",
        method,
        result.utility.f1,
        len(result.checks),
        len(failures),
        "".join(f"\n  - {check.describe()}" for check in failures[:10]),
    )
    return result


@task(name="gate", **STAGE_OPTIONS)
def gate(
    dataset: str, configured: str, candidates: dict[str, CandidateResult], config: RebalanceConfig
) -> GateDecision:
    decision = decide(configured, candidates, config.validation)
    create_markdown_artifact(
        key=artifact_key(dataset, "gate"),
        markdown=gate_markdown(dataset, decision, candidates),
        description=f"Publishing gate decision for {dataset}",
    )
    log = get_run_logger().info if decision.outcome != "refuse" else get_run_logger().warning
    log("gate: %s (%s)", decision.outcome, decision.reason)
    return decision


@task(name="render-report", **STAGE_OPTIONS)
def render_report(data: reporting.ReportData) -> str:
    return reporting.render(data)


def gate_markdown(
    dataset: str, decision: GateDecision, candidates: dict[str, CandidateResult]
) -> str:
    rows = "\n".join(
        f"| {method} | {'pass' if c.passed else 'fail'} | {c.utility.f1:.3f} | "
        f"{len(c.failures())} |"
        for method, c in candidates.items()
    )
    failures = "".join(f"\n- {line}" for line in decision.failures)
    return (
        f"# {dataset}: gate decision `{decision.outcome}` (method `{decision.method}`)\n\n"
        f"{decision.reason}\n{failures}\n\n"
        f"| candidate | gate | holdout minority F1 | failed checks |\n|---|---|---:|---:|\n{rows}\n"
    )


def validation_record(
    decision: GateDecision,
    context: ValidationContext,
    candidates: dict[str, CandidateResult],
    config: RebalanceConfig,
) -> dict[str, Any]:
    """The full validation result: ``_validation.json`` beside the version."""
    return {
        "decision": decision.as_dict(),
        "baseline": context.baseline.as_dict(),
        "threshold_tuned": context.tuned.as_dict() if context.tuned else None,
        "candidates": {method: c.as_dict() for method, c in candidates.items()},
        "thresholds": config.validation.thresholds.model_dump(),
        "classifier": config.validation.classifier.model_dump(),
    }


def validation_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """The compact part that every published Parquet file carries in its metadata."""
    return {
        "decision": record["decision"],
        "baseline": record["baseline"],
        "threshold_tuned": record["threshold_tuned"],
        "candidates": {
            method: {k: c[k] for k in ("passed", "synthetic_rows", "utility", "metrics")}
            for method, c in record["candidates"].items()
        },
        "thresholds": record["thresholds"],
    }
