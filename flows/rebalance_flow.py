"""The ``rebalance`` flow: raw file in, balanced, validated and versioned Parquet dataset out."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from rebalance import __version__, events
from rebalance.config import RebalanceConfig, load_config
from rebalance.errors import GateError
from rebalance.lineage import run_metadata
from rebalance.plan import BalancePlan
from rebalance.profile import class_counts
from rebalance.publish import (
    assemble_train,
    content_key,
    find_version,
    move_latest,
    read_manifest,
    read_refusal,
    refusal_dir,
    work_dir,
)
from rebalance.timing import Stopwatch
from rebalance.validation.evaluate import ValidationContext
from rebalance.validation.gate import CandidateResult, GateDecision
from rebalance.validation.report import ReportData
from tasks import io, stages, validation
from tasks.events import emit


@dataclass(frozen=True)
class RunSummary:
    dataset: str
    version: str
    path: str
    reused: bool
    method: str = ""  # the method whose rows were published ("none": real rows only)
    gate: str = ""  # publish | publish_real_only | (validation disabled: "")
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    quarantined_rows: int = 0
    quarantine_path: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage


@dataclass
class Tried:
    """One method's synthetic rows, their validation, and the GAN's loss curves if any."""

    synthetic: pd.DataFrame | None
    result: CandidateResult | None = None
    history: dict[str, Any] | None = None


@flow(name="rebalance", log_prints=True)
def rebalance(config: RebalanceConfig) -> RunSummary:
    """ingest -> validate input -> profile -> split -> fit samplers -> generate ->
    validate synthetic rows -> gate -> publish (or refuse)"""
    spec, root = config.dataset, config.output.root
    logger = get_run_logger()
    clock = Stopwatch()

    with clock.stage("ingest"):
        raw = io.ingest(spec)
    version = content_key(raw.fingerprint, config.content_hash(), __version__)
    if (existing := find_version(root, spec.name, version)) is not None:
        move_latest(existing.parent.parent, version)
        logger.info("input and config unchanged: version %s is already published", version)
        return _summary_of_existing(spec.name, version, str(existing))
    _stop_if_refused_before(config, version)

    with clock.stage("validate-input"):
        table = stages.type_columns(raw, spec)
        quarantine_path = None
        if len(table.quarantine):
            quarantine_path = io.write_quarantine(
                root, spec.name, raw.fingerprint, table.quarantine
            )
            logger.warning("%d row(s) quarantined to %s", len(table.quarantine), quarantine_path)
        stages.check_contract(table, spec, config.contract)
    with clock.stage("profile"):
        profile = stages.profile(table, spec, config.balance)
        train, holdout = stages.split(table, spec, config.balance)
        plan = stages.plan(train, spec, config.balance)
    scratch = work_dir(root, spec.name, version)

    tried = _fit_and_generate(config, train, table, plan, str(scratch), clock)
    side_files: dict[str, Any] = {"_profile.json": profile}
    decision: GateDecision | None = None
    if config.validation.enabled:
        with clock.stage("validate"):
            context = validation.prepare_validation(train, holdout, table.types, plan, config)
            for method, attempt in tried.items():
                attempt.result = validation.validate(context, method, attempt.synthetic)
            candidates = {m: t.result for m, t in tried.items() if t.result is not None}
            decision = validation.gate(spec.name, config.balance.method, candidates, config)
            record = validation.validation_record(decision, context, candidates, config)
            report = validation.render_report(
                _report_data(config, version, decision, context, tried, plan)
            )
        side_files |= {"_validation.json": record, "_report.html": report}
        if decision.outcome == "refuse":
            where = io.write_refusal(root, spec.name, version, side_files)
            shutil.rmtree(scratch, ignore_errors=True)
            raise GateError(
                spec.name, decision.evaluated, _failures(decision), where, clock.rounded()
            )
    chosen = decision.method if decision else config.balance.method
    synthetic = tried[chosen].synthetic if chosen != "none" else None
    published_plan = plan if synthetic is not None else BalancePlan(plan.before, {}, plan.excluded)

    with clock.stage("publish"):
        metadata = run_metadata(
            config,
            version=version,
            input_fingerprint=raw.fingerprint,
            plan=published_plan,
            holdout_counts=class_counts(holdout[spec.target]),
            column_types=dict(table.types),
            run_id=flow_run.get_id(),
        )
        metadata["method"] = chosen
        metadata["configured_method"] = config.balance.method
        if decision is not None:
            metadata["validation"] = validation.validation_metadata(side_files["_validation.json"])
        splits = {"train": assemble_train(train, synthetic), "holdout": holdout}
        result = io.publish(root, spec.name, version, splits, metadata, side_files)
    shutil.rmtree(scratch, ignore_errors=True)  # checkpoints are not needed once published
    if not result.reused:
        gate = decision.outcome if decision else "not validated"
        payload = events.published_payload(
            spec.name, result.version, str(root), result.path, chosen, gate
        )
        emit(events.PUBLISHED, spec.name, payload)
    logger.info("seconds per stage: %s", clock.rounded())
    return RunSummary(
        dataset=spec.name,
        version=result.version,
        path=result.path,
        reused=result.reused,
        method=chosen,
        gate=decision.outcome if decision else "",
        before=published_plan.before,
        after=published_plan.after,
        excluded=plan.excluded,
        quarantined_rows=len(table.quarantine),
        quarantine_path=quarantine_path,
        seconds=clock.rounded(),
    )


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


def _fit_and_generate(
    config: RebalanceConfig,
    train: pd.DataFrame,
    table: Any,
    plan: BalancePlan,
    scratch: str,
    clock: Stopwatch,
) -> dict[str, Tried]:
    """Every candidate method's synthetic rows for the same plan."""
    tried: dict[str, Tried] = {}
    for method in config.candidate_methods():
        with clock.stage(f"fit:{method}"):
            sampler = stages.fit_sampler(
                train, table, config.dataset, config.for_method(method), scratch
            )
        with clock.stage(f"generate:{method}"):
            rows = stages.generate(sampler, plan)
        history = getattr(getattr(sampler, "model_", None), "history_", None)
        tried[method] = Tried(rows, history=history.to_dict() if history else None)
    return tried


def _report_data(
    config: RebalanceConfig,
    version: str,
    decision: GateDecision,
    context: ValidationContext,
    tried: dict[str, Tried],
    plan: BalancePlan,
) -> ReportData:
    chosen = tried.get(decision.method)
    published_after = plan.after if chosen and chosen.synthetic is not None else plan.before
    if decision.outcome == "refuse":
        published_after = plan.before
    return ReportData(
        dataset=config.dataset.name,
        version=version,
        decision=decision,
        candidates={m: t.result for m, t in tried.items() if t.result is not None},
        baseline=context.baseline,
        tuned=context.tuned,
        plan=plan,
        published_after=published_after,
        types=context.types,
        target=config.dataset.target,
        train=context.train,
        synthetic={m: t.synthetic for m, t in tried.items()},
        history=tried["gan"].history if "gan" in tried else None,
        thresholds=config.validation.thresholds.model_dump(),
    )


def _failures(decision: GateDecision) -> list[str]:
    return decision.failures or [decision.reason]


def _stop_if_refused_before(config: RebalanceConfig, version: str) -> None:
    """The same input and config were refused before: say so instead of training again."""
    record = read_refusal(config.output.root, config.dataset.name, version)
    if record is None:
        return
    decision = record.get("decision", {})
    failures = decision.get("failures") or [decision.get("reason", "see the report")]
    folder = refusal_dir(config.output.root, config.dataset.name, version)
    raise GateError(
        config.dataset.name,
        str(decision.get("evaluated", config.balance.method)),
        [f"already refused for this input and config: {failures[0]}", *failures[1:]],
        str(folder),
    )


def _summary_of_existing(dataset: str, version: str, path: str) -> RunSummary:
    manifest = read_manifest(path)
    return RunSummary(
        dataset=dataset,
        version=version,
        path=path,
        reused=True,
        method=manifest.get("method", ""),
        gate=manifest.get("validation", {}).get("decision", {}).get("outcome", ""),
        before=manifest["class_counts_before"],
        after=manifest["class_counts_after"],
        excluded=manifest.get("excluded_classes", {}),
    )
