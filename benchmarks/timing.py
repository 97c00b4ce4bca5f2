"""Timing shared by both sides of ``gan_vs_ctgan.py``; standard library only, because
``ctgan_side.py`` imports it from ctgan's own environment."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(times: int, run: Callable[[], object]) -> float:
    """Fastest of several runs, in seconds."""
    seconds = []
    for _ in range(times):
        began = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - began)
    return min(seconds)
