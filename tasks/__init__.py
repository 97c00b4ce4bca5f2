"""Prefect tasks: thin wrappers over the pure functions in the library modules."""
