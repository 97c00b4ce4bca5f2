"""The command's process start-up: allocator limits, and Prefect's API server started beside
the run's imports."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rebalance.cli import startup
from rebalance.cli.runs import libraries_for
from rebalance.core.config import RebalanceConfig

# freeing and allocating blocks of 12 MB in turn, as a wide table's training steps do
FAULTS_PROBE = """
import resource, sys
import numpy as np
if sys.argv[1] == "tuned":
    from rebalance.cli.startup import tune_allocator
    tune_allocator()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    parts = [np.ones(1_500_000) for _ in range(4)]
    total = sum(parts)
    del parts, total
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (ValueError, OSError, AttributeError):
        return False


def _page_faults(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run(
        [sys.executable, "-c", FAULTS_PROBE, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not _glibc(), reason="the allocator limits are glibc's")
def test_tuned_allocator_reuses_freed_blocks_instead_of_faulting_in_fresh_pages() -> None:
    plain, tuned = _page_faults("plain"), _page_faults("tuned")
    assert tuned * 10 < plain, (tuned, plain)


@pytest.mark.skipif(not _glibc(), reason="the allocator limits are glibc's")
def test_tune_allocator_passes_its_limits_to_child_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    startup.tune_allocator()
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(32 << 20)
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == str(128 << 20)


def test_tune_allocator_leaves_the_users_own_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    startup.tune_allocator()
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "1000"
    assert "MALLOC_MMAP_THRESHOLD_" not in os.environ


def test_no_server_is_started_when_an_api_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert startup._start_local_api() is None
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    startup.start_beside_imports(["colorsys", "no_such_module_here"])  # a missing one: skipped
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
