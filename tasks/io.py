"""Tasks that touch storage: reading the input and publishing the output. Retried on
transient I/O faults only."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from rebalance.core import publish as publishing
from rebalance.core import refusals
from rebalance.core.config import DatasetSpec, RebalanceConfig
from rebalance.core.errors import GateError
from rebalance.core.ingest import RawTable, read_raw
from rebalance.core.lineage import run_metadata
from rebalance.core.profile import class_counts
from rebalance.core.publication import (
    Publication,
    RunRecord,
    RunSummary,
    release_splits,
    summary_of_manifest,
)
from rebalance.core.validation.record import validation_metadata
from rebalance.tasks.retry import IO_RETRIES, IO_RETRY_DELAYS, retry_if_transient

IO_OPTIONS: dict[str, Any] = {
    "retries": IO_RETRIES,
    "retry_delay_seconds": IO_RETRY_DELAYS,
    "retry_condition_fn": retry_if_transient,
    "cache_policy": NO_CACHE,
}


@task(name="ingest", **IO_OPTIONS)
def ingest(spec: DatasetSpec) -> RawTable:
    return read_raw(spec)


@task(name="find-published", **IO_OPTIONS)
def find_published(config: RebalanceConfig, version: str) -> RunSummary | None:
    """The summary of this content key's version if it is already published (``latest`` is
    pointed back at it), else None."""
    root, dataset = config.output.root, config.dataset.name
    folder = publishing.find_version(root, dataset, version)
    if folder is None:
        return None
    publishing.move_latest(folder.parent.parent, version)
    get_run_logger().info("input and config unchanged: version %s is already published", version)
    return summary_of_manifest(dataset, version, str(folder), publishing.read_manifest(folder))


@task(name="stop-if-refused", **IO_OPTIONS)
def stop_if_refused(config: RebalanceConfig, version: str) -> None:
    """The same input and config were refused before: say so instead of training again."""
    root, dataset = config.output.root, config.dataset.name
    record = refusals.read_refusal(root, dataset, version)
    if record is None:
        return
    decision = record.get("decision", {})
    failures = decision.get("failures") or [decision.get("reason", "see the report")]
    raise GateError(
        dataset,
        str(decision.get("evaluated", config.balance.method)),
        [f"already refused for this input and config: {failures[0]}", *failures[1:]],
        str(refusals.refusal_dir(root, dataset, version)),
    )


@task(name="write-quarantine", **IO_OPTIONS)
def write_quarantine(config: RebalanceConfig, fingerprint: str, rows: pd.DataFrame) -> str | None:
    """Quarantined rows beside the output (None when there are none)."""
    if rows.empty:
        return None
    path = publishing.write_quarantine(config.output.root, config.dataset.name, fingerprint, rows)
    get_run_logger().warning("%d row(s) quarantined to %s", len(rows), path)
    return str(path)


@task(name="discard-work", **IO_OPTIONS)
def discard_work(folder: str) -> None:
    """Drop a run's scratch files (GAN checkpoints) once it has published or been refused."""
    shutil.rmtree(folder, ignore_errors=True)


@task(name="publish", **IO_OPTIONS)
def publish(
    run: RunRecord,
    chosen: Publication,
    side_files: dict[str, Any],
    rows_fitted: tuple[int, int] | None = None,
) -> publishing.PublishResult:
    """Write the real train rows with ``chosen``'s synthetic rows, and the real holdout (a
    synthetic-only release: its synthetic rows alone), as one complete version with its
    metadata and side files. ``rows_fitted``: the rows its sampler learnt from, of those given."""
    config, dataset = run.config, run.config.dataset.name
    record = side_files.get("_validation.json")  # absent when validation is off
    metadata = run_metadata(
        config,
        version=run.version,
        input_fingerprint=run.fingerprint,
        plan=chosen.plan,
        holdout_counts=class_counts(run.holdout[config.dataset.target]),
        column_types=dict(run.types),
        run_id=run.run_id,
        method=chosen.method,
        validation=validation_metadata(record) if record is not None else None,
        rows_fitted=rows_fitted,
    )
    splits = release_splits(run.train, run.holdout, chosen)
    result = publishing.publish_version(
        config.output.root, dataset, run.version, splits, metadata, extra_files=side_files
    )
    if "_report.html" in side_files:
        link_report(dataset, Path(result.path) / "_report.html", "published version")
    create_markdown_artifact(
        key=artifact_key(dataset, "publish"),
        markdown=publish_markdown(dataset, result, metadata),
        description=f"Published version of {dataset}",
    )
    return result


@task(name="write-refusal", **IO_OPTIONS)
def write_refusal(root: str, dataset: str, version: str, side_files: dict[str, Any]) -> str:
    folder = refusals.write_refusal(root, dataset, version, side_files)
    if "_report.html" in side_files:
        link_report(dataset, folder / "_report.html", "refused version")
    return str(folder)


def link_report(dataset: str, path: Path, what: str) -> None:
    create_link_artifact(
        key=artifact_key(dataset, "report"),
        link=path.resolve().as_uri(),
        link_text=f"validation report of the {what}",
        description=f"Self-contained HTML validation report for {dataset}",
    )


def artifact_key(dataset: str, what: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in dataset.lower()).strip("-")
    return f"{safe or 'dataset'}-{what}"


def publish_markdown(dataset: str, result: publishing.PublishResult, meta: dict[str, Any]) -> str:
    before, after = meta["class_counts_before"], meta["class_counts_after"]
    rows = "\n".join(f"| {label} | {before[label]} | {after[label]} |" for label in before)
    state = "already published (reused)" if result.reused else "published"
    return (
        f"# {dataset}: version `{result.version}` {state}\n\n"
        f"- location: `{Path(result.path)}`\n- method: `{meta['method']}`, seed {meta['seed']}\n"
        f"- rows: {result.row_counts}\n\n"
        f"| class | train before | train after |\n|---|---:|---:|\n{rows}\n"
    )
