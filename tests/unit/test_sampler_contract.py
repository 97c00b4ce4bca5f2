"""The oversampler contract, run against every registered sampler (the GAN included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rebalance.core.errors import SamplerError
from rebalance.core.samplers import (
    TrainingProgress,
    available_methods,
    make_oversampler,
    sampler_class,
)

TYPES = {"amount": "continuous", "count": "integer", "kind": "categorical", "label": "categorical"}
# quick settings per method: the contract is about the seam, not about sample quality
QUICK: dict[str, dict[str, Any]] = {
    "gan": {
        "epochs": 3,
        "batch_size": 40,
        "pac": 10,
        "checkpoint_every": 1,
        "eval_every": 0,
        "checkpoint_min_seconds": 0.0,
    }
}
METHODS = [name for name in available_methods() if name != "none"]


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    label = np.array(["major"] * 90 + ["minor"] * 30)
    return pd.DataFrame(
        {
            "amount": rng.normal(10.0, 2.0, 120) + (label == "minor") * 3.0,
            "count": rng.integers(0, 9, 120),
            "kind": rng.choice(["a", "b", "c"], 120).astype(object),
            "label": label,
        }
    )


def fitted(method: str, seed: int = 0, **fit_options: Any) -> Any:
    sampler = make_oversampler(method, seed, QUICK.get(method, {}))
    return sampler.fit(frame(), "label", TYPES, **fit_options)


def test_every_built_in_method_is_registered() -> None:
    assert {"random", "smote", "gan"} <= set(METHODS)
    assert available_methods()[0] == "none"


@pytest.mark.parametrize("method", METHODS)
def test_sample_gives_exactly_n_rows_of_the_class_in_the_frame_layout(method: str) -> None:
    sampler = fitted(method)
    rows = sampler.sample("minor", 57)
    real = frame()
    assert len(rows) == 57
    assert (rows["label"] == "minor").all()
    assert list(rows.columns) == list(real.columns)
    assert rows.dtypes.to_dict() == real.dtypes.to_dict()
    empty = sampler.sample("minor", 0)
    assert empty.empty and empty.dtypes.to_dict() == real.dtypes.to_dict()


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_rows_other_seed_other_rows(method: str) -> None:
    one, two, other = fitted(method, 3), fitted(method, 3), fitted(method, 4)
    pd.testing.assert_frame_equal(one.sample("minor", 40), two.sample("minor", 40))
    assert not one.sample("minor", 40).equals(other.sample("minor", 40))


@pytest.mark.parametrize("method", METHODS)
def test_misuse_is_a_domain_error(method: str) -> None:
    unfitted = make_oversampler(method, 0, QUICK.get(method, {}))
    with pytest.raises(SamplerError, match="fitted"):
        unfitted.sample("minor", 3)
    sampler = fitted(method)
    with pytest.raises(SamplerError, match="'nope'"):
        sampler.sample("nope", 3)
    with pytest.raises(SamplerError, match="non-negative"):
        sampler.sample("minor", -1)
    with pytest.raises(SamplerError, match="target column 'missing'"):
        make_oversampler(method, 0, QUICK.get(method, {})).fit(frame(), "missing", TYPES)


@pytest.mark.parametrize("method", METHODS)
def test_traits_say_what_the_sampler_does(method: str, tmp_path: Path) -> None:
    traits = sampler_class(method).traits
    heard: list[TrainingProgress] = []
    sampler = fitted(method, work_dir=str(tmp_path), progress=[heard.append])
    history = sampler.training_history()
    if traits.trains:
        assert [p.epoch for p in heard] == [1, 2, 3]
        assert heard[-1].epochs == 3 and heard[-1].losses
        assert history is not None and len(next(iter(history.values()))) >= 1
        assert sampler.training_summary()
    else:
        assert heard == [] and history is None and sampler.training_summary() is None
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert bool(written) == traits.checkpoints  # only a checkpointing sampler writes there
