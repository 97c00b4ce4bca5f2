"""The ``rebalance`` flow: raw file in, balanced, validated and versioned Parquet dataset out.

The flow function reads as the pipeline's table of contents; every step is a task, and every
decision a pure function of the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from rebalance.core.config import RebalanceConfig, load_config
from rebalance.core.plan import BalancePlan
from rebalance.core.publication import (
    Publication,
    RunRecord,
    RunSummary,
    decide_publication,
    refusal_error,
    run_summary,
)
from rebalance.core.publish import content_key, work_dir
from rebalance.core.samplers import method_traits
from rebalance.core.timing import Stopwatch, with_seconds
from rebalance.core.validation.decision import GateDecision
from rebalance.core.validation.evaluate import ValidationContext
from rebalance.core.validation.gate import CandidateResult
from rebalance.core.validation.record import validation_record
from rebalance.core.validation.report import ReportData
from rebalance.core.version import __version__
from rebalance.flows import runners
from rebalance.tasks import candidates, io, preflight, stages, validation
from rebalance.tasks.candidates import Attempt
from rebalance.tasks.events import announce_published


def run_rebalance(config: RebalanceConfig) -> RunSummary:
    """The ``rebalance`` flow on the task runner the spec's ``runtime`` names (threads in
    this process, or a Dask cluster); calling the flow itself uses threads."""
    runner = runners.task_runner_for(config.runtime, len(config.candidate_methods()))
    return rebalance.with_options(task_runner=runner)(config)


@flow(name="rebalance", log_prints=True, task_runner=runners.default_task_runner())
def rebalance(config: RebalanceConfig) -> RunSummary:
    """ingest -> validate input -> profile -> split -> fit samplers -> generate ->
    validate synthetic rows -> gate -> publish (or refuse)"""
    spec, root, clock = config.dataset, config.output.root, Stopwatch()
    with clock.stage("ingest"):
        raw = io.ingest(spec)
    version = content_key(raw.fingerprint, config.content_hash(), __version__)
    if (existing := io.find_published(config, version)) is not None:
        announce_published(spec.name, str(root), existing)  # sent again if it was lost
        return existing
    io.stop_if_refused(config, version)
    preflight.check_output(config, raw.size)  # before anything is trained or written
    fingerprint = raw.fingerprint
    with clock.stage("validate-input"):
        table = stages.type_columns(raw, spec)
        del raw  # the typed rows replace the text rows: a large input is not held twice
        quarantine = io.write_quarantine(config, fingerprint, table.quarantine)
        stages.check_contract(table, spec, config.contract)
    with clock.stage("profile"):
        profile = stages.profile(table, spec, config.balance)
        train, holdout = stages.split(table, spec, config.balance)
        kept, types = (len(table.quarantine), quarantine), table.types
        del table  # train and holdout hold its rows now
        fit, selection = stages.hold_selection(train, spec, config.validation, config.balance.seed)
    with clock.stage("plan"):  # sampling_strategy f1 fits a classifier here
        plan = stages.plan(train, fit, types, config)
    preflight.check_splits(config, plan, train, holdout, selection)  # before any fit
    run = RunRecord(
        config, version, fingerprint, types, train, holdout, flow_run.get_id(), fit,
        selection,
    )  # fmt: skip
    scratch = str(work_dir(root, spec.name, version))
    with clock.stage("candidates"):  # fit, generate and score every candidate side by side
        tried = _try_candidates(run, plan, scratch, clock)
    verdict = _decide(run, plan, tried, profile, clock)
    chosen = verdict.chosen
    if verdict.decision is not None and chosen.gate == "refuse":
        seconds = clock.rounded()  # a refused run reports its stage times too
        where = io.write_refusal(
            root, spec.name, version, with_seconds(verdict.side_files, seconds)
        )
        io.discard_work(scratch)
        get_run_logger().info("seconds per stage: %s", seconds)
        raise refusal_error(spec.name, verdict.decision, where, seconds)
    with clock.stage("publish"):
        attempt = tried.attempts.get(chosen.method)
        rows_fitted = attempt.rows_fitted if attempt is not None else None
        result = io.publish(run, chosen, verdict.side_files, rows_fitted)
    io.discard_work(scratch)  # checkpoints are not needed once published
    announce_published(spec.name, str(root), result, chosen)
    get_run_logger().info("seconds per stage: %s", clock.rounded())
    record = verdict.side_files.get("_validation.json")
    return run_summary(result, spec.name, chosen, plan.excluded, kept, clock.rounded(), record)


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
    return run_rebalance(config)


@dataclass
class _Verdict:
    """What is published, the gate's decision behind it, and the files that record them."""

    chosen: Publication
    side_files: dict[str, Any]
    decision: GateDecision | None = None


@dataclass
class _Candidates:
    """Every candidate's attempt and, with validation, its selection scores and what they
    were compared with."""

    attempts: dict[str, Attempt]
    scores: dict[str, CandidateResult]
    context: ValidationContext | None


def _try_candidates(
    run: RunRecord, plan: BalancePlan, scratch: str, clock: Stopwatch
) -> _Candidates:
    """Fit, generate and (with validation) score every candidate method on the selection
    rows, submitted side by side on the flow's task runner."""
    config = run.config
    runtime, methods = config.runtime, _training_first(config.candidate_methods())
    threads = runners.worker_threads(runtime, len(methods))
    get_run_logger().info(
        "candidates %s on %s", ", ".join(methods), runners.describe_runner(runtime, len(methods))
    )
    attempts = {}
    for method in methods:
        with runners.resources_for(runtime, method_traits(method).trains):
            attempts[method] = candidates.try_method.submit(
                run.sampler_rows, run.types, config.dataset, config.for_method(method), plan,
                scratch, threads,
            )  # fmt: skip
    scores, context = {}, None
    if config.validation.enabled and run.selection is not None:
        context = validation.prepare_validation.submit(
            run.sampler_rows, run.selection, run.types, plan, config, threads
        )
        for method in reversed(methods):  # a thread waiting on a GAN fit is taken last
            upstream: tuple[Any, Any] = (context, attempts[method])  # futures the runner resolves
            scores[method] = validation.validate.submit(*upstream, config.contract, threads)
    tried = {method: future.result() for method, future in attempts.items()}
    scored = {method: scores[method].result() for method in methods if method in scores}
    for method, attempt in tried.items():
        clock.seconds.update(attempt.seconds)
        if method in scored:
            scored[method].seconds = {**attempt.seconds, **scored[method].seconds}
            clock.seconds[f"validate:{method}"] = scored[method].seconds["validate"]
    return _Candidates(tried, scored, context.result() if context is not None else None)


def _training_first(methods: list[str]) -> list[str]:
    """Candidates that train (the longest tasks) start first."""
    return sorted(methods, key=lambda method: not method_traits(method).trains)


def _decide(
    run: RunRecord,
    plan: BalancePlan,
    tried: _Candidates,
    profile: dict[str, Any],
    clock: Stopwatch,
) -> _Verdict:
    """Let the gate decide on the selection scores, score what is published once on the
    holdout, render the report (only the profile to record when validation is off)."""
    config, candidates, context = run.config, tried.scores, tried.context
    synthetic = {m: a.synthetic for m, a in tried.attempts.items()}
    if context is None:
        chosen = decide_publication(plan, config.balance.method, synthetic, None)
        return _Verdict(chosen, {"_profile.json": profile})
    with clock.stage("validate"):
        decision = validation.gate(config.dataset.name, config.balance.method, candidates, config)
        chosen = decide_publication(plan, config.balance.method, synthetic, decision)
        holdout = None
        if chosen.gate != "refuse":
            holdout = validation.score_published(
                run.train, run.holdout, run.types, plan, config, chosen.method, chosen.synthetic
            )
        record = validation_record(decision, context, candidates, holdout, config.validation)
        report = validation.render_report(
            ReportData(
                dataset=config.dataset.name,
                version=run.version,
                decision=decision,
                candidates=candidates,
                baseline=context.baseline,
                tuned=context.tuned,
                holdout=holdout,
                plan=plan,
                published_after=chosen.plan.after,
                types=context.types,
                target=config.dataset.target,
                train=context.fit,
                synthetic=synthetic,
                histories={m: a.history for m, a in tried.attempts.items() if a.history},
                thresholds=config.validation.thresholds.model_dump(),
            )
        )
    files = {"_profile.json": profile, "_validation.json": record, "_report.html": report}
    return _Verdict(chosen, files, decision)
