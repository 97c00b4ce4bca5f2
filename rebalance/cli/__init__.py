"""The ``rebalance`` command line."""

from rebalance.cli.main import command, main

__all__ = ["command", "main"]
