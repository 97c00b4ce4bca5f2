"""An auxiliary classification loss for the generator (CTAB-GAN+'s classifier loss).

A small classifier learns the class of real rows beside the critic. The generator is then
scored, besides the critic, on whether its rows are recognised as the class they were asked
for: rows of the minority class that fall where the real data has the majority cost it.
Off by default (``classifier_loss: 0``); measured in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from rebalance.gan.networks import leaky_mlp


class AuxiliaryClassifier(nn.Module):
    """Class logits of encoded rows; trained on real rows only."""

    def __init__(self, data_dim: int, n_classes: int, hidden: tuple[int, ...], dropout: float):
        super().__init__()
        self.body = leaky_mlp(data_dim, hidden, dropout, n_classes)  # the critic's shape

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        # rows: (B, data_dim) -> logits (B, n_classes)
        return self.body(rows)

    def loss(self, rows: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the rows' predicted class against their (B, C) class one-hots."""
        return F.cross_entropy(self(rows), condition.argmax(dim=1))


# The classifier learns from real rows only, so it can be trained before the generator needs
# it: a small table gets one GAN update per epoch, too few for the classifier to learn from.
WARM_UP_STEPS = 500
LEARNING_RATE = 1e-3


class AuxiliaryLoss:
    """The classifier, its optimiser and its weight in the generator's loss."""

    def __init__(self, classifier: AuxiliaryClassifier, weight: float, weight_decay: float):
        self.classifier = classifier
        self.weight = weight
        self.optimizer = torch.optim.Adam(
            classifier.parameters(), lr=LEARNING_RATE, weight_decay=weight_decay
        )

    def warm_up(self, draw: Callable[[], tuple[torch.Tensor, torch.Tensor]]) -> None:
        """``WARM_UP_STEPS`` updates on batches of real rows from ``draw`` before GAN training."""
        for _ in range(WARM_UP_STEPS):
            self.learn(*draw())

    def learn(self, real: torch.Tensor, condition: torch.Tensor) -> None:
        """One update of the classifier on a batch of real rows and their class one-hots."""
        self.classifier.train()
        loss = self.classifier.loss(real, condition)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def penalty(self, fake: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """The generator's extra loss: weight x cross-entropy of its rows' asked-for class."""
        return self.weight * self.classifier.loss(fake, condition)

    def state_dict(self) -> dict[str, object]:
        return {
            "classifier": self.classifier.state_dict(),
            "optimizer": self.optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, object]) -> None:
        self.classifier.load_state_dict(state["classifier"])  # type: ignore[arg-type]
        self.optimizer.load_state_dict(state["optimizer"])  # type: ignore[arg-type]
