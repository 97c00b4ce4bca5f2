"""`prefect deploy --all` with the committed prefect.yaml, and a process worker runs one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rebalance.deployments.serve import start_server, stop_server
from tests.support import free_port, mixed_frame

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    port = free_port()
    previous = dict(os.environ)
    os.environ.update(env)
    os.environ.pop("PREFECT_API_URL", None)
    try:
        server = start_server("127.0.0.1", port)
    finally:
        os.environ.clear()
        os.environ.update(previous)
    try:
        yield env | {"PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    finally:
        stop_server(server)


def prefect(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (
        f"prefect {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    )
    return done


def test_deploy_all_and_a_process_worker_runs_one(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    mixed_frame(n_major=200, n_minor=60, seed=4).to_csv(tmp_path / "data.csv", index=False)
    spec = tmp_path / "toy.yaml"
    spec.write_text(
        "dataset: {name: toy, path: data.csv, target: label}\n"
        "balance: {method: smote}\n"
        "validation: {on_failure: fallback, fallback_methods: [none]}\n"
        f"output: {{root: {tmp_path / 'out'}}}\n"
    )
    prefect(server_env, "work-pool", "create", "rebalance-process", "--type", "process")
    deployed = prefect(server_env, "deploy", "--all")
    for name in ("rebalance-spec/german-worker", "train-classifier/on-publish-worker"):
        assert name in deployed.stdout
    started = prefect(
        server_env,
        "deployment",
        "run",
        "rebalance-spec/german-worker",
        "--param",
        f"spec_path={spec}",
    )
    worker_env = server_env | {"REBALANCE_PROJECT_DIR": str(ROOT)}  # the pull step's checkout
    prefect(
        worker_env, "worker", "start", "--pool", "rebalance-process", "--run-once", cwd=tmp_path
    )
    found = re.search(r"UUID: ([0-9a-f-]{36})", started.stdout)
    assert found is not None, started.stdout
    run = httpx.get(f"{server_env['PREFECT_API_URL']}/flow_runs/{found.group(1)}", timeout=10)
    assert run.json()["state"]["type"] == "COMPLETED"
    assert len(list((tmp_path / "out" / "toy" / "versions").iterdir())) == 1
