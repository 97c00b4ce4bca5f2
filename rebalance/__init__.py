"""rebalance: balance imbalanced tabular data as a Prefect pipeline stage."""

__version__ = "0.1.0"

import os as _os

# OpenMP threads that sleep while waiting instead of spinning. torch and scikit-learn each
# bring an OpenMP runtime; spinning threads of one starve the other (and any other process) on
# a small machine: measured 5-10x slower training and validation on 2 busy cores. Set before
# either library loads; OMP_WAIT_POLICY=ACTIVE in the environment still wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
