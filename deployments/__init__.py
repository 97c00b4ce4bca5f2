"""Prefect deployments of the rebalance flows (schedules, triggers, serving)."""
