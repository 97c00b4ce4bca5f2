"""``python -m rebalance.cli``: the same as the ``rebalance`` command."""

import sys

from rebalance.cli.main import main

sys.exit(main())
