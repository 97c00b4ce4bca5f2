from __future__ import annotations

import pytest

from rebalance.config import BalanceConfig
from rebalance.errors import PlanError
from rebalance.plan import make_plan, resolve_targets

COUNTS = {"a": 100, "b": 40, "c": 10}


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("auto", {"b": 100, "c": 100}),
        ("not majority", {"b": 100, "c": 100}),
        ("minority", {"c": 100}),
        ("not minority", {"a": 100, "b": 100}),
        ("all", {"a": 100, "b": 100, "c": 100}),
        ({"c": 55}, {"c": 55}),
    ],
)
def test_named_and_dict_strategies(strategy, expected) -> None:
    assert resolve_targets(COUNTS, strategy) == expected


def test_float_ratio_for_binary_targets() -> None:
    assert resolve_targets({"n": 200, "y": 20}, 0.5) == {"y": 100}
    with pytest.raises(PlanError, match="needs a binary target, found 3 classes"):
        resolve_targets(COUNTS, 0.5)
    with pytest.raises(PlanError, match="below the 20 it already has"):
        resolve_targets({"n": 200, "y": 20}, 0.05)


def test_dict_errors() -> None:
    with pytest.raises(PlanError, match=r"class\(es\) \['z'\]"):
        resolve_targets(COUNTS, {"z": 5})
    with pytest.raises(PlanError, match="asks class 'b' for 30 rows, below the 40"):
        resolve_targets(COUNTS, {"b": 30})


def test_plan_counts_after_balancing() -> None:
    plan = make_plan(COUNTS, BalanceConfig(sampling_strategy={"b": 70}))
    assert plan.to_generate == {"b": 30}
    assert plan.after == {"a": 100, "b": 70, "c": 10}  # untargeted classes unchanged


def test_small_classes_are_excluded_or_fail_per_policy() -> None:
    counts = {"big": 50, "mid": 20, "tiny": 2}
    plan = make_plan(counts, BalanceConfig(min_class_rows=5, small_class_policy="exclude"))
    assert plan.to_generate == {"mid": 30}
    assert "tiny" in plan.excluded and "2 train row(s)" in plan.excluded["tiny"]
    assert plan.after["tiny"] == 2
    with pytest.raises(PlanError, match="class 'tiny': 2 train row"):
        make_plan(counts, BalanceConfig(min_class_rows=5, small_class_policy="fail"))
