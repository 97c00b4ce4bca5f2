"""The contracts' per-column expectations, evaluated by pandas for all columns at once.

Great Expectations evaluates every expectation on its own copy of the batch: on a 50 x 1,000
batch about 0.1 s a check, 200 s for the input contract's 2,000 checks. The expectations here
grow with the column count, so they are computed in a few vectorised passes instead, with GX's
semantics (map expectations skip missing values; the first 20 offending values in row order;
a row condition keeps the rows where ``column == value``) and GX's result keys, so the messages
read the same. Any other check, or one whose column, dtype, options or row condition is not
covered, goes to GX. ``tests/unit/test_pandas_checks.py`` compares both on the same batches.
No GX import here: checks are matched by name and conditions by their attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype, is_object_dtype
from pandas.core.dtypes import dtypes as pandas_dtypes

PARTIAL = 20  # GX's partial_unexpected_list length
Result = tuple[bool, dict[str, Any]]  # success, GX-shaped result
Item = tuple[int, dict[str, Any]]  # check index, its kwargs
COLUMN_KEYS = frozenset({"column", "row_condition"})
BOUND_KEYS = COLUMN_KEYS | {"min_value", "max_value"}


def evaluate(frame: pd.DataFrame, checks: Sequence[Any]) -> dict[int, Result]:
    """Results of the checks covered here, by their index in ``checks``."""
    groups: dict[tuple[str, Any], list[Item]] = {}
    for index, check in enumerate(checks):
        condition = _condition(frame, check.kwargs.get("row_condition"))
        if condition is not False and _covered(frame, check.expectation, check.kwargs):
            groups.setdefault((check.expectation, condition), []).append((index, check.kwargs))
    results: dict[int, Result] = {}
    for (expectation, condition), items in groups.items():
        part = frame if condition is None else frame[frame[condition[0]] == condition[1]]
        results.update(HANDLERS[expectation][1](part, items))
    return results


def _condition(frame: pd.DataFrame, condition: Any) -> tuple[str, Any] | bool | None:
    """``(column, value)`` for GX's ``Column(name) == value``; None for none; False when the
    condition is of another kind (GX evaluates those)."""
    if condition is None:
        return None
    column = getattr(getattr(condition, "column", None), "name", None)
    operator = str(getattr(condition, "operator", ""))
    if getattr(condition, "type", None) != "comparison" or operator != "==":
        return False
    if not isinstance(column, str) or column not in frame.columns:
        return False
    if not is_numeric_dtype(frame[column]):
        return False
    return column, condition.parameter


def _covered(frame: pd.DataFrame, expectation: str, kwargs: dict[str, Any]) -> bool:
    handler = HANDLERS.get(expectation)
    if handler is None or not set(kwargs) <= handler[0] or kwargs["column"] not in frame.columns:
        return False
    dtype = frame[kwargs["column"]].dtype
    if expectation == "ExpectColumnValuesToBeBetween":  # GX compares other dtypes value by value
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        bounded = (low, high) != (None, None) and (low is None or high is None or low <= high)
        return bounded and is_numeric_dtype(dtype) and not is_bool_dtype(dtype)
    if expectation == "ExpectColumnValuesToBeInSet":
        return kwargs.get("value_set") is not None
    if expectation == "ExpectColumnValuesToBeInTypeList":
        return not is_object_dtype(dtype) or bool(_value_types(tuple(kwargs["type_list"])))
    return True


def _map_result(part: pd.DataFrame, column: str, offending: np.ndarray) -> Result:
    """GX's result of a map expectation from the offending rows' mask."""
    count = int(offending.sum())
    sample = part[column].iloc[np.flatnonzero(offending)[:PARTIAL]].tolist() if count else []
    return count == 0, {"unexpected_count": count, "partial_unexpected_list": sample}


def _columns(items: list[Item]) -> list[str]:
    return list(dict.fromkeys(kwargs["column"] for _, kwargs in items))


def _not_null(part: pd.DataFrame, items: list[Item]) -> dict[int, Result]:
    missing = part[_columns(items)].isna()
    counts = missing.sum()
    return {
        index: _map_result(part, kw["column"], missing[kw["column"]].to_numpy())
        if counts[kw["column"]]
        else (True, {"unexpected_count": 0, "partial_unexpected_list": []})
        for index, kw in items
    }


def _between(part: pd.DataFrame, items: list[Item]) -> dict[int, Result]:
    """Every bound of every column compared in one (rows, checks) pass."""
    distinct = _columns(items)
    position = {column: k for k, column in enumerate(distinct)}
    values = part[distinct].to_numpy(np.float64, na_value=np.nan)
    block = values[:, [position[kw["column"]] for _, kw in items]]
    low = np.array([_bound(kw.get("min_value"), -np.inf) for _, kw in items])
    high = np.array([_bound(kw.get("max_value"), np.inf) for _, kw in items])
    with np.errstate(invalid="ignore"):
        offending = ~np.isnan(block) & ((block < low) | (block > high))
    counts = offending.sum(axis=0)
    return {
        index: _map_result(part, kw["column"], offending[:, k])
        if counts[k]
        else (True, {"unexpected_count": 0, "partial_unexpected_list": []})
        for k, (index, kw) in enumerate(items)
    }


def _bound(value: Any, unbounded: float) -> float:
    return unbounded if value is None else float(value)


def _in_set(part: pd.DataFrame, items: list[Item]) -> dict[int, Result]:
    # one isin per column: each column has its own set of values
    return {
        index: _map_result(
            part,
            kw["column"],
            (part[kw["column"]].notna() & ~part[kw["column"]].isin(kw["value_set"])).to_numpy(),
        )
        for index, kw in items
    }


def _non_null_share(part: pd.DataFrame, items: list[Item]) -> dict[int, Result]:
    present = part[_columns(items)].notna().sum()
    results = {}
    for index, kw in items:
        share = float(present[kw["column"]]) / len(part) if len(part) else 0.0
        low = _bound(kw.get("min_value"), -np.inf)
        high = _bound(kw.get("max_value"), np.inf)
        results[index] = (bool(low <= share <= high), {"observed_value": share})
    return results


def _in_type_list(part: pd.DataFrame, items: list[Item]) -> dict[int, Result]:
    """By dtype, as GX does, except object columns: each value's type (GX's map version).
    A text column (pandas' string dtype, or categories of it) checked for ``str`` is answered
    as a value-by-value check of its object copy would be (every value is a str), without
    making that copy."""
    results = {}
    for index, kw in items:
        column: str = kw["column"]
        type_list = tuple(kw["type_list"])
        values = part[column]
        dtype = values.dtype
        if holds_text(dtype) and issubclass(str, _value_types(type_list)):
            # what a value-by-value check of its object copy finds: every value a str
            results[index] = _map_result(part, column, np.zeros(len(part), dtype=bool))
            continue
        if not is_object_dtype(dtype):
            results[index] = (_dtype_matches(dtype, type_list), {"observed_value": _name(dtype)})
            continue
        allowed = _value_types(type_list)
        kinds = values.map(type)  # distinct types are few: isinstance once per type
        fits = {kind: issubclass(kind, allowed) for kind in kinds.unique()}
        wrong = ~kinds.map(fits).to_numpy(bool)
        results[index] = _map_result(part, column, values.notna().to_numpy() & wrong)
    return results


def holds_text(dtype: Any) -> bool:
    """Whether every value of a column of ``dtype`` is a str by construction: pandas' string
    dtype, or a ``category`` whose categories have it."""
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return isinstance(dtype, pd.StringDtype)


def _name(dtype: Any) -> str:
    return dtype.type.__name__


@cache
def _dtype_matches(dtype: Any, type_list: tuple[str, ...]) -> bool:
    """GX 1.24's pandas dtype comparison (``_validate_pandas``), one answer per dtype."""
    accepted: list[Any] = []
    for name in type_list:
        try:
            accepted += [np.dtype(name).type, np.dtype(name)]
        except TypeError:
            found = getattr(pd, name, None)
            if isinstance(found, type):
                accepted.append(found)
                accepted += _extension_instance(found)
            found = getattr(pandas_dtypes, name, None)
            if isinstance(found, type):
                accepted.append(found)
        accepted += _native_types(name)
    return dtype in accepted


def _extension_instance(kind: type) -> list[Any]:
    try:
        instance = kind()
    except TypeError:
        return []
    return [instance] if isinstance(instance, pd.api.extensions.ExtensionDtype) else []


@cache
def _value_types(type_list: tuple[str, ...]) -> tuple[type, ...]:
    """GX 1.24's value types for object columns (``column_values.in_type_list``)."""
    accepted: list[type] = []
    for name in type_list:
        try:
            accepted.append(np.dtype(name).type)
        except TypeError:
            for space in (pd, pandas_dtypes):
                found = getattr(space, name, None)
                if isinstance(found, type):
                    accepted.append(found)
        accepted += _native_types(name)
    return tuple(accepted)


def _native_types(name: str) -> list[type]:
    """GX's ``native_type_type_map``."""
    native: dict[str, type] = {
        "none": type(None), "bool": bool, "int": int, "long": int, "float": float,
        "bytes": bytes, "complex": complex, "str": str, "string_types": str, "list": list,
        "dict": dict,
    }  # fmt: skip
    return [native[name.lower()]] if name.lower() in native else []


Handler = Callable[[pd.DataFrame, list[Item]], dict[int, Result]]
HANDLERS: dict[str, tuple[frozenset[str], Handler]] = {
    "ExpectColumnValuesToNotBeNull": (COLUMN_KEYS, _not_null),
    "ExpectColumnValuesToBeBetween": (BOUND_KEYS, _between),
    "ExpectColumnValuesToBeInSet": (COLUMN_KEYS | {"value_set"}, _in_set),
    "ExpectColumnValuesToBeInTypeList": (COLUMN_KEYS | {"type_list"}, _in_type_list),
    "ExpectColumnProportionOfNonNullValuesToBeBetween": (BOUND_KEYS, _non_null_share),
}
