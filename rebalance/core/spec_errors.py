"""Pydantic's validation errors as one line in the project's words: per key, what was expected
and what was found, the alternatives of a union in one clause, and the likely meant key for an
unknown one.

An error's location names fields, dict keys and list indexes, and after a union field the
member it was checked against (``literal['a','b']``, ``constrained-float``, a tag). Walking the
model along the location tells those apart, so a column named ``feat[1]`` stays in the path.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

# a union member's part of a location, where no model says what the location holds
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


@dataclass(frozen=True)
class _Place:
    path: tuple[str, ...]  # the location without union members
    union_at: int | None  # len(path) where a union member was left out (None: no union)
    section: type[BaseModel] | None  # the model whose key the last part is


def describe(
    exc: ValidationError,
    prefix: str = "",
    model: type[BaseModel] | None = None,
    tags: Mapping[str, type[BaseModel]] | None = None,
) -> str:
    """``key.path: expected ..., found ...`` per key, joined by ``; ``. ``model``: what was
    validated (``prefix`` names where it sits in a spec); ``tags``: a discriminated union's
    member per tag."""
    grouped: dict[tuple[str, ...], list[tuple[ErrorDetails, _Place]]] = {}
    for err in exc.errors():
        place = _walk(model, [str(part) for part in err["loc"]], tags or {})
        grouped.setdefault(place.path, []).append((err, place))
    # input that matched a union member and failed inside it: only that member's errors
    inside = {p.path[: p.union_at] for e in grouped.values() for _, p in e if _nested(p)}
    parts = []
    for path, found in grouped.items():
        if path in inside and all(p.union_at == len(path) for _, p in found):
            continue
        where = ".".join(filter(None, (prefix, ".".join(path))))
        said = _explain([err for err, _ in found], found[0][1].section)
        parts.append(f"{where}: {said}" if where else said)  # top level: the message names keys
    return "; ".join(parts)


def _nested(place: _Place) -> bool:
    return place.union_at is not None and len(place.path) > place.union_at


def _walk(model: Any, loc: list[str], tags: Mapping[str, type[BaseModel]]) -> _Place:
    """The location's path without union members, read along the model's annotations."""
    annotation: Any = model
    path: list[str] = []
    union_at: int | None = None
    section: type[BaseModel] | None = None
    for i, part in enumerate(loc):
        current = _unwrapped(annotation)
        if isinstance(current, type) and issubclass(current, BaseModel):
            section = current
            field = current.model_fields.get(part)
            annotation = field.annotation if field is not None else None
        elif get_origin(current) in (Union, types.UnionType):
            union_at = len(path) if union_at is None else union_at
            annotation = tags.get(part)  # the member, where a tag names it
            continue
        elif get_origin(current) in (dict, list, tuple):
            annotation = get_args(current)[-1] if get_args(current) else None
        elif current is None and _looks_like_member(loc, i, tags):  # nothing says what it is
            union_at = len(path) if union_at is None else union_at
            annotation = tags.get(part)
            continue
        else:
            annotation = None
        path.append(part)
    return _Place(tuple(path), union_at, section)


def _looks_like_member(loc: list[str], i: int, tags: Mapping[str, Any]) -> bool:
    return bool(_UNION_MEMBER.match(loc[i])) or (
        i > 0 and loc[i - 1] == "params" and loc[i] in tags
    )


def _unwrapped(annotation: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` as ``X``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrapped(members[0])
    return annotation


def _explain(errors: list[ErrorDetails], section: type[BaseModel] | None) -> str:
    first = errors[0]
    if len(errors) > 1:  # a union's members: every alternative in one clause
        literals = [e for e in errors if e["type"] == "literal_error"]
        values = _literal_values([e.get("ctx", {}).get("expected", "") for e in literals])
        nouns = [_noun(e) for e in errors if e["type"] != "literal_error"]
        items = [*map(repr, values), *dict.fromkeys(nouns)]
        listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
        hint = _meant(first["input"], values)
        return f"expected {listed}, found {_shown(first['input'])}{hint}"
    if first["type"] == "extra_forbidden":
        key = str(first["loc"][-1])
        keys = list(section.model_fields) if section is not None else []
        return f"expected a known key, found unknown key {_shown(key)}{_meant(key, keys)}"
    message = first["msg"].removeprefix("Value error, ")
    if message.startswith("Input should be "):
        found = "" if ", found " in message else f", found {_shown(first['input'])}"
        return f"expected {_wanted(message)}{found}"
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
