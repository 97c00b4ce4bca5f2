"""`rebalance serve` logs: a domain error in one line, held-back runs explained once, and the
started server's settings name its real port."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rebalance.core.serve_logs import ExplainAbortedSubmissions
from rebalance.deployments import serve

RUN = "0f6b7f38-2a7c-4a8e-9d55-3f1a3d2c9e11"
LOG_A_DOMAIN_ERROR = """
import logging
from prefect.logging.configuration import setup_logging
setup_logging()  # from its settings file, as a served run's engine does
from rebalance.core.errors import InputError
try:
    raise InputError("/in/a.csv", "expected a CSV file, found 0 bytes")
except InputError as exc:
    logging.getLogger("prefect.flow_runs.runner").error("Flow run failed: %s", exc, exc_info=True)
"""


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord(
        "prefect.runner.state_proposer", logging.INFO, "", 0, message, (), None
    )


def test_a_held_back_run_is_explained_once_and_its_repeats_dropped() -> None:
    quiet = ExplainAbortedSubmissions()
    aborted = (
        f"Aborted submission of flow run '{RUN}': Server returned a non-pending state 'SCHEDULED'"
    )
    first = record(aborted)
    assert quiet.filter(first) and "stays queued" in first.getMessage()
    assert RUN in first.getMessage()
    assert not quiet.filter(record(aborted))  # the next polls: nothing more
    assert quiet.filter(record("Runner 'x' submitting flow run"))  # other lines untouched
    signal = f"Aborted submission of flow run '{RUN}'. Server sent an abort signal: deleted"
    assert quiet.filter(second := record(signal)) and second.getMessage() == signal  # as it is


def logged(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", LOG_A_DOMAIN_ERROR],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stderr


@pytest.mark.parametrize("quiet", [False, True])
def test_served_runs_log_a_domain_error_without_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    monkeypatch.setattr(os, "environ", {**base, "PREFECT_HOME": str(tmp_path)})
    if quiet:
        assert serve.quiet_logs() == tmp_path / "rebalance-serve-logging.yml"
    stderr = logged(dict(os.environ))
    assert "expected a CSV file, found 0 bytes" in stderr
    assert ("Traceback" in stderr) is not quiet


def test_a_started_server_and_its_ui_use_the_given_port() -> None:
    env = serve.server_env("127.0.0.1", 4321)
    assert env["PREFECT_SERVER_API_PORT"] == "4321"
    assert env["PREFECT_UI_API_URL"] == "http://127.0.0.1:4321/api"  # not :4200
    assert env["PREFECT_UI_URL"] == "http://127.0.0.1:4321"
