"""Run a list of Great Expectations checks on a pandas DataFrame, in an ephemeral context.

The per-column checks are evaluated by ``pandas_checks`` (vectorised, GX's semantics and
result keys); GX validates the rest in one suite. ``import great_expectations`` costs about
three seconds, so it happens here, on first use, and never at module import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rebalance.core.serialize import plain
from rebalance.data_contracts.pandas_checks import evaluate, holds_text


@dataclass(frozen=True)
class Check:
    """One expectation and the sentence that explains it to a person."""

    expectation: str  # GX class name, e.g. "ExpectColumnValuesToNotBeNull"
    kwargs: dict[str, Any]
    description: str  # what is expected, e.g. "column 'income' has no missing values"


@dataclass(frozen=True)
class CheckResult:
    check: Check
    success: bool
    observed: str  # what GX found, ready to print

    def message(self) -> str:
        return f"expected {self.check.description}, found {self.observed}"


def text_as_values(frame: pd.DataFrame, types: Mapping[str, str]) -> pd.DataFrame:
    """The frame with its categorical columns as object columns, so that their type checks
    look at each value. A column of pandas' string dtype (or categories of it) stays as it
    is: its values are str by construction, and ``pandas_checks`` answers it so (an object
    copy of ten million strings would cost gigabytes)."""
    convert = {
        name: object
        for name, kind in types.items()
        if kind == "categorical" and name in frame.columns and not holds_text(frame[name].dtype)
    }
    return frame.astype(convert) if convert else frame


def run_checks(frame: pd.DataFrame, checks: list[Check], suite_name: str) -> list[CheckResult]:
    """Every check's result, in the order of ``checks``: pandas where it covers the check
    (GX's own evaluation costs ~0.1 s a check on a 1,000-column batch), GX for the rest."""
    done = {
        index: CheckResult(checks[index], success, _observed(result))
        for index, (success, result) in evaluate(frame, checks).items()
    }
    rest = [index for index in range(len(checks)) if index not in done]
    if rest:
        gx = gx_results(frame, [checks[index] for index in rest], suite_name)
        done.update(zip(rest, gx, strict=True))
    return [done[index] for index in range(len(checks))]


def gx_results(frame: pd.DataFrame, checks: list[Check], suite_name: str) -> list[CheckResult]:
    """The checks validated by GX, in one suite on one batch, in the order of ``checks``."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"{suite_name}-source")
    asset = source.add_dataframe_asset(f"{suite_name}-asset")
    batch_definition = asset.add_batch_definition_whole_dataframe(f"{suite_name}-batch")
    # Given at construction: add_expectation compares each new one with all before it (its
    # cost grows with the square of the checks; 186 checks of a 61-column table took 7 s).
    # These checks are distinct by construction.
    expectations = [
        getattr(gxe, check.expectation)(**check.kwargs, meta={"check": index})
        for index, check in enumerate(checks)
    ]
    suite = gx.ExpectationSuite(name=suite_name, expectations=expectations)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(suite)
    # GX does not keep suite order: match results back through the meta index.
    by_index = {
        int(r.expectation_config.meta["check"]): r
        for r in validation.results
        if r.expectation_config is not None and r.expectation_config.meta
    }
    return [
        CheckResult(
            check=check,
            success=bool(by_index[index].success),
            observed=_observed(by_index[index].result),
        )
        for index, check in enumerate(checks)
    ]


def _observed(result: dict[str, Any]) -> str:
    """What GX found, as plain numbers and text (GX hands back numpy scalars)."""
    if "unexpected_count" in result and result.get("unexpected_count"):
        sample = result.get("partial_unexpected_list", [])[:5]
        return f"{plain(result['unexpected_count'])} offending value(s), e.g. {plain(sample)}"
    if "observed_value" in result:
        return plain(result["observed_value"])
    return "a failure"
