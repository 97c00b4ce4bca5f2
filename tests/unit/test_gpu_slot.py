"""A GAN fit holds the "gpu" concurrency slot only where it runs on a GPU."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pandas as pd
import pytest
import torch

from rebalance.core.config import BalanceConfig, DatasetSpec
from rebalance.tasks import candidates


@pytest.mark.parametrize(
    ("method", "device", "cuda", "held"),
    [
        ("gan", "cpu", True, False),
        ("gan", "auto", False, False),
        ("gan", "auto", True, True),  # auto: CUDA where present
        ("smote", None, True, False),
    ],
)
def test_the_gpu_slot_is_held_by_a_fit_on_a_gpu_only(
    monkeypatch: pytest.MonkeyPatch, method: str, device: str | None, cuda: bool, held: bool
) -> None:
    asked: list[str] = []

    def slot(name: str, **kwargs: Any) -> Any:
        asked.append(name)
        return nullcontext()

    monkeypatch.setattr(candidates, "concurrency", slot)
    monkeypatch.setattr(candidates, "fit_oversampler", lambda *a, **k: None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    params = {"device": device} if device else {}
    balance = BalanceConfig(method=method, params=params)
    spec = DatasetSpec(name="toy", path="x.csv", target="y")
    candidates._fit(pd.DataFrame({"y": [0, 1]}), {}, spec, balance, None)
    assert asked == (["gpu"] if held else [])
