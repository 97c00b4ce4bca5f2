"""sampling_strategy "f1": the minority's amount from its best out-of-fold F1 on real rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from rebalance.core import amounts
from rebalance.core.amounts import F1Amount, best_f1, measure_f1_amount
from rebalance.core.config import BalanceConfig, RebalanceConfig
from rebalance.core.errors import PlanError
from rebalance.core.gate_config import ClassifierConfig
from rebalance.core.plan import make_plan, plan_run, resolve_targets

TYPES = {"x": "continuous", "colour": "categorical"}


def noisy_table(n: int, minority_share: float, noise: float, seed: int) -> pd.DataFrame:
    """A binary target that ``x`` predicts up to ``noise`` (its spread around each class)."""
    rng = np.random.default_rng(seed)
    label = np.where(rng.random(n) < minority_share, "yes", "no")
    return pd.DataFrame(
        {
            "x": (label == "yes") * 1.0 + rng.normal(0.0, noise, n),
            "colour": rng.choice(["red", "blue"], n),
            "label": label,
        }
    )


def test_best_f1_is_the_best_cut_of_the_scores_ties_kept_together() -> None:
    rng = np.random.default_rng(3)
    positive = rng.random(300) < 0.2
    score = np.round(rng.random(300) + positive * 0.3, 1)  # many ties
    by_cut = [f1_score(positive, score >= cut) for cut in np.unique(score)]
    assert best_f1(positive, score) == pytest.approx(max(by_cut))
    assert best_f1(np.zeros(5, dtype=bool), np.arange(5.0)) == 0.0


def test_the_factor_moves_the_default_cut_to_half_the_best_f1() -> None:
    amount = F1Amount("yes", best_f1=0.5, rows=100)  # F1-best cut 0.25: odds x3
    assert amount.cut == 0.25 and amount.factor == pytest.approx(3.0)
    assert amount.target(have=20, majority=200) == 60
    assert amount.target(have=100, majority=200) == 200  # never beyond the majority
    assert F1Amount("yes", 0.0, 100).target(have=20, majority=200) == 200
    assert F1Amount("yes", 0.8, 100).target(have=20, majority=200) == 30  # cut 0.4: x1.5
    line = amount.explain(20, 200)
    assert "F1 0.500 on 100 real rows" in line and "cut at 0.250" in line
    assert "x3.00" in line and "20 -> 60 rows" in line


def test_a_class_already_at_its_f1_best_cut_gets_no_rows() -> None:
    counts = {"no": 200, "yes": 20}
    assert resolve_targets(counts, "f1", F1Amount("yes", 0.7, 220)) == {"yes": 37}
    assert resolve_targets(counts, "f1", F1Amount("yes", 0.9, 220)) == {"yes": 24}
    assert resolve_targets(counts, "f1", F1Amount("yes", 1.0, 220)) == {}  # factor 1
    plan = make_plan(counts, BalanceConfig(sampling_strategy="f1"), amount=F1Amount("yes", 1, 9))
    assert plan.to_generate == {} and plan.after == counts


def test_f1_needs_its_measurement_and_a_binary_target() -> None:
    with pytest.raises(PlanError, match="needs the amount measured on the fit rows"):
        resolve_targets({"no": 200, "yes": 20}, "f1")
    with pytest.raises(PlanError, match="binary target with class 'yes'"):
        resolve_targets({"a": 200, "b": 50, "yes": 20}, "f1", F1Amount("yes", 0.5, 270))
    three = noisy_table(300, 0.2, 1.0, seed=0)
    three.loc[:40, "label"] = "maybe"
    with pytest.raises(PlanError, match=r"found 3 class\(es\) in column 'label'"):
        measure_f1_amount(three, "label", "yes", TYPES, ClassifierConfig(), seed=0)
    lonely = noisy_table(300, 0.0, 1.0, seed=0)
    lonely.loc[0, "label"] = "yes"
    with pytest.raises(PlanError, match=r"at least 2 rows of class 'yes'.*300 rows .*found 1"):
        measure_f1_amount(lonely, "label", "yes", TYPES, ClassifierConfig(), seed=0)


@pytest.mark.parametrize("classifier", ["hist_gradient_boosting", "logistic_regression"])
def test_a_harder_class_gets_more_rows(classifier: str) -> None:
    config = ClassifierConfig(name=classifier, params={"max_iter": 30})
    if classifier == "logistic_regression":
        config = ClassifierConfig(name=classifier)
    easy = measure_f1_amount(noisy_table(600, 0.1, 0.2, 1), "label", "yes", TYPES, config, 0)
    hard = measure_f1_amount(noisy_table(600, 0.1, 1.0, 1), "label", "yes", TYPES, config, 0)
    assert easy.minority == hard.minority == "yes" and easy.rows == 600
    assert easy.best_f1 > 0.9 > hard.best_f1
    assert hard.factor > easy.factor
    again = measure_f1_amount(noisy_table(600, 0.1, 1.0, 1), "label", "yes", TYPES, config, 0)
    assert again == hard  # seeded folds and classifier


def test_a_large_split_is_measured_on_a_stratified_sample(monkeypatch) -> None:
    monkeypatch.setattr(amounts, "MAX_ROWS", 300)
    monkeypatch.setattr(amounts, "MIN_SAMPLED_MINORITY", 20)
    config = ClassifierConfig(params={"max_iter": 20})
    common = noisy_table(1200, 0.1, 0.5, 2)  # ~120 minority rows: 300 sampled hold ~30
    measured = measure_f1_amount(common, "label", "yes", TYPES, config, 0)
    assert 290 <= measured.rows <= 310
    rare = noisy_table(3000, 0.01, 0.5, 2)  # ~30 minority rows: 300 sampled would hold ~3
    measured = measure_f1_amount(rare, "label", "yes", TYPES, config, 0)
    share = float((rare["label"] == "yes").mean())
    assert measured.rows >= 20 / share - 10  # grown to hold ~20 of them, shares kept


def test_explain_names_the_cap_only_when_the_factor_passes_the_majority() -> None:
    assert "capped" in F1Amount("yes", 0.2, 9).explain(20, 100)  # x9: 180 -> 100
    assert "capped" not in F1Amount("yes", 0.5, 9).explain(20, 100)  # x3: 60
    assert "capped" not in F1Amount("yes", 0.5, 9).explain(20, 60)  # x3: exactly 60


def test_the_run_plan_measures_on_the_fit_rows_only_for_f1(monkeypatch) -> None:
    train = noisy_table(400, 0.1, 0.8, seed=4)
    fit = train.iloc[:300]
    seen: list[tuple[int, str, int]] = []

    def measure(rows, target, minority, types, classifier, seed, folds):  # type: ignore[no-untyped-def]
        seen.append((len(rows), minority, folds))
        return F1Amount(minority, 0.5, len(rows))

    monkeypatch.setattr("rebalance.core.plan.measure_f1_amount", measure)
    spec = {"dataset": {"name": "t", "path": "t.csv", "target": "label"}}
    f1 = RebalanceConfig.model_validate(
        {**spec, "balance": {"sampling_strategy": "f1"}, "validation": {"cv_folds": 4}}
    )
    plan = plan_run(train, fit, TYPES, f1)
    have = int((train["label"] == "yes").sum())
    assert seen == [(300, "yes", 4)]  # the fit rows, not the whole train split
    assert plan.to_generate == {"yes": 2 * have}  # x3: have -> 3 x have
    assert plan.basis is not None and f"{have} -> {3 * have} rows" in plan.basis
    plan = plan_run(train, fit, TYPES, RebalanceConfig.model_validate(spec))
    assert plan.basis is None and len(seen) == 1  # "auto" measures nothing
    assert plan.after["yes"] == plan.after["no"]


def test_the_run_plan_leaves_a_small_class_to_its_policy_and_refuses_three_classes() -> None:
    train = noisy_table(200, 0.0, 1.0, seed=5)
    train.loc[:3, "label"] = "yes"  # 4 rows, under min_class_rows=6
    spec = {"dataset": {"name": "t", "path": "t.csv", "target": "label"}}
    config = RebalanceConfig.model_validate({**spec, "balance": {"sampling_strategy": "f1"}})
    plan = plan_run(train, train, TYPES, config)  # nothing measured: it would fail on 4 rows
    assert plan.to_generate == {} and "yes" in plan.excluded
    assert plan.basis is not None and "not measured (4 train rows" in plan.basis
    train.loc[10:30, "label"] = "maybe"
    with pytest.raises(PlanError, match="binary target, found 3 classes in column 'label'"):
        plan_run(train, train, TYPES, config)
