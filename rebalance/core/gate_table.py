"""The gate's decision as table rows (one per candidate), for a Prefect table artifact."""

from __future__ import annotations

from typing import Any

from rebalance.core.validation.decision import GateDecision
from rebalance.core.validation.gate import CandidateResult
from rebalance.core.validation.utility import UTILITY_METRICS


def gate_rows(
    decision: GateDecision, candidates: dict[str, CandidateResult]
) -> list[dict[str, Any]]:
    """Per candidate: the verdict, whether it is what gets published, its utility scores on
    the selection rows, and its failed gating checks (each with value and threshold)."""
    rows = []
    for method, candidate in candidates.items():
        scores = candidate.utility.as_dict()
        row: dict[str, Any] = {
            "candidate": method,
            "gate": "pass" if candidate.passed else "fail",
            "published": method == decision.method,
        }
        row.update({name: scores[name] for name in UTILITY_METRICS})
        row["failed checks"] = "; ".join(c.describe() for c in candidate.failures()) or "none"
        rows.append(row)
    return rows
