"""Which files in an inbox are new or changed since the last look (content fingerprints).

The state is one JSON file mapping each file's path to the sha256 of its bytes; it is replaced
atomically, and only after the arrival events were emitted, so a crash re-announces a file
rather than losing it (the rebalance run then finds its version and ends early).

A file still being written is not announced: it must have been left unchanged (size and
modification time) for ``schedule.stable_seconds``, and stay unchanged while it is read.
Otherwise it is left for the next look, not recorded as seen. Arrivals come oldest first (by
modification time), so the runs they trigger are queued in the order the files arrived.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import fsspec

from rebalance.core.errors import InputError
from rebalance.core.ingest import missing_backend
from rebalance.core.serialize import to_json

CHUNK = 1 << 20
# where fsspec backends put a file's modification time (local, s3, gcs/azure, memory)
MODIFIED_KEYS = ("mtime", "LastModified", "last_modified", "updated", "created")


@dataclass(frozen=True)
class Arrival:
    path: str
    fingerprint: str
    size: int
    modified: float | None = None  # seconds since the epoch, when the backend says


@dataclass
class Look:
    """One look at an inbox: what to announce (oldest first), and what is still settling."""

    arrivals: list[Arrival] = field(default_factory=list)
    settling: list[str] = field(default_factory=list)


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


def observe(path: str) -> tuple[int | None, float | None]:
    """A file's size and modification time (None where the backend does not say)."""
    fs, local = fsspec.core.url_to_fs(path)
    info = fs.info(local)
    size = info.get("size")
    return (int(size) if size is not None else None), _modified(info)


def _modified(info: dict[str, object]) -> float | None:
    for key in MODIFIED_KEYS:
        value = info.get(key)
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return None


def look(
    paths: list[str], seen: dict[str, str], stable_seconds: float = 0.0, now: float | None = None
) -> Look:
    """Files whose content differs from what was seen at that path (new ones included) and
    that are settled; the unsettled ones are named, not fingerprinted."""
    now = time.time() if now is None else now
    found = Look()
    for path in paths:
        before = observe(path)
        modified = before[1]
        if modified is not None and now - modified < stable_seconds:
            found.settling.append(path)  # written to within the interval
            continue
        digest, size = fingerprint(path)
        if observe(path) != before:
            found.settling.append(path)  # written to while it was read
        elif seen.get(path) != digest:
            found.arrivals.append(Arrival(path, digest, size, modified))
    found.arrivals.sort(key=lambda arrival: (arrival.modified or 0.0, arrival.path))
    return found


def find_arrivals(
    paths: list[str], seen: dict[str, str], stable_seconds: float = 0.0
) -> list[Arrival]:
    """The settled new or changed files, oldest first (see :func:`look`)."""
    return look(paths, seen, stable_seconds).arrivals


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
