"""rebalance: balance imbalanced tabular data with validated synthetic rows.

Two ways in:

- ``rebalance.balance(frame, target=..., method=...)``: the Python API, no Prefect involved.
- ``rebalance.GANOverSampler``: the conditional GAN as an imbalanced-learn sampler.

The command line (``rebalance run``, ``serve``) runs the same stages as Prefect flows.
Importing this package is cheap and changes nothing in the process: the heavy modules (torch,
Prefect) load on first use of a name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rebalance.core.version import __version__

if TYPE_CHECKING:
    from rebalance.api import BalanceResult, balance
    from rebalance.gan.imblearn import GANOverSampler

_LAZY = {
    "balance": "rebalance.api",
    "BalanceResult": "rebalance.api",
    "GANOverSampler": "rebalance.gan.imblearn",
}

__all__ = ["BalanceResult", "GANOverSampler", "__version__", "balance"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rebalance' has no attribute {name!r}")
