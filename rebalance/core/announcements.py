"""Which published versions were announced (``rebalance.dataset.published`` was sent).

One marker per version, ``<root>/<dataset>/.announced/<version>.json``, written only after
Prefect accepted the event. A run that finds its version already published announces it again
when the marker is missing, so an event lost to a crash or an unreachable API is sent later
instead of never (downstream flows see a version at least once, possibly twice).

The marker lives in a hidden folder beside ``versions/``, not in the version folder: a published
version stays exactly as its manifest lists it, and version listings never see the marker.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from rebalance.core.publish import dataset_dir
from rebalance.core.serialize import to_json
from rebalance.core.storage import storage_faults

FOLDER = ".announced"


def marker_path(root: str | Path, dataset: str, version: str) -> Path:
    return dataset_dir(root, dataset) / FOLDER / f"{version}.json"


def is_announced(root: str | Path, dataset: str, version: str) -> bool:
    return marker_path(root, dataset, version).is_file()


def mark_announced(root: str | Path, dataset: str, version: str, event_id: str) -> Path:
    """Record the sent event; replaced atomically, so a crash leaves no half marker."""
    marker = marker_path(root, dataset, version)
    record: dict[str, Any] = {"version": version, "event_id": event_id}
    with storage_faults(marker.parent.parent):
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_name(f".{marker.name}.{uuid.uuid4().hex[:8]}")
        tmp.write_text(to_json(record, indent=2), encoding="utf-8")
        os.replace(tmp, marker)
    return marker


def read_marker(root: str | Path, dataset: str, version: str) -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = json.loads(marker_path(root, dataset, version).read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return record
