"""Oversamplers behind one interface: ``fit`` on the train part, ``sample(class, n)``."""

from rebalance.core.samplers.base import (
    Oversampler,
    ProgressListener,
    SamplerTraits,
    TrainingProgress,
)
from rebalance.core.samplers.registry import (
    available_methods,
    make_oversampler,
    method_traits,
    register,
    sampler_class,
)

__all__ = [
    "Oversampler",
    "ProgressListener",
    "SamplerTraits",
    "TrainingProgress",
    "available_methods",
    "make_oversampler",
    "method_traits",
    "register",
    "sampler_class",
]
