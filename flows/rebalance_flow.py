"""The ``rebalance`` flow: raw file in, balanced and versioned Parquet dataset out."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from rebalance import __version__
from rebalance.config import RebalanceConfig
from rebalance.lineage import run_metadata
from rebalance.profile import class_counts
from rebalance.publish import (
    assemble_train,
    content_key,
    find_version,
    move_latest,
    read_manifest,
    work_dir,
)
from tasks import io, stages


@dataclass(frozen=True)
class RunSummary:
    dataset: str
    version: str
    path: str
    reused: bool
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    quarantined_rows: int = 0
    quarantine_path: str | None = None


@flow(name="rebalance", log_prints=True)
def rebalance(config: RebalanceConfig) -> RunSummary:
    """ingest -> validate input -> profile -> split -> fit sampler -> generate -> publish"""
    spec, balance, root = config.dataset, config.balance, config.output.root
    logger = get_run_logger()

    raw = io.ingest(spec)
    version = content_key(raw.fingerprint, config.content_hash(), __version__)
    if (existing := find_version(root, spec.name, version)) is not None:
        move_latest(existing.parent.parent, version)
        logger.info("input and config unchanged: version %s is already published", version)
        return _summary_of_existing(spec.name, version, str(existing))

    table = stages.type_columns(raw, spec)
    quarantine_path = None
    if len(table.quarantine):
        quarantine_path = io.write_quarantine(root, spec.name, raw.fingerprint, table.quarantine)
        logger.warning("%d row(s) quarantined to %s", len(table.quarantine), quarantine_path)
    stages.check_contract(table, spec, config.contract)
    profile = stages.profile(table, spec, balance)

    train, holdout = stages.split(table, spec, balance)
    plan = stages.plan(train, spec, balance)
    scratch = work_dir(root, spec.name, version)
    sampler = stages.fit_sampler(train, table, spec, balance, str(scratch))
    synthetic = stages.generate(sampler, plan)
    # The synthetic-sample validation stage plugs in here, between generation and publishing.

    metadata = run_metadata(
        config,
        version=version,
        input_fingerprint=raw.fingerprint,
        plan=plan,
        holdout_counts=class_counts(holdout[spec.target]),
        column_types=dict(table.types),
        run_id=flow_run.get_id(),
    )
    splits = {"train": assemble_train(train, synthetic), "holdout": holdout}
    result = io.publish(root, spec.name, version, splits, metadata, profile)
    shutil.rmtree(scratch, ignore_errors=True)  # checkpoints are not needed once published
    return RunSummary(
        dataset=spec.name,
        version=result.version,
        path=result.path,
        reused=result.reused,
        before=plan.before,
        after=plan.after,
        excluded=plan.excluded,
        quarantined_rows=len(table.quarantine),
        quarantine_path=quarantine_path,
    )


def _summary_of_existing(dataset: str, version: str, path: str) -> RunSummary:
    manifest = read_manifest(path)
    return RunSummary(
        dataset=dataset,
        version=version,
        path=path,
        reused=True,
        before=manifest["class_counts_before"],
        after=manifest["class_counts_after"],
        excluded=manifest.get("excluded_classes", {}),
    )
