"""Which files in an inbox are new or changed since the last look (content fingerprints).

The state is one JSON file mapping each file's path to the sha256 of its bytes; it is replaced
atomically, and only after the arrival events were emitted, so a crash re-announces a file
rather than losing it (the rebalance run then finds its version and ends early).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import fsspec

from rebalance.core.errors import InputError
from rebalance.core.ingest import missing_backend
from rebalance.core.serialize import to_json

CHUNK = 1 << 20


@dataclass(frozen=True)
class Arrival:
    path: str
    fingerprint: str
    size: int


def list_inbox(inbox: str, pattern: str) -> list[str]:
    """Data files in ``inbox`` (a folder or fsspec URL) whose names match ``pattern``."""
    try:
        fs, root = fsspec.core.url_to_fs(inbox)
    except ImportError as exc:
        raise missing_backend(inbox, exc) from None
    try:
        found = fs.glob(f"{root.rstrip('/')}/{pattern}")
    except OSError as exc:
        raise InputError(inbox, f"expected a readable inbox folder ({exc})") from None
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    prefix = "" if protocol in ("file", "local") else f"{protocol}://"
    return sorted(f"{prefix}{path}" for path in found if not Path(path).name.startswith("."))


def fingerprint(path: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with fsspec.open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def find_arrivals(paths: list[str], seen: dict[str, str]) -> list[Arrival]:
    """Files whose content differs from what was seen at that path (new ones included)."""
    arrivals = []
    for path in paths:
        digest, size = fingerprint(path)
        if seen.get(path) != digest:
            arrivals.append(Arrival(path, digest, size))
    return arrivals


def read_state(path: str | Path) -> dict[str, str]:
    state_file = Path(path)
    if not state_file.is_file():
        return {}
    try:
        state: dict[str, str] = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}  # unreadable state: every file is announced again, never lost
    return state


def write_state(path: str | Path, state: dict[str, str]) -> None:
    state_file = Path(path)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_file.with_name(f".{state_file.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(to_json(state, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, state_file)
