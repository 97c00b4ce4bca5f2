"""The output folder is checked before any work, and permanent storage faults are one line
naming the folder, never retried."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from rebalance.core import storage
from rebalance.core.errors import PublishError, SourceUnreachableError
from rebalance.core.storage import check_output_root
from rebalance.tasks.retry import is_transient


def test_a_missing_root_that_can_be_created_passes_and_nothing_is_left(tmp_path: Path) -> None:
    check_output_root(tmp_path / "new" / "out", "ds", input_bytes=1000)
    assert list(tmp_path.iterdir()) == []  # the probe file was removed, nothing was created


@pytest.mark.parametrize("where", ["root", "dataset", "parent"])
def test_a_file_where_a_folder_is_needed_is_refused(tmp_path: Path, where: str) -> None:
    root = tmp_path / "out"
    blocker = {"root": root, "dataset": root / "ds", "parent": tmp_path / "f"}[where]
    if where == "parent":
        root = blocker / "out"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder")
    with pytest.raises(PublishError, match=r"expected a folder.*found a file") as info:
        check_output_root(root, "ds", input_bytes=10)
    assert "\n" not in str(info.value) and "output folder" in str(info.value)
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    root.chmod(0o555)
    try:
        with pytest.raises(PublishError, match="no permission to write"):
            check_output_root(root, "ds", input_bytes=10)
    finally:
        root.chmod(0o755)


@pytest.mark.parametrize(
    ("code", "found"),
    [(errno.EROFS, "a read-only file system"), (errno.EACCES, "no permission to write")],
)
def test_an_unwritable_folder_is_refused_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, found: str
) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PublishError) as info:
        check_output_root(tmp_path, "ds", input_bytes=10)
    message = str(info.value)
    assert message.startswith(f"output folder {tmp_path}: ") and found in message
    assert "\n" not in message and not is_transient(info.value)


def test_too_little_free_space_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=20 << 20))
    check_output_root(tmp_path, "ds", input_bytes=1 << 20)  # 3 MiB needed (16 MiB at least)
    with pytest.raises(PublishError) as info:
        check_output_root(tmp_path, "ds", input_bytes=10 << 20)
    assert str(info.value) == (
        f"output folder {tmp_path}: expected at least 30.0 MiB free (3x the input's 10.0 MiB), "
        "found 20.0 MiB free"
    )
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=1 << 20))
    with pytest.raises(PublishError, match=r"16\.0 MiB free \(the least any run needs\)"):
        check_output_root(tmp_path, "ds", input_bytes=0)


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (OSError(errno.EROFS, "Read-only file system"), False),
        (OSError(errno.ENOSPC, "No space left on device"), False),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), False),
        (OSError(errno.EACCES, "Permission denied"), False),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), False),
        (IsADirectoryError(errno.EISDIR, "Is a directory"), False),
        (OSError(errno.EIO, "I/O error"), True),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), True),
        (SourceUnreachableError("ftp://h/x.csv", "expected a reachable location"), True),
        (PublishError("output folder /x: expected a writable folder"), False),
    ],
)
def test_permanent_storage_faults_are_never_retried(exc: BaseException, retry: bool) -> None:
    assert is_transient(exc) is retry


def test_storage_faults_name_the_folder_and_pass_transient_errors_through(tmp_path: Path) -> None:
    full = rf"output folder {tmp_path}: .*no space left on the device at .*part-0 \(errno ENOSPC\)"
    with pytest.raises(PublishError, match=full), storage.storage_faults(tmp_path):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "part-0"))
    with pytest.raises(ConnectionResetError), storage.storage_faults(tmp_path):
        raise ConnectionResetError(errno.ECONNRESET, "reset")
