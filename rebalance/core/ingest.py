"""Read a CSV or Parquet file (local path or fsspec URL) through pyarrow, and fingerprint it.

CSV columns stay text (``rebalance.core.csv_text``), so that typing
(``rebalance.core.columns``) sees every value as written and can quarantine the ones that do
not parse instead of failing the whole read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rebalance.core.config import DatasetSpec
from rebalance.core.csv_text import duplicates, read_csv
from rebalance.core.errors import InputError
from rebalance.core.redaction import redact_url
from rebalance.core.sources import EXTRAS, missing_backend, open_source, read_bytes

__all__ = ["EXTRAS", "RawTable", "missing_backend", "open_source", "read_bytes", "read_raw"]


@dataclass(frozen=True)
class RawTable:
    """The file's rows before typing. CSV columns hold strings (or None for NA tokens)."""

    frame: pd.DataFrame
    path: str  # where it was read from, any URL secret redacted: for messages and metadata
    fingerprint: str  # sha256 of the (decompressed) file bytes
    text_source: bool  # True for CSV: every column still needs typing
    size: int = 0  # bytes read (decompressed)


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_raw(spec: DatasetSpec) -> RawTable:
    """Read the file named by ``spec`` and apply ``drop``; check whole-file defects. A CSV
    file is parsed as it streams in, hashed on the way, so it is never held as bytes too."""
    if spec.resolved_format == "parquet":
        data = read_bytes(spec.path)
        if not data or data.isspace():
            raise InputError(spec.path, "expected data rows, found an empty file")
        frame, digest, size = _parse_parquet(data, spec.path), fingerprint(data), len(data)
    else:
        frame, digest, size = read_csv(spec.path, spec.csv)
    _check_columns(frame, spec)
    frame = frame.drop(columns=spec.drop)
    if len(frame) == 0:
        raise InputError(spec.path, "expected data rows, found a header only")
    return RawTable(
        frame=frame,
        path=redact_url(spec.path),
        fingerprint=digest,
        text_source=spec.resolved_format == "csv",
        size=size,
    )


def _check_columns(frame: pd.DataFrame, spec: DatasetSpec) -> None:
    present = set(frame.columns)
    if spec.target not in present:
        raise InputError(
            spec.path,
            f"expected target column {spec.target!r}, found columns {list(frame.columns)}",
            column=spec.target,
        )
    for column in [*spec.columns, *spec.drop, *spec.domains, *spec.missing_values_by_column]:
        if column not in present:
            raise InputError(
                spec.path,
                f"the spec names column {column!r}, which the file does not have "
                f"(found {list(frame.columns)})",
                column=column,
            )


def _parse_parquet(data: bytes, path: str) -> pd.DataFrame:
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        dupes = duplicates(parquet.schema_arrow.names)
        if dupes:
            raise InputError(path, f"expected unique column names, found duplicates {dupes}")
        table = parquet.read()
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise InputError(
            path, f"expected a readable Parquet file, found a truncated or corrupt one ({exc})"
        ) from None
    return table.to_pandas()
