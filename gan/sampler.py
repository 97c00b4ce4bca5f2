"""The GAN behind the oversampler seam (``method: gan``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from rebalance.core.samplers.base import Oversampler, SamplerTraits, TrainingProgress
from rebalance.gan.config import GanConfig
from rebalance.gan.model import ConditionalTabularGAN
from rebalance.gan.trainer import EpochStats


class GanOversampler(Oversampler):
    name = "gan"
    traits = SamplerTraits(trains=True, uses_accelerator=True, checkpoints=True, generative=True)

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed=seed, **params)
        self.config = GanConfig.from_params({**params, "seed": seed})

    def _fit(self, frame: pd.DataFrame) -> None:
        config = self.config
        if self._work_dir and config.checkpoint_dir is None:
            # checkpoints beside the run's other scratch files, so a retried fit resumes
            config = dataclasses.replace(config, checkpoint_dir=str(Path(self._work_dir) / "gan"))
        self.model_ = ConditionalTabularGAN(config).fit(
            frame, self.target_, self.types_, on_epoch=self._on_epoch
        )

    def _on_epoch(self, stats: EpochStats) -> None:
        self._report(
            TrainingProgress(
                epoch=stats.epoch,
                epochs=stats.epochs,
                losses={"critic": stats.critic_loss, "generator": stats.generator_loss},
                score=stats.score,
                resumed_from=stats.resumed_from,
            )
        )

    def _sample(self, label: str, n: int) -> pd.DataFrame:
        return self.model_.sample(label, n)

    def fitted_rows(self) -> int:
        return int(self.model_.fit_rows_)  # a stratified sample of a large table

    def training_history(self) -> dict[str, list[Any]] | None:
        return self.model_.history_.to_dict()

    def training_summary(self) -> str | None:
        history = self.model_.history_
        stopped = (
            f", stopped early at {history.stopped_early_at}" if history.stopped_early_at else ""
        )
        resumed = (
            f" (resumed from the checkpoint after epoch {history.resumed_from})"
            if history.resumed_from
            else ""
        )
        model = self.model_
        sample = (
            f" on a stratified sample of {model.fit_rows_:,} of {model.given_rows_:,} rows "
            "(gan.max_fit_rows)"
            if model.fit_rows_ < model.given_rows_
            else ""
        )
        config = model.config
        packing = (
            f"; {history.pac} row(s) per critic sample (pac {config.pac}, min_packs "
            f"{config.min_packs})"
            if history.pac is not None and history.pac != config.pac
            else ""
        )
        return (
            f"GAN trained {len(history.critic_loss)} epoch(s){sample}{resumed}, "
            f"best at epoch {history.best_epoch}{stopped}{packing}"
        )
