"""The ``rebalance`` flow: raw file in, balanced, validated and versioned Parquet dataset out.

The flow function reads as the pipeline's table of contents; every step is a task, and every
decision a pure function of the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from rebalance.core import events
from rebalance.core.config import ColumnType, RebalanceConfig, load_config
from rebalance.core.lineage import run_metadata
from rebalance.core.plan import BalancePlan
from rebalance.core.profile import class_counts
from rebalance.core.publication import RunSummary, decide_publication, refusal_error
from rebalance.core.publish import assemble_train, content_key, work_dir
from rebalance.core.timing import Stopwatch
from rebalance.core.validation.gate import GateDecision
from rebalance.core.validation.record import validation_metadata, validation_record
from rebalance.core.validation.report import ReportData
from rebalance.core.version import __version__
from rebalance.tasks import io, stages, validation
from rebalance.tasks.events import emit


@flow(name="rebalance", log_prints=True)
def rebalance(config: RebalanceConfig) -> RunSummary:
    """ingest -> validate input -> profile -> split -> fit samplers -> generate ->
    validate synthetic rows -> gate -> publish (or refuse)"""
    spec, root, clock = config.dataset, config.output.root, Stopwatch()
    with clock.stage("ingest"):
        raw = io.ingest(spec)
    version = content_key(raw.fingerprint, config.content_hash(), __version__)
    if (existing := io.find_published(config, version)) is not None:
        return existing
    io.stop_if_refused(config, version)
    with clock.stage("validate-input"):
        table = stages.type_columns(raw, spec)
        quarantine = io.write_quarantine(config, raw.fingerprint, table.quarantine)
        stages.check_contract(table, spec, config.contract)
    with clock.stage("profile"):
        profile = stages.profile(table, spec, config.balance)
        train, holdout = stages.split(table, spec, config.balance)
        plan = stages.plan(train, spec, config.balance)
    scratch = str(work_dir(root, spec.name, version))
    tried = {
        method: _try_method(config, method, train, table.types, plan, scratch, clock)
        for method in config.candidate_methods()
    }
    verdict = _Verdict(side_files={"_profile.json": profile})
    if config.validation.enabled:
        with clock.stage("validate"):
            verdict = _validate(config, version, train, holdout, table.types, plan, tried, verdict)
    rows = {method: attempt.synthetic for method, attempt in tried.items()}
    chosen = decide_publication(plan, config.balance.method, rows, verdict.decision)
    if verdict.decision is not None and chosen.gate == "refuse":
        where = io.write_refusal(root, spec.name, version, verdict.side_files)
        io.discard_work(scratch)
        raise refusal_error(spec.name, verdict.decision, where, clock.rounded())
    with clock.stage("publish"):
        metadata = run_metadata(
            config,
            version=version,
            input_fingerprint=raw.fingerprint,
            plan=chosen.plan,
            holdout_counts=class_counts(holdout[spec.target]),
            column_types=dict(table.types),
            run_id=flow_run.get_id(),
            method=chosen.method,
            validation=verdict.metadata,
        )
        splits = {"train": assemble_train(train, chosen.synthetic), "holdout": holdout}
        result = io.publish(root, spec.name, version, splits, metadata, verdict.side_files)
    io.discard_work(scratch)  # checkpoints are not needed once published
    if not result.reused:
        payload = events.published_payload(
            spec.name, result.version, str(root), result.path, chosen.method, chosen.gate
        )
        emit(events.PUBLISHED, spec.name, payload)
    get_run_logger().info("seconds per stage: %s", clock.rounded())
    return RunSummary(
        spec.name, result.version, result.path, result.reused, chosen.method, chosen.gate,
        chosen.plan.before, chosen.plan.after, plan.excluded, len(table.quarantine), quarantine,
        clock.rounded(),
    )  # fmt: skip


@flow(name="rebalance-spec", log_prints=True)
def rebalance_spec(
    spec_path: str, input_path: str | None = None, output_root: str | None = None
) -> RunSummary:
    """The deployable entry point: a spec file (and an optional new input file)."""
    config = load_config(spec_path, input_path=input_path or None)
    if output_root:
        config = config.model_copy(
            update={"output": config.output.model_copy(update={"root": output_root})}
        )
    return rebalance(config)


@dataclass
class _Attempt:
    """One method's synthetic rows and, for a method that trains, its loss curves."""

    synthetic: pd.DataFrame | None
    history: dict[str, Any] | None = None


@dataclass
class _Verdict:
    """The gate's decision and the files that record it (empty without validation)."""

    side_files: dict[str, Any]
    decision: GateDecision | None = None
    metadata: dict[str, Any] | None = None


def _try_method(
    config: RebalanceConfig,
    method: str,
    train: pd.DataFrame,
    types: dict[str, ColumnType],
    plan: BalancePlan,
    scratch: str,
    clock: Stopwatch,
) -> _Attempt:
    with clock.stage(f"fit:{method}"):
        sampler = stages.fit_sampler(
            train, types, config.dataset, config.for_method(method), scratch
        )
    with clock.stage(f"generate:{method}"):
        rows = stages.generate(sampler, plan)
    return _Attempt(rows, sampler.training_history() if sampler is not None else None)


def _validate(
    config: RebalanceConfig,
    version: str,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    types: dict[str, ColumnType],
    plan: BalancePlan,
    tried: dict[str, _Attempt],
    verdict: _Verdict,
) -> _Verdict:
    """Score every candidate on the real holdout, let the gate decide, render the report."""
    context = validation.prepare_validation(train, holdout, types, plan, config)
    candidates = {
        method: validation.validate(context, method, attempt.synthetic)
        for method, attempt in tried.items()
    }
    decision = validation.gate(config.dataset.name, config.balance.method, candidates, config)
    record = validation_record(decision, context, candidates, config.validation)
    chosen = decide_publication(
        plan, config.balance.method, {m: a.synthetic for m, a in tried.items()}, decision
    )
    report = validation.render_report(
        ReportData(
            dataset=config.dataset.name,
            version=version,
            decision=decision,
            candidates=candidates,
            baseline=context.baseline,
            tuned=context.tuned,
            plan=plan,
            published_after=chosen.plan.after,
            types=context.types,
            target=config.dataset.target,
            train=context.train,
            synthetic={m: a.synthetic for m, a in tried.items()},
            histories={m: a.history for m, a in tried.items() if a.history},
            thresholds=config.validation.thresholds.model_dump(),
        )
    )
    files = {**verdict.side_files, "_validation.json": record, "_report.html": report}
    return _Verdict(files, decision, validation_metadata(record))
