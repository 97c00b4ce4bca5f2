"""Prefect flows: each reads like the table of contents of its pipeline."""
