"""The ``rebalance`` command line."""

from rebalance.cli.main import main

__all__ = ["main"]
