"""Every ```python block of the README's "Python API" section runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Python API"


def section_blocks() -> list[str]:
    """The python blocks between the section's heading and the next heading of level 2 or 3."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{SECTION}\n")
    end = re.compile(r"^#{2,3} ", re.MULTILINE).search(text, start + len(SECTION) + 2)
    body = text[start : end.start() if end else len(text)]
    return re.findall(r"^```python\n(.*?)^```$", body, flags=re.DOTALL | re.MULTILINE)


def test_the_section_shows_balance_and_the_imblearn_sampler() -> None:
    blocks = section_blocks()
    assert len(blocks) == 2
    assert "balance(" in blocks[0] and "load_breast_cancer(as_frame=True)" in blocks[0]
    assert "GANOverSampler(" in blocks[1] and "cross_val_score(" in blocks[1]


@pytest.mark.parametrize("index", range(2), ids=["balance", "GANOverSampler"])
def test_python_block_runs(index: int, tmp_path: Path) -> None:
    code = section_blocks()[index]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    # one OpenMP/torch thread: on a busy 2-core machine, more threads wait on each other
    env.update(OMP_NUM_THREADS="1", HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    expected = ["publish_real_only none", "is_synthetic"] if index == 0 else ["F1 per fold: ["]
    for line in expected:
        assert line in done.stdout, done.stdout
    assert not list(tmp_path.iterdir())  # nothing written where it ran
