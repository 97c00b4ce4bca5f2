"""The balancing plan: imbalanced-learn's ``sampling_strategy`` vocabulary, resolved to counts.

- ``"auto"`` / ``"not majority"``: every class but the majority up to the majority's count
- ``"minority"``: the smallest class only; ``"not minority"``: all but the smallest;
  ``"all"``: every class (the majority gains nothing)
- a float ``r`` in (0, 1] (binary targets only): the minority up to ``r`` times the majority
  (rounded down, as imbalanced-learn does), which must add at least one row
- a dict ``{class: count}``: those classes up to those counts; the others are left alone
- ``"f1"`` (binary targets only): the minority up to the count at which a classifier's
  default cut is its F1-best one, measured on the real rows (``rebalance.core.amounts``);
  nothing is added where the real rows already put it there

Classes with fewer than ``min_class_rows`` train rows are too small to learn from: they are
left unchanged and reported (``small_class_policy: exclude``) or fail the run (``fail``).

A ``synthetic_only`` release publishes no real row, so every class is generated, each to the
count the augmented release would publish for it (the strategy's target, or its real count
when the strategy leaves it alone); a class too small to learn is then absent from the export.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, get_args

import numpy as np

from rebalance.core.amounts import F1_STRATEGY, F1Amount, measure_f1_amount
from rebalance.core.config import BalanceConfig, RebalanceConfig, Release, SamplingStrategy
from rebalance.core.errors import PlanError
from rebalance.core.options import NamedStrategy
from rebalance.core.profile import class_counts

if TYPE_CHECKING:
    import pandas as pd

NAMED_STRATEGIES = list(get_args(NamedStrategy))  # "f1" among them: binary targets only


@dataclass(frozen=True)
class BalancePlan:
    before: dict[str, int]  # train class counts (real rows)
    to_generate: dict[str, int]  # synthetic rows per class; only classes that get some
    excluded: dict[str, str] = field(default_factory=dict)  # class -> why it was skipped
    release: Release = "augmented"  # synthetic_only: to_generate is the whole train split
    basis: str | None = None  # sampling_strategy f1: one line on the amount it measured

    @property
    def after(self) -> dict[str, int]:
        """Published train rows per class."""
        if self.release == "synthetic_only":
            return {label: self.to_generate.get(label, 0) for label in self.before}
        return {label: n + self.to_generate.get(label, 0) for label, n in self.before.items()}

    @property
    def oversampled(self) -> list[str]:
        """The classes the plan raises above their real count: the minority side that utility
        is scored on (for synthetic_only, not the classes only regenerated at their count)."""
        return [
            label for label, n in self.to_generate.items() if self.after[label] > self.before[label]
        ]


def resolve_targets(
    counts: dict[str, int], strategy: SamplingStrategy, amount: F1Amount | None = None
) -> dict[str, int]:
    """Target count per targeted class (before small-class handling). Named strategies and the
    float ratio are resolved by imbalanced-learn's ``check_sampling_strategy`` (as its
    over-samplers do); a dict is checked here; ``"f1"`` reads ``amount``."""
    if len(counts) < 2:
        raise PlanError(f"expected at least 2 classes to balance, found {list(counts)}")
    if any(n < 1 for n in counts.values()):
        raise PlanError(f"expected at least 1 row per class, found class counts {counts}")
    if isinstance(strategy, dict):
        return _dict_targets(counts, strategy)
    if strategy == F1_STRATEGY:
        return _f1_targets(counts, amount)
    if not isinstance(strategy, str | float | int) or isinstance(strategy, bool):
        raise PlanError(
            f"sampling_strategy: expected one of {NAMED_STRATEGIES}, a float ratio in (0, 1] or "
            f"a dict of class counts, found {strategy!r}"
        )
    # imbalanced-learn reads the counts off a label vector: one small integer code per row, in
    # sorted label order, so ties for the majority or minority break as on the labels themselves
    labels = sorted(counts)
    codes = np.arange(len(labels), dtype=np.min_scalar_type(len(labels)))
    y = np.repeat(codes, [counts[label] for label in labels])
    # imported here: scikit-learn and scipy come with it (1.4 s), and the inbox watcher,
    # started every few seconds by `rebalance serve`, reaches this module without needing it
    from imblearn.utils import check_sampling_strategy

    try:
        extra = check_sampling_strategy(strategy, y, "over-sampling")
    except ValueError as exc:
        raise PlanError(_explain(counts, strategy, exc)) from None
    added = {labels[code]: int(n) for code, n in extra.items()}  # rows to add per class
    return {label: counts[label] + added[label] for label in counts if label in added}


def _explain(counts: dict[str, int], strategy: str | float, exc: ValueError) -> str:
    """imbalanced-learn's refusal of a named strategy or a ratio, as what was expected and what
    was found."""
    if isinstance(strategy, str):
        return (
            f"sampling_strategy: expected one of {NAMED_STRATEGIES}, found {strategy!r} "
            f"(imbalanced-learn: {exc})"
        )
    if not 0 < strategy <= 1:
        return f"sampling_strategy: expected a float ratio in (0, 1], found {strategy}"
    if len(counts) != 2:
        return f"a float sampling_strategy needs a binary target, found {len(counts)} classes"
    majority = max(sorted(counts), key=lambda label: counts[label])
    minority = min(sorted(counts), key=lambda label: counts[label])
    top, have = counts[majority], counts[minority]
    wanted = strategy * top
    relation = "below" if wanted < have else "no more than"
    return (
        f"sampling_strategy {strategy} asks class {minority!r} for {wanted:g} rows ({strategy} x "
        f"the {top} of {majority!r}), {relation} the {have} it already has; expected a ratio of "
        f"at least {(have + 1) / top:.4g} (oversampling only adds rows)"
    )


def _f1_targets(counts: dict[str, int], amount: F1Amount | None) -> dict[str, int]:
    """The minority up to ``amount``'s target; no class when that adds nothing."""
    if amount is None:
        raise PlanError(
            "sampling_strategy 'f1' needs the amount measured on the fit rows "
            "(plan_run / measure_f1_amount), found none"
        )
    if len(counts) != 2 or amount.minority not in counts:
        raise PlanError(
            f"sampling_strategy 'f1' needs a binary target with class {amount.minority!r}, "
            f"found class counts {counts}"
        )
    have, majority = counts[amount.minority], max(counts.values())
    wanted = amount.target(have, majority)
    return {amount.minority: wanted} if wanted > have else {}


def _dict_targets(counts: dict[str, int], strategy: dict[str, int]) -> dict[str, int]:
    """The named classes up to the given counts; the others are left unchanged."""
    unknown = sorted(set(strategy) - set(counts))
    if unknown:
        raise PlanError(
            f"sampling_strategy names class(es) {unknown} that the train split does not "
            f"have (classes: {sorted(counts)})"
        )
    for label, wanted in strategy.items():
        if wanted < counts[label]:
            raise PlanError(
                f"sampling_strategy asks class {label!r} for {wanted} rows, below the "
                f"{counts[label]} it already has (oversampling only adds rows)"
            )
    return dict(strategy)


def make_plan(
    counts: dict[str, int],
    config: BalanceConfig,
    release: Release = "augmented",
    amount: F1Amount | None = None,
) -> BalancePlan:
    """``amount``: what ``sampling_strategy: "f1"`` measured (``measure_f1_amount``)."""
    targets = resolve_targets(counts, config.sampling_strategy, amount)
    if release == "synthetic_only":
        return _synthetic_only_plan(counts, targets, config)
    to_generate: dict[str, int] = {}
    excluded: dict[str, str] = {}
    for label, wanted in targets.items():
        extra = wanted - counts[label]
        if extra <= 0:
            continue
        if counts[label] < config.min_class_rows:
            excluded[label] = (
                f"{counts[label]} train row(s), fewer than min_class_rows={config.min_class_rows}"
            )
            continue
        to_generate[label] = extra
    _refuse_small(excluded, config)
    return BalancePlan(before=dict(counts), to_generate=to_generate, excluded=excluded)


def plan_run(
    train: pd.DataFrame, fit: pd.DataFrame, types: Mapping[str, str], config: RebalanceConfig
) -> BalancePlan:
    """A run's plan for the train split's counts. ``sampling_strategy: "f1"`` measures its
    amount on ``fit`` (the rows the samplers see, never the selection rows: the gate judges the
    candidates there) and says so in ``basis``."""
    target, balance, validation = config.dataset.target, config.balance, config.validation
    counts = class_counts(train[target])
    if balance.sampling_strategy != F1_STRATEGY:
        return make_plan(counts, balance, validation.release)
    minority = min(sorted(counts), key=lambda label: counts[label])
    have, majority = counts[minority], max(counts.values())
    if len(counts) == 2 and have < balance.min_class_rows:  # excluded or refused by the policy
        full = balance.model_copy(update={"sampling_strategy": 1.0})
        plan = make_plan(counts, full, validation.release)
        return replace(
            plan,
            basis=f"sampling_strategy f1: class {minority!r} not measured ({have} train rows, "
            f"fewer than min_class_rows={balance.min_class_rows})",
        )
    if len(counts) != 2:
        raise PlanError(
            f"sampling_strategy 'f1' needs a binary target, found {len(counts)} classes in "
            f"column {target!r}: {sorted(counts)}"
        )
    amount = measure_f1_amount(
        fit, target, minority, types, validation.classifier, balance.seed, validation.cv_folds
    )
    plan = make_plan(counts, balance, validation.release, amount)
    return replace(plan, basis=amount.explain(have, majority))


def _synthetic_only_plan(
    counts: dict[str, int], targets: dict[str, int], config: BalanceConfig
) -> BalancePlan:
    """Every class generated to its augmented final count; none of its real rows is kept."""
    to_generate: dict[str, int] = {}
    excluded: dict[str, str] = {}
    for label, have in counts.items():
        if have < config.min_class_rows:
            excluded[label] = (
                f"{have} train row(s), fewer than min_class_rows={config.min_class_rows}; "
                "absent from the synthetic-only export"
            )
            continue
        to_generate[label] = targets.get(label, have)
    _refuse_small(excluded, config)
    if len(to_generate) < 2:
        raise PlanError(
            f"a synthetic_only release needs at least 2 classes to generate, found "
            f"{sorted(to_generate)} (excluded as too small: {excluded})"
        )
    return BalancePlan(dict(counts), to_generate, excluded, release="synthetic_only")


def _refuse_small(excluded: dict[str, str], config: BalanceConfig) -> None:
    if excluded and config.small_class_policy == "fail":
        details = "; ".join(f"class {label!r}: {why}" for label, why in excluded.items())
        raise PlanError(f"too few rows to learn from ({details}); small_class_policy is 'fail'")
