"""The gate: planted bad generators are refused; policies and auto decide as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rebalance.core.config import ContractConfig, GateThresholds, ValidationConfig
from rebalance.core.samplers.smote import SmoteOversampler
from rebalance.core.validation.decision import decide
from rebalance.core.validation.evaluate import ValidationContext, scaled_rows
from rebalance.core.validation.gate import (
    METRIC_THRESHOLDS,
    CandidateResult,
    GateCheck,
    calibrated_threshold,
    metric_checks,
)
from rebalance.core.validation.significance import gain_probability
from rebalance.core.validation.utility import UtilityScores
from rebalance.data_contracts.synthetic_contract import contract_checks, evaluate_with_contract
from tests.planted import CopyOversampler, NoiseOversampler
from tests.support import MIXED_TYPES, mixed_frame
from tests.support import validation_context as context


def synthetic_from(sampler_cls: type, ctx: ValidationContext) -> pd.DataFrame:
    sampler = sampler_cls(seed=0).fit(ctx.fit, "label", MIXED_TYPES)
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
    assert not result.passed and not result.eligible


def test_copies_by_a_generative_model_are_memorisation(ctx: ValidationContext) -> None:
    rows = synthetic_from(CopyOversampler, ctx)
    result = evaluate_with_contract(ctx, "gan", rows, generative=True)
    gating = {check.group for check in result.failures()}
    assert {"exact_copy_share", "closer_than_holdout_share"} <= failed(result)
    assert gating - {"utility"} == {"memorisation"}  # not contract, not fidelity
    # the distance ratio is a privacy property: reported, never gating, for augmentation
    assert [c.name.split("[")[0] for c in result.reported_failures()] == ["dcr_ratio"]


def test_copies_by_an_oversampler_are_reported_not_gating(ctx: ValidationContext) -> None:
    rows = synthetic_from(CopyOversampler, ctx)
    result = evaluate_with_contract(ctx, "random", rows, generative=False)
    utility = {"minority_f1_gain_over_real_only", "minority_f1_gain_probability"}
    assert result.eligible and not failed(result) - utility
    reported = {c.name.split("[")[0] for c in result.reported_failures()}
    assert {"exact_copy_share", "dcr_ratio", "closer_than_holdout_share"} <= reported
    assert all("reported, not gating" in c.describe() for c in result.reported_failures())


def test_thresholds_scale_with_what_real_samples_reach() -> None:
    ks, detection = METRIC_THRESHOLDS["ks_complement"], METRIC_THRESHOLDS["detection_auc"]
    assert calibrated_threshold(ks, 0.70, 0.90) == pytest.approx(0.63)
    assert calibrated_threshold(ks, 0.70, 1.0) == pytest.approx(0.70)
    # detection: similarity 2 * (1 - AUC); 0.98 keeps 0.04 of it, real samples reach 0.88
    assert calibrated_threshold(detection, 0.98, 0.56) == pytest.approx(1 - 0.04 * 0.88 / 2)
    assert calibrated_threshold(detection, 0.90, 0.50) == pytest.approx(0.90)
    assert calibrated_threshold(detection, 0.90, 0.40) == pytest.approx(0.90)  # below chance
    assert calibrated_threshold(detection, 0.90, float("nan")) == 0.90  # not measurable
    privacy = METRIC_THRESHOLDS["exact_copy_share"]
    assert calibrated_threshold(privacy, 0.10, 0.5) == 0.10  # privacy is not calibrated


def test_a_small_class_is_judged_against_its_own_real_samples() -> None:
    measured = {"yes": {"contingency_similarity": 0.47}}
    groups = {"contingency_similarity": "fidelity"}
    noisy_reals = {"yes": {"contingency_similarity": 0.62}}  # two real samples of ~20 rows
    fixed = metric_checks(measured, groups, GateThresholds(calibrate=False), noisy_reals)
    calibrated = metric_checks(measured, groups, GateThresholds(), noisy_reals)
    assert not fixed[0].passed and fixed[0].threshold == 0.5
    assert calibrated[0].passed and calibrated[0].threshold == pytest.approx(0.31)
    assert "two real samples score 0.62" in calibrated[0].detail


def test_references_are_real_samples_of_every_synthesized_class(ctx: ValidationContext) -> None:
    assert set(ctx.references) == set(ctx.plan.to_generate)
    reference = ctx.references["yes"]
    assert 0.4 <= reference["detection_auc"] <= 0.7  # real against real: close to chance
    assert reference["ks_complement"] > 0.8


def test_selection_scores_synthetic_rows_scaled_to_the_fit_rows() -> None:
    rows = pd.DataFrame({"label": ["a"] * 8 + ["b"] * 4, "x": range(12)})
    kept = scaled_rows(rows, "label", 0.75)
    assert kept["label"].value_counts().to_dict() == {"a": 6, "b": 3}
    assert kept["x"].tolist() == [0, 1, 2, 3, 4, 5, 8, 9, 10]  # the first rows of each class
    assert scaled_rows(rows, "label", 1.0) is rows


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


def _income_check(
    real: pd.DataFrame, rows: pd.DataFrame, tolerances: ContractConfig, phrase: str
) -> GateCheck:
    """The contract's one check of the 'income' column of class 'yes' whose name has
    ``phrase``."""
    checks = contract_checks(real, rows, "label", MIXED_TYPES, {"yes": 40}, tolerances)
    (check,) = [c for c in checks if c.name.startswith("contract: column 'income' of class")
                and phrase in c.name]  # fmt: skip
    return check


def test_the_null_share_tolerance_is_the_contract_config_and_reads_plainly() -> None:
    real = mixed_frame()  # no income is missing
    rows = real[real["label"] == "yes"].sample(40, replace=True, random_state=0)
    rows = rows.reset_index(drop=True)
    rows.loc[::10, "income"] = np.nan  # 10% of the synthetic incomes missing

    def income_check(tolerance: float) -> GateCheck:
        tolerances = ContractConfig(null_share_tolerance=tolerance)
        return _income_check(real, rows, tolerances, "non-null")

    strict = income_check(ContractConfig().null_share_tolerance)
    assert not strict.passed
    assert "non-null share in [0.95, 1]: the real 1 +/- 0.05" in strict.name  # plain numbers
    assert "np." not in strict.name + strict.detail
    assert income_check(0.2).passed


def test_the_range_tolerance_is_the_contract_config_and_reads_plainly() -> None:
    real = mixed_frame()
    rows = real[real["label"] == "yes"].sample(40, replace=True, random_state=0)
    rows = rows.reset_index(drop=True)
    span = rows["income"].max() - rows["income"].min()
    real_high = real.loc[real["label"] == "yes", "income"].max()
    real_span = real_high - real.loc[real["label"] == "yes", "income"].min()
    rows.loc[0, "income"] = real_high + 0.1 * real_span  # 10% of the span above the real max
    assert span > 0

    def income_range(tolerance: float) -> GateCheck:
        return _income_check(real, rows, ContractConfig(range_tolerance=tolerance), "real range")

    default = income_range(ContractConfig().range_tolerance)
    assert not default.passed
    assert "+/- 0.05 of its span (contract.range_tolerance)" in default.name
    assert income_range(0.15).passed


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


def test_auto_picks_the_best_candidate_that_passes() -> None:
    candidates = {
        "gan": _candidate("gan", 0.9, ok=False),  # best F1 but unfaithful: excluded
        "smote": _candidate("smote", 0.7, utility_ok=False),  # a gain it cannot be sure of
        "random": _candidate("random", 0.65),
        "smote_like": _candidate("smote_like", 0.62),
        "none": _candidate("none", 0.6),
    }
    decision = decide("auto", candidates, ValidationConfig())
    assert (decision.outcome, decision.method) == ("publish", "random")
    assert "gan excluded" in decision.reason and "smote excluded" in decision.reason
    lines = decision.lines
    assert lines["random"].startswith("random: published: passed all 2 gating check(s)")
    assert lines["gan"].startswith("gan: not published: failed fidelity: detection_auc[yes]")
    assert lines["smote"].startswith("smote: not published: failed utility: minority_f1_gain")
    assert "below random's 0.650" in lines["smote_like"]
    assert "selection minority F1 0.600" in lines["none"]
    only_none = {"gan": candidates["gan"], "none": candidates["none"]}
    assert decide("auto", only_none, ValidationConfig()).outcome == "publish_real_only"


def test_gain_probability_separates_a_sure_gain_from_noise() -> None:
    rng = np.random.default_rng(0)
    truth = np.where(rng.random(400) < 0.2, "yes", "no")
    baseline = np.where(rng.random(400) < 0.5, truth, "no")  # finds half the minority
    better = np.where(rng.random(400) < 0.9, truth, "no")  # finds 90% of it
    noisy = baseline.copy()  # one more minority row found, one other lost: a coin toss
    noisy[np.flatnonzero((truth == "yes") & (baseline == "no"))[0]] = "yes"
    noisy[np.flatnonzero((truth == "yes") & (baseline == "yes"))[0]] = "no"
    assert gain_probability(truth, better, baseline, ["yes"], seed=0) > 0.99
    assert gain_probability(truth, baseline, better, ["yes"], seed=0) < 0.01
    assert 0.1 < gain_probability(truth, noisy, baseline, ["yes"], seed=0) < 0.9
    assert gain_probability(truth, baseline, baseline, ["yes"], seed=0) == 0.5  # ties: half


def test_every_candidate_gets_one_line_under_a_policy() -> None:
    candidates = {
        "gan": _candidate("gan", 0.5, ok=False),
        "smote": _candidate("smote", 0.7),
        "none": _candidate("none", 0.6),
    }
    decision = decide("gan", candidates, ValidationConfig(on_failure="publish_real_only"))
    assert set(decision.lines) == {"gan", "smote", "none"}
    assert all("\n" not in line for line in decision.lines.values())
    assert decision.lines["none"].startswith("none: published (real rows only)")
    assert "but the run publishes gan" in decision.lines["smote"]


def test_default_thresholds_are_inside_their_metric_ranges() -> None:
    t = GateThresholds()
    assert 0.5 <= t.max_detection_auc <= 1 and 0 <= t.max_exact_copy_share <= 1
