"""Shared fixtures: a small real-looking table written to a tmp file, and one Prefect test
harness for the whole session (started only by tests that run flows). Plain helpers live in
``tests/support.py``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from tests.support import mixed_frame, write_csv


@pytest.fixture
def toy_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "toy.csv", mixed_frame())


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One ephemeral Prefect API for every flow test; heartbeats off (each costs 1 s)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), prefect_test_harness():
        yield
