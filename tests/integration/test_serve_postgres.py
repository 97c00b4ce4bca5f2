"""`rebalance serve` with PostgreSQL as the Prefect server's database (the production setup
in the README's "Running unattended"): a file dropped in the inbox is announced, published and
recorded in PostgreSQL, and no SQLite database is created. Skips with the reason where Debian's
postgresql is not installed (`make test` installs it)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.serving import Served, completed_runs, postgres_cluster, psql, toy_spec, wait_for
from tests.support import free_port, mixed_frame

pytestmark = pytest.mark.integration

RUN_WAIT = 180.0  # announce, start and finish one small SMOTE run on a busy 2-core machine


def test_a_served_run_keeps_its_state_in_postgresql(tmp_path: Path) -> None:
    spec, inbox, out = toy_spec(
        tmp_path, validation="enabled: false", schedule="watch_every_seconds: 5, stable_seconds: 1"
    )
    db_port = free_port()
    with postgres_cluster(db_port) as url:
        serve = Served(
            tmp_path, spec, free_port(), env={"PREFECT_SERVER_DATABASE_CONNECTION_URL": url}
        )
        try:
            client = serve.start(1)
            batch = inbox / "batch.csv"
            mixed_frame(n_major=60, n_minor=20).to_csv(batch, index=False)
            os.utime(batch, (time.time() - 60, time.time() - 60))  # settled already
            wait_for(
                "a completed rebalance run",
                lambda: completed_runs(client, "rebalance-spec") >= 1,
                serve.log,
                RUN_WAIT,
            )
        finally:
            serve.stop()
        versions = list((out / "toy" / "versions").iterdir())
        assert len(versions) == 1 and (versions[0] / "_manifest.json").is_file()
        recorded = psql(
            db_port,
            "select count(*) from flow_run join deployment on deployment.id = "
            "flow_run.deployment_id where deployment.name = 'toy' and state_type = 'COMPLETED'",
        )
        assert int(recorded) >= 1
        arrived = psql(
            db_port, "select count(*) from events where event = 'rebalance.dataset.arrived'"
        )
        assert int(arrived) >= 1
    assert not list((tmp_path / "prefect-home").glob("*.db"))  # no SQLite database was used
