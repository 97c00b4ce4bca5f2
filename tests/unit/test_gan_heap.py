"""glibc's heap settings while a wide GAN trains: only where the command allowed them, only for
large step tensors, restored by the last fit to finish."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from rebalance.cli.main import set_process_defaults
from rebalance.gan import heap
from tests.support import fit_gan


class RecordingLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append(("mallopt", parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad, 0))
        return 1


def _settings(values: dict[int, int]) -> list[tuple[str, int, int]]:
    return [("mallopt", parameter, value) for parameter, value in values.items()]


KEPT, RESTORED = _settings(heap.KEPT), [*_settings(heap.AFTER), ("malloc_trim", 0, 0)]


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingLibc]:
    recording = RecordingLibc()
    monkeypatch.setattr(heap, "_glibc", lambda: recording)
    monkeypatch.setattr(heap._State, "allowed", False)
    monkeypatch.setattr(heap._State, "fits", 0)
    yield recording


def test_nothing_changes_unless_the_process_allowed_it(libc: RecordingLibc) -> None:
    with heap.kept_pages(1 << 30):
        pass
    assert libc.calls == []


def test_small_step_tensors_keep_glibcs_settings(libc: RecordingLibc) -> None:
    heap.allow_kept_pages()
    with heap.kept_pages(heap.WIDE_TENSOR_BYTES - 1):
        pass
    assert libc.calls == []


def test_large_step_tensors_keep_pages_and_the_settings_come_back(libc: RecordingLibc) -> None:
    heap.allow_kept_pages()
    with pytest.raises(RuntimeError), heap.kept_pages(heap.WIDE_TENSOR_BYTES):
        assert libc.calls == KEPT
        raise RuntimeError("a failed fit restores them too")
    assert libc.calls == KEPT + RESTORED


def test_overlapping_fits_restore_once_when_the_last_one_ends(libc: RecordingLibc) -> None:
    heap.allow_kept_pages()
    first, second = heap.kept_pages(1 << 30), heap.kept_pages(1 << 30)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert libc.calls == KEPT  # the second fit still trains
    second.__exit__(None, None, None)
    assert libc.calls == KEPT + RESTORED


def test_a_cpu_fit_asks_with_its_largest_weight(
    libc: RecordingLibc, monkeypatch: pytest.MonkeyPatch
) -> None:
    heap.allow_kept_pages()
    fit_gan(epochs=1)  # the tiny test networks: far below the wide-table size
    assert libc.calls == []
    monkeypatch.setattr(heap, "WIDE_TENSOR_BYTES", 1)
    fit_gan(epochs=1)
    assert libc.calls == KEPT + RESTORED


def test_the_command_allows_it_unless_the_user_set_mallocs_own(
    monkeypatch: pytest.MonkeyPatch, libc: RecordingLibc
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    monkeypatch.setattr(os, "environ", environment)  # the command's defaults land here
    set_process_defaults()
    assert heap._State.allowed
    monkeypatch.setattr(heap._State, "allowed", False)
    environment["MALLOC_ARENA_MAX"] = "2"
    set_process_defaults()
    assert not heap._State.allowed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_the_real_c_library_takes_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    if heap._glibc() is None:
        pytest.skip("this Linux runs another C library than glibc")
    monkeypatch.setattr(heap._State, "allowed", True)
    monkeypatch.setattr(heap._State, "fits", 0)
    with heap.kept_pages(1 << 30):
        block = bytearray(16 << 20)  # served from the heap while the pages are kept
        del block
    assert heap._State.fits == 0
