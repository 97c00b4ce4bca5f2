"""rebalance: balance imbalanced tabular data as a Prefect pipeline stage."""

__version__ = "0.1.0"

import os as _os

# OpenMP threads spin only briefly before they sleep. torch and scikit-learn each bring an
# OpenMP runtime; with libgomp's default spin, threads of one starve the other (and any other
# process) on a small busy machine. Measured on 2 cores, gate unit tests: default spin 8.4 s
# idle / 133 s busy; PASSIVE 34 s / 32 s; 10,000 spins 7.6 s / 40 s. Set before either library
# loads; the user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
if "OMP_WAIT_POLICY" not in _os.environ:
    _os.environ.setdefault("GOMP_SPINCOUNT", "10000")
