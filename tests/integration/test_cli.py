"""The console command, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rebalance.cli import main
from tests.support import EXAMPLE_SPECS, shared_file

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
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


def test_help_explains_each_command_and_option(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["run", "--help"], ["profile", "--help"], ["demo", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
    text = capsys.readouterr().out
    for fragment in (
        "run",
        "profile",
        "demo",
        "--sampling-strategy",
        "--output",
        "--input",
        "--method",
        "holdout",
    ):
        assert fragment in text


def test_a_bad_spec_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("dataset: {name: d, path: x.csv}\n")
    assert main(["profile", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "dataset.target" in err and "Traceback" not in err


def test_profile_prints_the_class_table(capsys: pytest.CaptureFixture[str]) -> None:
    shared_file("mammography.csv")
    assert main(["profile", str(EXAMPLE_SPECS / "mammography.yaml")]) == 0
    out = capsys.readouterr().out
    assert "| -1 | 10923 | 97.67% |" in out and "| 1 | 260 | 2.33% |" in out
    assert "continuous (inferred)" in out


@pytest.mark.integration
def test_demo_runs_auto_and_publishes_what_the_gate_chose(tmp_path: Path) -> None:
    done = run_cli("demo", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "digits-8-vs-rest-demo: version" in done.stdout
    assert "  8                             139" in done.stdout
    gate = next(line for line in done.stdout.splitlines() if line.startswith("  gate: "))
    assert gate.startswith(("  gate: publish ", "  gate: publish_real_only "))
    (version,) = (tmp_path / "out" / "digits-8-vs-rest-demo" / "versions").iterdir()
    assert (version / "_report.html").is_file() and (version / "_validation.json").is_file()
    for method in ("gan", "smote", "random", "none"):  # auto tried all four
        assert f"{method}: selection minority F1" in done.stdout + done.stderr
    # the gate's line for what it published, and the gain measured once on the holdout
    why = next(line for line in done.stdout.splitlines() if line.startswith("  why: "))
    published = gate.split("method ")[-1].split(")")[0] if "method " in gate else "none"
    assert why.startswith(f"  why: {published}: published")
    assert "  holdout minority F1: published " in done.stdout
    # the command's own API server outlived the logs and events Prefect had queued for it
    assert "Error logging to API" not in done.stdout + done.stderr


@pytest.mark.integration
def test_run_failure_is_one_clear_line_without_traceback(tmp_path: Path) -> None:
    data = tmp_path / "one-class.csv"
    data.write_text("a,y\n1,p\n2,p\n3,p\n")
    spec = tmp_path / "s.yaml"
    spec.write_text(f"dataset: {{name: d, path: {data}, target: y}}\n")
    done = run_cli("run", str(spec), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("rebalance: error:")]
    assert len(errors) == 1 and "at least 2 classes in target column 'y'" in errors[0]
    # Prefect's task and flow lines no longer repeat it (they did three times)
    assert done.stderr.count("at least 2 classes in target column 'y'") == 1
    assert not (tmp_path / "out" / "d" / "versions").exists()


@pytest.mark.integration
def test_a_run_the_gate_refuses_is_one_line_and_publishes_nothing(tmp_path: Path) -> None:
    rng = __import__("numpy").random.default_rng(0)
    rows = ["x,z,y"] + [
        f"{rng.normal():.4f},{rng.normal():.4f},{'p' if i < 60 else 'q'}" for i in range(300)
    ]
    data = tmp_path / "two.csv"
    data.write_text("\n".join(rows) + "\n")
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"dataset: {{name: d, path: {data}, target: y}}\n"
        "balance: {method: smote}\n"
        # no synthetic sample matches a real one column by column: the gate must refuse
        "validation: {thresholds: {calibrate: false, min_ks_complement: 1.0}}\n"
    )
    done = run_cli("run", str(spec), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("rebalance: error")]
    assert len(errors) == 1 and "failed the publishing gate" in errors[0]
    assert "ks_complement[p]" in errors[0]
    assert done.stderr.count("failed the publishing gate") == 1
    home = tmp_path / "out" / "d"
    assert not (home / "versions").exists()
    assert list((home / "refused").glob("*/_report.html"))
    # a refused run reports its stage times too: on stdout and in its validation record
    (timing,) = [line for line in done.stdout.splitlines() if "seconds per stage" in line]
    assert timing.startswith("d: nothing published; seconds per stage: ingest ")
    assert "fit:smote " in timing and "validate " in timing
    (record,) = (home / "refused").glob("*/_validation.json")
    seconds = json.loads(record.read_text(encoding="utf-8"))["seconds_per_stage"]
    assert {"ingest", "fit:smote", "validate"} <= set(seconds)
