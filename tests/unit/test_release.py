"""The synthetic_only release: every class generated, privacy gating, TSTR utility, no real
rows; and the config combinations that would publish real rows refused."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from rebalance import balance
from rebalance.cli.main import _apply_options, build_parser
from rebalance.core.config import BalanceConfig, GateThresholds, RebalanceConfig, ValidationConfig
from rebalance.core.errors import GateError, PlanError, PublishError, SpecError
from rebalance.core.plan import make_plan
from rebalance.core.publication import Publication, decide_publication, release_splits
from rebalance.core.samplers.random_oversampler import RandomOversampler
from rebalance.core.samplers.smote import SmoteOversampler
from rebalance.core.validation.decision import decide
from rebalance.core.validation.evaluate import ValidationContext
from rebalance.core.validation.gate import CandidateResult, GateCheck, tstr_checks
from rebalance.core.validation.utility import UtilityScores
from rebalance.data_contracts.synthetic_contract import evaluate_with_contract
from tests.planted import CopyOversampler
from tests.support import MIXED_TYPES, mixed_frame, validation_context

SYNTHETIC_ONLY = ValidationConfig(release="synthetic_only")


@pytest.fixture(autouse=True, scope="module")
def one_openmp_thread() -> Iterator[None]:
    """Gradient boosting's OpenMP threads crawl on a busy 2-core machine; one is faster."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def ctx() -> ValidationContext:
    return validation_context(SYNTHETIC_ONLY)


def rows_of(sampler_cls: type, ctx: ValidationContext) -> pd.DataFrame:
    sampler = sampler_cls(seed=0).fit(ctx.fit, "label", MIXED_TYPES)
    return pd.concat([sampler.sample(k, n) for k, n in ctx.plan.to_generate.items()])


def names(checks: list[GateCheck]) -> set[str]:
    return {check.name.split("[")[0] for check in checks}


# ---- plan ---------------------------------------------------------------------------------


def test_every_class_is_generated_to_its_augmented_final_count() -> None:
    counts = {"a": 100, "b": 30, "c": 10}
    augmented = make_plan(counts, BalanceConfig())
    shared = make_plan(counts, BalanceConfig(), "synthetic_only")
    assert augmented.to_generate == {"b": 70, "c": 90}
    assert shared.to_generate == {"a": 100, "b": 100, "c": 100} == shared.after
    assert shared.oversampled == augmented.oversampled == ["b", "c"]  # utility's minority side
    only_c = make_plan(counts, BalanceConfig(sampling_strategy={"c": 50}), "synthetic_only")
    assert only_c.after == {"a": 100, "b": 30, "c": 50}  # classes left alone keep their count
    assert only_c.oversampled == ["c"]


def test_a_class_too_small_to_learn_is_absent_and_said_so() -> None:
    plan = make_plan({"a": 100, "b": 30, "c": 3}, BalanceConfig(), "synthetic_only")
    assert plan.after == {"a": 100, "b": 100, "c": 0}
    assert "absent from the synthetic-only export" in plan.excluded["c"]
    with pytest.raises(PlanError, match="small_class_policy is 'fail'"):
        make_plan({"a": 100, "c": 3}, BalanceConfig(small_class_policy="fail"), "synthetic_only")
    with pytest.raises(PlanError, match="at least 2 classes to generate, found \\['a'\\]"):
        make_plan({"a": 100, "c": 3}, BalanceConfig(), "synthetic_only")


# ---- config -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validation", "balance_section", "message"),
    [
        ({"on_failure": "publish_real_only"}, {}, "validation.on_failure"),
        ({"on_failure": "fallback"}, {}, "validation.fallback_methods without 'none'"),
        ({"enabled": False}, {"method": "smote"}, "validation.enabled: true"),
        ({}, {"method": "none"}, "balance.method to generate rows"),
    ],
)
def test_combinations_that_would_publish_real_rows_are_refused(
    validation: dict[str, object], balance_section: dict[str, object], message: str
) -> None:
    raw = {
        "dataset": {"name": "toy", "path": "toy.csv", "target": "label"},
        "balance": balance_section,
        "validation": {"release": "synthetic_only", **validation},
    }
    with pytest.raises(ValueError, match=r"validation\.release is 'synthetic_only'") as error:
        RebalanceConfig.model_validate(raw)
    assert message in str(error.value)
    fallback = {"on_failure": "fallback", "fallback_methods": ["gan", "smote"]}
    raw["validation"] = {"release": "synthetic_only", **fallback}
    raw["balance"] = {}
    assert RebalanceConfig.model_validate(raw).validation.fallback_methods == ["gan", "smote"]


def test_cli_release_option_is_checked_against_the_spec() -> None:
    base = RebalanceConfig.model_validate(
        {"dataset": {"name": "toy", "path": "toy.csv", "target": "label"}}
    )
    args = build_parser().parse_args(["run", "spec.yaml", "--release", "synthetic_only"])
    assert _apply_options(base, args).validation.release == "synthetic_only"
    real_only = base.model_copy(
        update={"validation": ValidationConfig(on_failure="publish_real_only")}
    )
    with pytest.raises(SpecError, match="found 'publish_real_only'"):
        _apply_options(real_only, args)
    shared = base.with_release("synthetic_only")
    with pytest.raises(SpecError, match="found 'none'"):
        shared.with_overrides(method="none")


# ---- gate ---------------------------------------------------------------------------------


def test_copies_of_real_rows_fail_privacy_which_gates_this_release(
    ctx: ValidationContext,
) -> None:
    result = evaluate_with_contract(ctx, "random", rows_of(RandomOversampler, ctx))
    privacy = [c for c in result.failures() if c.group == "privacy"]
    assert {"exact_copy_share", "dcr_ratio", "closer_than_holdout_share"} <= names(privacy)
    assert {c.name for c in privacy} >= {"exact_copy_share[no]", "exact_copy_share[yes]"}
    assert all("(gating for a synthetic_only release)" in c.describe() for c in privacy)
    assert not result.passed and not result.reported_failures()


def test_memorisation_stays_its_own_group(ctx: ValidationContext) -> None:
    result = evaluate_with_contract(ctx, "gan", rows_of(CopyOversampler, ctx), generative=True)
    groups = {c.name.split("[")[0]: c.group for c in result.failures()}
    assert groups["exact_copy_share"] == groups["closer_than_holdout_share"] == "memorisation"
    assert groups["dcr_ratio"] == "privacy"


def test_utility_is_train_synthetic_test_real(ctx: ValidationContext) -> None:
    result = evaluate_with_contract(ctx, "smote", rows_of(SmoteOversampler, ctx))
    utility = [c for c in result.checks if c.group == "utility"]
    assert [c.name for c in utility] == ["tstr_minority_f1_loss"]
    assert utility[0].value == pytest.approx(ctx.baseline.f1 - result.utility.f1)
    assert set(result.metrics) == {"no", "yes"}  # every class is generated and measured
    assert all(c.passed for c in result.checks if c.group in ("contract", "fidelity"))
    # the selection classifier saw the synthetic rows alone (here fit share 1: all of them)
    assert ctx.fit_share == 1.0
    assert result.utility.train_rows == sum(ctx.plan.to_generate.values())


def test_tstr_tolerance_and_the_line_that_names_it() -> None:
    real = UtilityScores(0.66, 0.7, 0.6, 0.7, 0.8, 100)
    close, far = UtilityScores(0.62, 0.6, 0.6, 0.6, 0.8, 100), UtilityScores(0.6, 0, 0, 0, 0, 1)
    assert tstr_checks(close, real, GateThresholds())[0].passed  # 0.04 <= 0.05
    (check,) = tstr_checks(far, real, GateThresholds())
    assert not check.passed
    assert "TSTR minority F1 0.600 vs real-only 0.660" in check.describe()
    assert tstr_checks(far, real, GateThresholds(max_tstr_f1_loss=0.1))[0].passed


def test_none_has_nothing_to_share(ctx: ValidationContext) -> None:
    result = evaluate_with_contract(ctx, "none", None)
    assert [c.name for c in result.failures()] == ["synthetic_rows_to_share"]


def _candidate(method: str, f1: float, ok: bool = True) -> CandidateResult:
    checks = [GateCheck("dcr_ratio[yes]", "privacy", 0.5 if ok else 0.1, 0.3, ">=", ok)]
    if method == "none":
        checks = [GateCheck("synthetic_rows_to_share", "release", None, None, None, False, "x")]
    scores = UtilityScores(f1, f1, f1, f1, f1, 100)
    return CandidateResult(method, 0 if method == "none" else 10, scores, checks=checks)


def test_auto_excludes_none_and_refuses_rather_than_publish_real_rows() -> None:
    candidates = {
        "gan": _candidate("gan", 0.61),
        "random": _candidate("random", 0.7, ok=False),
        "none": _candidate("none", 0.66),
    }
    decision = decide("auto", candidates, SYNTHETIC_ONLY)
    assert (decision.outcome, decision.method) == ("publish", "gan")
    assert "best TSTR minority F1" in decision.reason and "none excluded" in decision.reason
    assert "TSTR minority F1 0.610 vs real-only 0.660" in decision.lines["gan"]
    assert decision.lines["none"].startswith("none: not published: failed release:")
    nothing = {"random": candidates["random"], "none": candidates["none"]}
    refused = decide("auto", nothing, SYNTHETIC_ONLY)
    assert (refused.outcome, refused.method) == ("refuse", "auto")


def test_a_synthetic_only_version_holds_synthetic_rows_alone() -> None:
    real = mixed_frame(n_major=40, n_minor=10)
    plan = make_plan({"no": 40, "yes": 10}, BalanceConfig(), "synthetic_only")
    sampler = SmoteOversampler(seed=0).fit(real, "label", MIXED_TYPES)
    rows = pd.concat([sampler.sample(k, n) for k, n in plan.to_generate.items()])
    chosen = decide_publication(plan, "smote", {"smote": rows}, None)
    splits = release_splits(real, real.iloc[:5], chosen)
    assert list(splits) == ["train"]
    assert splits["train"]["is_synthetic"].all() and len(splits["train"]) == 80
    assert list(splits["train"].columns) == [*real.columns, "is_synthetic"]
    with pytest.raises(PublishError, match="synthetic_only release publishes synthetic rows"):
        decide_publication(plan, "none", {"none": None}, None)
    assert isinstance(chosen, Publication) and chosen.release == "synthetic_only"


def test_random_oversampling_is_refused_on_privacy_through_the_api() -> None:
    frame = mixed_frame(n_major=160, n_minor=40)
    with pytest.raises(GateError) as refused:
        balance(frame, target="label", method="random", release="synthetic_only")
    message = str(refused.value)
    assert "exact_copy_share[yes] = 1, needs <= 0.1" in message
    assert "(gating for a synthetic_only release)" in message
    with pytest.raises(SpecError, match="publish_real_only"):
        balance(frame, target="label", release="synthetic_only", on_failure="publish_real_only")
