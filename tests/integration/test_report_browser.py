"""The validation report renders in headless Chromium, offline, with its plots decoded."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rebalance.core.samplers.smote import SmoteOversampler
from rebalance.core.validation.decision import decide
from rebalance.core.validation.holdout import score_holdout
from rebalance.core.validation.report import ReportData, render
from rebalance.data_contracts.synthetic_contract import evaluate_with_contract
from tests.support import MIXED_TYPES
from tests.support import validation_context as context

pytestmark = pytest.mark.integration

# Offline and sandbox-free: Chromium must not try the network (the machine has none).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium not installed (make browser installs Debian's chromium)")
    return found


def run_browser(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ctx = context()
    sampler = SmoteOversampler(seed=0).fit(ctx.fit, "label", MIXED_TYPES)
    rows = pd.concat([sampler.sample(k, n) for k, n in ctx.plan.to_generate.items()])
    candidates = {"smote": evaluate_with_contract(ctx, "smote", rows)}
    candidates["none"] = evaluate_with_contract(ctx, "none", None)
    history = {"critic_loss": [1.0, 0.5, 0.2], "generator_loss": [0.3, 0.2, 0.1]}
    data = ReportData(
        dataset="toy",
        version="v1",
        decision=decide("smote", candidates, ctx.config),
        candidates=candidates,
        baseline=ctx.baseline,
        tuned=ctx.tuned,
        plan=ctx.plan,
        published_after=ctx.plan.after,
        types=MIXED_TYPES,
        target="label",
        train=ctx.fit,
        synthetic={"smote": rows, "none": None},
        histories={"gan": history},
        holdout=score_holdout(
            ctx.fit, ctx.selection, "label", MIXED_TYPES, ctx.plan, ctx.config, 0, "smote", rows
        ),
    )
    path = tmp_path_factory.mktemp("report") / "_report.html"
    path.write_text(render(data), encoding="utf-8")
    return path


def test_report_explains_every_candidate_and_metric(report_file: Path) -> None:
    text = report_file.read_text()
    assert "Why each candidate was or was not published" in text
    assert "<li>smote: " in text and "<li>none: " in text
    assert "Utility on the reported holdout" in text and "published (smote)" in text
    # every metric name is explained on hover and in the glossary
    assert "<abbr title='How well a classifier tells synthetic rows from real ones" in text
    assert "<h2>Glossary</h2>" in text and "<code>closer_than_holdout_share</code>" in text


def test_report_is_self_contained(report_file: Path) -> None:
    text = report_file.read_text()
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", text)  # nothing fetched
    assert text.count("data:image/png;base64,") >= 4  # balance, marginals, correlation, losses


def test_report_renders_with_every_plot_decoded(report_file: Path, tmp_path: Path) -> None:
    binary = chromium()
    dom = run_browser(binary, tmp_path / "p1", "--dump-dom", report_file.as_uri())
    body = re.search(r'<body data-images="(\d+)" data-images-ok="(\d+)"', dom.stdout)
    assert body is not None, dom.stderr[-2000:]
    assert int(body.group(1)) >= 4 and body.group(1) == body.group(2)

    shot = tmp_path / "shot.png"
    done = run_browser(
        binary,
        tmp_path / "p2",
        "--window-size=1200,1800",
        f"--screenshot={shot}",
        report_file.as_uri(),
    )
    assert shot.is_file(), done.stderr[-2000:]
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3]  # (height, width, rgb) in [0, 1]
    not_white = (pixels < 0.9).any(axis=2).mean()
    orange = ((pixels[..., 0] > 0.8) & (pixels[..., 1] < 0.6) & (pixels[..., 2] < 0.4)).mean()
    assert not_white > 0.05  # text, tables and plots, not a blank page
    assert orange > 0.001  # the plots' synthetic-data colour is on screen
    assert np.std(pixels) > 0.05
