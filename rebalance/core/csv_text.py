"""CSV text through pyarrow, every column kept as text for typing (``rebalance.core.columns``)
to quarantine the values that do not parse instead of failing the whole read.

The usual path streams the file into Arrow strings and hashes it on the way
(:func:`read_csv`). A file Arrow refuses (undecodable bytes, ragged rows) is read again as
bytes, column by column, to say which column and row are at fault (:func:`parse_csv_bytes`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections import Counter

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from rebalance.core.config import CsvOptions
from rebalance.core.errors import InputError
from rebalance.core.sources import SourceReader, open_source, read_bytes

HEAD_BYTES = 1 << 20  # enough for a header line
PARQUET_MAGIC = b"PAR1"


class HashingReader:
    """A read-only stream that hashes (sha256) and counts what passes through it."""

    def __init__(self, source: SourceReader) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        block = self.source.read(size)
        self.digest.update(block)
        self.size += len(block)
        return block

    def readable(self) -> bool:
        return True

    def drain(self) -> None:
        """Hash whatever the parser left unread."""
        while self.read(1 << 24):
            pass

    def close(self) -> None:
        self.closed = True


class PrefixedReader:
    """``prefix`` (bytes already read from ``stream``), then the rest of ``stream``."""

    def __init__(self, prefix: bytes, stream: HashingReader) -> None:
        self.prefix, self.stream = prefix, stream
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        if not self.prefix:
            return self.stream.read(size)
        if size is None or size < 0:
            block, self.prefix = self.prefix + self.stream.read(), b""
        else:
            block, self.prefix = self.prefix[:size], self.prefix[size:]
        return block

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def duplicates(names: list[str]) -> list[str]:
    return [name for name, count in Counter(names).items() if count > 1]


def read_csv(path: str, options: CsvOptions) -> tuple[pd.DataFrame, str, int]:
    """``(frame, sha256, bytes)`` of the CSV at ``path``, opened and read once."""
    with open_source(path) as source:
        stream = HashingReader(source)
        head = _head(stream, path)
        names, skip = _layout(head, path, options)
        try:
            table = pacsv.read_csv(
                PrefixedReader(head, stream),
                read_options=_read_options(names, skip, options),
                parse_options=_parse_options(options),
                convert_options=_convert_options(names, pa.string()),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
            table = None  # Arrow says only that something is wrong
        else:
            stream.drain()
    if table is None:
        data = read_bytes(path)  # read again, as bytes, to say what is wrong and where
        frame = parse_csv_bytes(data, path, options)
        return frame, hashlib.sha256(data).hexdigest(), len(data)
    for index, name in enumerate(names):  # one column at a time: the old one is freed
        table = table.set_column(index, name, _cleaned(table.column(index), options))
    return table.to_pandas(), stream.digest.hexdigest(), stream.size


def _head(stream: HashingReader, path: str) -> bytes:
    """The first ``HEAD_BYTES`` of the file, or more while they are only whitespace; a file
    of nothing but whitespace is refused."""
    head = stream.read(HEAD_BYTES)
    while head.isspace():
        more = stream.read(HEAD_BYTES)
        if not more:
            break
        head += more
    if not head or head.isspace():
        raise InputError(path, "expected data rows, found an empty file")
    if head.startswith(PARQUET_MAGIC):
        raise InputError(
            path,
            "expected CSV text, found a Parquet file (it starts with PAR1); name it *.parquet "
            "or set dataset.format: parquet",
        )
    return head


def _layout(head: bytes, path: str, options: CsvOptions) -> tuple[list[str], int]:
    """Column names and the lines to skip before the first data row."""
    if options.header:
        names, skip = header_names(head, path, options)
    else:
        names, skip = list(options.column_names or []), options.skip_rows
    dupes = duplicates(names)
    if dupes:
        raise InputError(path, f"expected unique column names, found duplicates {dupes}")
    return names, skip


def _read_options(names: list[str], skip: int, options: CsvOptions) -> pacsv.ReadOptions:
    return pacsv.ReadOptions(column_names=names, skip_rows=skip, encoding=options.encoding)


def _parse_options(options: CsvOptions) -> pacsv.ParseOptions:
    return pacsv.ParseOptions(delimiter=options.delimiter, quote_char=options.quote_char or False)


def _convert_options(names: list[str], kind: pa.DataType) -> pacsv.ConvertOptions:
    """Every column as ``kind``, nothing read as null: NA tokens are the spec's to name."""
    return pacsv.ConvertOptions(
        column_types={name: kind for name in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )


def _cleaned(text: pa.ChunkedArray, options: CsvOptions) -> pa.ChunkedArray:
    """Whitespace trimmed and the spec's NA tokens made null, as the options say."""
    if options.trim_whitespace:
        text = pc.utf8_trim_whitespace(text)
    if options.na_values:
        is_na = pc.is_in(text, value_set=pa.array(options.na_values, pa.string()))
        text = pc.if_else(is_na, pa.scalar(None, pa.string()), text)
    return text


def header_names(data: bytes, path: str, options: CsvOptions) -> tuple[list[str], int]:
    """Column names from the header line (parsed with the csv module, honouring quotes), and
    the raw lines up to its end: Arrow's ``skip_rows`` counts raw lines, and a quoted line end
    in a name spans two."""
    text = io.StringIO(
        data[: 1 << 20].decode(_without_bom(options.encoding), errors="replace"),
        newline="",  # lines end at \n, \r\n and a lone \r, as Arrow's do
    )
    for _ in range(options.skip_rows):  # raw lines, whatever quotes they hold
        text.readline()
    reader = csv.reader(
        text,
        delimiter=options.delimiter,
        quotechar=options.quote_char or '"',
        quoting=csv.QUOTE_MINIMAL if options.quote_char else csv.QUOTE_NONE,
    )
    try:
        row = next(reader, None)
    except csv.Error as exc:
        raise InputError(
            path, f"expected a CSV header line, found text that is not CSV ({exc})"
        ) from None
    if not row:
        raise InputError(path, "expected a header line, found none")
    names = [name.strip() if options.trim_whitespace else name for name in row]
    if any(name == "" for name in names):
        raise InputError(path, f"expected a name for every column, found an empty one in {names}")
    return names, options.skip_rows + reader.line_num


def _without_bom(encoding: str) -> str:
    """UTF-8 read as utf-8-sig: a spreadsheet's "CSV UTF-8" export starts with a byte-order
    mark, which would otherwise stay in the first column's name (Arrow skips it in the rows)."""
    try:
        return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    except LookupError:
        return encoding  # the read itself reports the unknown encoding


def parse_csv_bytes(data: bytes, path: str, options: CsvOptions) -> pd.DataFrame:
    """The exact path: columns read as bytes and decoded one by one, so that an undecodable
    byte is reported with its column and row, and a ragged row with its line."""
    names, skip = _layout(data, path, options)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=_read_options(names, skip, options),
            parse_options=_parse_options(options),
            convert_options=_convert_options(names, pa.binary()),
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
    return _cleaned(text, options)


def _first_invalid_utf8(column: pa.ChunkedArray) -> tuple[int, bytes]:
    """Locate the first undecodable value (error path only, so a Python loop is fine)."""
    for row, value in enumerate(column.to_pylist(), start=1):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return row, value[:40]
    return -1, b""
