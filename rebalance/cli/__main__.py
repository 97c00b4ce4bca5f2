"""``python -m rebalance.cli``: the same as the ``rebalance`` command."""

from rebalance.cli.main import command

command()
