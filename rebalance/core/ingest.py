"""Read a CSV or Parquet file (local path or fsspec URL) through pyarrow, and fingerprint it.

CSV columns are read as raw bytes and decoded here, so that a non-UTF-8 byte is reported with
its column and row, and so that typing (``rebalance.typing``) sees every value as text and can
quarantine the ones that do not parse instead of failing the whole read.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import lzma
import zlib
from collections import Counter
from dataclasses import dataclass

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rebalance.core.config import CsvOptions, DatasetSpec
from rebalance.core.errors import InputError, SourceUnreachableError
from rebalance.core.redaction import redact_url


@dataclass(frozen=True)
class RawTable:
    """The file's rows before typing. CSV columns hold strings (or None for NA tokens)."""

    frame: pd.DataFrame
    path: str  # where it was read from, any URL secret redacted: for messages and metadata
    fingerprint: str  # sha256 of the (decompressed) file bytes
    text_source: bool  # True for CSV: every column still needs typing
    size: int = 0  # bytes read (decompressed)


def read_bytes(path: str) -> bytes:
    """The file's bytes, decompressed by extension. Missing files, missing fsspec backends and
    refused permissions are domain errors; other OSErrors (network faults) become a
    :class:`SourceUnreachableError` naming the location, which the calling task retries."""
    try:
        with fsspec.open(path, "rb", compression="infer") as handle:
            data: bytes = handle.read()
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(path, "expected an existing file, found nothing at this path") from None
    except IsADirectoryError:
        raise InputError(path, "expected a file, found a directory") from None
    except PermissionError as exc:
        raise InputError(path, f"expected a readable file, found access refused ({exc})") from None
    except ImportError as exc:
        raise missing_backend(path, exc) from None
    except (gzip.BadGzipFile, EOFError, lzma.LZMAError, zlib.error) as exc:  # corrupt, not remote
        raise InputError(
            path, f"expected valid compressed data, found {type(exc).__name__}: {exc}"
        ) from None
    except OSError as exc:
        raise SourceUnreachableError(
            path, f"expected a reachable location, found {type(exc).__name__}: {exc}"
        ) from None
    except Exception as exc:  # a backend's own error (HTTP 403, ...): its text may hold the URL
        raise InputError(
            path, f"expected a readable location, found {type(exc).__name__}: {exc}"
        ) from None
    return data


# The pip extra that installs the fsspec backend of each protocol (pyproject.toml).
EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs"}


def missing_backend(path: str, exc: ImportError) -> InputError:
    """The one line for an fsspec protocol (or codec) whose package is not installed."""
    protocol = path.split("://", 1)[0].lower() if "://" in path else "file"
    extra = EXTRAS.get(protocol)
    if extra is not None:
        return InputError(
            path,
            f"expected the {protocol}:// backend to be installed, found it missing ({exc}); "
            f"install it with: pip install 'rebalance-tabular[{extra}]'",
        )
    return InputError(path, f"expected the package this location needs, found it missing ({exc})")


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_raw(spec: DatasetSpec) -> RawTable:
    """Read the file named by ``spec`` and apply ``drop``; check whole-file defects."""
    data = read_bytes(spec.path)
    if not data.strip():
        raise InputError(spec.path, "expected data rows, found an empty file")
    if spec.resolved_format == "parquet":
        frame = _parse_parquet(data, spec.path)
    else:
        frame = _parse_csv(data, spec.path, spec.csv)
    _check_columns(frame, spec)
    frame = frame.drop(columns=spec.drop)
    if len(frame) == 0:
        raise InputError(spec.path, "expected data rows, found a header only")
    return RawTable(
        frame=frame,
        path=redact_url(spec.path),
        fingerprint=fingerprint(data),
        text_source=spec.resolved_format == "csv",
        size=len(data),
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


def _duplicates(names: list[str]) -> list[str]:
    return [name for name, count in Counter(names).items() if count > 1]


def _parse_parquet(data: bytes, path: str) -> pd.DataFrame:
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        dupes = _duplicates(parquet.schema_arrow.names)
        if dupes:
            raise InputError(path, f"expected unique column names, found duplicates {dupes}")
        table = parquet.read()
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise InputError(
            path, f"expected a readable Parquet file, found a truncated or corrupt one ({exc})"
        ) from None
    return table.to_pandas()


def _header_names(data: bytes, path: str, options: CsvOptions) -> list[str]:
    """Column names from the header line (parsed with the csv module, honouring quotes)."""
    head = data[: 1 << 20].decode(options.encoding, errors="replace")
    reader = csv.reader(
        io.StringIO(head),
        delimiter=options.delimiter,
        quotechar=options.quote_char or '"',
        quoting=csv.QUOTE_MINIMAL if options.quote_char else csv.QUOTE_NONE,
    )
    for _ in range(options.skip_rows):
        next(reader, None)
    row = next(reader, None)
    if not row:
        raise InputError(path, "expected a header line, found none")
    names = [name.strip() if options.trim_whitespace else name for name in row]
    if any(name == "" for name in names):
        raise InputError(path, f"expected a name for every column, found an empty one in {names}")
    return names


def _parse_csv(data: bytes, path: str, options: CsvOptions) -> pd.DataFrame:
    if options.header:
        names = _header_names(data, path, options)
        skip = options.skip_rows + 1
    else:
        names = list(options.column_names or [])
        skip = options.skip_rows
    dupes = _duplicates(names)
    if dupes:
        raise InputError(path, f"expected unique column names, found duplicates {dupes}")
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=skip, encoding=options.encoding
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=options.delimiter,
                quote_char=options.quote_char or False,
            ),
            # Bytes, not strings: decoding happens per column below so bad bytes can be located.
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.binary() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError) as exc:
        ragged = _first_ragged_row(data, options, skip, len(names))
        if ragged is not None:
            line, found, text = ragged
            raise InputError(
                path,
                f"expected {len(names)} delimited columns on every row, found {found} on "
                f"line {line}: {text!r}",
            ) from None
        raise InputError(path, f"expected {len(names)} delimited columns, {exc}") from None
    columns = {name: _decode_column(table.column(name), path, name, options) for name in names}
    return pa.table(columns).to_pandas()


def _first_ragged_row(
    data: bytes, options: CsvOptions, skip: int, width: int
) -> tuple[int, int, str] | None:
    """``(line, fields, text)`` of the first data row whose field count is not ``width``; the
    line is the file's, counted from 1 (error path only, so a Python loop is fine)."""
    try:
        text = data.decode(options.encoding, errors="replace")
    except LookupError:
        return None
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=options.delimiter,
        quotechar=options.quote_char or '"',
        quoting=csv.QUOTE_MINIMAL if options.quote_char else csv.QUOTE_NONE,
    )
    ended = 0  # the line the previous row ended on (a quoted field may span lines)
    for index, row in enumerate(reader):
        began, ended = ended + 1, reader.line_num
        if index >= skip and row and len(row) != width:
            return began, len(row), options.delimiter.join(row)[:80]
    return None


def _decode_column(
    column: pa.ChunkedArray, path: str, name: str, options: CsvOptions
) -> pa.ChunkedArray:
    try:
        text = pc.cast(column, pa.string())
    except pa.ArrowInvalid:
        row, raw = _first_invalid_utf8(column)
        raise InputError(
            path,
            f"expected {options.encoding} text, found undecodable bytes {raw!r} in data row {row}",
            column=name,
        ) from None
    if options.trim_whitespace:
        text = pc.utf8_trim_whitespace(text)
    if options.na_values:
        is_na = pc.is_in(text, value_set=pa.array(options.na_values, pa.string()))
        text = pc.if_else(is_na, pa.scalar(None, pa.string()), text)
    return text


def _first_invalid_utf8(column: pa.ChunkedArray) -> tuple[int, bytes]:
    """Locate the first undecodable value (error path only, so a Python loop is fine)."""
    for row, value in enumerate(column.to_pylist(), start=1):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return row, value[:40]
    return -1, b""
