"""The validation result as stored: ``_validation.json`` and the compact Parquet metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rebalance.core.config import ValidationConfig
from rebalance.core.validation.evaluate import ValidationContext
from rebalance.core.validation.gate import CandidateResult, GateDecision


def validation_record(
    decision: GateDecision,
    context: ValidationContext,
    candidates: Mapping[str, CandidateResult],
    config: ValidationConfig,
) -> dict[str, Any]:
    """The full validation result: ``_validation.json`` beside the version."""
    return {
        "decision": decision.as_dict(),
        "baseline": context.baseline.as_dict(),
        "threshold_tuned": context.tuned.as_dict() if context.tuned else None,
        "candidates": {method: c.as_dict() for method, c in candidates.items()},
        "thresholds": config.thresholds.model_dump(),
        "classifier": config.classifier.model_dump(),
    }


def validation_metadata(record: Mapping[str, Any]) -> dict[str, Any]:
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
