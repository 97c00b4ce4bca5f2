"""A GAN training killed mid-way (SIGKILL) and retried resumes from its checkpoint epoch."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import torch

from rebalance.gan.config import GanConfig
from rebalance.gan.model import ConditionalTabularGAN
from rebalance.gan.trainer import EpochStats
from tests.support import MIXED_TYPES, mixed_frame

SETTINGS = {
    "epochs": 20,
    "checkpoint_every": 5,
    "checkpoint_min_seconds": 0.0,
    "eval_every": 0,
    "batch_size": 50,
    "pac": 10,
    "generator_dims": (32,),
    "critic_dims": (32,),
    "embedding_dim": 16,
}
KILL_AT = 12


def test_killed_training_resumes_from_its_last_checkpoint(tmp_path: Path) -> None:
    checkpoints = tmp_path / "gan"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from rebalance.gan.config import GanConfig
        from rebalance.gan.model import ConditionalTabularGAN
        from tests.support import MIXED_TYPES, mixed_frame

        def die(stats):
            if stats.epoch == {KILL_AT}:
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, as in a crash

        config = GanConfig(**{SETTINGS!r}, checkpoint_dir={str(checkpoints)!r})
        ConditionalTabularGAN(config).fit(mixed_frame(), "label", MIXED_TYPES, on_epoch=die)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert done.returncode == -9, done.stderr[-2000:]
    saved = torch.load(checkpoints / "checkpoint.pt", weights_only=True)
    assert saved["epoch"] == 10  # the last checkpoint before the kill at epoch 12

    seen: list[int] = []

    def record(stats: EpochStats) -> None:
        seen.append(stats.epoch)

    config = GanConfig(**SETTINGS, checkpoint_dir=str(checkpoints))  # type: ignore[arg-type]
    model = ConditionalTabularGAN(config).fit(mixed_frame(), "label", MIXED_TYPES, on_epoch=record)
    assert seen == list(range(11, 21))  # resumed at epoch 11, not 1
    assert len(model.history_.critic_loss) == 20  # the curve before the kill was kept
