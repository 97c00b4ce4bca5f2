"""The built wheel, installed the way a user installs it, next to a user's own Prefect project.

The wheel must install exactly one import package, ``rebalance``: the repository's top-level
``flows/``, ``tasks/``, ``gan/``, ``data_contracts/`` and ``deployments/`` folders go beneath it,
so a user's own ``flows`` and ``tasks`` packages (Prefect's usual project layout) neither shadow
nor are shadowed by ours.

The wheel is installed (not editable) into a fresh virtual environment. Installing every
dependency there would take minutes, so the fresh environment sees the test environment's
already-installed dependencies through a ``.pth`` file naming that site-packages folder. The
``.pth`` files *inside* a folder added that way are not executed, so the test environment's
editable ``rebalance`` finder stays out; the tests check that it does.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
# The ephemeral Prefect API alone takes 20-60 s to start on a busy 2-core machine.
STEP_TIMEOUT = 300
RUN_TIMEOUT = 900

REQUIRED_FILES = (
    "rebalance/gan/model.py",
    "rebalance/flows/rebalance_flow.py",
    "rebalance/tasks/stages.py",
    "rebalance/data_contracts/input_contract.py",
    "rebalance/deployments/serve.py",
    "rebalance/core/config.py",
)
SAMPLERS = {"gan", "smote", "random"}
# Top-level names the repository's folders had before they moved under `rebalance`; nothing
# installed may import them any more (the user's own `flows` and `tasks` are checked apart).
OLD_TOP_LEVEL = {"gan", "data_contracts", "deployments"}

# Paths the build must not see: the checkout's environments, caches and outputs.
_IGNORED_AT_ROOT = {
    ".git",
    ".venv",
    "build",
    "dist",
    "out",
    "rebalance-output",
    ".whl",
    ".gl",
    ".bench-ctgan",
}
_IGNORED_ANYWHERE = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")

# pip's words for "the package registry could not be reached" (no fault of the project).
_OFFLINE_SIGNS = (
    "No matching distribution found for setuptools",
    "Could not find a version that satisfies the requirement setuptools",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def _run(
    command: list[str], *, timeout: int = STEP_TIMEOUT, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)


def _output(done: subprocess.CompletedProcess[str], limit: int = 4000) -> str:
    return (
        f"exit {done.returncode}\n--- stdout\n{done.stdout[-limit:]}\n"
        f"--- stderr\n{done.stderr[-limit:]}"
    )


def _copy_source(destination: Path) -> Path:
    """The checkout without its environments, caches and build outputs.

    Building in place would write ``build/`` and ``*.egg-info`` into a working tree others
    use, and setuptools reuses a stale ``build/lib``, which can carry modules that were moved
    or deleted since into the wheel. A copy builds from exactly what the tree holds now.
    """

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in _IGNORED_ANYWHERE or n.endswith(".egg-info")}
        if Path(folder) == REPO:
            skipped |= _IGNORED_AT_ROOT & set(names)
        return skipped

    shutil.copytree(REPO, destination, ignore=ignore)
    return destination


def _installed_version(name: str) -> tuple[int, ...] | None:
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
    parts = []
    for part in version.split(".")[:2]:
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def _setuptools_can_build() -> bool:
    """Whether this environment can build without isolation: the build requirement
    ``setuptools>=69``, and its ``bdist_wheel`` (built in from 70.1, else the ``wheel``
    package)."""
    setuptools = _installed_version("setuptools")
    if setuptools is None or setuptools < (69,):
        return False
    return setuptools >= (70, 1) or _installed_version("wheel") is not None


def _build_wheel(out_dir: Path) -> Path:
    source = _copy_source(out_dir / "source")
    wheel_dir = out_dir / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheel_dir)]
    isolated = not _setuptools_can_build()
    if not isolated:
        command.append("--no-build-isolation")
    done = _run([*command, str(source)])
    if done.returncode != 0:
        text = done.stdout + done.stderr
        if isolated and any(sign in text for sign in _OFFLINE_SIGNS):
            pytest.skip(
                "cannot build the wheel: setuptools>=69 is not installed in this environment "
                "and pip could not fetch it for an isolated build (offline?)"
            )
        pytest.fail(f"building the wheel failed:\n{_output(done)}")
    (wheel,) = wheel_dir.glob("rebalance_tabular-*.whl")
    return wheel


@dataclass(frozen=True)
class Installed:
    venv: Path
    python: Path
    purelib: Path  # the fresh environment's site-packages
    deps: Path  # the test environment's site-packages, seen through a .pth file


def _make_venv(venv: Path) -> None:
    """A fresh environment on the test environment's base interpreter, with pip if possible."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    done = _run([base, "-m", "venv", str(venv)])
    if done.returncode == 0:
        return
    # No ensurepip (e.g. Debian without python3-venv): an environment without pip, into
    # which the test environment's pip installs with --python.
    shutil.rmtree(venv, ignore_errors=True)
    bare = _run([base, "-m", "venv", "--without-pip", str(venv)])
    assert bare.returncode == 0, f"python -m venv failed:\n{_output(done)}\n{_output(bare)}"


def _install(wheel: Path, venv: Path) -> Installed:
    _make_venv(venv)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip"]
    if not (venv / "bin" / "pip").exists():
        pip = [sys.executable, "-m", "pip", "--python", str(python)]
    # Installed before the .pth exists, so pip never sees the test environment's own
    # rebalance-tabular (which it would try to uninstall).
    done = _run([*pip, "install", "--no-deps", "--no-index", "--no-cache-dir", str(wheel)])
    assert done.returncode == 0, f"pip install of the wheel failed:\n{_output(done)}"

    probe = "import json, sysconfig; print(json.dumps(sysconfig.get_paths()['purelib']))"
    done = _run([str(python), "-c", probe])
    assert done.returncode == 0, _output(done)
    purelib = Path(json.loads(done.stdout.strip().splitlines()[-1]))
    deps = Path(sysconfig.get_paths()["purelib"])
    (purelib / "_rebalance_test_dependencies.pth").write_text(f"{deps}\n")
    return Installed(venv=venv, python=python, purelib=purelib, deps=deps)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("wheel-build"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return _install(wheel, tmp_path_factory.mktemp("fresh") / "venv")


USER_TASKS = '''\
"""A user's own tasks package, as in Prefect's usual project layout."""

from prefect import task


@task
def greet() -> str:
    return "hello from the user's tasks"
'''

USER_FLOW = '''\
"""A user's own flow, importing the user's own tasks package."""

from prefect import flow

from tasks import greet


@flow
def my_flow() -> str:
    return greet()
'''


@pytest.fixture
def user_project(tmp_path: Path) -> Path:
    project = tmp_path / "user-project"
    (project / "flows").mkdir(parents=True)
    (project / "tasks").mkdir()
    (project / "flows" / "__init__.py").write_text("")
    (project / "flows" / "my_flow.py").write_text(USER_FLOW)
    (project / "tasks" / "__init__.py").write_text(USER_TASKS)
    return project


def _user_env(installed: Installed, prefect_home: Path) -> dict[str, str]:
    """The environment of a user working in the fresh virtual environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "PREFECT_API_URL", "PREFECT_PROFILES_PATH"}
    }
    env.update(
        VIRTUAL_ENV=str(installed.venv),
        PATH=f"{installed.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return env


def _is_within(path: str | Path | None, folder: Path) -> bool:
    return path is not None and Path(path).resolve().is_relative_to(folder.resolve())


def test_the_wheel_holds_one_import_package_and_declares_its_entry_points(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (dist_info,) = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
        top_level = archive.read(f"{dist_info}/top_level.txt").decode().split()

    outside = [n for n in names if not n.startswith((f"{dist_info}/", "rebalance/"))]
    assert not outside, f"entries outside rebalance/: {outside}"
    assert top_level == ["rebalance"]
    missing = [f for f in REQUIRED_FILES if f not in names]
    assert not missing, f"missing from the wheel: {missing}"

    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string(entry_points)
    assert dict(parser["console_scripts"]) == {"rebalance": "rebalance.cli:command"}
    samplers = dict(parser["rebalance.samplers"])
    assert set(samplers) == SAMPLERS
    for name, target in samplers.items():  # each names a module that the wheel holds
        module = target.split(":")[0]
        assert f"{module.replace('.', '/')}.py" in names, f"{name} = {target}: no such module"


PROBE = """\
import json, sys
import flows.my_flow
import tasks
import rebalance.data_contracts.input_contract
import rebalance.deployments.serve
import rebalance.flows.rebalance_flow
import rebalance.gan.model
import rebalance.tasks.stages
import prefect

print(json.dumps({
    "user_flow": flows.my_flow.__file__,
    "user_tasks": tasks.__file__,
    "user_greeting": flows.my_flow.greet.fn(),
    "rebalance_flow": rebalance.flows.rebalance_flow.__file__,
    "prefect": prefect.__file__,
    "modules": {
        name: file if isinstance(file := getattr(module, "__file__", None), str) else None
        for name, module in list(sys.modules.items())
    },
    "meta_path": [repr(finder) for finder in sys.meta_path],
    "path": sys.path,
}))
"""


def test_user_flows_and_rebalance_flows_import_side_by_side(
    installed: Installed, user_project: Path, tmp_path: Path
) -> None:
    done = _run(
        [str(installed.python), "-c", PROBE],
        cwd=user_project,
        env=_user_env(installed, tmp_path / "prefect-home"),
    )
    assert done.returncode == 0, _output(done)
    found = json.loads(done.stdout.strip().splitlines()[-1])

    assert Path(found["user_flow"]) == user_project / "flows" / "my_flow.py"
    assert Path(found["user_tasks"]) == user_project / "tasks" / "__init__.py"
    assert found["user_greeting"] == "hello from the user's tasks"
    installed_flow = installed.purelib / "rebalance" / "flows" / "rebalance_flow.py"
    assert Path(found["rebalance_flow"]).resolve() == installed_flow.resolve()

    modules: dict[str, str | None] = found["modules"]
    # Every rebalance module from the installed wheel, none from the checkout or editable copy.
    stray = {
        name: file
        for name, file in modules.items()
        if name.split(".")[0] == "rebalance"
        and not _is_within(file, installed.purelib / "rebalance")
    }
    assert not stray, f"rebalance modules not from the installed wheel: {stray}"
    # The user's `flows` and `tasks` are the user's; the old top-level names are gone.
    for name, file in modules.items():
        top = name.split(".")[0]
        if top in {"flows", "tasks"}:
            assert _is_within(file, user_project), f"{name} from {file}"
        assert top not in OLD_TOP_LEVEL, f"{name} imported from {file}"
    # The dependencies come from the test environment, through the .pth file, and that
    # folder's own .pth files (the editable finder of the checkout) were not executed.
    assert _is_within(found["prefect"], installed.deps)
    assert str(installed.deps) in found["path"]
    assert str(REPO) not in found["path"]
    assert not [name for name in modules if "__editable__" in name]
    assert not [finder for finder in found["meta_path"] if "editable" in finder.lower()]


def _imbalanced_csv(path: Path, rows: int = 300) -> Path:
    rng = np.random.default_rng(7)
    label = np.where(rng.random(rows) < 0.15, "yes", "no")
    frame = pd.DataFrame(
        {
            "amount": np.round(rng.normal(100.0, 20.0, rows) + (label == "yes") * 25.0, 2),
            "age": rng.integers(18, 80, rows),
            "channel": rng.choice(["web", "store", "phone"], rows),
            "label": label,
        }
    )
    frame.to_csv(path, index=False)
    return path


SPEC = """\
dataset:
  name: wheel-check
  path: data.csv             # relative to this file
  target: label
  columns: {age: integer, label: categorical}
balance:
  method: smote              # --method random overrides it
  seed: 0
validation:
  enabled: false
"""


def test_the_installed_console_script_runs_a_flow_from_a_user_project(
    installed: Installed, user_project: Path, tmp_path: Path
) -> None:
    _imbalanced_csv(user_project / "data.csv")
    (user_project / "spec.yaml").write_text(SPEC)
    output = tmp_path / "published"
    script = installed.venv / "bin" / "rebalance"
    assert script.is_file()

    done = _run(
        [str(script), "run", "spec.yaml", "--method", "random", "--output", str(output)],
        cwd=user_project,
        env=_user_env(installed, tmp_path / "prefect-home"),
        timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, _output(done)
    assert "wheel-check: version" in done.stdout
    (version,) = (output / "wheel-check" / "versions").iterdir()
    train = version / "split=train" / "part-0.parquet"
    assert train.is_file()
    counts = pd.read_parquet(train)["label"].value_counts()
    assert counts["yes"] == counts["no"]  # random oversampling up to the majority
