"""The validation result as stored: ``_validation.json`` and the compact Parquet metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rebalance.core.config import ValidationConfig
from rebalance.core.validation.decision import GateDecision
from rebalance.core.validation.evaluate import ValidationContext
from rebalance.core.validation.gate import CandidateResult
from rebalance.core.validation.holdout import HoldoutScores


def validation_record(
    decision: GateDecision,
    context: ValidationContext,
    candidates: Mapping[str, CandidateResult],
    holdout: HoldoutScores | None,
    config: ValidationConfig,
) -> dict[str, Any]:
    """The full validation result: ``_validation.json`` beside the version. ``selection``:
    what the gate decided on; ``holdout``: the published rows scored once, after deciding
    (None when nothing was published)."""
    return {
        "decision": decision.as_dict(),
        "release": config.release,
        "selection": {
            "fit_rows": len(context.fit),
            "selection_rows": len(context.selection),
            "baseline": context.baseline.as_dict(),
            "threshold_tuned": context.tuned.as_dict() if context.tuned else None,
            "references": context.references,
        },
        "holdout": holdout.as_dict() if holdout is not None else None,
        "candidates": {method: c.as_dict() for method, c in candidates.items()},
        "thresholds": config.thresholds.model_dump(),
        "classifier": config.classifier.model_dump(),
    }


def validation_metadata(record: Mapping[str, Any]) -> dict[str, Any]:
    """The compact part that every published Parquet file carries in its metadata."""
    selection = record["selection"]
    return {
        "decision": record["decision"],
        "release": record["release"],
        "selection": {k: selection[k] for k in ("fit_rows", "selection_rows", "baseline")},
        "holdout": record["holdout"],
        "candidates": {
            method: {k: c[k] for k in ("passed", "synthetic_rows", "utility", "metrics")}
            for method, c in record["candidates"].items()
        },
        "thresholds": record["thresholds"],
    }
