"""`rebalance serve` against a real Prefect server: arrival events, retraining, the classifier.

Starts `rebalance serve` with no PREFECT_API_URL and a temporary PREFECT_HOME, so it starts
`prefect server start` on loopback itself; the test talks to that server's REST API and stops
everything with SIGTERM at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import serving
from tests.support import free_port, mixed_frame

pytestmark = pytest.mark.integration

WAIT = 240.0  # seconds per expected outcome


wait_for = partial(serving.wait_for, seconds=WAIT)


class Api:
    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        """A busy SQLite server may answer slowly: while polling, that is "not yet"."""
        try:
            response = self.client.post(path, json=body)
            response.raise_for_status()
        except httpx.HTTPError:
            return None
        return response.json()

    def completed_runs(self, flow: str) -> int:
        return serving.completed_runs(self.client, flow, api="")

    def events(self, name: str) -> list[dict[str, Any]]:
        body = {"filter": {"event": {"name": [name]}}, "limit": 50}
        return list((self._post("/events/filter", body) or {}).get("events", []))


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Api, Path, Path, Path]]:
    spec, inbox, out = serving.toy_spec(
        tmp_path,
        validation="on_failure: fallback, fallback_methods: [none]",
        schedule="pattern: '*.csv', watch_every_seconds: 5",
    )
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "rebalance.cli", "serve", str(spec), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
            start_new_session=True,
            # as a background job (nohup, `cmd &` in a script) starts it: SIGINT ignored, so
            # SIGTERM must stop it without going through Ctrl-C's handler
            preexec_fn=_ignore_sigint,
        )
    try:
        wait_for("serve to start", lambda: "rebalance: UI at" in log.read_text(), log)
        yield Api(f"http://127.0.0.1:{port}/api"), inbox, out, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    with socket.socket() as sock:  # the server serve started is gone with it
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "Prefect server still listening"
    assert process.returncode == 0, log.read_text()[-3000:]
    # SIGTERM went the way of Ctrl-C (the runner's task cancelled), not Prefect's sys.exit
    assert "rebalance: stopping" in log.read_text(), log.read_text()[-3000:]


def test_inbox_arrivals_retrain_publish_and_train_the_classifier(
    served: tuple[Api, Path, Path, Path], tmp_path: Path
) -> None:
    api, inbox, out, log = served
    versions = out / "toy" / "versions"

    def version_count() -> int:
        return len(list(versions.iterdir())) if versions.is_dir() else 0

    first = tmp_path / "first.csv"
    mixed_frame(n_major=300, n_minor=80, seed=2).to_csv(first, index=False)
    shutil.copy(first, inbox / "batch.csv")
    wait_for("the arrival event", lambda: api.events("rebalance.dataset.arrived"), log)
    wait_for("a completed rebalance run", lambda: api.completed_runs("rebalance-spec") >= 1, log)
    assert version_count() == 1
    wait_for("a completed classifier run", lambda: api.completed_runs("train-classifier") >= 1, log)
    (version,) = versions.iterdir()
    classifier = out / "toy" / "classifiers" / version.name
    metrics = json.loads((classifier / "metrics.json").read_text())
    assert metrics["classifier_source"] == "manifest"  # the spec's validation.classifier
    assert metrics["threshold"] is not None and metrics["at_tuned_threshold"]["f1"] >= 0
    assert (classifier / "model.skops").is_file() and (classifier / "model.json").is_file()
    assert api.events("rebalance.dataset.published")

    shutil.copy(first, inbox / "same-content.csv")  # same bytes under a new name
    wait_for("the rerun", lambda: api.completed_runs("rebalance-spec") >= 2, log)
    assert version_count() == 1  # no retrain: the version was found by its content key
    assert "is already published" in log.read_text()

    mixed_frame(n_major=300, n_minor=90, seed=3).to_csv(inbox / "batch.csv", index=False)
    wait_for("a retrained version", lambda: version_count() == 2, log)
    wait_for("the second classifier run", lambda: api.completed_runs("train-classifier") >= 2, log)

    # An upstream system announces a file itself, through Prefect's CLI.
    upstream = tmp_path / "upstream.csv"
    mixed_frame(n_major=300, n_minor=70, seed=4).to_csv(upstream, index=False)
    payload = json.dumps({"dataset": "toy", "path": str(upstream)})
    emitted = subprocess.run(
        [
            sys.executable,
            "-m",
            "prefect",
            "events",
            "emit",
            "rebalance.dataset.arrived",
            "--resource-id",
            "rebalance.inbox.toy",
            "--payload",
            payload,
        ],
        env={**os.environ, "PREFECT_API_URL": str(api.client.base_url).rstrip("/")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert emitted.returncode == 0, emitted.stderr[-2000:]
    wait_for("the upstream-announced version", lambda: version_count() == 3, log)
