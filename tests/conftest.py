"""Shared fixtures: small real-looking tables written to tmp files, spec builders, and one
Prefect test harness for the whole session (started only by tests that run flows)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from rebalance.config import RebalanceConfig

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXAMPLE_SPECS = Path(__file__).resolve().parents[1] / "examples" / "specs"


def shared_file(name: str) -> Path:
    """A ../shared/data file, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"real dataset {name} not found: {SHARED_DATA} is absent (shared data folder)")
    return path


MIXED_TYPES = {
    "income": "continuous",
    "age": "integer",
    "colour": "categorical",
    "score": "continuous",
    "label": "categorical",
}


def mixed_frame(n_major: int = 120, n_minor: int = 30, seed: int = 0) -> pd.DataFrame:
    """A mixed-type imbalanced table: continuous, integer, categorical with gaps, binary target."""
    rng = np.random.default_rng(seed)
    n = n_major + n_minor
    label = np.array(["no"] * n_major + ["yes"] * n_minor)
    income = np.round(rng.normal(50.0, 10.0, n) + (label == "yes") * 15.0, 3)
    age = rng.integers(18, 80, n)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[rng.random(n) < 0.1] = None
    score = np.round(rng.random(n), 4)
    score_with_gaps = np.where(rng.random(n) < 0.1, np.nan, score)
    return pd.DataFrame(
        {"income": income, "age": age, "colour": colour, "score": score_with_gaps, "label": label}
    )


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False, na_rep="")
    return path


def make_config(path: Path | str, output: Path | str, **overrides: Any) -> RebalanceConfig:
    """A run config for the toy table. The validation gate is off unless ``validation=`` is
    given: tests of ingestion and publishing mechanics should not depend on its verdict."""
    overrides.setdefault("validation", {"enabled": False})
    dataset = {"name": "toy", "path": str(path), "target": "label"}
    dataset.update(overrides.pop("dataset", {}))
    balance = {"method": "smote", "seed": 0}
    balance.update(overrides.pop("balance", {}))
    return RebalanceConfig.model_validate(
        {"dataset": dataset, "balance": balance, "output": {"root": str(output)}, **overrides}
    )


@pytest.fixture
def toy_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "toy.csv", mixed_frame())


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One ephemeral Prefect API for every flow test; heartbeats off (each costs 1 s)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), prefect_test_harness():
        yield
