"""Method name -> oversampler class, imported on demand (the GAN pulls in torch)."""

from __future__ import annotations

import importlib
from typing import Any

from rebalance.errors import SamplerError
from rebalance.samplers.base import Oversampler

# "none" has no sampler: the plan generates nothing and the real train part is published.
METHODS: dict[str, str | None] = {
    "none": None,
    "random": "rebalance.samplers.random_oversampler:RandomOversampler",
    "smote": "rebalance.samplers.smote:SmoteOversampler",
    "gan": "gan.sampler:GanOversampler",
}


def make_oversampler(method: str, seed: int, params: dict[str, Any]) -> Oversampler:
    if method not in METHODS or METHODS[method] is None:
        usable = [name for name, ref in METHODS.items() if ref is not None]
        raise SamplerError(f"expected an oversampling method in {usable}, found {method!r}")
    module_name, class_name = str(METHODS[method]).split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise SamplerError(f"method {method!r} is not available in this install ({exc})") from None
    cls: type[Oversampler] = getattr(module, class_name)
    try:
        return cls(seed=seed, **params)
    except TypeError as exc:
        raise SamplerError(
            f"method {method!r} does not accept params {sorted(params)}: {exc}"
        ) from None
