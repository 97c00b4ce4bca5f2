"""The gate: planted bad generators are refused; policies and auto decide as documented."""

from __future__ import annotations

import pandas as pd
import pytest

from rebalance.core.config import GateThresholds, ValidationConfig
from rebalance.core.samplers.smote import SmoteOversampler
from rebalance.core.validation.evaluate import ValidationContext
from rebalance.core.validation.gate import CandidateResult, GateCheck, decide
from rebalance.core.validation.utility import UtilityScores
from rebalance.data_contracts.synthetic_contract import evaluate_with_contract
from tests.planted import CopyOversampler, NoiseOversampler
from tests.support import MIXED_TYPES
from tests.support import validation_context as context


def synthetic_from(sampler_cls: type, ctx: ValidationContext) -> pd.DataFrame:
    sampler = sampler_cls(seed=0).fit(ctx.train, "label", MIXED_TYPES)
    return pd.concat([sampler.sample(k, n) for k, n in ctx.plan.to_generate.items()])


@pytest.fixture(scope="module")
def ctx() -> ValidationContext:
    return context()


def failed(result: CandidateResult) -> set[str]:
    return {check.name.split("[")[0] for check in result.failures()}


def test_noise_generator_fails_contract_and_fidelity(ctx: ValidationContext) -> None:
    result = evaluate_with_contract(ctx, "gan", synthetic_from(NoiseOversampler, ctx))
    names = failed(result)
    assert {"ks_complement", "detection_auc"} <= names
    assert any(name.startswith("contract: column 'income'") for name in names)  # out of range
    assert not result.passed and not result.faithful_and_private


def test_copy_generator_fails_privacy_only(ctx: ValidationContext) -> None:
    result = evaluate_with_contract(ctx, "gan", synthetic_from(CopyOversampler, ctx))
    groups = {check.group for check in result.failures()}
    assert {"exact_copy_share", "dcr_ratio", "closer_than_holdout_share"} <= failed(result)
    assert "contract" not in groups and "fidelity" not in groups


def test_smote_rows_pass_contract_and_fidelity(ctx: ValidationContext) -> None:
    result = evaluate_with_contract(ctx, "smote", synthetic_from(SmoteOversampler, ctx))
    assert all(c.passed for c in result.checks if c.group in ("contract", "fidelity"))
    assert result.synthetic_rows == sum(ctx.plan.to_generate.values())


def test_wrong_counts_and_labels_break_the_contract(ctx: ValidationContext) -> None:
    rows = synthetic_from(SmoteOversampler, ctx)
    short = rows.iloc[:-3]
    names = failed(evaluate_with_contract(ctx, "smote", short))
    assert any("exactly" in n and "synthetic row(s) of class 'yes'" in n for n in names)
    relabelled = rows.assign(label="no")
    names = failed(evaluate_with_contract(ctx, "smote", relabelled))
    assert any("only from the requested classes" in n for n in names)


def _candidate(method: str, f1: float, ok: bool = True, utility_ok: bool = True) -> CandidateResult:
    scores = UtilityScores(f1, f1, f1, f1, f1, 100)
    checks = [GateCheck("detection_auc[yes]", "fidelity", 0.9 if ok else 0.999, 0.98, "<=", ok)]
    checks.append(GateCheck("minority_f1_gain", "utility", 0.0, 0.0, ">=", utility_ok))
    return CandidateResult(method, 0 if method == "none" else 10, scores, checks=checks)


def test_fail_policy_refuses_and_lists_failures() -> None:
    candidates = {"gan": _candidate("gan", 0.5, ok=False), "none": _candidate("none", 0.6)}
    decision = decide("gan", candidates, ValidationConfig())
    assert decision.outcome == "refuse"
    assert decision.failures == ["detection_auc[yes] = 0.999, needs <= 0.98 (off by 0.019)"]


def test_fallback_policy_takes_the_first_fallback_that_passes() -> None:
    candidates = {
        "gan": _candidate("gan", 0.5, ok=False),
        "smote": _candidate("smote", 0.7, utility_ok=False),
        "random": _candidate("random", 0.65),
        "none": _candidate("none", 0.6),
    }
    config = ValidationConfig(on_failure="fallback", fallback_methods=["smote", "random", "none"])
    decision = decide("gan", candidates, config)
    assert (decision.outcome, decision.method) == ("publish", "random")
    only_none = ValidationConfig(on_failure="fallback", fallback_methods=["none"])
    assert decide("gan", candidates, only_none).outcome == "publish_real_only"


def test_publish_real_only_policy() -> None:
    candidates = {"gan": _candidate("gan", 0.5, ok=False), "none": _candidate("none", 0.6)}
    decision = decide("gan", candidates, ValidationConfig(on_failure="publish_real_only"))
    assert (decision.outcome, decision.method) == ("publish_real_only", "none")


def test_auto_picks_best_utility_among_faithful_and_private() -> None:
    candidates = {
        "gan": _candidate("gan", 0.9, ok=False),  # best F1 but unfaithful: excluded
        "smote": _candidate("smote", 0.7, utility_ok=False),
        "random": _candidate("random", 0.65),
        "none": _candidate("none", 0.6),
    }
    decision = decide("auto", candidates, ValidationConfig())
    assert (decision.outcome, decision.method) == ("publish", "smote")
    assert "gan excluded" in decision.reason


def test_default_thresholds_are_inside_their_metric_ranges() -> None:
    t = GateThresholds()
    assert 0.5 <= t.max_detection_auc <= 1 and 0 <= t.max_exact_copy_share <= 1
