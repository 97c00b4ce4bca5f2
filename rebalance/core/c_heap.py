"""The C heap under the process (glibc's malloc): a handle to it, and handing its free pages
back to the system when a task ends.

numpy, pandas and scikit-learn allocate through malloc. glibc gives each thread that allocates
its own arena, and once a large block has been freed it serves blocks of up to 32 MiB from those
arenas (its dynamic mmap threshold). A task that makes and drops many such blocks (SMOTE's
batches, the GAN's sampling chunks, a validation's samples) leaves its thread's arena holding
the freed memory: it stays resident, and the other tasks' threads cannot reuse it. In a
10,000,000-row run that was 1.0-1.8 GiB held free (RESULTS.md). ``malloc_trim(0)`` hands every
whole free page of every arena back; the blocks stay allocated.

A wide GAN fit keeps its heap pages on purpose (``gan/heap.py``): while it does, trims wait
(``trims_held``), since a trim would hand its step's pages back and fault them in again.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache


class _Holds:
    count = 0  # blocks inside trims_held() now
    lock = threading.Lock()


@cache
def glibc() -> ctypes.CDLL | None:
    """The C library this process runs on, if it is glibc (None on musl, macOS, Windows)."""
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
    except (ValueError, OSError, AttributeError):  # no such name on this system
        return None
    libc = ctypes.CDLL(None)
    libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    libc.malloc_trim.argtypes, libc.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    return libc


def return_free_pages() -> None:
    """Hand the heap's free pages back to the system (nothing where the C library is not
    glibc, or while a block keeps its pages). Safe while other threads allocate: glibc locks
    one arena at a time."""
    libc = glibc()
    if libc is None or _Holds.count:
        return
    libc.malloc_trim(0)


@contextmanager
def free_pages_returned() -> Iterator[None]:
    """Run a block, then return the heap's free pages, whether the block ended or raised.
    What a function called inside the block made is freed by then if it returned; when it
    raised, its frames live on in the traceback until the error is handled, so a failed task
    hands back less."""
    try:
        yield
    finally:
        return_free_pages()


@contextmanager
def trims_held() -> Iterator[None]:
    """No trim while this block runs (nested and concurrent blocks count)."""
    with _Holds.lock:
        _Holds.count += 1
    try:
        yield
    finally:
        with _Holds.lock:
            _Holds.count -= 1
