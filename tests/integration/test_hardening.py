"""Hardening, end to end: secrets in input URLs, faults of the output folder, splits too small
to validate, and what a published version looks like to a plain reader."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from prefect import flow, task

from rebalance.cli import main
from rebalance.core.errors import PublishError, SourceUnreachableError
from rebalance.core.storage import storage_faults
from rebalance.flows.rebalance_flow import rebalance
from rebalance.tasks import candidates
from rebalance.tasks.io import IO_OPTIONS
from tests.support import make_config, mixed_frame, write_csv

pytestmark = pytest.mark.integration

SECRET = "s3cr3tpw"
# The gate is made lenient so SMOTE's rows are published: these tests are about what is
# written, not about the gate's verdict on a toy table.
LENIENT = (
    "validation: {on_failure: publish_real_only, classifier: {name: logistic_regression}, "
    "thresholds: {min_utility_gain: -1.0, min_gain_probability: 0.0}}\n"
)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, in its own process (every log line captured)."""
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_HOME": str(cwd / "prefect-home"),
    }
    return subprocess.run(
        [sys.executable, "-m", "rebalance.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _strict_json(path: Path) -> object:
    def refuse(token: str) -> object:
        raise ValueError(f"{path}: non-standard JSON constant {token}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_a_password_in_the_input_url_reaches_no_file_log_or_event(tmp_path: Path) -> None:
    # fsspec's local file system reads file://user:password@host/x relative to the working
    # folder: a URL that carries credentials all the way through a real run.
    where = tmp_path / f"alice:{SECRET}@localhost" / "data"
    where.mkdir(parents=True)
    rng = np.random.default_rng(0)  # two numeric columns keep the gate's work small
    frame = pd.DataFrame({"x": rng.normal(size=200), "z": rng.normal(size=200)})
    write_csv(where / "toy.csv", frame.round(4).assign(label=["p"] * 40 + ["q"] * 160))
    url = f"file://alice:{SECRET}@localhost/data/toy.csv"
    spec = tmp_path / "s.yaml"
    spec.write_text(f"dataset: {{name: d, path: '{url}', target: label}}\n{LENIENT}")
    out = tmp_path / "out"
    done = run_cli("run", str(spec), "--method", "smote", "--output", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert SECRET not in done.stdout + done.stderr
    written = [path for path in out.rglob("*") if path.is_file()]
    assert any(p.suffix == ".parquet" for p in written) and len(written) >= 7
    # Prefect's own database too: it stores the flow run's parameters (the config)
    prefect = [path for path in (tmp_path / "prefect-home").rglob("*") if path.is_file()]
    leaks = [str(path) for path in written + prefect if SECRET.encode() in path.read_bytes()]
    assert leaks == []
    (version,) = (out / "d" / "versions").iterdir()
    manifest = _strict_json(version / "_manifest.json")
    assert isinstance(manifest, dict)
    assert manifest["input_path"] == "file://alice:***@localhost/data/toy.csv"
    for path in version.glob("*.json"):
        _strict_json(path)  # no bare NaN or Infinity in any JSON the run wrote
    # both splits share one schema: a plain reader of the folder keeps is_synthetic
    whole = pd.read_parquet(version)
    assert len(whole) == sum(manifest["row_counts"].values())
    flags = whole.groupby(whole["split"].astype(str))["is_synthetic"].agg(["sum", "size"])
    synthetic = {split: int(count) for split, count in flags["sum"].items()}
    assert synthetic["holdout"] == 0 and synthetic["train"] > 0
    assert flags["size"].to_dict() == manifest["row_counts"]


@pytest.mark.usefixtures("prefect_harness")
def test_a_failing_run_names_the_url_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("dataset: {name: d, path: x.csv, target: label}\n")
    url = f"memory://alice:{SECRET}@host/missing.csv"
    assert main(["run", str(spec), "--input", url, "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("rebalance: error:")]
    assert errors == [
        "rebalance: error: memory://alice:***@host/missing.csv: expected an existing file, "
        "found nothing at this path"
    ]
    assert SECRET not in err


def test_an_output_that_is_a_file_fails_at_once_and_writes_nothing(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "toy.csv", mixed_frame())
    spec = tmp_path / "s.yaml"
    spec.write_text(f"dataset: {{name: d, path: {data}, target: label}}\n")
    target = tmp_path / "taken"
    target.write_text("a file\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    done = run_cli("run", str(spec), "--method", "gan", "--output", str(target), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("rebalance: error:")]
    assert errors == [
        f"rebalance: error: output folder {target}: expected a folder (or nothing, to create "
        "one), found a file"
    ]
    assert "try-method" not in done.stderr and "Flow run" not in done.stderr  # no run began
    assert target.read_text() == "a file\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "prefect-home") == before


@pytest.mark.usefixtures("prefect_harness")
def test_the_flow_checks_the_output_folder_before_anything_is_fitted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fitted: list[str] = []
    monkeypatch.setattr(candidates, "fit_oversampler", lambda *a, **k: fitted.append("fit"))
    target = tmp_path / "taken"
    target.write_text("a file\n")
    data = write_csv(tmp_path / "toy.csv", mixed_frame())
    with pytest.raises(PublishError, match=r"output folder .*taken: expected a folder"):
        rebalance(make_config(data, target))  # deployments start here, not at the CLI
    assert fitted == [] and target.read_text() == "a file\n"


@pytest.mark.usefixtures("prefect_harness")
def test_classes_too_small_to_validate_are_refused_before_the_gan_trains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "tiny.csv"
    data.write_text("a,b,y\n1,2,p\n2,3,p\n3,4,q\n4,5,q\n")
    spec = tmp_path / "s.yaml"
    spec.write_text(f"dataset: {{name: d, path: {data}, target: y}}\n")
    out = tmp_path / "out"
    assert main(["run", str(spec), "--method", "gan", "--output", str(out)]) == 2
    errors = [x for x in capsys.readouterr().err.splitlines() if x.startswith("rebalance: error")]
    assert len(errors) == 1
    assert "balance.holdout_fraction 0.2 and validation.selection_fraction 0.25" in errors[0]
    assert "class 'p' (2 rows): 0 in the holdout, 0 in the selection split" in errors[0]
    assert "Found array with 0 sample(s)" not in errors[0]
    assert not (out / "d" / ".work").exists()  # no GAN checkpoint: nothing was fitted
    assert not (out / "d" / "versions").exists()


@pytest.mark.usefixtures("prefect_harness")
def test_io_tasks_retry_an_unreachable_input_but_never_a_full_disk(tmp_path: Path) -> None:
    calls = {"disk": 0, "network": 0}
    quick = {**IO_OPTIONS, "retry_delay_seconds": 0}

    @task(**quick)
    def write_to_full_disk() -> None:
        calls["disk"] += 1
        with storage_faults(tmp_path):
            raise OSError(errno.ENOSPC, "No space left on device")

    @task(**quick)
    def read_unreachable() -> None:
        calls["network"] += 1
        raise SourceUnreachableError("ftp://h/x.csv", "expected a reachable location")

    @flow
    def both() -> None:
        with pytest.raises(PublishError, match=rf"output folder {tmp_path}: .*no space left"):
            write_to_full_disk()
        with pytest.raises(SourceUnreachableError):
            read_unreachable()

    both()
    assert calls == {"disk": 1, "network": 1 + IO_OPTIONS["retries"]}
