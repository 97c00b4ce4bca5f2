"""Handing the C heap's free pages back when a task ends (``rebalance.core.c_heap``)."""

from __future__ import annotations

import os
import subprocess
import sys
import weakref
from typing import Any

import pytest

from rebalance.core import c_heap
from rebalance.core.config import BalanceConfig
from rebalance.core.input_spec import DatasetSpec
from rebalance.core.plan import make_plan
from rebalance.core.profile import class_counts
from rebalance.tasks import candidates
from tests.support import MIXED_TYPES, mixed_frame


class RecordingLibc:
    def __init__(self) -> None:
        self.trims: list[int] = []

    def malloc_trim(self, pad: int) -> int:
        self.trims.append(pad)
        return 1


def test_pages_are_returned_after_the_block_and_after_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    libc = RecordingLibc()
    monkeypatch.setattr(c_heap, "glibc", lambda: libc)
    with c_heap.free_pages_returned():
        assert libc.trims == []
    with pytest.raises(ValueError), c_heap.free_pages_returned():
        raise ValueError("a failed task")
    assert libc.trims == [0, 0]


def test_nothing_is_called_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(c_heap, "glibc", lambda: None)
    with c_heap.free_pages_returned():
        pass  # no C library to call: nothing raises


def test_no_trim_while_a_block_holds_them(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = RecordingLibc()
    monkeypatch.setattr(c_heap, "glibc", lambda: libc)
    with c_heap.trims_held():
        with c_heap.trims_held():
            c_heap.return_free_pages()
        c_heap.return_free_pages()
    assert libc.trims == []
    c_heap.return_free_pages()
    assert libc.trims == [0]


def test_a_candidate_task_trims_after_its_sampler_is_freed(monkeypatch: pytest.MonkeyPatch) -> None:
    fitted: list[weakref.ref[Any]] = []
    fit = candidates._fit

    def fit_and_watch(*args: Any, **kwargs: Any) -> Any:
        sampler = fit(*args, **kwargs)
        fitted.append(weakref.ref(sampler))
        return sampler

    alive_at_trim: list[bool] = []

    class WatchingLibc:
        def malloc_trim(self, pad: int) -> int:
            alive_at_trim.append(fitted[0]() is not None)
            return 1

    monkeypatch.setattr(candidates, "_fit", fit_and_watch)
    monkeypatch.setattr(c_heap, "glibc", lambda: WatchingLibc())
    frame = mixed_frame()
    balance = BalanceConfig(method="random", seed=0)
    plan = make_plan(class_counts(frame["label"]), balance)
    spec = DatasetSpec(name="toy", path="toy.csv", target="label")
    attempt = candidates.try_method.fn(frame, MIXED_TYPES, spec, balance, plan)
    assert attempt.synthetic is not None and len(attempt.synthetic) == plan.to_generate["yes"]
    assert alive_at_trim == [False]


# In a child process: a worker thread leaves 1 MiB blocks freed between live ones in its arena
# (the way a task's batches do once glibc's threshold has risen past them); they stay resident
# until the pages are returned.
HOLES = """
import os
import threading
import numpy as np
from rebalance.core import c_heap

def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

kept = []
def work():
    big = np.ones(16 << 20, dtype=np.uint8); del big  # raises glibc's mmap threshold
    blocks = [np.ones(1 << 20, dtype=np.uint8) for _ in range(200)]
    kept.extend(blocks[::20])  # one live block every 20 MiB: the holes cannot be trimmed away
    del blocks

if c_heap.glibc() is None:
    print("skip")
else:
    thread = threading.Thread(target=work); thread.start(); thread.join()
    before = resident_mib()
    c_heap.return_free_pages()
    print(before - resident_mib())
"""


def test_freed_blocks_between_live_ones_stop_being_resident() -> None:
    if os.environ.get("LD_PRELOAD"):
        pytest.skip("another allocator may be preloaded")
    # glibc's own settings: a tuned threshold would keep the blocks out of the arenas
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    done = subprocess.run([sys.executable, "-c", HOLES], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    if done.stdout.strip() == "skip":
        pytest.skip("the C library is not glibc")
    assert float(done.stdout) > 100  # of the ~190 MiB freed between the live blocks
