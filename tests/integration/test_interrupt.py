"""Ctrl-C during `rebalance run`: the run ends promptly through its exit handlers, marked
Crashed, and leaves no Prefect server behind (SIGTERM is turned into the same interrupt:
tests/unit/test_cli_summary.py).

A terminal's Ctrl-C and `timeout` signal the whole process group; the test starts the command
in a group of its own and signals that group, as they do.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import mixed_frame, write_csv

pytestmark = pytest.mark.integration

EXIT_WITHIN = 90.0  # seconds; a server killed by the signal cost 140-150 s of retries


def test_ctrl_c_ends_a_run_promptly_and_stops_its_server(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "toy.csv", mixed_frame(n_major=200, n_minor=40))
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"dataset: {{name: toy, path: {data}, target: label}}\n"
        "balance: {method: gan, params: {epochs: 5}}\n"
        "validation: {on_failure: publish_real_only}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    log = tmp_path / "run.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "rebalance.cli", "run", str(spec), "--output", "out"],
            cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_interactive,
        )  # fmt: skip
    try:
        port = _wait_for_the_flow(log, process)
        os.killpg(process.pid, signal.SIGINT)  # SIGTERM takes the same path (unit-tested)
        process.wait(timeout=EXIT_WITHIN)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    text = log.read_text(errors="replace")
    assert "rebalance: interrupted" in text, text[-3000:]
    assert "Finished in state Crashed" in text, text[-3000:]
    assert "Connection refused" not in text, text[-3000:]
    with socket.socket() as sock:  # the temporary server went with the run
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "Prefect's temporary server still up"
    assert not (tmp_path / "out" / "toy" / "versions").exists()


def _interactive() -> None:
    """SIGINT handled as in a terminal: a background job (CI, nohup) starts with it ignored,
    and Python keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_the_flow(log: Path, process: subprocess.Popen[bytes]) -> int:
    """The temporary server's port, once the flow run has begun."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        found = re.search(r"Starting temporary server on http://127\.0\.0\.1:(\d+)", text)
        if found and "Beginning flow run" in text:
            return int(found.group(1))
        assert process.poll() is None, text[-3000:]
        time.sleep(0.2)
    raise AssertionError(f"no flow run began within 120 s: {log.read_text()[-3000:]}")
