"""Atomic, versioned Parquet publishing.

Layout under the output root::

    <root>/<dataset>/versions/<version>/split=train/part-0.parquet     real + synthetic rows
    <root>/<dataset>/versions/<version>/split=holdout/part-0.parquet   real rows only
    <root>/<dataset>/versions/<version>/_manifest.json                 metadata, files, counts
    <root>/<dataset>/versions/<version>/_profile.json                  the imbalance profile
    <root>/<dataset>/latest                                            name of the newest version
    <root>/<dataset>/quarantine/<input fingerprint>.parquet

A ``synthetic_only`` release (for sharing) holds synthetic rows only in ``split=train`` and no
``split=holdout``; its manifest says ``"release": "synthetic_only"``.

A version is written complete into ``<root>/<dataset>/.staging/`` and becomes visible with one
``rename`` of its folder, so a reader never sees a half-written version. The version name is the
content key (input fingerprint + config hash + rebalance version): publishing the same input and
config again finds the existing version instead of writing a duplicate. ``latest`` is replaced
atomically, and only after the version folder is in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rebalance.core.errors import PublishError
from rebalance.core.frames import with_columns
from rebalance.core.row_groups import write_row_groups
from rebalance.core.serialize import to_json
from rebalance.core.storage import fault_error, is_permanent_fault, storage_faults

METADATA_KEY = b"rebalance"
MANIFEST = "_manifest.json"
SYNTHETIC_COLUMN = "is_synthetic"
STALE_STAGING_SECONDS = 6 * 3600


@dataclass(frozen=True)
class PublishResult:
    version: str
    path: str
    reused: bool  # True when this content was already published
    row_counts: dict[str, int]


def dataset_dir(root: str | Path, dataset: str) -> Path:
    """The dataset's folder, refusing names that would escape the output root."""
    if (
        not dataset
        or dataset in (".", "..")
        or "/" in dataset
        or "\\" in dataset
        or ".." in dataset
        or Path(dataset).is_absolute()
    ):
        raise PublishError(
            f"expected a plain dataset name inside the output root, found {dataset!r}"
        )
    base = Path(root).resolve()
    target = (base / dataset).resolve()
    if not target.is_relative_to(base) or target == base:
        raise PublishError(f"dataset {dataset!r} resolves outside the output root {base}")
    return target


def content_key(input_fingerprint: str, config_hash: str, code_version: str) -> str:
    """The version name: the same input, config and code publish to the same version."""
    blob = f"{input_fingerprint}|{config_hash}|{code_version}".encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def work_dir(root: str | Path, dataset: str, version: str) -> Path:
    """Scratch space of a run in progress (GAN checkpoints); removed once it publishes."""
    return dataset_dir(root, dataset) / ".work" / version


def find_version(root: str | Path, dataset: str, version: str) -> Path | None:
    """The complete version folder, or None when it was never published."""
    folder = dataset_dir(root, dataset) / "versions" / version
    return folder if (folder / MANIFEST).is_file() else None


def latest_version(root: str | Path, dataset: str) -> str | None:
    pointer = dataset_dir(root, dataset) / "latest"
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


def assemble_train(real: pd.DataFrame, synthetic: pd.DataFrame | None) -> pd.DataFrame:
    """Real rows first, then synthetic ones, with the ``is_synthetic`` flag last."""
    real = with_columns(real, {SYNTHETIC_COLUMN: False})
    if synthetic is None or synthetic.empty:
        return real.reset_index(drop=True)
    synthetic = with_columns(synthetic[list(real.columns[:-1])], {SYNTHETIC_COLUMN: True})
    return pd.concat([real, synthetic.astype(real.dtypes.to_dict())], ignore_index=True)


def publish_version(
    root: str | Path,
    dataset: str,
    version: str,
    splits: dict[str, pd.DataFrame],
    metadata: dict[str, Any],
    extra_files: dict[str, Any] | None = None,
) -> PublishResult:
    """Write ``splits`` (e.g. train, holdout) as one version; idempotent per ``version``.

    ``extra_files`` are JSON side files; their names start with ``_`` so Parquet readers of
    the version folder skip them.
    """
    home = dataset_dir(root, dataset)
    final = home / "versions" / version
    if (final / MANIFEST).is_file():
        move_latest(home, version)
        return _result_from_manifest(final, version, reused=True)
    staging_root = home / ".staging"
    with storage_faults(home):
        staging_root.mkdir(parents=True, exist_ok=True)
        _sweep_stale(staging_root)
    staging = staging_root / f"{version}-{uuid.uuid4().hex[:8]}"
    try:
        counts = _write_version(staging, splits, metadata, extra_files or {})
        final.parent.mkdir(parents=True, exist_ok=True)
        commit_rename(staging, final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        # Someone published the same content meanwhile (and may have swept our staging
        # folder as a leftover): theirs is as good as ours.
        if isinstance(exc, OSError) and (final / MANIFEST).is_file():
            move_latest(home, version)
            return _result_from_manifest(final, version, reused=True)
        if is_permanent_fault(exc):  # a full disk, a read-only mount: name the folder
            raise fault_error(exc, home) from None
        raise
    _sweep_version(staging_root, version)
    move_latest(home, version)
    return PublishResult(version=version, path=str(final), reused=False, row_counts=counts)


def commit_rename(staging: Path, final: Path) -> None:
    """The single step that makes a version visible."""
    os.rename(staging, final)


def move_latest(home: Path, version: str) -> None:
    tmp = home / f".latest-{uuid.uuid4().hex[:8]}"
    with storage_faults(home):
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, home / "latest")


def _write_version(
    folder: Path,
    splits: dict[str, pd.DataFrame],
    metadata: dict[str, Any],
    extra_files: dict[str, Any],
) -> dict[str, int]:
    folder.mkdir(parents=True)
    files: dict[str, str] = {}
    counts: dict[str, int] = {}
    for split, frame in splits.items():
        if SYNTHETIC_COLUMN not in frame.columns:  # one schema for every split (a real holdout)
            frame = with_columns(frame, {SYNTHETIC_COLUMN: False})
        part = folder / f"split={split}" / "part-0.parquet"
        part.parent.mkdir()
        blob = to_json({**metadata, "split": split}, sort_keys=True).encode()
        write_row_groups(frame, part, {METADATA_KEY: blob})
        files[split] = str(part.relative_to(folder))
        counts[split] = len(frame)
    for name, payload in extra_files.items():
        write_side_file(folder, name, payload)
    manifest = {**metadata, "files": files, "row_counts": counts, "written_at": time.time()}
    # The manifest is written last: a folder without one is never treated as a version.
    (folder / MANIFEST).write_text(to_json(manifest, indent=2), encoding="utf-8")
    return counts


def write_side_file(folder: Path, name: str, payload: Any) -> None:
    """``_name.json`` gets ``payload`` as JSON; any other ``_name.ext`` takes text as is."""
    if not name.startswith("_") or "/" in name or "\\" in name:
        raise PublishError(f"expected a side-file name like '_name.json', found {name!r}")
    text = to_json(payload, indent=2) if name.endswith(".json") else payload
    if not isinstance(text, str):
        raise PublishError(f"side file {name!r}: expected text, found {type(payload).__name__}")
    (folder / name).write_text(text, encoding="utf-8")


def replace_folder(final: Path, fill: Callable[[Path], None]) -> None:
    """Fill a staging folder, then put it in place of ``final`` (all or nothing)."""
    staging = final.parent / f".{final.name}-{uuid.uuid4().hex[:8]}"
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        fill(staging)
        if final.exists():
            shutil.rmtree(final)
        os.rename(staging, final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if is_permanent_fault(exc):
            raise fault_error(exc, final.parent) from None
        raise


def _result_from_manifest(folder: Path, version: str, reused: bool) -> PublishResult:
    manifest = read_manifest(folder)
    return PublishResult(
        version=version, path=str(folder), reused=reused, row_counts=manifest["row_counts"]
    )


def read_manifest(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PublishError(f"{path}: expected a readable version manifest ({exc})") from None
    return manifest


def read_split(
    root: str | Path, dataset: str, split: str, version: str | None = None
) -> pd.DataFrame:
    """Read one split of a published version (the latest by default)."""
    version = version or latest_version(root, dataset)
    if version is None:
        raise PublishError(f"expected a published version of {dataset!r} under {root}, found none")
    folder = find_version(root, dataset, version)
    if folder is None:
        raise PublishError(f"expected version {version!r} of {dataset!r} under {root}, found none")
    if not (folder / f"split={split}").is_dir():
        # a synthetic_only release has no holdout split: it carries no real row
        manifest = read_manifest(folder)
        raise PublishError(
            f"expected split {split!r} in version {version!r} of {dataset!r}, found splits "
            f"{sorted(manifest.get('files', {}))} ({manifest.get('release', 'augmented')} release)"
        )
    return pq.read_table(folder / f"split={split}").to_pandas()


def _sweep_stale(staging_root: Path) -> None:
    """Remove staging folders left by crashed runs long ago (never a live one)."""
    cutoff = time.time() - STALE_STAGING_SECONDS
    for leftover in staging_root.iterdir():
        try:
            if leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)
        except FileNotFoundError:
            continue


def _sweep_version(staging_root: Path, version: str) -> None:
    """Once ``version`` is in place, its staging folders left by killed runs are garbage (not
    kept for the 6-hour sweep); a live writer of it finds the version and reuses it."""
    for leftover in staging_root.glob(f"{version}-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_quarantine(root: str | Path, dataset: str, fingerprint: str, rows: pd.DataFrame) -> Path:
    """Write quarantined rows atomically; returns the file path."""
    folder = dataset_dir(root, dataset) / "quarantine"
    final = folder / f"{fingerprint[:20]}.parquet"
    tmp = folder / f".{final.name}.{uuid.uuid4().hex[:8]}"
    table = pa.Table.from_pandas(rows.astype(str).where(rows.notna()), preserve_index=False)
    with storage_faults(folder):
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        os.replace(tmp, final)
    return final
