"""Versions the gate refused: their verdict is kept beside the published versions.

    <root>/<dataset>/refused/<version>/    the verdict's side files (``_validation.json``, report)

Nothing else of a refused version is written. A later run with the same content key stops with
the recorded reasons instead of training again (``stop_if_refused``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rebalance.core.publish import dataset_dir, replace_folder, write_side_file


def refusal_dir(root: str | Path, dataset: str, version: str) -> Path:
    """Where the report of a version the gate refused is kept (nothing else is written)."""
    return dataset_dir(root, dataset) / "refused" / version


def write_refusal(root: str | Path, dataset: str, version: str, files: dict[str, Any]) -> Path:
    """Write the side files of a refused version, all or nothing (staged, then renamed)."""
    final = refusal_dir(root, dataset, version)

    def fill(staging: Path) -> None:
        for name, payload in files.items():
            write_side_file(staging, name, payload)

    replace_folder(final, fill)
    return final


def read_refusal(root: str | Path, dataset: str, version: str) -> dict[str, Any] | None:
    """The recorded validation of a refused version, or None."""
    path = refusal_dir(root, dataset, version) / "_validation.json"
    if not path.is_file():
        return None
    try:
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None  # unreadable: validate again rather than trust it
    return record
