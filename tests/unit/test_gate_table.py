"""The gate's table artifact: utility scores and failed checks per candidate."""

from __future__ import annotations

from typing import Any

import pytest

from rebalance.core.config import RebalanceConfig, ValidationConfig
from rebalance.core.validation.decision import decide
from rebalance.core.validation.gate import CandidateResult, GateCheck
from rebalance.core.validation.utility import UtilityScores
from rebalance.tasks import validation


def candidate(method: str, f1: float, faithful: bool = True) -> CandidateResult:
    scores = UtilityScores(f1, f1 + 0.1, f1 - 0.1, f1 + 0.2, f1 + 0.05, 100)
    auc = 0.9 if faithful else 0.999
    checks = [GateCheck("detection_auc[yes]", "fidelity", auc, 0.98, "<=", faithful)]
    return CandidateResult(method, 0 if method == "none" else 10, scores, checks=checks)


def test_the_gate_task_records_a_table_of_scores_and_failed_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tables: dict[str, Any] = {}
    monkeypatch.setattr(validation, "create_markdown_artifact", lambda **kwargs: None)
    monkeypatch.setattr(validation, "create_table_artifact", lambda **kwargs: tables.update(kwargs))
    monkeypatch.setattr(validation, "get_run_logger", lambda: _Silent())
    candidates = {"gan": candidate("gan", 0.7, faithful=False), "none": candidate("none", 0.6)}
    config = RebalanceConfig.model_validate(
        {"dataset": {"name": "toy", "path": "x.csv", "target": "y"}, "balance": {"method": "gan"},
         "validation": {"on_failure": "publish_real_only"}}
    )  # fmt: skip
    decision = validation.gate.fn("toy", "gan", candidates, config)
    assert decision == decide("gan", candidates, ValidationConfig(on_failure="publish_real_only"))
    assert tables["key"] == "toy-gate-table"
    gan, none = tables["table"]
    assert (gan["candidate"], gan["gate"], gan["published"]) == ("gan", "fail", False)
    assert gan["f1"] == pytest.approx(0.7) and gan["recall"] == pytest.approx(0.8)
    assert gan["failed checks"] == "detection_auc[yes] = 0.999, needs <= 0.98 (off by 0.019)"
    assert (none["gate"], none["published"], none["failed checks"]) == ("pass", True, "none")


class _Silent:
    def info(self, *args: Any) -> None: ...

    warning = info
