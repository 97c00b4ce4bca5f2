"""What a run publishes, decided in one place, and the summary a run returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from rebalance.core.config import ColumnType, RebalanceConfig
from rebalance.core.errors import GateError, PublishError
from rebalance.core.plan import BalancePlan
from rebalance.core.publish import PublishResult, assemble_train
from rebalance.core.validation.decision import GateDecision

NOT_VALIDATED = "not validated"


@dataclass(frozen=True)
class RunRecord:
    """A run's input as the later stages see it: config, content key and the split rows."""

    config: RebalanceConfig
    version: str  # content key of input fingerprint, config and code version
    fingerprint: str  # sha256 of the input bytes
    types: dict[str, ColumnType]
    train: pd.DataFrame  # real train rows
    holdout: pd.DataFrame  # real holdout rows, never augmented
    run_id: str | None = None  # the orchestrator's run id, recorded in metadata
    fit: pd.DataFrame | None = None  # the train rows samplers fit on (None: all of them)
    selection: pd.DataFrame | None = None  # train rows the gate decides on (None: no gate)

    @property
    def sampler_rows(self) -> pd.DataFrame:
        return self.train if self.fit is None else self.fit


@dataclass(frozen=True)
class Publication:
    """Whose rows a run publishes and the plan as published."""

    method: str  # whose synthetic rows are published ("none": the real rows only)
    synthetic: pd.DataFrame | None
    plan: BalancePlan  # nothing generated when only real rows are published
    gate: str  # publish | publish_real_only | refuse | "not validated"

    @property
    def release(self) -> str:
        return self.plan.release


def decide_publication(
    plan: BalancePlan,
    configured_method: str,
    synthetic: Mapping[str, pd.DataFrame | None],
    decision: GateDecision | None,
) -> Publication:
    """The gate's decision (or, without validation, the configured method) applied to the
    candidates' rows. A refused run publishes nothing; its plan is the real counts."""
    gate = decision.outcome if decision is not None else NOT_VALIDATED
    method = decision.method if decision is not None else configured_method
    rows = synthetic.get(method) if gate != "refuse" and method != "none" else None
    if rows is None or rows.empty:
        if plan.release == "synthetic_only" and gate != "refuse":
            raise PublishError(
                f"a synthetic_only release publishes synthetic rows only; expected rows from "
                f"method {method!r}, found none (gate: {gate})"
            )
        return Publication(method, None, replace(plan, to_generate={}), gate)
    return Publication(method, rows, plan, gate)


def release_splits(
    train: pd.DataFrame, holdout: pd.DataFrame, chosen: Publication
) -> dict[str, pd.DataFrame]:
    """The splits a version holds. Augmented: the real train rows with the synthetic ones, and
    the real holdout. Synthetic-only (for sharing): the synthetic rows alone, no real row and
    no holdout split (its scores are in the validation record)."""
    rows = assemble_train(train, chosen.synthetic)
    if chosen.release != "synthetic_only":
        return {"train": rows, "holdout": holdout}
    return {"train": rows.iloc[len(train) :].reset_index(drop=True)}


def refusal_error(
    dataset: str, decision: GateDecision, report: str | None, seconds: dict[str, float]
) -> GateError:
    return GateError(
        dataset, decision.evaluated, decision.failures or [decision.reason], report, seconds
    )


@dataclass(frozen=True)
class RunSummary:
    dataset: str
    version: str
    path: str
    reused: bool
    method: str = ""  # the method whose rows were published ("none": real rows only)
    gate: str = ""  # publish | publish_real_only | not validated
    release: str = "augmented"  # synthetic_only: the version holds synthetic rows, no holdout
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    quarantined_rows: int = 0
    quarantine_path: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    decision: str = ""  # the gate's line for the published candidate
    not_published: list[str] = field(default_factory=list)  # the gate's lines for the others
    # minority F1 on the reported holdout: published, real_only, real_only_tuned
    holdout_f1: dict[str, float | None] = field(default_factory=dict)


def validation_digest(record: Mapping[str, Any] | None) -> dict[str, Any]:
    """The gate's line for what was published and the holdout F1s, from a validation record."""
    if not record:
        return {}
    decision = record["decision"]
    chosen = decision["method"]
    line = decision.get("lines", {}).get(chosen, decision["reason"])
    scores = record.get("holdout") or {}
    f1 = {
        name: (scores.get(name) or {}).get("f1")
        for name in ("published", "real_only", "real_only_tuned")
        if name in scores
    }
    others = [text for method, text in decision.get("lines", {}).items() if method != chosen]
    return {"decision": line, "not_published": others, "holdout_f1": f1}


def run_summary(
    result: PublishResult,
    dataset: str,
    chosen: Publication,
    excluded: dict[str, str],
    quarantine: tuple[int, str | None],
    seconds: dict[str, float],
    validation: Mapping[str, Any] | None = None,
) -> RunSummary:
    """The summary of a run that published ``chosen``; ``quarantine``: rows and their file;
    ``validation``: the run's validation record, if it had one."""
    return RunSummary(
        **validation_digest(validation),
        dataset=dataset,
        version=result.version,
        path=result.path,
        reused=result.reused,
        method=chosen.method,
        gate=chosen.gate,
        release=chosen.release,
        before=chosen.plan.before,
        after=chosen.plan.after,
        excluded=excluded,
        quarantined_rows=quarantine[0],
        quarantine_path=quarantine[1],
        seconds=seconds,
    )


def summary_of_manifest(
    dataset: str, version: str, path: str, manifest: dict[str, Any]
) -> RunSummary:
    """The summary of a version published earlier, from its manifest."""
    return RunSummary(
        dataset=dataset,
        version=version,
        path=path,
        reused=True,
        method=manifest.get("method", ""),
        gate=manifest.get("validation", {}).get("decision", {}).get("outcome", NOT_VALIDATED),
        before=manifest["class_counts_before"],
        after=manifest["class_counts_after"],
        excluded=manifest.get("excluded_classes", {}),
        release=manifest.get("release", "augmented"),
        **validation_digest(manifest.get("validation")),
    )
