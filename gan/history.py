"""What a training run reports: per-epoch stats for listeners, and the loss curves kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class EpochStats:
    epoch: int
    epochs: int
    critic_loss: float
    generator_loss: float
    seconds: float
    score: float | None = None  # fidelity loss on the held-out slice (lower is better)
    resumed_from: int | None = None  # the checkpoint epoch this fit resumed after


@dataclass
class History:
    critic_loss: list[float] = field(default_factory=list)
    generator_loss: list[float] = field(default_factory=list)
    eval_epochs: list[int] = field(default_factory=list)
    eval_scores: list[float] = field(default_factory=list)
    stopped_early_at: int | None = None
    best_epoch: int | None = None
    resumed_from: int | None = None
    pac: int | None = None  # rows per critic sample in this fit (gan.batches.packing_for)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
