"""The arguments of :func:`rebalance.api.balance`: checked first (imbalanced-learn style), and
turned into the run's config; a bad one is one ``SpecError`` or ``InputError`` line naming it."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import ValidationError as PydanticValidationError

from rebalance.core.config import RebalanceConfig
from rebalance.core.errors import InputError, SpecError

DATASET = "dataframe"
WHERE = "<DataFrame>"

# The balance() argument behind each config field an error can be about.
_ARGUMENTS: dict[tuple[str, ...], str] = {
    ("dataset", "target"): "target",
    ("dataset", "columns"): "column_types",
    ("balance", "method"): "method",
    ("balance", "sampling_strategy"): "sampling_strategy",
    ("balance", "seed"): "seed",
    ("balance", "holdout_fraction"): "holdout_fraction",
    ("balance", "params"): "options",
    ("balance", "method_params"): "method_params",
    ("validation", "enabled"): "validate",
    ("validation", "on_failure"): "on_failure",
    ("validation", "thresholds"): "thresholds",
    ("validation", "release"): "release",
}
KEYWORDS = (  # balance()'s own keyword arguments; any other keyword is an option of the method
    "target", "method", "sampling_strategy", "seed", "column_types", "validate",
    "holdout_fraction", "on_failure", "thresholds", "method_params", "release",
)  # fmt: skip
_METHOD_TAGS = frozenset({"random", "smote", "gan"})
_EXPECTED = {
    "method": "one of 'none', 'random', 'smote', 'gan', 'auto'",
    "sampling_strategy": "one of 'auto', 'not majority', 'minority', 'not minority', 'all', "
    "'f1', a float in (0, 1] or a dict {class: count}",
    "release": "'augmented' or 'synthetic_only'",
}


def check_frame(frame: Any) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(WHERE, f"expected a pandas DataFrame, found {type(frame).__name__}")
    if frame.empty:
        shape = f"{frame.shape[0]} row(s) and {frame.shape[1]} column(s)"
        raise InputError(WHERE, f"expected data rows, found an empty DataFrame ({shape})")
    odd = [name for name in frame.columns if not isinstance(name, str)]
    if odd:
        raise InputError(WHERE, f"expected text column names, found {odd[:5]}")
    duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
    if duplicated:
        raise InputError(WHERE, f"expected unique column names, found duplicates {duplicated}")


def run_config(args: dict[str, Any]) -> RebalanceConfig:
    """The run config, validated by pydantic; a bad argument is one SpecError line."""
    method, options, strategy = args["method"], args["options"], args["sampling_strategy"]
    if options and method == "auto":
        raise SpecError(
            f"balance(): options {sorted(options)} belong to one method, found method='auto'; "
            "pass them per method as method_params={'gan': {...}, 'smote': {...}}"
        )
    if method == "auto" and args["validate"] is False:
        raise SpecError(
            "balance(): method='auto' picks the best method by validating each, found "
            "validate=False; pass validate=True or name a method"
        )
    if isinstance(strategy, Mapping):  # class labels are compared as text
        strategy = {str(label): count for label, count in strategy.items()}
    raw = {
        "dataset": {
            "name": DATASET, "path": WHERE, "target": args["target"],
            "columns": args["column_types"] or {},
        },
        "balance": {
            "method": method, "sampling_strategy": strategy, "seed": args["seed"],
            "holdout_fraction": args["holdout_fraction"], "params": options,
            "method_params": args["method_params"] or {},
        },
        "validation": {
            "enabled": args["validate"],
            "on_failure": args["on_failure"],
            "thresholds": dict(args["thresholds"] or {}),
            "release": args["release"],
        },
    }  # fmt: skip
    try:
        config = RebalanceConfig.model_validate(raw)
    except PydanticValidationError as exc:
        raise SpecError(f"balance(): {_describe(exc, args)}") from None
    if config.validation.enabled and config.balance.holdout_fraction == 0:
        raise SpecError("balance(): holdout_fraction must be > 0 when validate=True, found 0")
    return config


def _describe(exc: PydanticValidationError, args: dict[str, Any]) -> str:
    """``sampling_strategy: expected ..., found 'bogus'``: one clause per bad argument."""
    found: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = tuple(str(part) for part in err["loc"])
        name = _ARGUMENTS.get(loc[:2], "")  # "": a rule over several arguments
        inner = loc[2:]
        if name == "options" and inner and inner[0] in _METHOD_TAGS:
            inner = inner[1:]  # the options union's tag, not something the caller wrote
        message = err["msg"].removeprefix("Value error, ")
        if name == "options" and err["type"] == "extra_forbidden" and inner:
            message = _unknown_option(inner[-1], args["method"])
        found.setdefault(name, []).append(f"{'.'.join(inner) + ': ' if inner else ''}{message}")
    if "method" in found:  # options are read against the method: no sense without one
        found.pop("options", None)
    clauses = []
    for name, messages in found.items():
        if not name:
            clauses.extend(messages)
        elif name in _EXPECTED:
            clauses.append(f"{name}: expected {_EXPECTED[name]}, found {args[name]!r}")
        else:
            joined = "; ".join(dict.fromkeys(messages))
            clauses.append(f"{name}: {joined} (found {args[name]!r})")
    return "; ".join(clauses)


def _unknown_option(key: str, method: str) -> str:
    """A keyword ``balance()`` does not take lands in ``**options``: say whether it looks like
    one of its own arguments, mistyped."""
    close = difflib.get_close_matches(key, KEYWORDS, n=1, cutoff=0.8)
    meant = f"; did you mean the argument {close[0]}=?" if close else ""
    return f"not an option of method {method!r} (Extra inputs are not permitted){meant}"


def check_columns(frame: pd.DataFrame, config: RebalanceConfig) -> None:
    spec = config.dataset
    if spec.target not in frame.columns:
        raise InputError(
            WHERE,
            f"expected target column {spec.target!r}, found columns {list(frame.columns)}",
            column=spec.target,
        )
    unknown = [name for name in spec.columns if name not in frame.columns]
    if unknown:
        raise InputError(
            WHERE,
            f"column_types names column(s) {unknown} that the DataFrame does not have "
            f"(found {list(frame.columns)})",
            column=unknown[0],
        )
