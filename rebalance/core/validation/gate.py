"""The publishing gate: every metric against its threshold, then one decision.

Decision rules:
- a candidate passes when its contract, fidelity, privacy and utility checks all pass
  (``none`` adds no rows, so only its utility is measured and it is the baseline);
- ``method: auto`` publishes, among the candidates that pass contract, fidelity and privacy,
  the one with the best minority F1 on the real holdout;
- otherwise the configured method is published if it passes; if not, the policy decides:
  ``fail`` publishes nothing, ``publish_real_only`` publishes the real train rows alone,
  ``fallback`` publishes the first of ``fallback_methods`` that passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rebalance.core.config import GateThresholds, ValidationConfig
from rebalance.core.validation.utility import UtilityScores

Group = Literal["contract", "fidelity", "privacy", "utility"]
Comparison = Literal[">=", "<="]
Outcome = Literal["publish", "publish_real_only", "refuse"]


@dataclass(frozen=True)
class GateCheck:
    name: str  # e.g. "detection_auc[>50K]"
    group: Group
    value: float | None  # None: not measurable here (e.g. too few rows); does not block
    threshold: float | None
    comparison: Comparison | None
    passed: bool
    detail: str = ""

    def describe(self) -> str:
        """``detection_auc[>50K] = 0.97, needs <= 0.95 (off by 0.02)``"""
        if self.value is None or self.threshold is None:
            return f"{self.name}: {self.detail}"
        off = abs(self.value - self.threshold)
        verdict = "" if self.passed else f" (off by {off:.3g})"
        return (
            f"{self.name} = {self.value:.3g}, needs {self.comparison} {self.threshold:.3g}{verdict}"
        )


def threshold_check(
    name: str, group: Group, value: float, threshold: float, comparison: Comparison
) -> GateCheck:
    if value is None or math.isnan(value):
        return GateCheck(name, group, None, threshold, comparison, True, "not applicable")
    passed = value >= threshold if comparison == ">=" else value <= threshold
    return GateCheck(name, group, float(value), threshold, comparison, bool(passed))


# metric name -> (threshold field, comparison)
METRIC_THRESHOLDS: dict[str, tuple[str, Comparison]] = {
    "ks_complement": ("min_ks_complement", ">="),
    "tv_complement": ("min_tv_complement", ">="),
    "correlation_similarity": ("min_correlation_similarity", ">="),
    "contingency_similarity": ("min_contingency_similarity", ">="),
    "detection_auc": ("max_detection_auc", "<="),
    "exact_copy_share": ("max_exact_copy_share", "<="),
    "dcr_ratio": ("min_dcr_ratio", ">="),
    "closer_than_holdout_share": ("max_closer_than_holdout_share", "<="),
}


def metric_checks(
    per_class: dict[str, dict[str, float]],
    groups: Mapping[str, Group],
    thresholds: GateThresholds,
) -> list[GateCheck]:
    checks = []
    for label, values in per_class.items():
        for metric, value in values.items():
            field_name, comparison = METRIC_THRESHOLDS[metric]
            limit = float(getattr(thresholds, field_name))
            checks.append(
                threshold_check(f"{metric}[{label}]", groups[metric], value, limit, comparison)
            )
    return checks


def utility_checks(
    candidate: UtilityScores,
    baseline: UtilityScores,
    tuned: UtilityScores | None,
    thresholds: GateThresholds,
) -> list[GateCheck]:
    gain = candidate.f1 - baseline.f1
    checks = [
        threshold_check(
            "minority_f1_gain_over_real_only", "utility", gain, thresholds.min_utility_gain, ">="
        )
    ]
    if thresholds.beat_threshold_tuning and tuned is not None:
        checks.append(
            threshold_check(
                "minority_f1_gain_over_tuned_threshold",
                "utility",
                candidate.f1 - tuned.f1,
                0.0,
                ">=",
            )
        )
    return checks


@dataclass
class CandidateResult:
    method: str
    synthetic_rows: int
    utility: UtilityScores
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # class -> name -> value
    checks: list[GateCheck] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # fit, generate, validate

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def faithful_and_private(self) -> bool:
        return all(check.passed for check in self.checks if check.group != "utility")

    def failures(self) -> list[GateCheck]:
        return [check for check in self.checks if not check.passed]

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "synthetic_rows": self.synthetic_rows,
            "passed": self.passed,
            "utility": self.utility.as_dict(),
            "metrics": self.metrics,
            "checks": [asdict(check) for check in self.checks],
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class GateDecision:
    outcome: Outcome
    method: str  # the method whose rows are published ("none" for real rows only)
    evaluated: str  # the configured method (or "auto")
    policy: str
    reason: str
    failures: list[str] = field(default_factory=list)  # of the configured method, described

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(
    configured: str, candidates: dict[str, CandidateResult], config: ValidationConfig
) -> GateDecision:
    policy = config.on_failure
    if configured == "auto":
        return _decide_auto(candidates, policy)
    primary = candidates[configured]
    failures = [check.describe() for check in primary.failures()]
    if primary.passed:
        reason = f"{configured} passed all {len(primary.checks)} check(s)"
        return GateDecision("publish", configured, configured, policy, reason)
    if policy == "publish_real_only":
        reason = f"{configured} failed {len(failures)} check(s); publishing the real rows only"
        return GateDecision("publish_real_only", "none", configured, policy, reason, failures)
    if policy == "fallback":
        for method in config.fallback_methods:
            if method != configured and method in candidates and candidates[method].passed:
                reason = (
                    f"{configured} failed {len(failures)} check(s); fell back to {method}, the "
                    f"first of {config.fallback_methods} that passed"
                )
                outcome: Outcome = "publish_real_only" if method == "none" else "publish"
                return GateDecision(outcome, method, configured, policy, reason, failures)
        reason = f"{configured} and every fallback {config.fallback_methods} failed"
        return GateDecision("refuse", configured, configured, policy, reason, failures)
    reason = f"{configured} failed {len(failures)} check(s); policy 'fail' publishes nothing"
    return GateDecision("refuse", configured, configured, policy, reason, failures)


def _decide_auto(candidates: dict[str, CandidateResult], policy: str) -> GateDecision:
    eligible = {m: c for m, c in candidates.items() if c.faithful_and_private}
    excluded = {
        m: "; ".join(check.describe() for check in c.failures() if check.group != "utility")
        for m, c in candidates.items()
        if m not in eligible
    }
    notes = "".join(f" {m} excluded ({why})." for m, why in excluded.items())
    if not eligible:
        return GateDecision("refuse", "auto", "auto", policy, "no candidate passed." + notes)
    best = max(eligible, key=lambda m: (eligible[m].utility.f1, m == "none"))
    scores = ", ".join(f"{m} {c.utility.f1:.3f}" for m, c in eligible.items())
    reason = "best holdout minority F1 among candidates that passed fidelity and privacy: "
    reason += f"{best} ({scores}).{notes}"
    outcome: Outcome = "publish_real_only" if best == "none" else "publish"
    return GateDecision(outcome, best, "auto", policy, reason)
