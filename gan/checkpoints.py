"""Resumable training checkpoints: written atomically, read back only when they match.

A checkpoint holds tensors and plain containers only and is loaded with ``weights_only``: the
loader never builds arbitrary objects from the file.
"""

from __future__ import annotations

import copy
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from rebalance.gan.history import History

if TYPE_CHECKING:  # the trainer imports this module
    from rebalance.gan.trainer import Trainer

logger = logging.getLogger(__name__)

CHECKPOINT_FILE = "checkpoint.pt"


def write_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    torch.save(payload, tmp)
    os.replace(tmp, path)  # a reader sees the old checkpoint or the new one, never half


def read_checkpoint(
    path: Path | None, device: torch.device, config: dict[str, Any], fingerprint: str
) -> dict[str, Any] | None:
    """The saved state if ``path`` holds a checkpoint of this data and these settings."""
    if path is None or not path.is_file():
        return None
    # weights_only: the loader accepts tensors and plain containers, never arbitrary objects
    saved: dict[str, Any] = torch.load(path, map_location=device, weights_only=True)
    same_config = _comparable(saved.get("config", {})) == _comparable(config)
    if saved.get("fingerprint") != fingerprint or not same_config:
        logger.warning("checkpoint %s is for other data or settings; starting over", path)
        return None
    return saved


def training_state(
    trainer: Trainer,
    progress: dict[str, Any],
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    fingerprint: str,
) -> dict[str, Any]:
    """Everything a resumed fit needs to continue the exact same run: weights, optimiser
    moments, ``progress`` (epoch, best generator, checks without gain), history and every
    random stream (torch's global one is the trainer's private copy)."""
    on_cuda = trainer.device.type == "cuda"
    auxiliary = trainer.auxiliary
    return {
        **progress,
        "fingerprint": fingerprint,
        "config": trainer.config.to_dict(),
        "generator": trainer.generator.state_dict(),
        "critic": trainer.critic.state_dict(),
        "opt_g": opt_g.state_dict(),
        "opt_d": opt_d.state_dict(),
        "history": trainer.history.to_dict(),
        "rng": trainer.rng.get_state(),
        "torch_rng": torch.get_rng_state(),  # the private copy: see Trainer.private_global_rng
        "cuda_rng": [torch.cuda.get_rng_state(trainer.device)] if on_cuda else [],
        "auxiliary": auxiliary.state_dict() if auxiliary is not None else {},
    }


def restore_training_state(
    trainer: Trainer,
    saved: dict[str, Any],
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
) -> None:
    """Load what ``training_state`` saved back into ``trainer`` and its optimisers."""
    trainer.generator.load_state_dict(saved["generator"])
    trainer.critic.load_state_dict(saved["critic"])
    opt_g.load_state_dict(saved["opt_g"])
    opt_d.load_state_dict(saved["opt_d"])
    if trainer.auxiliary is not None:
        trainer.auxiliary.load_state_dict(saved["auxiliary"])
    trainer.history = History(**{"resumed_from": None, **saved["history"]})
    trainer.rng.set_state(saved["rng"].cpu())
    torch.set_rng_state(saved["torch_rng"].cpu())
    if saved["cuda_rng"] and trainer.device.type == "cuda":
        torch.cuda.set_rng_state(saved["cuda_rng"][0].cpu(), trainer.device)


# Settings that may change between a crash and its retry without invalidating the checkpoint.
RESUMABLE_CHANGES = frozenset({"epochs", "checkpoint_every", "checkpoint_dir", "device"})


def _comparable(config: dict[str, Any]) -> Any:
    kept = {k: v for k, v in config.items() if k not in RESUMABLE_CHANGES}
    return _round_trip(kept)


def _round_trip(value: Any) -> Any:
    """Tuples and lists compare equal after a save/load round trip."""
    if isinstance(value, dict):
        return {k: _round_trip(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_round_trip(v) for v in value]
    return value


def cpu_copy(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A module's weights copied to the CPU (the best generator kept aside during a fit)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in copy.copy(module.state_dict()).items()}


def seeded_states(seed: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The global CPU (and CUDA) RNG states that ``torch.manual_seed(seed)`` would set."""
    cpu = torch.Generator().manual_seed(seed).get_state()
    if device.type != "cuda":
        return cpu, torch.empty(0)
    return cpu, torch.Generator(device=device).manual_seed(seed).get_state()
