"""The output folder: checked before any work is done, and its permanent faults named.

A run writes its output only at the end, after training. So that a folder that cannot take it
(a file in its place, a read-only file system, no permission, a full disk) fails the run at once
instead of after the training, :func:`check_output_root` probes it first. Faults that will not
pass by themselves are never retried (``rebalance.tasks.retry``) and surface as one line naming
the folder (:func:`storage_faults`).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeGuard

from rebalance.core.errors import PublishError

# What each permanent fault means for the folder; retrying changes none of them.
PERMANENT_ERRNOS = {
    errno.EROFS: "a read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota exceeded",
    errno.EACCES: "no permission to write",
    errno.EPERM: "no permission to write",
    errno.ENOTDIR: "a file where a folder is needed",
    errno.EISDIR: "a folder where a file is needed",
}
# A rough bound of the output: balancing can about double the rows, and the holdout, report
# and GAN checkpoints come on top (Parquet is usually smaller than the CSV read).
SPACE_FACTOR = 3
MIN_FREE_BYTES = 16 << 20


def is_permanent_fault(exc: BaseException | None) -> TypeGuard[OSError]:
    return isinstance(exc, OSError) and exc.errno in PERMANENT_ERRNOS


def fault_error(exc: OSError, folder: str | Path) -> PublishError:
    """One line naming ``folder`` for a permanent storage fault."""
    found = PERMANENT_ERRNOS.get(exc.errno or 0, exc.strerror or str(exc))
    where = f" at {exc.filename}" if exc.filename else ""
    return PublishError(
        f"output folder {folder}: expected a writable folder with free space, found {found}"
        f"{where} (errno {errno.errorcode.get(exc.errno or 0, exc.errno)})"
    )


@contextmanager
def storage_faults(folder: str | Path) -> Iterator[None]:
    """Permanent storage faults inside the block become one :class:`PublishError` line naming
    ``folder``; other OSErrors propagate unchanged (they may pass: the task retries them)."""
    try:
        yield
    except OSError as exc:
        if not is_permanent_fault(exc):
            raise
        raise fault_error(exc, folder) from None


def check_output_root(root: str | Path, dataset: str, input_bytes: int) -> None:
    """Fail now, with one line, when the output cannot be written under ``root``: it (or the
    dataset's folder in it) is a file, it cannot be created, it is not writable, or its disk
    has less free space than about ``SPACE_FACTOR`` times the input. Writes nothing that stays."""
    base = Path(root).absolute()
    home = base / dataset
    for folder in (base, home):
        if folder.exists() and not folder.is_dir():
            raise PublishError(
                f"output folder {folder}: expected a folder (or nothing, to create one), "
                "found a file"
            )
    existing = _nearest_existing(home)
    if not existing.is_dir():
        raise PublishError(
            f"output folder {base}: expected a folder that exists or can be created, found a "
            f"file at {existing}"
        )
    _probe_write(existing, base)
    free = shutil.disk_usage(existing).free
    needed = max(SPACE_FACTOR * input_bytes, MIN_FREE_BYTES)
    if free < needed:
        why = "the least any run needs"
        if needed > MIN_FREE_BYTES:
            why = f"{SPACE_FACTOR}x the input's {_mib(input_bytes)}"
        raise PublishError(
            f"output folder {base}: expected at least {_mib(needed)} free ({why}), found "
            f"{_mib(free)} free"
        )


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _probe_write(folder: Path, root: Path) -> None:
    """Create and delete a temporary file in ``folder``: the only sure test of writability
    (permissions, read-only mounts and quotas all show here)."""
    try:
        handle, name = tempfile.mkstemp(prefix=".rebalance-probe-", dir=folder)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        if is_permanent_fault(exc):  # named without the probe's throwaway file name
            raise fault_error(OSError(exc.errno, exc.strerror), root) from None
        raise PublishError(
            f"output folder {root}: expected a writable folder, found {exc.strerror or exc}"
        ) from None


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"
