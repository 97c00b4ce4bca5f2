"""Method name -> oversampler class. Samplers register themselves under the entry-point group
``rebalance.samplers`` (see pyproject.toml) or with :func:`register`; the core never imports
one by name, and a sampler is loaded only when asked for (the GAN pulls in torch)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from rebalance.core.errors import SamplerError
from rebalance.core.samplers.base import Oversampler, SamplerTraits

GROUP = "rebalance.samplers"
_REGISTERED: dict[str, type[Oversampler]] = {}


def register(cls: type[Oversampler]) -> type[Oversampler]:
    """Make ``cls`` available as ``method: <cls.name>`` in this process (usable as a decorator)."""
    _REGISTERED[cls.name] = cls
    return cls


def available_methods() -> list[str]:
    """Every method a spec may name, ``none`` (no sampler: real rows only) included."""
    names = {ep.name for ep in entry_points(group=GROUP)} | set(_REGISTERED)
    return ["none", *sorted(names)]


def sampler_class(method: str) -> type[Oversampler]:
    if method in _REGISTERED:
        return _REGISTERED[method]
    found = [ep for ep in entry_points(group=GROUP) if ep.name == method]
    if not found:
        usable = [name for name in available_methods() if name != "none"]
        raise SamplerError(f"expected an oversampling method in {usable}, found {method!r}")
    try:
        cls: type[Oversampler] = found[0].load()
    except ImportError as exc:
        raise SamplerError(f"method {method!r} is not available in this install ({exc})") from None
    return cls


def method_traits(method: str) -> SamplerTraits:
    """What the orchestration needs to know of ``method``; ``none`` has no sampler."""
    return SamplerTraits() if method == "none" else sampler_class(method).traits


def make_oversampler(
    method: str, seed: int, params: Mapping[str, Any] | None = None
) -> Oversampler:
    """A new, unfitted sampler of ``method`` with its options."""
    cls = sampler_class(method)
    options = dict(params or {})
    try:
        return cls(seed=seed, **options)
    except TypeError as exc:
        raise SamplerError(
            f"method {method!r} does not accept params {sorted(options)}: {exc}"
        ) from None
