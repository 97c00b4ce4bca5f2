"""Strict JSON for every file rebalance writes, and plain numbers for messages.

JSON has no NaN or infinity: ``json.dumps`` writes them as bare ``NaN`` / ``Infinity`` by
default, which strict readers (browsers, ``jq``, most non-Python parsers) refuse. Every writer
goes through :func:`to_json`, which writes them as ``null`` and proves it with
``allow_nan=False``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def json_safe(value: Any) -> Any:
    """A copy of ``value`` that ``json.dumps(..., allow_nan=False)`` accepts: NaN and +-inf
    become None, numpy scalars and arrays become Python numbers and lists."""
    if isinstance(value, dict):
        return {key if isinstance(key, str) else str(key): json_safe(v) for key, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """Strict JSON text of ``value`` (NaN and infinity as null; unknown objects as text)."""
    return json.dumps(
        json_safe(value), indent=indent, sort_keys=sort_keys, allow_nan=False, default=str
    )


def plain(value: Any, digits: int = 4) -> str:
    """``value`` for a message: numbers as plain rounded numbers (``0.7476``, never
    ``np.float64(0.7476...)``), containers item by item, text quoted."""
    if isinstance(value, np.generic | np.ndarray):
        value = value.tolist()
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        items = ", ".join(f"{plain(k, digits)}: {plain(v, digits)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(plain(item, digits) for item in value) + "]"
    return repr(value)
