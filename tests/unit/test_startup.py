"""The command's process start-up: Prefect's API server started beside the run's imports."""

from __future__ import annotations

import sys

import pytest

from rebalance.cli import startup
from rebalance.cli.runs import libraries_for
from rebalance.core.config import RebalanceConfig


def test_no_server_is_started_when_an_api_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert startup._start_local_api() is None
        monkeypatch.delitem(sys.modules, "colorsys", raising=False)
        startup.start_beside_imports(["colorsys", "no_such_module_here"])  # missing: skipped
    assert "colorsys" in sys.modules


def test_a_failed_early_start_is_left_to_the_flow_to_report() -> None:
    class Failing:
        def start(self) -> None:
            raise RuntimeError("port taken")

    assert startup._start(Failing()) is None  # no exception escapes the thread


def _config(method: str, validation: bool) -> RebalanceConfig:
    return RebalanceConfig.model_validate(
        {
            "dataset": {"name": "d", "path": "d.csv", "target": "y"},
            "balance": {"method": method},
            "validation": {"enabled": validation},
        }
    )


def test_torch_and_matplotlib_are_imported_early_only_for_runs_that_load_them() -> None:
    assert "torch" in libraries_for([_config("auto", True)])
    assert "matplotlib.figure" in libraries_for([_config("auto", True)])
    smote_only = libraries_for([_config("smote", False)])
    assert "torch" not in smote_only and "matplotlib.figure" not in smote_only
    assert "great_expectations" in smote_only  # the input contract runs in every run


def test_the_server_process_leaves_the_terminal_s_process_group() -> None:
    """Ctrl-C signals the terminal's foreground group: the server must outlive it, so that the
    interrupted run reports to it instead of retrying a dead one for minutes."""
    import os
    import subprocess

    from prefect.server.api import server as module

    class Server:
        process: subprocess.Popen[bytes] | None = None

        def _run_uvicorn_command(self) -> subprocess.Popen[bytes]:
            # what Prefect's method does: module.subprocess.Popen(...)
            return module.subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])

        def start(self) -> None:
            self.process = self._run_uvicorn_command()

    server = Server()
    startup._start(server)
    assert server.process is not None
    try:
        assert os.getpgid(server.process.pid) == server.process.pid != os.getpgid(0)
        assert module.subprocess is subprocess  # the module is left as it was
    finally:
        server.process.kill()
        server.process.wait()
