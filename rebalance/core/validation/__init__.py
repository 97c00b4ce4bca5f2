"""Synthetic-sample validation: fidelity, privacy and utility metrics, the gate, the report."""
