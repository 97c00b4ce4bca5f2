"""glibc's heap settings while a wide GAN trains: only inside a block that allowed them, only
for large step tensors, set to glibc's initial values by the last fit to finish."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from rebalance.cli.runs import _heap_pages_kept_for_wide_fits
from rebalance.core import c_heap
from rebalance.gan import heap
from tests.support import fit_gan

MIB = 1 << 20


class RecordingLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append(("mallopt", parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad, 0))
        return 1


# mallopt(M_MMAP_THRESHOLD = -3, ...), M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2 (malloc.h)
KEPT = [("mallopt", -3, 32 * MIB), ("mallopt", -1, 128 * MIB), ("mallopt", -2, 64 * MIB)]
RESTORED = [("mallopt", -3, 128 << 10), ("mallopt", -1, 128 << 10), ("mallopt", -2, 128 << 10)]
RESTORED.append(("malloc_trim", 0, 0))


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingLibc]:
    recording = RecordingLibc()
    monkeypatch.setattr(heap, "glibc", lambda: recording)
    monkeypatch.setattr(heap._State, "allowed", False)
    monkeypatch.setattr(heap._State, "fits", 0)
    yield recording


def test_nothing_changes_outside_an_allowing_block(libc: RecordingLibc) -> None:
    with heap.kept_pages_allowed():
        pass
    with heap.kept_pages(1 << 30):
        pass
    assert libc.calls == []


def test_small_step_tensors_keep_glibcs_settings(libc: RecordingLibc) -> None:
    with heap.kept_pages_allowed(), heap.kept_pages(heap.WIDE_TENSOR_BYTES - 1):
        pass
    assert libc.calls == []


def test_large_step_tensors_keep_pages_and_the_settings_come_back(libc: RecordingLibc) -> None:
    with heap.kept_pages_allowed(), pytest.raises(RuntimeError), heap.kept_pages(4 * MIB):
        assert libc.calls == KEPT
        raise RuntimeError("a failed fit restores them too")
    assert libc.calls == KEPT + RESTORED


def test_overlapping_fits_restore_once_when_the_last_one_ends(libc: RecordingLibc) -> None:
    allowed = heap.kept_pages_allowed()
    allowed.__enter__()
    first, second = heap.kept_pages(1 << 30), heap.kept_pages(1 << 30)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert libc.calls == KEPT  # the second fit still trains
    second.__exit__(None, None, None)
    assert libc.calls == KEPT + RESTORED
    allowed.__exit__(None, None, None)


def test_a_cpu_fit_asks_with_its_largest_weight(
    libc: RecordingLibc, monkeypatch: pytest.MonkeyPatch
) -> None:
    with heap.kept_pages_allowed():
        fit_gan(epochs=1)  # the tiny test networks: far below the wide-table size
        assert libc.calls == []
        monkeypatch.setattr(heap, "WIDE_TENSOR_BYTES", 1)
        fit_gan(epochs=1)
    assert libc.calls == KEPT + RESTORED


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        (None, None, True),
        ("MALLOC_ARENA_MAX", "2", False),
        ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1000000", False),
        ("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX2", True),
    ],
)
def test_one_run_of_the_command_allows_it_unless_the_user_tunes_malloc(
    monkeypatch: pytest.MonkeyPatch,
    libc: RecordingLibc,
    variable: str | None,
    value: str | None,
    allowed: bool,
) -> None:
    for name in [name for name in os.environ if name.startswith("MALLOC_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    if variable is not None and value is not None:
        monkeypatch.setenv(variable, value)
    with _heap_pages_kept_for_wide_fits():
        assert heap._State.allowed is allowed
    assert heap._State.allowed is False  # not past the run


def test_the_real_c_library_takes_every_setting() -> None:
    """In a child process: these settings stay for the life of the process that makes them."""
    check = (
        "from rebalance.gan import heap\n"
        "libc = heap.glibc()\n"
        "if libc is None: raise SystemExit(0)\n"
        "for values in (heap.KEPT, heap.INITIAL):\n"
        "    assert all(libc.mallopt(p, v) == 1 for p, v in values.items()), values\n"
        "libc.malloc_trim(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_tasks_ending_beside_a_wide_fit_do_not_trim(
    libc: RecordingLibc, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(c_heap, "glibc", lambda: libc)
    with heap.kept_pages_allowed(), heap.kept_pages(heap.WIDE_TENSOR_BYTES):
        c_heap.return_free_pages()  # a candidate task ending while the fit trains
        assert libc.calls == KEPT
    c_heap.return_free_pages()
    assert libc.calls == [*KEPT, *RESTORED, ("malloc_trim", 0, 0)]
