"""Oversamplers behind one interface: ``fit`` on the train part, ``sample(class, n)``."""

from rebalance.samplers.base import Oversampler
from rebalance.samplers.registry import METHODS, make_oversampler

__all__ = ["METHODS", "Oversampler", "make_oversampler"]
