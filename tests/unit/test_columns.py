from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rebalance.core.columns import REASON_COLUMN, TypedTable, type_table
from rebalance.core.config import DatasetSpec
from rebalance.core.errors import QuarantineError
from rebalance.core.ingest import read_raw
from rebalance.core.input_spec import ColumnType
from rebalance.core.quarantine import check_quarantine_share


def typed(tmp_path: Path, text: str, **fields: object):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    spec = DatasetSpec.model_validate({"name": "t", "path": str(path), "target": "y", **fields})
    return type_table(read_raw(spec), spec)


def test_inference_of_every_type(tmp_path: Path) -> None:
    text = (
        "n,f,c,b,d,yn,y\n"
        "1,1.5,red,true,2024-01-02,yes,p\n"
        "2,2.25,blue,False,2024-02-03,no,q\n"
        "3,,red,TRUE,,yes,p\n"
    )
    table = typed(tmp_path, text)
    assert table.types == {
        "n": "integer",
        "f": "continuous",
        "c": "categorical",
        "b": "boolean",
        "d": "datetime",
        "yn": "categorical",  # yes/no keeps its text values
        "y": "categorical",
    }
    assert table.inferred == frozenset(table.types)
    frame = table.frame
    assert frame["n"].dtype == "int64"
    assert frame["f"].dtype == "float64" and frame["f"].isna().sum() == 1
    assert frame["b"].dtype == "boolean" and frame["b"].tolist() == [True, False, True]
    assert frame["yn"].tolist() == ["yes", "no", "yes"]
    assert pd.api.types.is_datetime64_any_dtype(frame["d"])


def test_categorical_features_are_held_as_codes_and_the_target_as_text(tmp_path: Path) -> None:
    table = typed(tmp_path, "c,n,y\nred,1,p\n,2,q\nred,3,p\nblue,4,q\n")
    column = table.frame["c"]
    assert isinstance(column.dtype, pd.CategoricalDtype)
    assert isinstance(column.cat.categories.dtype, pd.StringDtype)
    assert column.isna().tolist() == [False, True, False, False]
    assert column.dropna().tolist() == ["red", "red", "blue"]
    assert isinstance(table.frame["y"].dtype, pd.StringDtype)


def test_integer_column_with_gaps_is_nullable_int(tmp_path: Path) -> None:
    table = typed(tmp_path, "n,y\n1,p\n,q\n3,p\n")
    assert str(table.frame["n"].dtype) == "Int64"


def test_declared_types_win_over_inference(tmp_path: Path) -> None:
    table = typed(tmp_path, "code,y\n1,p\n2,q\n", columns={"code": "categorical"})
    assert table.types["code"] == "categorical"
    assert "code" not in table.inferred
    assert table.frame["code"].tolist() == ["1", "2"]


def test_row_defects_go_to_quarantine_with_reasons(tmp_path: Path) -> None:
    rows = (
        ["x,k,y"]
        + [f"{i}.5,red,p" for i in range(60)]
        + [
            "abc,red,p",  # unparseable number in an inferred-numeric column
            "inf,red,q",  # infinite value
            "1.0,red,",  # missing target
            "2.0,mauve,q",  # outside declared domain
        ]
    )
    table = typed(tmp_path, "\n".join(rows) + "\n", domains={"k": ["red", "blue"]})
    reasons = table.quarantine[REASON_COLUMN].tolist()
    assert len(table.frame) == 60 and len(table.quarantine) == 4
    assert reasons[0] == "column 'x': unparseable number 'abc'"
    assert reasons[1] == "column 'x': infinite value 'inf'"
    assert reasons[2] == "column 'y': target is missing"
    assert "column 'k': value 'mauve' is not in the declared domain" in reasons[3]
    assert table.quarantine["x"].tolist() == ["abc", "inf", "1.0", "2.0"]  # rows as read


def test_several_defects_in_one_row_are_joined(tmp_path: Path) -> None:
    table = typed(tmp_path, "a,b,y\n1,2,p\nzz,qq,q\n", columns={"a": "integer", "b": "integer"})
    assert table.quarantine[REASON_COLUMN].tolist() == [
        "column 'a': unparseable number 'zz'; column 'b': unparseable number 'qq'"
    ]


def test_non_integer_in_declared_integer_column(tmp_path: Path) -> None:
    table = typed(tmp_path, "a,y\n1,p\n2.5,q\n3,q\n", columns={"a": "integer"})
    assert table.quarantine[REASON_COLUMN].tolist() == ["column 'a': non-integer value '2.5'"]


def test_quarantine_share_threshold(tmp_path: Path) -> None:
    table = typed(tmp_path, "a,y\n1,p\nx,q\n3,q\n4,p\n", columns={"a": "integer"})
    check_quarantine_share(table, max_share=0.25)  # 1 of 4 is allowed
    with pytest.raises(QuarantineError, match=r"at most 10.0% .* found 1 of 4 \(25.0%\)"):
        check_quarantine_share(table, max_share=0.10)


def test_the_quarantine_refusal_counts_each_kind_of_defect_once(tmp_path: Path) -> None:
    text = "a,y\n1,\n2,\n3,\nx,q\nz,p\nw,\n7,p\n"
    table = typed(tmp_path, text, columns={"a": "integer"})
    with pytest.raises(QuarantineError) as info:
        check_quarantine_share(table, max_share=0.10)
    said = str(info.value)
    assert said.endswith(
        "reasons: column 'y': target is missing (4 rows) | column 'a': unparseable number "
        "(3 rows, e.g. 'x')"
    )


ZEROS = "x,z,y\n1.5,0,0\n2.5,3,1\n0,0,0\n4.5,2,1\n"  # y is the target: 0 is a class


def test_a_global_missing_token_would_turn_a_zero_label_missing(tmp_path: Path) -> None:
    table = typed(tmp_path, ZEROS, csv={"na_values": ["", "0"]})
    assert len(table.quarantine) == 2  # the rows of class 0: their target became missing


def test_missing_values_by_column_apply_to_the_named_columns_only(tmp_path: Path) -> None:
    table = typed(tmp_path, ZEROS, missing_values_by_column={"z": ["0"]})
    frame = table.frame
    assert table.types == {"x": "continuous", "z": "integer", "y": "integer"}
    assert len(table.quarantine) == 0
    assert frame["y"].tolist() == [0, 1, 0, 1]  # the 0 label is still a class
    assert frame["z"].isna().tolist() == [True, False, True, False]
    assert frame["x"].tolist() == [1.5, 2.5, 0.0, 4.5]  # 0 in an unnamed column stays 0


def test_missing_values_by_column_match_parquet_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1.5, 0.0, 2.0], "z": [0, 3, 0], "y": [0, 1, 0]}).to_parquet(path)
    spec = DatasetSpec.model_validate(
        {
            "name": "t",
            "path": str(path),
            "target": "y",
            "missing_values_by_column": {"x": ["0"], "z": ["0"]},
        }
    )
    table = type_table(read_raw(spec), spec)
    assert table.types["z"] == "integer" and str(table.frame["z"].dtype) == "Int64"
    assert table.frame["z"].isna().tolist() == [True, False, True]
    assert table.frame["x"].isna().tolist() == [False, True, False]  # 0.0 matches "0"
    assert table.frame["y"].tolist() == [0, 1, 0]


def test_the_type_summary_names_every_column_of_a_narrow_table(tmp_path: Path) -> None:
    table = typed(tmp_path, "a,b,c,y\n1,x,2.5,p\n2,z,3.5,q\n", columns={"a": "integer"})
    assert table.describe_types() == "integer: a (declared); categorical: b, y; continuous: c"


def test_a_wide_tables_type_summary_is_cut_after_the_declared_columns(tmp_path: Path) -> None:
    header = ",".join(f"x{i}" for i in range(60)) + ",y"
    rows = "\n".join(",".join(str(i + r) for i in range(60)) + f",{r}" for r in range(3))
    table = typed(tmp_path, f"{header}\n{rows}\n", columns={"x59": "integer"})
    summary = table.describe_types(names_per_type=5)
    assert summary == "integer (61): x59 (declared), x0, x1, x2, x3 and 56 more"


def _table_of_types(
    types: dict[str, ColumnType], inferred: set[str], notes: dict[str, str]
) -> TypedTable:
    frame = pd.DataFrame({name: [] for name in types})
    return TypedTable(
        frame=frame,
        types=types,
        inferred=frozenset(inferred),
        quarantine=frame.copy(),
        n_read=0,
        path="t.csv",
        fingerprint="",
        notes=notes,
    )


def test_annotated_columns_are_named_before_the_cut() -> None:
    types: dict[str, ColumnType] = {f"x{i}": "continuous" for i in range(6)}
    table = _table_of_types(types, set(types), {"x5": "2 value(s) not continuous"})
    summary = table.describe_types(names_per_type=2)
    assert summary == "continuous (6): x5 [2 value(s) not continuous], x0 and 4 more"


@pytest.mark.parametrize("names", [0, -1])
def test_a_type_summary_without_room_for_a_name_is_refused(names: int) -> None:
    table = _table_of_types({"a": "integer"}, {"a"}, {})
    with pytest.raises(ValueError, match=f"names_per_type: expected 1 or more, found {names}"):
        table.describe_types(names_per_type=names)
