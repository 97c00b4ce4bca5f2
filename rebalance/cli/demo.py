"""The embedded default: "is this handwritten digit an 8?" on scikit-learn's bundled digits.

Why this table: the demo needs a clearly imbalanced real dataset (majority:minority at least
5:1) that is on disk with no download. No installed dependency ships one with a real imbalanced
label column: scikit-learn's bundled tables are breast cancer (357:212), iris (1:1:1), wine
(71:59:48, best one-vs-rest 2.7:1), diabetes and linnerud (regression targets);
imbalanced-learn's benchmark tables are downloaded on first use; what else ships as files is
test fixtures (scikit-learn's OpenML ones are truncated, near balanced, or have a handful of
rows in their rare classes) and matplotlib's sample series. The optical-recognition digits
(UCI; ``sklearn/datasets/data/digits.csv.gz``: 1797 scanned digits as 8x8 grids of integer ink
counts 0-16, the digit in the last column) are ten classes of about 180 rows each, so one of
them against the rest is about 1:9 and still real data. Digit 8 is the one the bundled copy has
fewest of: 174 ``8`` rows against 1623 ``other`` rows (9.3:1), and it is among the digits
classifiers confuse most, so balancing has room to help.

The spec cannot relabel a target, so :func:`demo_config` derives the label in memory: it reads
the bundled file, replaces the digit column by ``digit`` = ``8`` or ``other``, adds a header
(``pixel_<row>_<col>``, scikit-learn's feature names) and puts the CSV on fsspec's in-memory
filesystem (``memory://rebalance-demo/...``), which the flow reads like any other URL. Nothing is
written to disk, in the package or elsewhere; the bytes are the same on every call, so reruns are
recognised as already published. The in-memory file lasts as long as the process, so the
``input_path`` a version's lineage records cannot be reopened later; its fingerprint can be
checked against a fresh :func:`demo_table`. The pixels that are blank in every image (three of
the 64) are listed in ``drop``: they carry nothing. The remaining 61 pixel columns are inferred
``integer``. The demo runs ``method: auto``.
"""

from __future__ import annotations

import gzip
import io
from importlib import resources

import fsspec
import numpy as np

from rebalance.core.config import BalanceConfig, DatasetSpec, RebalanceConfig

DEMO_GAN_EPOCHS = 150  # bounded so the demo stays short on a laptop CPU
DEMO_DIGIT = 8  # the minority class: "is it an 8?" against every other digit
DEMO_TARGET = "digit"
DEMO_PATH = f"memory://rebalance-demo/digits-{DEMO_DIGIT}-vs-rest.csv"
BUNDLED_FILE = "digits.csv.gz"  # in the package sklearn.datasets.data


def demo_table() -> tuple[bytes, list[str]]:
    """The one-vs-rest CSV (header and rows) and the pixel columns blank in every image."""
    bundled = resources.files("sklearn.datasets.data") / BUNDLED_FILE
    with bundled.open("rb") as packed, gzip.open(packed) as unpacked:
        grid = np.loadtxt(unpacked, delimiter=",", dtype=np.int64)
    pixels, digits = grid[:, :-1], grid[:, -1]
    names = [f"pixel_{i // 8}_{i % 8}" for i in range(pixels.shape[1])]
    labels = np.where(digits == DEMO_DIGIT, str(DEMO_DIGIT), "other")
    text = io.StringIO()
    text.write(",".join([*names, DEMO_TARGET]) + "\n")
    for row, label in zip(pixels, labels, strict=True):
        text.write(",".join(map(str, row)) + f",{label}\n")
    blank = [name for name, column in zip(names, pixels.T, strict=True) if column.max() == 0]
    return text.getvalue().encode(), blank


def demo_config() -> RebalanceConfig:
    data, blank = demo_table()
    with fsspec.open(DEMO_PATH, "wb") as handle:
        handle.write(data)
    dataset = DatasetSpec(
        name=f"digits-{DEMO_DIGIT}-vs-rest-demo",
        path=DEMO_PATH,
        format="csv",
        target=DEMO_TARGET,
        columns={DEMO_TARGET: "categorical"},
        drop=blank,
    )
    # auto: fit the GAN, SMOTE and random oversampling, validate each on the real holdout, and
    # publish the best that passes the gate (the real rows alone when none helps).
    balance = BalanceConfig(method="auto", method_params={"gan": {"epochs": DEMO_GAN_EPOCHS}})
    return RebalanceConfig(dataset=dataset, balance=balance)
