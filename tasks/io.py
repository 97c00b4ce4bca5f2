"""Tasks that touch storage: reading the input and publishing the output. Retried on
transient I/O faults only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from rebalance import publish as publishing
from rebalance.config import DatasetSpec
from rebalance.ingest import RawTable, read_raw
from tasks.retry import IO_RETRIES, IO_RETRY_DELAYS, retry_if_transient

IO_OPTIONS: dict[str, Any] = {
    "retries": IO_RETRIES,
    "retry_delay_seconds": IO_RETRY_DELAYS,
    "retry_condition_fn": retry_if_transient,
    "cache_policy": NO_CACHE,
}


@task(name="ingest", **IO_OPTIONS)
def ingest(spec: DatasetSpec) -> RawTable:
    return read_raw(spec)


@task(name="write-quarantine", **IO_OPTIONS)
def write_quarantine(root: str, dataset: str, fingerprint: str, rows: pd.DataFrame) -> str:
    return str(publishing.write_quarantine(root, dataset, fingerprint, rows))


@task(name="publish", **IO_OPTIONS)
def publish(
    root: str,
    dataset: str,
    version: str,
    splits: dict[str, pd.DataFrame],
    metadata: dict[str, Any],
    side_files: dict[str, Any],
) -> publishing.PublishResult:
    result = publishing.publish_version(
        root, dataset, version, splits, metadata, extra_files=side_files
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
    folder = publishing.write_refusal(root, dataset, version, side_files)
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
