from __future__ import annotations

import numpy as np
import pytest
from imblearn.utils import check_sampling_strategy

from rebalance.core.config import BalanceConfig
from rebalance.core.errors import PlanError
from rebalance.core.plan import make_plan, resolve_targets

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


COUNT_SETS = [
    {"a": 100, "b": 40, "c": 10},
    {"n": 200, "y": 20},
    {"x": 7, "y": 300, "z": 300, "w": 1},  # a tie for the majority, majority not first
    {"p": 50, "q": 50},  # already balanced
    {"m": 3, "k": 9, "j": 3, "i": 27, "h": 81},  # a tie for the minority
]


@pytest.mark.parametrize("counts", COUNT_SETS)
@pytest.mark.parametrize("strategy", ["auto", "not majority", "minority", "not minority", "all"])
def test_named_strategies_agree_with_imbalanced_learn(counts, strategy) -> None:
    labels = list(counts)
    y = np.repeat(np.array(labels, dtype=object), [counts[label] for label in labels])
    extra = check_sampling_strategy(strategy, y, "over-sampling")
    assert resolve_targets(counts, strategy) == {k: counts[k] + n for k, n in extra.items()}


@pytest.mark.parametrize("ratio", [0.25, 0.5, 0.333, 0.77, 1.0])
def test_float_ratio_agrees_with_imbalanced_learn(ratio) -> None:
    counts = {"n": 601, "y": 20}
    y = np.repeat(np.array(["n", "y"], dtype=object), [601, 20])
    extra = check_sampling_strategy(ratio, y, "over-sampling")
    assert resolve_targets(counts, ratio) == {k: counts[k] + n for k, n in extra.items()}


def test_refusals_say_what_was_expected_and_found() -> None:
    with pytest.raises(PlanError, match=r"asks class 'y' for 20 rows .* no more than the 20"):
        resolve_targets({"n": 200, "y": 20}, 0.1)  # already at the ratio: nothing to add
    with pytest.raises(PlanError, match=r"expected a float ratio in \(0, 1\], found 1.5"):
        resolve_targets({"n": 200, "y": 20}, 1.5)
    with pytest.raises(PlanError, match=r"expected one of \['auto'.*found 'majority'"):
        resolve_targets(COUNTS, "majority")  # type: ignore[arg-type]
    with pytest.raises(PlanError, match="expected at least 2 classes"):
        resolve_targets({"a": 5}, "auto")
