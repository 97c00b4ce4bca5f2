"""rebalance: balance imbalanced tabular data as a Prefect pipeline stage."""

__version__ = "0.1.0"
