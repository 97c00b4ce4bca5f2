"""Resumable training checkpoints: written atomically, read back only when they match.

A checkpoint holds tensors and plain containers only and is loaded with ``weights_only``: the
loader never builds arbitrary objects from the file.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import torch

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
