from __future__ import annotations

import gzip
from pathlib import Path

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rebalance.core.config import CsvOptions, DatasetSpec
from rebalance.core.errors import InputError, SourceUnreachableError
from rebalance.core.ingest import read_raw


def spec_for(path: Path | str, **fields: object) -> DatasetSpec:
    return DatasetSpec.model_validate({"name": "t", "path": str(path), "target": "y", **fields})


def test_csv_options_headerless_na_tokens_and_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("1, red, ?,yes\n2, blue,3.5, no\n", encoding="utf-8")
    raw = read_raw(
        spec_for(
            path, csv=CsvOptions(header=False, column_names=["id", "c", "x", "y"], na_values=["?"])
        )
    )
    assert list(raw.frame.columns) == ["id", "c", "x", "y"]
    assert raw.frame["c"].tolist() == ["red", "blue"]
    assert raw.frame["x"].isna().tolist() == [True, False]
    assert raw.text_source
    assert len(raw.fingerprint) == 64


def test_fingerprint_follows_content_not_name(tmp_path: Path) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text("a,y\n1,p\n2,q\n")
    two.write_text("a,y\n1,p\n2,q\n")
    changed = tmp_path / "three.csv"
    changed.write_text("a,y\n1,p\n2,r\n")
    assert read_raw(spec_for(one)).fingerprint == read_raw(spec_for(two)).fingerprint
    assert read_raw(spec_for(one)).fingerprint != read_raw(spec_for(changed)).fingerprint


def test_reads_latin1_and_fsspec_urls() -> None:
    with fsspec.open("memory://rebalance-test/latin.csv", "wb") as handle:
        handle.write("name,y\ncaf\xe9,p\nna\xefve,q\n".encode("latin-1"))
    raw = read_raw(
        spec_for("memory://rebalance-test/latin.csv", csv=CsvOptions(encoding="latin-1"))
    )
    assert raw.frame["name"].tolist() == ["café", "naïve"]


def test_gzip_is_decompressed_by_extension(tmp_path: Path) -> None:
    path = tmp_path / "a.csv.gz"
    pd.DataFrame({"a": [1, 2], "y": ["p", "q"]}).to_csv(path, index=False, compression="gzip")
    assert read_raw(spec_for(path)).frame["a"].tolist() == ["1", "2"]


def test_parquet_is_read_natively_and_drop_applies(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pd.DataFrame({"id": [1, 2], "x": [0.5, 1.5], "y": ["p", "q"]}).to_parquet(path)
    raw = read_raw(spec_for(path, drop=["id"]))
    assert list(raw.frame.columns) == ["x", "y"]
    assert raw.frame["x"].dtype == "float64"
    assert not raw.text_source


# --- whole-batch defects: a clear error naming the file (and column) -------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty file") as info:
        read_raw(spec_for(path))
    assert str(path) in str(info.value)


@pytest.mark.parametrize("blank", [b" \n" * 600_000, b"\n" * 1_100_000, b" " * 1_200_000])
def test_whitespace_past_the_first_megabyte_is_still_an_empty_file(
    tmp_path: Path, blank: bytes
) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(blank)
    with pytest.raises(InputError, match="empty file"):
        read_raw(spec_for(path))


def test_a_parser_fault_is_not_taken_for_a_source_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rebalance.core import csv_text

    path = tmp_path / "ok.csv"
    path.write_text("a,y\n1,p\n")

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError("no room")

    monkeypatch.setattr(csv_text.pacsv, "read_csv", out_of_memory)
    with pytest.raises(MemoryError):
        read_raw(spec_for(path))


def test_a_fault_while_streaming_is_a_retryable_source_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rebalance.core import sources

    path = tmp_path / "ok.csv"
    path.write_text("a,y\n" + "1,p\n" * 1000)
    real_init = sources.SourceReader.__init__

    class Flaky:  # the opened file: its second read times out
        def __init__(self, handle: object) -> None:
            self.handle, self.reads = handle, 0

        def read(self, size: int = -1) -> bytes:
            self.reads += 1
            if self.reads == 2:
                raise TimeoutError("read timed out")
            return self.handle.read(size)  # type: ignore[attr-defined, no-any-return]

    def flaky_init(self: sources.SourceReader, handle: object, where: str) -> None:
        real_init(self, Flaky(handle), where)  # type: ignore[arg-type]

    monkeypatch.setattr(sources.SourceReader, "__init__", flaky_init)
    with pytest.raises(SourceUnreachableError, match="TimeoutError"):
        read_raw(spec_for(path))


@pytest.mark.parametrize(
    "text",
    [
        'a,name,y\r1,ok,p\r2,"x\ry",q\r',  # old Mac line ends, a quoted line end kept
        '\ufeffa,name,y\r\n1,ok,p\r\n2,"x\ry",q\r\n',  # a spreadsheet's CSV UTF-8 export
    ],
)
def test_line_ends_and_a_byte_order_mark_read_alike(tmp_path: Path, text: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("utf-8"))
    frame = read_raw(spec_for(path, drop=["a"])).frame  # "a" is found by its name
    assert list(frame.columns) == ["name", "y"]
    assert frame.to_dict("list") == {"name": ["ok", "x\ry"], "y": ["p", "q"]}


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_quoted_line_end_in_a_header_name_adds_no_row(tmp_path: Path, end: str) -> None:
    path = tmp_path / "a.csv"
    text = f'note: "made by hand{end}"a{end}b",y{end}1,p{end}2,q{end}'  # a preamble line, then
    path.write_bytes(text.encode("utf-8"))  # a header whose first name spans two lines
    frame = read_raw(spec_for(path, csv=CsvOptions(skip_rows=1))).frame
    assert list(frame.columns) == [f"a{end}b", "y"]
    assert frame.to_dict("list") == {f"a{end}b": ["1", "2"], "y": ["p", "q"]}


def test_a_parquet_file_named_csv_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    pd.DataFrame({"a": [1, 2], "y": ["p", "q"]}).to_parquet(path)
    with pytest.raises(InputError, match="expected CSV text, found a Parquet file") as info:
        read_raw(spec_for(path))
    assert str(path) in str(info.value)


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "head.csv"
    path.write_text("a,y\n")
    with pytest.raises(InputError, match="header only"):
        read_raw(spec_for(path))


def test_missing_target_column_lists_what_was_found(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(
        InputError, match=r"column 'y'.*expected target column 'y', found columns \['a', 'b'\]"
    ):
        read_raw(spec_for(path))


def test_declared_column_absent(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,y\n1,2\n")
    with pytest.raises(InputError, match="names column 'zzz'"):
        read_raw(spec_for(path, columns={"zzz": "integer"}))


def test_duplicate_csv_column_names(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("a,a,y\n1,2,p\n")
    with pytest.raises(InputError, match=r"duplicates \['a'\]"):
        read_raw(spec_for(path))


def test_duplicate_parquet_column_names(tmp_path: Path) -> None:
    path = tmp_path / "dup.parquet"
    table = pa.table([pa.array([1]), pa.array([2]), pa.array(["p"])], names=["a", "a", "y"])
    pq.write_table(table, path)
    with pytest.raises(InputError, match=r"duplicates \['a'\]"):
        read_raw(spec_for(path))


def test_truncated_parquet(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pd.DataFrame({"a": range(1000), "y": ["p", "q"] * 500}).to_parquet(good)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="truncated or corrupt") as info:
        read_raw(spec_for(cut))
    assert str(cut) in str(info.value)


@pytest.mark.parametrize("cut", [False, True])
def test_corrupt_compressed_input_is_one_permanent_line(tmp_path: Path, cut: bool) -> None:
    path = tmp_path / "data.csv.gz"
    whole = gzip.compress(b"a,y\n" + b"1,p\n" * 2000)
    path.write_bytes(whole[: len(whole) // 2] if cut else b"not gzip at all")
    with pytest.raises(InputError, match="expected valid compressed data") as info:
        read_raw(spec_for(path))
    assert not isinstance(info.value, SourceUnreachableError)  # not retried as a network fault
    assert str(path) in str(info.value)


def test_non_utf8_bytes_name_column_and_row(tmp_path: Path) -> None:
    path = tmp_path / "bytes.csv"
    path.write_bytes(b"a,name,y\n1,ok,p\n2,caf\xe9,q\n")
    with pytest.raises(InputError, match=r"column 'name'.*utf-8 text.*data row 2"):
        read_raw(spec_for(path))


def test_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,y\n1,2,p\n3,q\n")
    with pytest.raises(InputError, match="expected 3 delimited columns"):
        read_raw(spec_for(path))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a,b,y\n1,2,p\n3,4,q\n5,r\n6,7,s\n", "found 2 on line 4: '5,r'"),
        # a quoted field over two lines and a blank line still count as file lines
        ('a,b,y\n1,"two\nlines",p\n\n3,4,q,extra\n', "found 4 on line 5: '3,4,q,extra'"),
    ],
)
def test_a_ragged_row_is_named_by_its_line(tmp_path: Path, text: str, found: str) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_raw(spec_for(path))
    assert str(info.value) == f"{path}: expected 3 delimited columns on every row, {found}"


def test_missing_values_by_column_must_name_a_column_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,y\n1,p\n0,q\n")
    with pytest.raises(InputError, match=r"column 'zz'.*the spec names column 'zz'"):
        read_raw(spec_for(path, missing_values_by_column={"zz": ["0"]}))


def test_missing_file_is_not_retryable_io(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="found nothing at this path"):
        read_raw(spec_for(tmp_path / "absent.csv"))
