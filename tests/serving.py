"""Helpers for tests that run `rebalance serve` as a subprocess: the process, REST calls that
read a busy server's slow answer as "not yet", and a throwaway PostgreSQL cluster."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

START_WAIT = 150.0  # a Prefect server start on a busy 2-core machine


def wait_for(what: str, check: Callable[[], Any], log: Path, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; serve log:\n{log.read_text()[-4000:]}")


def get(client: httpx.Client, path: str) -> Any:
    try:
        response = client.get(path)
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    return response.json()


def post(client: httpx.Client, path: str, body: dict[str, Any]) -> Any:
    try:
        response = client.post(path, json=body)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        print(f"POST {path}: {exc}")  # a busy SQLite server: "not yet" while polling
        return None
    return response.json()


class Served:
    """One `rebalance serve` process (and the server it starts) on a fixed port and home;
    ``env`` adds settings, e.g. the server's database."""

    def __init__(
        self, tmp_path: Path, spec: Path, port: int, env: dict[str, str] | None = None
    ) -> None:
        self.tmp_path, self.spec, self.port = tmp_path, spec, port
        self.env = (
            {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
            | {
                "PREFECT_HOME": str(tmp_path / "prefect-home"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            }
            | (env or {})
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tmp_path / "serve-0.log"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "rebalance.cli",
            "serve",
            str(self.spec),
            "--port",
            str(self.port),
        ]

    def start(self, attempt: int) -> httpx.Client:
        self.log = self.tmp_path / f"serve-{attempt}.log"
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                self.command(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.tmp_path,
                start_new_session=True,
            )
        wait_for(
            "serve to start",
            lambda: "rebalance: UI at" in self.log.read_text(),
            self.log,
            START_WAIT,
        )
        return httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)

    def kill(self) -> None:
        """SIGKILL serve and the server it started (its own session): no clean-up runs."""
        assert self.process is not None
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        for pid in [self.process.pid, *map(int, children)]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
        self.process.wait()
        wait_for("the port to be free", lambda: port_free(self.port), self.log, 30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def toy_spec(folder: Path, validation: str, schedule: str) -> tuple[Path, Path, Path]:
    """A served SMOTE spec for dataset `toy` watching ``folder/inbox`` and publishing under
    ``folder/out``; ``validation`` and ``schedule`` are the flow-style YAML of those sections
    (the inbox is added to the schedule). Returns the spec, the inbox and the output root."""
    inbox, out = folder / "inbox", folder / "out"
    inbox.mkdir()
    spec = folder / "toy.yaml"
    spec.write_text(
        "dataset: {name: toy, path: unused.csv, target: label}\n"
        "balance: {method: smote}\n"
        f"validation: {{{validation}}}\n"
        f"schedule: {{inbox: {inbox}, {schedule}}}\n"
        f"output: {{root: {out}}}\n"
    )
    return spec, inbox, out


def completed_runs(client: httpx.Client, flow: str, api: str = "/api") -> int:
    """Completed runs of ``flow`` (0 while a busy server does not answer); ``api``: the
    path of the API under the client's base URL."""
    body = {
        "flows": {"name": {"any_": [flow]}},
        "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
    }
    return len(post(client, f"{api}/flow_runs/filter", body) or [])


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (initdb, pg_ctl), if installed."""
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        return Path(on_path).resolve().parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def _as_owner() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as Debian's `postgres`."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: PostgreSQL cannot be started")
    return [runuser, "-u", "postgres", "--"]


@contextmanager
def postgres_cluster(port: int) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1:``port`` with a `prefect` database; yields
    its SQLAlchemy URL for Prefect. Skips the test with the reason when PostgreSQL is absent."""
    binaries = postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL not installed (make test installs Debian's postgresql)")
    owner = _as_owner()
    home = Path(tempfile.mkdtemp(prefix="rebalance-pg-"))  # not under pytest's root-only tmp
    data = home / "data"
    if owner:
        shutil.chown(home, user="postgres", group="postgres")

    def run(*command: str) -> None:
        done = subprocess.run(
            [*owner, *command], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"{command[0]} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")

    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "prefect", "-A", "trust", "-E", "UTF8")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"),
            "-w", "start")  # fmt: skip
        run(str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "prefect",
            "prefect")  # fmt: skip
        yield f"postgresql+asyncpg://prefect@127.0.0.1:{port}/prefect"
    finally:
        if (data / "postmaster.pid").exists():
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)


def psql(port: int, query: str) -> str:
    """One value from the `prefect` database of ``postgres_cluster(port)``."""
    binaries = postgres_bin()
    assert binaries is not None
    psql_program = binaries / "psql" if (binaries / "psql").exists() else Path("psql")
    done = subprocess.run(
        [str(psql_program), "-h", "127.0.0.1", "-p", str(port), "-U", "prefect", "-d", "prefect",
         "-tAc", query],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.strip()
