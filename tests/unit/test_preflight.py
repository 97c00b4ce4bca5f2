"""Validation settings and splits that would crash the gate after training are refused first."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import rebalance.api
from rebalance.cli import main
from rebalance.core.config import BalanceConfig, load_config
from rebalance.core.errors import SpecError, ValidationError
from rebalance.core.plan import make_plan
from rebalance.core.profile import class_counts
from rebalance.core.split import (
    check_validation_splits,
    selection_split,
    stratified_split,
    validated_classes,
)
from tests.support import make_config, mixed_frame

TINY = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2, 3, 4, 5], "y": ["p", "p", "q", "q"]})


def _check(frame: pd.DataFrame, holdout_fraction: float = 0.2) -> None:
    train, holdout = stratified_split(frame, "y", holdout_fraction, 0)
    plan = make_plan(class_counts(train["y"]), BalanceConfig())
    _, selection = selection_split(train, "y", 0.25, 0)
    classes = validated_classes(plan)
    check_validation_splits("y", classes, (train, holdout, selection), (holdout_fraction, 0.25))


def test_classes_of_two_rows_leave_empty_splits_and_are_refused_in_one_line() -> None:
    with pytest.raises(ValidationError) as info:
        _check(TINY)
    message = str(info.value)
    assert "\n" not in message
    assert "balance.holdout_fraction 0.2" in message
    assert "validation.selection_fraction 0.25" in message
    assert "class 'p' (2 rows): 0 in the holdout, 0 in the selection split" in message
    assert "validation.enabled: false" in message


def test_a_small_holdout_fraction_names_only_that_setting() -> None:
    frame = mixed_frame(n_major=60, n_minor=8).rename(columns={"label": "y"})
    with pytest.raises(ValidationError) as info:
        _check(frame, holdout_fraction=0.05)  # 8 x 0.05 rounds to no holdout row of 'yes'
    message = str(info.value)
    assert "class 'yes' (8 rows): 0 in the holdout" in message
    assert "balance.holdout_fraction 0.05" in message and "selection_fraction" not in message


def test_ordinary_splits_pass() -> None:
    _check(mixed_frame().rename(columns={"label": "y"}))  # raises nothing


def test_validated_classes_are_the_minority_and_every_synthesized_class() -> None:
    plan = make_plan({"a": 100, "b": 20, "c": 3}, BalanceConfig())  # c is too small
    assert validated_classes(plan) == ["b"]
    binary = make_plan({"a": 100, "b": 4}, BalanceConfig())  # b excluded, still scored
    assert validated_classes(binary) == ["b"]


def test_a_zero_holdout_with_validation_is_refused_by_the_spec(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("dataset: {name: d, path: x.csv, target: y}\nbalance: {holdout_fraction: 0}\n")
    with pytest.raises(SpecError, match=r"holdout_fraction: expected > 0 while validation"):
        load_config(spec)
    spec.write_text(
        "dataset: {name: d, path: x.csv, target: y}\nbalance: {holdout_fraction: 0}\n"
        "validation: {enabled: false}\n"
    )
    assert load_config(spec).balance.holdout_fraction == 0  # no gate: no holdout needed
    validated = make_config("x.csv", "out", validation={"enabled": True})
    with pytest.raises(SpecError, match="holdout_fraction"):
        validated.with_overrides(holdout_fraction=0.0)


def test_cli_refuses_holdout_fraction_zero_before_starting_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(f"dataset: {{name: d, path: {tmp_path / 'x.csv'}, target: y}}\n")
    assert main(["run", str(spec), "--holdout-fraction", "0", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "balance.holdout_fraction: expected > 0" in err
    assert list(tmp_path.iterdir()) == [spec]


def test_balance_refuses_tiny_classes_before_fitting_any_sampler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fitted: list[str] = []
    monkeypatch.setattr(rebalance.api, "fit_oversampler", lambda *a, **k: fitted.append("fit"))
    with pytest.raises(ValidationError, match=r"holdout_fraction 0\.2"):
        rebalance.api.balance(TINY, target="y", method="gan")
    assert fitted == []
