"""Two GAN levers, measured on the shared datasets: more generator updates for small tables
(``min_steps_per_epoch`` / ``min_steps``) and discriminator rejection sampling (``rejection``).

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/gan_levers.py

Per dataset and seed: a stratified 75/25 split; the GAN is fitted on the 75% part and the
minority class is topped up to the majority's count. Minority fidelity is scored against the
25% part's minority rows (rows the GAN never saw): detection AUC (lower is better), KS and TV
complements; utility is the minority F1 on the 25% part of HistGradientBoosting trained on the
75% part plus the synthetic rows (``real F1``: the 75% part alone). Variants: ``baseline``
(1 update per epoch for tables under batch_size rows, checks from epoch 5), ``+steps``,
``+rejection`` (the baseline model, filtered) and ``both``. Means over seeds, one markdown row
per (dataset, variant); raw rows go to ``--jsonl``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rebalance.core.columns import type_table  # noqa: E402
from rebalance.core.config import ClassifierConfig, load_config  # noqa: E402
from rebalance.core.ingest import read_raw  # noqa: E402
from rebalance.core.split import stratified_split  # noqa: E402
from rebalance.core.validation.metrics import DetectionAUC, KSComplement, TVComplement  # noqa: E402
from rebalance.core.validation.utility import UtilityProblem, fit_and_score  # noqa: E402
from rebalance.gan.config import GanConfig  # noqa: E402
from rebalance.gan.model import ConditionalTabularGAN  # noqa: E402

DATASETS = ["german", "oil-spill", "phoneme", "mammography"]
TRAINING = {
    "baseline": {"min_steps_per_epoch": 1, "min_steps": 0},
    "+steps": {"min_steps_per_epoch": 10, "min_steps": 500},
}
COLUMNS = ["detection_auc", "ks", "tv", "f1", "real_f1", "fit_s", "sample_s"]


def load(name: str) -> tuple[pd.DataFrame, str, dict[str, str]]:
    config = load_config(REPO / "examples" / "specs" / f"{name}.yaml")
    table = type_table(read_raw(config.dataset), config.dataset)
    return table.frame, config.dataset.target, dict(table.types)


def fit(
    train: pd.DataFrame, target: str, types: dict[str, str], options: dict[str, Any]
) -> tuple[ConditionalTabularGAN, float, float]:
    """The GAN without and then with its rejection filter; seconds of each part."""
    # rejection sampling alone, as measured before the class-consistency check existed
    base = {"device": "cpu", "checkpoint_every": 0, "class_consistency": 0.0}
    config = GanConfig.from_params({**base, **options})
    began = time.perf_counter()
    model = ConditionalTabularGAN(dataclasses.replace(config, rejection=False))
    model.fit(train, target, types)
    gan_s = time.perf_counter() - began
    began = time.perf_counter()
    model.rejection_ = model._fit_rejection(train)  # the filter alone: same as rejection=True
    return model, gan_s, time.perf_counter() - began


def score(
    model: ConditionalTabularGAN,
    rejection: bool,
    split: tuple[pd.DataFrame, pd.DataFrame],
    target: str,
    types: dict[str, str],
    seed: int,
) -> dict[str, float]:
    train, test = split
    counts = train[target].astype(str).value_counts()
    minority = str(counts.idxmin())
    model.config = dataclasses.replace(model.config, rejection=rejection)
    began = time.perf_counter()
    synthetic = model.sample(minority, int(counts.max() - counts.min()))
    sample_s = time.perf_counter() - began
    features = [c for c in train.columns if c != target]
    real = test.loc[test[target].astype(str) == minority, features]
    feature_types = {c: types[c] for c in features}
    problem = UtilityProblem(train, test, target, types, [minority], ClassifierConfig(), seed)
    balanced = pd.concat([train, synthetic.astype(train.dtypes.to_dict())], ignore_index=True)
    return {
        "detection_auc": DetectionAUC.compute(real, synthetic[features], feature_types, seed=seed),
        "ks": KSComplement.compute(real, synthetic[features], feature_types),
        "tv": TVComplement.compute(real, synthetic[features], feature_types),
        "f1": fit_and_score(problem, balanced).f1,
        "real_f1": fit_and_score(problem, train).f1,
        "sample_s": sample_s,
    }


def run(name: str, seed: int, epochs: int, out: Any) -> list[dict[str, Any]]:
    frame, target, types = load(name)
    train, test = stratified_split(frame, target, 0.25, seed)
    rows = []
    for training, options in TRAINING.items():
        model, gan_s, filter_s = fit(
            train, target, types, {**options, "epochs": epochs, "seed": seed}
        )
        for rejection in (False, True):
            variant = {
                ("baseline", False): "baseline",
                ("baseline", True): "+rejection",
                ("+steps", False): "+steps",
                ("+steps", True): "both",
            }[training, rejection]
            row = {"dataset": name, "variant": variant, "seed": seed}
            row |= score(model, rejection, (train, test), target, types, seed)
            row["fit_s"] = gan_s + (filter_s if rejection else 0.0)
            row["epochs_run"] = len(model.history_.critic_loss)
            record(row, out, rows)
    return rows


def by_variant(rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Raw rows grouped by (dataset, variant), in the order first seen."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["dataset"], row["variant"]].append(row)
    return groups


def record(row: dict[str, Any], out: Any, rows: list[dict[str, Any]]) -> None:
    """One raw row to the ``--jsonl`` file (flushed: a stopped sweep keeps its rows) and
    to ``rows``."""
    print(json.dumps(row), file=out, flush=True)
    rows.append(row)


def table(rows: list[dict[str, Any]]) -> str:
    groups = by_variant(rows)
    lines = [
        "| dataset | variant | seeds | detection AUC | KS | TV | F1 | real F1 | fit s | sample s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (dataset, variant), group in groups.items():
        means = [np.nanmean([r[c] for r in group]) for c in COLUMNS]
        cells = " | ".join(f"{m:.3f}" if i < 5 else f"{m:.1f}" for i, m in enumerate(means))
        lines.append(f"| {dataset} | {variant} | {len(group)} | {cells} |")
    return "\n".join(lines)


def sweep(doc: str, datasets: list[str], epochs: int, jsonl: str, run: Any, table: Any) -> None:
    """The command line of the lever benchmarks: ``run(name, seed, epochs, out)`` per dataset
    and seed (raw rows to ``--jsonl``), then ``table(rows)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=datasets)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--jsonl", type=Path, default=Path(jsonl))
    args = parser.parse_args()
    rows = []
    with args.jsonl.open("w") as out:
        for name in args.datasets:
            for seed in args.seeds:
                rows += run(name, seed, args.epochs, out)
    print(table(rows))


def main() -> None:
    sweep(__doc__, DATASETS, 300, "gan_levers.jsonl", run, table)


if __name__ == "__main__":
    main()
