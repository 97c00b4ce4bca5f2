"""Pydantic's validation errors as one line in the project's words: per key, what was expected
and what was found, the alternatives of a union in one clause, and the likely meant key for an
unknown one."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

# the part pydantic adds to a location for a union's member: literal['a','b'],
# constrained-float, dict[str,int], function-after[...]
_UNION_MEMBER = re.compile(r"^[a-z-]+\[.*\]$|^constrained-[a-z]+$")
_NOUNS = {  # what a union member that is not a literal wants, in plain words
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "an integer",
    "int_type": "an integer",
    "dict_type": "a mapping",
    "list_type": "a list",
    "string_type": "a string",
    "bool_parsing": "true or false",
}
_BOUNDS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_SHOWN = 60  # characters of a found value shown


def describe(
    exc: ValidationError,
    prefix: str = "",
    model: type[BaseModel] | None = None,
    tags: Iterable[str] = (),
) -> str:
    """``key.path: expected ..., found ...`` per key, joined by ``; ``. ``tags``: location parts
    that name a discriminated union's member (left out of paths); ``model``: where an unknown
    key's likely meant sibling is looked up."""
    tags = set(tags)
    grouped: dict[tuple[str, ...], list[ErrorDetails]] = {}
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        kept = tuple(
            part
            for i, part in enumerate(loc)
            if not _UNION_MEMBER.match(part)
            and not (i > 0 and loc[i - 1] == "params" and part in tags)
        )
        grouped.setdefault(kept, []).append(err)
    parts = []
    for path, errors in grouped.items():
        where = ".".join(filter(None, (prefix, ".".join(path))))
        said = _explain(errors, _siblings(model, path[:-1]) if model else [])
        parts.append(f"{where}: {said}" if where else said)  # top level: the message names keys
    return "; ".join(parts)


def _explain(errors: list[ErrorDetails], siblings: list[str]) -> str:
    first = errors[0]
    if len(errors) > 1:  # a union: every alternative in one clause
        expected = [e["ctx"]["expected"] for e in errors if e["type"] == "literal_error"]
        values = _literal_values(expected)
        nouns = [_noun(e) for e in errors if e["type"] != "literal_error"]
        items = [*map(repr, values), *dict.fromkeys(nouns)]
        listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
        hint = _meant(first["input"], values)
        return f"expected {listed}, found {_shown(first['input'])}{hint}"
    if first["type"] == "extra_forbidden":
        key = str(first["loc"][-1])
        return f"expected a known key, found unknown key {key!r}{_meant(key, siblings)}"
    message = first["msg"].removeprefix("Value error, ")
    if message.startswith("Input should be "):
        return f"expected {_wanted(message)}, found {_shown(first['input'])}"
    return message


def _noun(err: ErrorDetails) -> str:
    """A union member that is not a literal, in plain words (``a number less than 1``)."""
    if err["type"] in _BOUNDS:
        return f"a number {_wanted(err['msg'])}"
    return _NOUNS.get(err["type"], _wanted(err["msg"]))


def _wanted(message: str) -> str:
    """``Input should be less than 1`` -> ``less than 1``."""
    return message.removeprefix("Input should be ").split(", unable to parse")[0]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _literal_values(expected: list[str]) -> list[str]:
    """``'a', 'b' or 'c'`` (pydantic's wording) -> ``['a', 'b', 'c']``."""
    return [value for text in expected for value in re.findall(r"'([^']*)'", text)]


def _meant(found: Any, choices: list[str]) -> str:
    if not isinstance(found, str) or not choices:
        return ""
    close = difflib.get_close_matches(found, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _siblings(model: type[BaseModel], path: tuple[str, ...]) -> list[str]:
    """The keys of the section at ``path`` of ``model`` (none where it is not one model)."""
    current: type[BaseModel] | None = model
    for part in path:
        field = current.model_fields.get(part) if current is not None else None
        current = _model_of(field.annotation) if field is not None else None
    return list(current.model_fields) if current is not None else []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        found = [
            a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        return found[0] if len(found) == 1 else None
    return None
