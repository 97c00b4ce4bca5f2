"""Handing the C heap's free pages back when a task ends (``rebalance.core.c_heap``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rebalance.core import c_heap


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


# In a child process: a worker thread leaves 1 MiB blocks freed between live ones in its arena
# (the way a task's batches do once glibc's threshold has risen past them); they stay resident
# until the pages are returned.
HOLES = """
import threading
import numpy as np
from rebalance.core import c_heap

def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20

kept = []
def work():
    big = np.ones(16 << 20, dtype=np.uint8); del big  # raises glibc's mmap threshold
    blocks = [np.ones(1 << 20, dtype=np.uint8) for _ in range(400)]
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
    done = subprocess.run([sys.executable, "-c", HOLES], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    if done.stdout.strip() == "skip":
        pytest.skip("the C library is not glibc")
    assert float(done.stdout) > 200  # of the ~380 MiB freed between the live blocks
