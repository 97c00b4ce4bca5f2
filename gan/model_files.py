"""The two files of a saved GAN: their names and format tag, writes that never leave a half
file, and the checks a file passes before a loader reads it (JSON state of the expected format;
safetensors weights, never a pickle).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rebalance.core.errors import ModelFileError

FORMAT = "rebalance-ctgan/1"
WEIGHTS_FILE = "model.safetensors"
STATE_FILE = "model.json"


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(
            f"{path}: expected a saved model's state file, found nothing"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"{path}: expected JSON model state, found unreadable content ({exc})"
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise ModelFileError(f"{path}: expected model format {FORMAT!r}, found {found!r}")
    return state


def check_safetensors(path: Path) -> None:
    """Refuse anything but a safetensors file before handing it to a loader."""
    try:
        with path.open("rb") as handle:
            head = handle.read(9)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: expected generator weights, found nothing") from None
    if head[:1] == b"\x80" or head[:2] == b"PK":
        raise ModelFileError(
            f"{path}: expected a safetensors file, found a pickle payload (refused: loading it "
            "could run code)"
        )
    if len(head) < 9 or head[8:9] != b"{" or struct.unpack("<Q", head[:8])[0] > 100_000_000:
        raise ModelFileError(f"{path}: expected a safetensors file, found another format")
