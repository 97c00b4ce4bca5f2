"""How sure a gain is: the selection split is small for a small class, so one F1 difference on
it is noise as often as signal. A paired bootstrap over its rows says how often the candidate's
minority F1 beats the real-only model's."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RESAMPLES = 1000


def gain_probability(
    truth: np.ndarray,
    candidate: np.ndarray,
    baseline: np.ndarray,
    minority: Sequence[str],
    seed: int,
    resamples: int = RESAMPLES,
) -> float:
    """Share of bootstrap resamples of the rows on which ``candidate``'s predictions score a
    higher minority F1 (mean over ``minority``) than ``baseline``'s; a tie counts half."""
    rng = np.random.default_rng([seed, 7])
    weights = rng.multinomial(len(truth), np.full(len(truth), 1 / len(truth)), size=resamples)
    gain = _f1(weights, truth, candidate, minority) - _f1(weights, truth, baseline, minority)
    return float(np.mean(gain > 1e-12) + 0.5 * np.mean(np.abs(gain) <= 1e-12))


def _f1(
    weights: np.ndarray, truth: np.ndarray, predicted: np.ndarray, labels: Sequence[str]
) -> np.ndarray:
    """Macro F1 over ``labels`` per resample: (resamples,) from row weights (resamples, rows)."""
    scores = []
    for label in labels:
        actual, said = truth == label, predicted == label
        tp = weights @ (actual & said)
        wrong = weights @ (actual ^ said)  # false positives and false negatives
        denominator = 2 * tp + wrong
        scores.append(np.divide(2 * tp, denominator, out=np.zeros(len(tp)), where=denominator > 0))
    return np.mean(scores, axis=0)
