"""Column typing: infer or apply declared types, and split off rows with row-level defects.

Typed dtypes (the "original dtypes" every later stage preserves):

=============  ==========================================================
continuous     float64
integer        int64, or nullable Int64 when the column has missing values
categorical    ``category`` with text categories (the target column: the text dtype pandas
               gives pyarrow strings, ``str``)
boolean        nullable ``boolean``
datetime       datetime64
=============  ==========================================================

Row-level defects (a missing target, a value that does not parse as the column's type, ±inf,
a value outside a declared domain) do not fail the read: the row goes to quarantine with a
reason naming the column and the value.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rebalance.core.config import ColumnType, DatasetSpec
from rebalance.core.errors import InputError
from rebalance.core.frames import with_columns
from rebalance.core.ingest import RawTable
from rebalance.core.parsing import all_pass, number_like_share, parse_numbers

# A text column is inferred numeric when at least this share of its values parse as numbers;
# the rest are then row-level defects rather than a reason to call the column categorical.
NUMERIC_INFERENCE_SHARE = 0.98
TRUE_TOKENS = frozenset({"true", "t", "yes", "y"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n"})
REASON_COLUMN = "_quarantine_reason"


@dataclass(frozen=True)
class TypedTable:
    frame: pd.DataFrame  # clean rows, typed
    types: dict[str, ColumnType]
    inferred: frozenset[str]  # columns whose type was inferred, not declared
    quarantine: pd.DataFrame  # defective rows as read, plus REASON_COLUMN
    n_read: int
    path: str
    fingerprint: str
    notes: dict[str, str] = field(default_factory=dict)  # column -> inference remark

    @property
    def quarantine_share(self) -> float:
        return len(self.quarantine) / self.n_read if self.n_read else 0.0

    def describe_types(self, names_per_type: int = 20) -> str:
        """One clause per type, e.g. 'integer: age, hours (declared); categorical: sex'. Past
        ``names_per_type`` names a type's list ends in 'and N more' (a 1,000-column table logged
        a 12 KB line); declared and annotated columns are named first."""
        if names_per_type < 1:
            raise ValueError(f"names_per_type: expected 1 or more, found {names_per_type}")
        groups: dict[str, list[tuple[bool, str]]] = {}
        for name, kind in self.types.items():
            mark = "" if name in self.inferred else " (declared)"
            note = f" [{self.notes[name]}]" if name in self.notes else ""
            groups.setdefault(kind, []).append((not (mark or note), f"{name}{mark}{note}"))
        clauses = []
        for type_name, entries in groups.items():
            if len(entries) <= names_per_type:
                clauses.append(f"{type_name}: {', '.join(text for _, text in entries)}")
                continue
            shown = [text for _, text in sorted(entries, key=lambda e: e[0])[:names_per_type]]
            rest = len(entries) - len(shown)
            clauses.append(f"{type_name} ({len(entries)}): {', '.join(shown)} and {rest} more")
        return "; ".join(clauses)


@dataclass
class _Defects:
    """Per-row reasons, collected column by column without a per-row loop: each entry is a
    mask of defective rows and one reason per masked row (in row order)."""

    n_rows: int
    masks: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def add(self, mask: np.ndarray, reasons: np.ndarray) -> None:
        if mask.any():
            self.masks.append((mask, reasons))

    def any_mask(self) -> np.ndarray:
        out = np.zeros(self.n_rows, dtype=bool)
        for mask, _ in self.masks:
            out |= mask
        return out

    def reasons(self) -> np.ndarray:
        """One '; '-joined reason string per defective row, in row order."""
        if not self.masks:
            return np.array([], dtype=object)
        rows = np.concatenate([np.flatnonzero(mask) for mask, _ in self.masks])
        texts = np.concatenate([reasons for _, reasons in self.masks])
        joined = pd.Series(texts, index=rows, dtype=object).groupby(level=0).agg("; ".join)
        return joined.to_numpy(dtype=object)


def _reasons(name: str, problem: str | np.ndarray, values: pd.Series) -> np.ndarray:
    """``column 'x': <problem> '<value>'`` for each of a few defective values."""
    problems = np.broadcast_to(np.asarray(problem, dtype=object), len(values))
    return np.array(
        [f"column {name!r}: {p} '{v}'" for p, v in zip(problems, values, strict=True)],
        dtype=object,
    )


def type_table(raw: RawTable, spec: DatasetSpec) -> TypedTable:
    """Type every column of ``raw`` and move defective rows to quarantine."""
    frame = _with_missing_tokens(raw.frame.reset_index(drop=True), spec, raw)
    defects = _Defects(len(frame))
    typed: dict[str, pd.Series] = {}
    types: dict[str, ColumnType] = {}
    notes: dict[str, str] = {}
    for name in frame.columns:
        column = frame[name]
        kind = spec.columns.get(name) or _infer(column, raw.text_source)
        series, bad, reason = _convert(column, kind, name, raw.path)
        if bad is not None and bad.any():
            defects.add(bad, reason)
            notes[name] = f"{int(bad.sum())} value(s) not {kind}"
        domain = spec.domains.get(name)
        if domain is not None:
            outside = series.notna().to_numpy() & ~series.astype(str).isin(domain).to_numpy()
            texts = [
                f"column {name!r}: value '{v}' is not in the declared domain"
                for v in series[outside].astype(str)
            ]
            defects.add(outside, np.array(texts, dtype=object))
        if kind == "categorical" and name != spec.target:
            # a code per value instead of the text: ~1 byte a value, not ~16 (large inputs)
            series = series.astype("category")
        typed[name] = series
        types[name] = kind
    missing_target = frame[spec.target].isna().to_numpy()
    defects.add(
        missing_target,
        np.full(int(missing_target.sum()), f"column {spec.target!r}: target is missing", object),
    )
    bad_rows = defects.any_mask()
    quarantine = frame[bad_rows].reset_index(drop=True).astype(object)
    quarantine = with_columns(quarantine, {REASON_COLUMN: defects.reasons()})
    clean = pd.DataFrame(typed)
    if bad_rows.any():
        clean = clean[~bad_rows].reset_index(drop=True)
    _settle_integer_dtypes(clean, types)
    return TypedTable(
        frame=clean,
        types=types,
        inferred=frozenset(name for name in frame.columns if name not in spec.columns),
        quarantine=quarantine,
        n_read=len(frame),
        path=raw.path,
        fingerprint=raw.fingerprint,
        notes=notes,
    )


def _with_missing_tokens(frame: pd.DataFrame, spec: DatasetSpec, raw: RawTable) -> pd.DataFrame:
    """``dataset.missing_values_by_column``: those tokens become missing in the named columns
    only (a 0 that codes "unknown" in one column stays a 0, or a class, everywhere else)."""
    if not spec.missing_values_by_column:
        return frame
    out = frame.copy()
    for name, tokens in spec.missing_values_by_column.items():
        if name not in out.columns:
            raise InputError(
                raw.path,
                f"missing_values_by_column names column {name!r}, which the data does not "
                f"have (found {list(out.columns)})",
                column=name,
            )
        column = out[name]
        hit = column.astype(object).where(column.notna()).astype(str).isin(tokens)
        if not raw.text_source and pd.api.types.is_numeric_dtype(column.dtype):
            numbers = pd.to_numeric(pd.Series(tokens, dtype=object), errors="coerce").dropna()
            hit |= column.isin(numbers.tolist())  # a Parquet 0.0 matches the token "0"
        if not hit.any():
            continue
        if pd.api.types.is_integer_dtype(column.dtype):  # stays integer with gaps
            column = column.astype("Int64")
        elif pd.api.types.is_bool_dtype(column.dtype):
            column = column.astype("boolean")
        out[name] = column.mask(hit.to_numpy())
    return out


def _infer(column: pd.Series, text_source: bool) -> ColumnType:
    if not text_source:
        return _infer_native(column)
    values = column.dropna()
    if values.empty:
        return "categorical"
    if number_like_share(values) >= NUMERIC_INFERENCE_SHARE:  # else text: no parse needed
        numbers = parse_numbers(values)
        parsed = numbers.notna()
        if parsed.mean() >= NUMERIC_INFERENCE_SHARE:
            finite = numbers[parsed & np.isfinite(numbers)]
            is_integral = bool((finite == np.round(finite)).all())
            return (
                "integer"
                if is_integral and not values[parsed].str.contains(r"[.eE]").any()
                else "continuous"
            )
    # Only literal true/false is inferred boolean: yes/no columns keep their text values.
    if all_pass(values, lambda part: part.str.lower().isin({"true", "false"})):
        return "boolean"
    if all_pass(values, lambda part: part.str.contains(r"^\d{4}-\d{2}-\d{2}")):
        dates = pd.to_datetime(values, errors="coerce", format="ISO8601")
        if dates.notna().all():
            return "datetime"
    return "categorical"


def _infer_native(column: pd.Series) -> ColumnType:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "continuous"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "categorical"


def _convert(
    column: pd.Series, kind: ColumnType, name: str, path: str
) -> tuple[pd.Series, np.ndarray | None, np.ndarray]:
    """Return the typed column, the mask of defective rows and their reasons (one per
    defective row; reasons are built for those rows only)."""
    present = column.notna().to_numpy()
    none = np.array([], dtype=object)
    if kind in ("continuous", "integer"):
        numbers = parse_numbers(column)
        values = numbers.to_numpy()
        unparsed = present & np.isnan(values)
        infinite = np.isinf(values)
        non_integral = np.zeros(len(column), dtype=bool)
        if kind == "integer":
            non_integral = np.isfinite(values) & (values != np.round(values))
        bad = unparsed | infinite | non_integral
        why = np.select(
            [unparsed, infinite, non_integral],
            ["unparseable number", "infinite value", "non-integer value"],
            default="",
        )
        return numbers.mask(bad), bad, _reasons(name, why[bad], column[bad])
    if kind == "boolean":
        if pd.api.types.is_bool_dtype(column.dtype):
            return column.astype("boolean"), None, none
        lowered = column.astype(object).where(column.notna())
        lowered = lowered.map(lambda v: v.lower() if isinstance(v, str) else v)
        result = pd.Series(pd.NA, index=column.index, dtype="boolean")
        result[lowered.isin(TRUE_TOKENS).to_numpy()] = True
        result[lowered.isin(FALSE_TOKENS).to_numpy()] = False
        bad = present & result.isna().to_numpy()
        return result, bad, _reasons(name, "not a boolean", column[bad])
    if kind == "datetime":
        dates = pd.to_datetime(column, errors="coerce", format="mixed")
        bad = present & dates.isna().to_numpy()
        return dates, bad, _reasons(name, "unparseable datetime", column[bad])
    if kind == "categorical":
        if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
            column = (
                column.astype(object)
                .where(column.notna())
                .map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
            )
        return column, None, none
    raise InputError(path, f"expected a known column type, found {kind!r}", column=name)


def _settle_integer_dtypes(frame: pd.DataFrame, types: dict[str, ColumnType]) -> None:
    """Integer columns become int64, or nullable Int64 where values are missing (in place:
    the caller owns the frame)."""
    for name, kind in types.items():
        if kind == "integer":
            column = frame[name]
            frame[name] = column.astype("Int64") if column.isna().any() else column.astype("int64")


def as_text(frame: pd.DataFrame, keep: Collection[Hashable] = ()) -> pd.DataFrame:
    """``frame`` with its ``category`` columns (except those in ``keep``) as pandas text
    (``str``), as published and as the Python API returns them; other columns untouched."""
    coded = [
        name
        for name, dtype in frame.dtypes.items()
        if isinstance(dtype, pd.CategoricalDtype) and name not in keep
    ]
    if not coded:
        return frame
    return frame.astype({name: "str" for name in coded})
