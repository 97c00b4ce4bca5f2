"""Wall time per pipeline stage, summed when a stage runs more than once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

VALIDATION_FILE = "_validation.json"


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed

    def rounded(self) -> dict[str, float]:
        return {name: round(value, 2) for name, value in self.seconds.items()}


def describe_seconds(seconds: dict[str, float]) -> str:
    """``ingest 0.11 s, fit:smote 0.06 s, ...``: one line for the terminal."""
    return ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items())


def with_seconds(side_files: dict[str, Any], seconds: dict[str, float]) -> dict[str, Any]:
    """The side files with ``seconds_per_stage`` in the validation record (a refused run keeps
    no manifest, so its record is where its stage times are kept)."""
    record = side_files.get(VALIDATION_FILE)
    if not isinstance(record, dict):
        return side_files
    return {**side_files, VALIDATION_FILE: {**record, "seconds_per_stage": seconds}}
