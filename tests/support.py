"""Plain helpers shared by test modules: small real-looking tables, spec and config builders,
a tiny GAN, a validation context, a free port. Fixtures and hooks stay in ``conftest.py``;
test modules import helpers from here, never from ``conftest`` or from each other."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from rebalance.core import plan as plan_module
from rebalance.core.config import BalanceConfig, RebalanceConfig, ValidationConfig
from rebalance.core.plan import make_plan
from rebalance.core.profile import class_counts
from rebalance.core.split import stratified_split
from rebalance.core.validation.evaluate import ValidationContext, prepare

if TYPE_CHECKING:
    from rebalance.gan.model import ConditionalTabularGAN

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


def record_f1_measurements(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The row count of every frame ``sampling_strategy: f1`` is measured on, from now on."""
    measured: list[int] = []
    real = plan_module.measure_f1_amount

    def measure(rows: pd.DataFrame, *args: Any) -> Any:
        measured.append(len(rows))
        return real(rows, *args)

    monkeypatch.setattr(plan_module, "measure_f1_amount", measure)
    return measured


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- a tiny GAN (imports inside: torch loads only for the tests that train one) ------------

TINY_GAN = {
    "epochs": 4,
    "batch_size": 100,
    "pac": 10,
    "generator_dims": (64, 64),
    "critic_dims": (64, 64),
    "embedding_dim": 32,
    "eval_every": 2,
    "eval_rows": 200,
    "checkpoint_min_seconds": 0.0,  # a tiny fit takes under a second: save when due
}


def gan_frame() -> pd.DataFrame:
    data = mixed_frame(n_major=400, n_minor=60)
    data["colour"] = data["colour"].astype("str").where(data["colour"].notna())
    data.loc[data.index[-3:], "label"] = "rare"  # a three-row class
    return data


def fit_gan(seed: int = 0, **changes: object) -> ConditionalTabularGAN:
    from rebalance.gan.config import GanConfig
    from rebalance.gan.model import ConditionalTabularGAN

    return ConditionalTabularGAN(GanConfig(**{**TINY_GAN, "seed": seed, **changes})).fit(
        gan_frame(), "label", MIXED_TYPES
    )


# ---- a validation context ---------------------------------------------------------------------


def validation_context(config: ValidationConfig | None = None) -> ValidationContext:
    config = config or ValidationConfig()
    frame = mixed_frame(n_major=600, n_minor=150, seed=3)
    train, holdout = stratified_split(frame, "label", 0.3, seed=0)
    plan = make_plan(class_counts(train["label"]), BalanceConfig(), config.release)
    return prepare(train, holdout, "label", MIXED_TYPES, plan, config, 0)
