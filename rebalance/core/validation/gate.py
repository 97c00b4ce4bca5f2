"""The publishing gate's checks: every metric against its threshold (``decision.py`` turns
them into one decision).

Decision rules:
- a candidate passes when every *gating* check passes: contract, fidelity, memorisation
  (a generative model copying its train rows), utility, and privacy for a ``synthetic_only``
  release (shared without the real rows). For an ``augmented`` release (synthetic rows
  published beside the real train rows) privacy is measured and reported, not gating: the real
  rows ship anyway. ``none`` adds no rows, so only its utility is measured and it is the
  baseline; a synthetic-only release has nothing of it to share, so it fails there;
- utility of an augmented release is the gain of the real plus synthetic rows over real-only;
  of a synthetic-only release, TSTR: the synthetic rows alone against real-only, which they
  may trail by at most ``max_tstr_f1_loss``;
- every score the gate uses comes from the selection split (train rows no sampler fitted on),
  never from the reported holdout;
- utility gates on the gain *and* on how sure it is: the share of bootstrap resamples of the
  selection rows on which the candidate's minority F1 beats real-only;
- ``method: auto`` publishes, among the candidates that pass every gating check, the one with
  the best selection minority F1; ``none`` (the real rows) when no other passes;
- otherwise the configured method is published if it passes; if not, the policy decides:
  ``fail`` publishes nothing, ``publish_real_only`` publishes the real train rows alone,
  ``fallback`` publishes the first of ``fallback_methods`` that passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from rebalance.core.config import GateThresholds
from rebalance.core.validation.utility import UtilityScores

Group = Literal["contract", "fidelity", "privacy", "memorisation", "utility", "release"]
Comparison = Literal[">=", "<="]


@dataclass(frozen=True)
class GateCheck:
    name: str  # e.g. "detection_auc[>50K]"
    group: Group
    value: float | None  # None: not measurable here (e.g. too few rows); does not block
    threshold: float | None
    comparison: Comparison | None
    passed: bool
    detail: str = ""
    gating: bool = True  # False: measured and reported, does not decide publication
    note: str = ""  # what made it gating, when the release kind decides (shown on failure)

    def describe(self) -> str:
        """``detection_auc[>50K] = 0.97, needs <= 0.95 (off by 0.02)``"""
        if self.value is None or self.threshold is None:
            return f"{self.name}: {self.detail}"
        off = abs(self.value - self.threshold)
        verdict = "" if self.passed else f" (off by {off:.3g})"
        if not self.gating:
            verdict += " (reported, not gating)"
        elif self.note and not self.passed:
            verdict += f" ({self.note})"
        return (
            f"{self.name} = {self.value:.3g}, needs {self.comparison} {self.threshold:.3g}{verdict}"
        )


def threshold_check(
    name: str,
    group: Group,
    value: float,
    threshold: float,
    comparison: Comparison,
    detail: str = "",
    gating: bool = True,
) -> GateCheck:
    if value is None or math.isnan(value):
        return GateCheck(name, group, None, threshold, comparison, True, "not applicable", gating)
    passed = value >= threshold if comparison == ">=" else value <= threshold
    return GateCheck(name, group, float(value), threshold, comparison, bool(passed), detail, gating)


@dataclass(frozen=True)
class MetricRule:
    field: str  # the GateThresholds field holding the threshold
    comparison: Comparison
    ideal: float | None  # the value of a perfect copy of the distribution; None: not calibrated


METRIC_THRESHOLDS: dict[str, MetricRule] = {
    "ks_complement": MetricRule("min_ks_complement", ">=", 1.0),
    "tv_complement": MetricRule("min_tv_complement", ">=", 1.0),
    "correlation_similarity": MetricRule("min_correlation_similarity", ">=", 1.0),
    "contingency_similarity": MetricRule("min_contingency_similarity", ">=", 1.0),
    "detection_auc": MetricRule("max_detection_auc", "<=", 0.5),
    "exact_copy_share": MetricRule("max_exact_copy_share", "<=", None),
    "dcr_ratio": MetricRule("min_dcr_ratio", ">=", None),
    "closer_than_holdout_share": MetricRule("max_closer_than_holdout_share", "<=", None),
}
MEMORISATION = ("exact_copy_share", "closer_than_holdout_share")


def calibrated_threshold(rule: MetricRule, base: float, reference: float | None) -> float:
    """``base`` scaled by what two real samples (``reference``) reach: a 20-row class, whose own
    real rows disagree, is not held to an 8,000-row class's mark. On a similarity scale (1:
    ideal, 0: worst; detection AUC 0.5 -> 1, 1.0 -> 0) the threshold is
    ``similarity(base) * similarity(reference)``: synthetic rows must keep the base share of the
    similarity that real rows reach between themselves."""
    if rule.ideal is None or reference is None or math.isnan(reference):
        return base
    if rule.comparison == ">=":
        return base * min(max(reference / rule.ideal, 0.0), 1.0)
    room = 1.0 - rule.ideal  # the distance from the ideal to the worst value
    real = min(max((1.0 - reference) / room, 0.0), 1.0)
    return 1.0 - (1.0 - base) * real


def metric_group(metric: str, kind: str, generative: bool) -> Group:
    """Copies by a generative model are memorisation (overfitting); by an oversampler that
    copies or interpolates real rows by construction, they are a privacy property."""
    if kind == "privacy" and generative and metric in MEMORISATION:
        return "memorisation"
    return "fidelity" if kind == "fidelity" else "privacy"


def metric_checks(
    per_class: dict[str, dict[str, float]],
    groups: Mapping[str, Group],
    thresholds: GateThresholds,
    references: Mapping[str, Mapping[str, float]] | None = None,
    gating_privacy: bool = True,
    privacy_note: str = "",
) -> list[GateCheck]:
    """One check per class and metric. ``references``: the same metric between two real
    samples of the class (class -> metric -> value), used when ``thresholds.calibrate``.
    ``privacy_note``: why privacy gates (the release kind), shown when a privacy check fails."""
    checks = []
    for label, values in per_class.items():
        reference = (references or {}).get(label, {})
        for metric, value in values.items():
            rule = METRIC_THRESHOLDS[metric]
            base = float(getattr(thresholds, rule.field))
            real = reference.get(metric) if thresholds.calibrate else None
            limit = calibrated_threshold(rule, base, real)
            detail = "" if limit == base else f"two real samples score {real:.3g}"
            group = groups[metric]
            gating = group != "privacy" or gating_privacy
            check = threshold_check(
                f"{metric}[{label}]", group, value, limit, rule.comparison, detail, gating
            )
            if group == "privacy" and gating and privacy_note:
                check = replace(check, note=privacy_note)
            checks.append(check)
    return checks


def utility_checks(
    candidate: UtilityScores,
    baseline: UtilityScores,
    tuned: UtilityScores | None,
    thresholds: GateThresholds,
    gain_probability: float | None = None,
) -> list[GateCheck]:
    """``gain_probability``: how often the gain holds on resampled selection rows (None for
    the real-only candidate itself)."""
    gain = candidate.f1 - baseline.f1
    checks = [
        threshold_check(
            "minority_f1_gain_over_real_only", "utility", gain, thresholds.min_utility_gain, ">="
        )
    ]
    if gain_probability is not None:
        checks.append(
            threshold_check(
                "minority_f1_gain_probability",
                "utility",
                gain_probability,
                thresholds.min_gain_probability,
                ">=",
            )
        )
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


def tstr_checks(
    synthetic_only: UtilityScores, real_only: UtilityScores, thresholds: GateThresholds
) -> list[GateCheck]:
    """A synthetic-only export stands in for the real rows: a classifier trained on it alone
    (TSTR) may trail the real-only one by at most ``max_tstr_f1_loss`` minority F1."""
    loss = real_only.f1 - synthetic_only.f1
    detail = f"TSTR minority F1 {synthetic_only.f1:.3f} vs real-only {real_only.f1:.3f}"
    check = threshold_check(
        "tstr_minority_f1_loss", "utility", loss, thresholds.max_tstr_f1_loss, "<=", detail
    )
    return [replace(check, note=detail)]


def nothing_to_share(method: str) -> GateCheck:
    """``none`` under a synthetic-only release: it would publish real rows only."""
    return GateCheck(
        "synthetic_rows_to_share",
        "release",
        None,
        None,
        None,
        False,
        f"a synthetic_only release shares synthetic rows only; {method!r} adds none (it is the "
        "real-only reference)",
    )


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
        return all(check.passed for check in self.checks if check.gating)

    @property
    def eligible(self) -> bool:
        """Every gating check but utility passes: ``auto`` may choose it."""
        return all(c.passed for c in self.checks if c.gating and c.group != "utility")

    def failures(self) -> list[GateCheck]:
        """The gating checks that failed."""
        return [check for check in self.checks if check.gating and not check.passed]

    def reported_failures(self) -> list[GateCheck]:
        """Checks outside their threshold that do not gate (e.g. privacy when augmenting)."""
        return [check for check in self.checks if not check.gating and not check.passed]

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
