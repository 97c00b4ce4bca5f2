"""The GAN on small tables: rows packed 10 to a critic sample (PacGAN's default) against a
packing that leaves the critic at least 10 samples per batch.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/small_tables.py --seeds 0 1 2 3 4

Per dataset and seed: 10 rows of the minority class and 30 of the majority class, drawn at
random, are the whole training table (smaller than one batch: batches of its own size); every
other row of the dataset is the test set, so the
scores below read thousands of unseen rows. The GAN (defaults, ``--epochs``, its rejection
filter on) fills the minority class up to the majority with each packing. Detection AUC, KS and
TV compare its minority rows with the test set's real minority rows; F1 is the test set's
minority F1 of the validation classifier on the training table plus the GAN's rows ("real F1":
without them). Means over seeds, then the paired change per seed (mean and standard error);
raw rows to ``--jsonl``.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.gan_levers import by_variant, load, record, score, sweep  # noqa: E402
from rebalance.gan.config import GanConfig  # noqa: E402
from rebalance.gan.model import ConditionalTabularGAN  # noqa: E402

DATASETS = ["german", "phoneme", "mammography", "oil-spill", "adult"]
MINORITY_ROWS, MAJORITY_ROWS = 10, 30  # the wide benchmark's table: 8 and 32 of 40 rows


def small_table(frame: pd.DataFrame, target: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training table, test set): a few rows of each of the two largest classes, the rest."""
    labels = frame[target].astype(str)
    counts = labels.value_counts()
    major, minor = counts.index[0], counts.index[-1]
    rng = np.random.default_rng([seed, 11])
    picked = np.concatenate(
        [
            rng.choice(np.flatnonzero(labels == minor), MINORITY_ROWS, replace=False),
            rng.choice(np.flatnonzero(labels == major), MAJORITY_ROWS, replace=False),
        ]
    )
    chosen = np.zeros(len(frame), dtype=bool)
    chosen[picked] = True
    test = frame[~chosen & labels.isin([major, minor]).to_numpy()]
    return frame[chosen].reset_index(drop=True), test.reset_index(drop=True)


def run(name: str, seed: int, epochs: int, out: Any) -> list[dict[str, Any]]:
    frame, target, types = load(name)
    train, test = small_table(frame, target, seed)
    rows = []
    base = GanConfig.from_params({"device": "cpu", "checkpoint_every": 0, "epochs": epochs})
    for variant, min_packs in (("pac 10", 0), ("10+ packs", 10)):
        config = dataclasses.replace(base, seed=seed, min_packs=min_packs)
        began = time.perf_counter()
        model = ConditionalTabularGAN(config).fit(train, target, types)
        fit_s = time.perf_counter() - began
        row = {"dataset": name, "variant": variant, "seed": seed, "fit_s": fit_s}
        row["pac"] = model.history_.pac
        row |= score(model, True, (train, test), target, types, seed)
        record(row, out, rows)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    groups = by_variant(rows)
    names = ["detection_auc", "ks", "tv", "f1", "real_f1", "fit_s"]
    lines = [
        "| dataset | variant | pac | seeds | detection AUC | KS | TV | F1 | real F1 | fit s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (dataset, variant), group in groups.items():
        measured = [[r[n] for r in group if r[n] is not None] for n in names]
        means = [float(np.mean(values)) if values else np.nan for values in measured]
        cells = " | ".join("n/a" if np.isnan(v) else f"{v:.3f}" for v in means)
        lines.append(f"| {dataset} | {variant} | {group[0]['pac']} | {len(group)} | {cells} |")
    return "\n".join(lines) + "\n\n" + paired(groups)


def paired(groups: dict[tuple[str, str], list[dict[str, Any]]]) -> str:
    """Per dataset, the change from the first variant to the second, seed by seed."""
    names = ["detection_auc", "ks", "f1"]
    lines = ["| dataset | change in detection AUC | KS | F1 (mean ± s.e. over seeds) |"]
    lines.append("|---|---:|---:|---:|")
    for dataset in dict.fromkeys(name for name, _ in groups):
        before, after = (
            {r["seed"]: r for r in rows} for (name, _), rows in groups.items() if name == dataset
        )
        cells = []
        for n in names:
            diffs = [after[s][n] - before[s][n] for s in before if before[s][n] is not None]
            error = np.std(diffs, ddof=1) / np.sqrt(len(diffs)) if len(diffs) > 1 else np.nan
            cells.append(f"{np.mean(diffs):+.3f} ± {error:.3f}" if diffs else "n/a")
        lines.append(f"| {dataset} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main() -> None:
    sweep(__doc__, DATASETS, 300, "small_tables.jsonl", run, table)


if __name__ == "__main__":
    main()
