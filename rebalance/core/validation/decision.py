"""The gate's decision: which candidate is published, and one readable line per candidate
saying why it was or was not (rules: ``gate.py``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rebalance.core.config import ValidationConfig
from rebalance.core.validation.gate import CandidateResult

Outcome = Literal["publish", "publish_real_only", "refuse"]
SHOWN_FAILURES = 2  # failed checks named in a candidate's line; the report lists them all


@dataclass(frozen=True)
class GateDecision:
    outcome: Outcome
    method: str  # the method whose rows are published ("none" for real rows only)
    evaluated: str  # the configured method (or "auto")
    policy: str
    reason: str
    failures: list[str] = field(default_factory=list)  # of the configured method, described
    lines: dict[str, str] = field(default_factory=dict)  # candidate -> why (not) published

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(
    configured: str, candidates: dict[str, CandidateResult], config: ValidationConfig
) -> GateDecision:
    decision = _decide(configured, candidates, config)
    release = config.release
    lines = {m: candidate_line(m, c, decision, candidates, release) for m, c in candidates.items()}
    return GateDecision(**{**decision.as_dict(), "lines": lines})


def _decide(
    configured: str, candidates: dict[str, CandidateResult], config: ValidationConfig
) -> GateDecision:
    policy = config.on_failure
    if configured == "auto":
        return _decide_auto(candidates, policy, config.release)
    primary = candidates[configured]
    failures = [check.describe() for check in primary.failures()]
    if primary.passed:
        reason = f"{configured} passed all {_gating(primary)} gating check(s)"
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


def _decide_auto(
    candidates: dict[str, CandidateResult], policy: str, release: str = "augmented"
) -> GateDecision:
    passed = {m: c for m, c in candidates.items() if c.passed}
    excluded = {
        m: "; ".join(check.describe() for check in c.failures())
        for m, c in candidates.items()
        if m not in passed
    }
    notes = "".join(f" {m} excluded ({why})." for m, why in excluded.items())
    if not passed:
        return GateDecision("refuse", "auto", "auto", policy, "no candidate passed." + notes)
    best = max(passed, key=lambda m: (passed[m].utility.f1, m == "none"))
    scores = ", ".join(f"{m} {c.utility.f1:.3f}" for m, c in passed.items())
    score = "TSTR minority F1" if release == "synthetic_only" else "selection minority F1"
    reason = f"best {score} among candidates that passed every gating check: "
    reason += f"{best} ({scores}).{notes}"
    outcome: Outcome = "publish_real_only" if best == "none" else "publish"
    return GateDecision(outcome, best, "auto", policy, reason)


def _gating(result: CandidateResult) -> int:
    return sum(check.gating for check in result.checks)


def _failed(result: CandidateResult) -> str:
    failed = result.failures()
    named = "; ".join(f"{c.group}: {c.describe()}" for c in failed[:SHOWN_FAILURES])
    more = len(failed) - SHOWN_FAILURES
    return named + (f"; and {more} more" if more > 0 else "")


def candidate_line(
    method: str,
    result: CandidateResult,
    decision: GateDecision,
    candidates: dict[str, CandidateResult],
    release: str = "augmented",
) -> str:
    """``smote: not published: passed the gate, but gan's selection minority F1 ...``"""
    f1 = result.utility.f1
    baseline = candidates["none"].utility.f1 if "none" in candidates else None
    versus = "" if baseline is None or method == "none" else f" ({f1 - baseline:+.3f} over none)"
    score = f"selection minority F1 {f1:.3f}{versus}"
    if release == "synthetic_only" and method != "none" and baseline is not None:
        score = f"TSTR minority F1 {f1:.3f} vs real-only {baseline:.3f}"
    if decision.outcome != "refuse" and method == decision.method:
        what = "published (real rows only)" if method == "none" else "published"
        return f"{method}: {what}: passed all {_gating(result)} gating check(s); {score}."
    if decision.evaluated == "auto":
        if not result.passed:
            return f"{method}: not published: failed {_failed(result)}."
        if decision.outcome == "refuse":
            return f"{method}: not published: nothing was published; {score}."
        chosen = candidates[decision.method].utility.f1
        return (
            f"{method}: not published: passed the gate, but its {score} is below "
            f"{decision.method}'s {chosen:.3f}."
        )
    if not result.passed:
        return f"{method}: not published: failed {_failed(result)}."
    return (
        f"{method}: not published: passed the gate, but the run publishes "
        f"{decision.evaluated} (or its fallback); {score}."
    )
