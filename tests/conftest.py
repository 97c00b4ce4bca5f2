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
    """One ephemeral Prefect API for every flow test; heartbeats off (each costs 1 s); the
    server stores events every 0.2 s instead of 5 s, because announcing a published version
    waits until the server has stored its event."""
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    settings = {
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
        PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL: 0.2,
    }
    # A first start migrates a fresh SQLite database: 43 s was measured on a busy 2-core
    # machine, past the harness's 30 s default.
    with temporary_settings(settings), prefect_test_harness(server_startup_timeout=180):
        yield
