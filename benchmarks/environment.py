"""What a benchmark ran on: the commit, Python, cores and the versions of the packages whose
numerics move the numbers. The same code gave other GAN and classifier scores after the
environment was rebuilt, so every table is printed with the line that says what it ran on."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "numpy", "pandas", "scipy", "scikit-learn", "imbalanced-learn", "torch", "pyarrow", "prefect",
)  # fmt: skip


def describe() -> dict[str, Any]:
    """The commit (with ``+changes`` when the checkout differs from it), Python, usable cores
    and each package's installed version."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return {
        "commit": _commit(),
        "python": platform.python_version(),
        "cores": _cores(),
        "packages": versions,
    }


def environment_line(environment: dict[str, Any]) -> str:
    """One line for the top of a table."""
    packages = " ".join(f"{name} {v}" for name, v in environment.get("packages", {}).items())
    return (
        f"ran on: commit {environment.get('commit', '?')}, Python {environment.get('python')}, "
        f"{environment.get('cores')} cores; {packages}"
    )


def differences(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """``name: a -> b`` for each package version, the commit, Python and the cores, where
    they differ between two runs."""
    changed = [
        f"{name}: {version} -> {second.get('packages', {}).get(name)}"
        for name, version in first.get("packages", {}).items()
        if second.get("packages", {}).get(name) != version
    ]
    for key in ("cores", "python", "commit"):  # the GAN's CPU scores depend on the threads
        if first.get(key) != second.get(key):
            changed.insert(0, f"{key}: {first.get(key)} -> {second.get(key)}")
    return changed


def _cores() -> int:
    """The cores this process may use (all of them where the system cannot say)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown (not a git checkout)"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")
