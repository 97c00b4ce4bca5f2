"""Validation tasks: thin wrappers over ``rebalance.core.validation`` and the synthetic-data
contract. Deterministic: no retries."""

from __future__ import annotations

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from rebalance.core.c_heap import free_pages_returned
from rebalance.core.config import ColumnType, ContractConfig, RebalanceConfig
from rebalance.core.gate_table import gate_rows
from rebalance.core.plan import BalancePlan
from rebalance.core.runtime import native_threads
from rebalance.core.samplers import method_traits
from rebalance.core.validation import report as reporting
from rebalance.core.validation.decision import GateDecision, decide
from rebalance.core.validation.evaluate import ValidationContext, prepare
from rebalance.core.validation.gate import CandidateResult
from rebalance.core.validation.holdout import HoldoutScores, score_holdout
from rebalance.data_contracts.synthetic_contract import DEFAULTS, evaluate_with_contract
from rebalance.tasks.candidates import Attempt
from rebalance.tasks.io import artifact_key
from rebalance.tasks.stages import STAGE_OPTIONS


@task(name="prepare-validation", **STAGE_OPTIONS)
def prepare_validation(
    fit: pd.DataFrame,
    selection: pd.DataFrame,
    types: dict[str, ColumnType],
    plan: BalancePlan,
    config: RebalanceConfig,
    threads: int | None = None,
) -> ValidationContext:
    with free_pages_returned(), native_threads(threads):
        context = prepare(
            fit,
            selection,
            config.dataset.target,
            types,
            plan,
            config.validation,
            config.balance.seed,
        )
    tuned = f", threshold tuned {context.tuned.f1:.3f}" if context.tuned else ""
    get_run_logger().info(
        "selection minority F1 of the real-only baseline: %.3f%s", context.baseline.f1, tuned
    )
    return context


@task(name="validate-synthetic", **STAGE_OPTIONS)
def validate(
    context: ValidationContext,
    attempt: Attempt,
    tolerances: ContractConfig = DEFAULTS,
    threads: int | None = None,
) -> CandidateResult:
    method = attempt.method
    generative = method_traits(method).generative
    with free_pages_returned(), native_threads(threads):
        result = evaluate_with_contract(context, method, attempt.synthetic, generative, tolerances)
    failures = result.failures()
    get_run_logger().info(
        "%s: %s %.3f, %d check(s), %d failed%s",
        method,
        "TSTR minority F1" if context.synthetic_only else "selection minority F1",
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
        markdown=gate_markdown(dataset, decision, candidates, config.validation.release),
        description=f"Publishing gate decision for {dataset}",
    )
    record_gate_table(dataset, decision, candidates)
    log = get_run_logger().info if decision.outcome != "refuse" else get_run_logger().warning
    log("gate: %s (%s)", decision.outcome, decision.reason)
    return decision


def record_gate_table(
    dataset: str, decision: GateDecision, candidates: dict[str, CandidateResult]
) -> None:
    """The gate as a table artifact: utility scores and failed checks per candidate (the UI
    shows it without the worker's disk)."""
    create_table_artifact(
        key=artifact_key(dataset, "gate-table"),
        table=gate_rows(decision, candidates),
        description=(
            f"{dataset}: gate `{decision.outcome}` (publishes `{decision.method}`); utility "
            "scores on the selection rows and failed checks per candidate"
        ),
    )


@task(name="score-holdout", **STAGE_OPTIONS)
def score_published(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    types: dict[str, ColumnType],
    plan: BalancePlan,
    config: RebalanceConfig,
    method: str,
    synthetic: pd.DataFrame | None,
) -> HoldoutScores:
    """The published train split and the real-only references, once, on the holdout."""
    with free_pages_returned():
        scores = score_holdout(
            train,
            holdout,
            config.dataset.target,
            types,
            plan,
            config.validation,
            config.balance.seed,
            method,
            synthetic,
        )
    tuned = scores.real_only_tuned
    get_run_logger().info(
        "holdout minority F1: published (%s) %.3f, real only %.3f%s",
        method,
        scores.published.f1,
        scores.real_only.f1,
        f", real only with a tuned threshold {tuned.f1:.3f}" if tuned else "",
    )
    return scores


@task(name="render-report", **STAGE_OPTIONS)
def render_report(data: reporting.ReportData) -> str:
    return reporting.render(data)


def gate_markdown(
    dataset: str,
    decision: GateDecision,
    candidates: dict[str, CandidateResult],
    release: str = "augmented",
) -> str:
    rows = "\n".join(
        f"| {method} | {'pass' if c.passed else 'fail'} | {c.utility.f1:.3f} | "
        f"{len(c.failures())} |"
        for method, c in candidates.items()
    )
    failures = "".join(f"\n- {line}" for line in decision.failures)
    lines = "\n".join(f"- {line}" for line in decision.lines.values())
    score = "selection minority F1"
    if release == "synthetic_only":
        score = "TSTR minority F1 (none: real-only)"
    return (
        f"# {dataset}: gate decision `{decision.outcome}` (method `{decision.method}`)\n\n"
        f"{decision.reason}\n{failures}\n\n{lines}\n\n"
        f"| candidate | gate | {score} | failed checks |\n"
        f"|---|---|---:|---:|\n{rows}\n"
    )
