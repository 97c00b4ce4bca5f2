"""The balancing plan: imbalanced-learn's ``sampling_strategy`` vocabulary, resolved to counts.

- ``"auto"`` / ``"not majority"``: every class but the majority up to the majority's count
- ``"minority"``: the smallest class only; ``"not minority"``: all but the smallest;
  ``"all"``: every class (the majority gains nothing)
- a float ``r`` (binary targets only): the minority up to ``r`` times the majority
- a dict ``{class: count}``: those classes up to those counts; the others are left alone

Classes with fewer than ``min_class_rows`` train rows are too small to learn from: they are
left unchanged and reported (``small_class_policy: exclude``) or fail the run (``fail``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rebalance.config import BalanceConfig, SamplingStrategy
from rebalance.errors import PlanError


@dataclass(frozen=True)
class BalancePlan:
    before: dict[str, int]  # train class counts (real rows)
    to_generate: dict[str, int]  # synthetic rows per class; only classes that get some
    excluded: dict[str, str] = field(default_factory=dict)  # class -> why it was skipped

    @property
    def after(self) -> dict[str, int]:
        return {label: n + self.to_generate.get(label, 0) for label, n in self.before.items()}


def resolve_targets(counts: dict[str, int], strategy: SamplingStrategy) -> dict[str, int]:
    """Target count per targeted class (before small-class handling)."""
    if len(counts) < 2:
        raise PlanError(f"expected at least 2 classes to balance, found {list(counts)}")
    majority_label = max(counts, key=lambda label: counts[label])
    minority_label = min(counts, key=lambda label: counts[label])
    top = counts[majority_label]
    if isinstance(strategy, dict):
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
    if isinstance(strategy, float):
        if len(counts) != 2:
            raise PlanError(
                f"a float sampling_strategy needs a binary target, found {len(counts)} classes"
            )
        wanted = round(strategy * top)
        if wanted < counts[minority_label]:
            raise PlanError(
                f"sampling_strategy {strategy} asks class {minority_label!r} for {wanted} rows, "
                f"below the {counts[minority_label]} it already has"
            )
        return {minority_label: wanted}
    named = {
        "auto": [label for label in counts if label != majority_label],
        "not majority": [label for label in counts if label != majority_label],
        "minority": [minority_label],
        "not minority": [label for label in counts if label != minority_label],
        "all": list(counts),
    }
    return {label: top for label in named[strategy]}


def make_plan(counts: dict[str, int], config: BalanceConfig) -> BalancePlan:
    targets = resolve_targets(counts, config.sampling_strategy)
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
    if excluded and config.small_class_policy == "fail":
        details = "; ".join(f"class {label!r}: {why}" for label, why in excluded.items())
        raise PlanError(f"too few rows to learn from ({details}); small_class_policy is 'fail'")
    return BalancePlan(before=dict(counts), to_generate=to_generate, excluded=excluded)
