"""Two ways to make the GAN's rows help a classifier, measured: adding fewer of them, and
dropping the ones a real-only classifier places outside their class.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/gan_amounts.py --datasets phoneme mammography

Per dataset and seed: a stratified 75/25 split; the GAN (defaults, ``--epochs``) is fitted once
on the 75% part and draws 3 x (majority - minority) minority candidates (through its rejection
filter). ``consistency q``: only candidates whose minority probability under the validation
classifier fitted on the real 75% part reaches the q-quantile of the real minority rows'
out-of-fold probabilities are kept (q "-": all). The minority class then gains ``share`` x the
gap of those rows; random oversampling at the same shares is the reference. Utility: minority F1
on the 25% part (share 0: the real rows alone). Means over seeds; raw rows to ``--jsonl``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.gan_levers import load, sweep  # noqa: E402
from rebalance.core.config import ClassifierConfig  # noqa: E402
from rebalance.core.split import stratified_split  # noqa: E402
from rebalance.core.validation.utility import (  # noqa: E402
    UtilityProblem,
    fit_and_score,
    make_classifier,
)
from rebalance.gan.config import GanConfig  # noqa: E402
from rebalance.gan.model import ConditionalTabularGAN  # noqa: E402

SHARES = [0.1, 0.25, 0.5, 1.0]
QUANTILES = [None, 0.25, 0.5]


def minority_probability(problem: UtilityProblem, rows: pd.DataFrame) -> tuple[Any, Any]:
    """(out-of-fold minority probability of the real minority rows, that of ``rows``)."""
    (x_train, x_rows), categorical = problem.encode([problem.train, rows])
    labels = problem.labels(problem.train)
    model = make_classifier(problem.classifier, categorical, problem.seed)
    folds = StratifiedKFold(3, shuffle=True, random_state=problem.seed)
    oof = cross_val_predict(clone(model), x_train, labels, cv=folds, method="predict_proba")
    column = sorted(set(labels)).index(problem.minority[0])
    model.fit(x_train, labels)
    return oof[labels == problem.minority[0], column], model.predict_proba(x_rows)[:, column]


def run(name: str, seed: int, epochs: int, out: Any) -> list[dict[str, Any]]:
    frame, target, types = load(name)
    train, test = stratified_split(frame, target, 0.25, seed)
    counts = train[target].astype(str).value_counts()
    minority, gap = str(counts.idxmin()), int(counts.max() - counts.min())
    # the GAN without its own class-consistency check: this script measures that lever
    params = {"device": "cpu", "checkpoint_every": 0, "epochs": epochs, "seed": seed}
    params["class_consistency"] = 0.0
    model = ConditionalTabularGAN(GanConfig.from_params(params)).fit(train, target, types)
    candidates = model.sample(minority, 3 * gap).astype(train.dtypes.to_dict())
    problem = UtilityProblem(train, test, target, types, [minority], ClassifierConfig(), seed)
    real_p, candidate_p = minority_probability(problem, candidates)
    real_minority = train[train[target].astype(str) == minority]
    picks = np.random.default_rng(seed).integers(0, len(real_minority), gap)
    pools = {("random", "-"): real_minority.iloc[picks]}
    for q in QUANTILES:
        keep = candidate_p >= (np.quantile(real_p, q) if q is not None else -np.inf)
        pools["gan", "-" if q is None else f"{q:g}"] = candidates[keep]
    rows = [{"dataset": name, "seed": seed, "method": "none", "q": "-", "share": 0.0,
             "rows": 0, "f1": fit_and_score(problem, train).f1}]  # fmt: skip
    for (method, q), pool in pools.items():
        for share in SHARES:
            n = min(round(share * gap), len(pool))
            f1 = fit_and_score(problem, pd.concat([train, pool.iloc[:n]], ignore_index=True)).f1
            rows.append({"dataset": name, "seed": seed, "method": method, "q": q,
                         "share": share, "rows": n, "f1": f1})  # fmt: skip
    for row in rows:
        print(json.dumps(row), file=out, flush=True)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    groups: dict[tuple[str, str, str, float], list[float]] = defaultdict(list)
    for row in rows:
        groups[row["dataset"], row["method"], row["q"], row["share"]].append(row["f1"])
    lines = [
        "| dataset | method | consistency q | share of gap | seeds | minority F1 |",
        "|---|---|---|---:|---:|---:|",
    ]
    for (dataset, method, q, share), f1 in groups.items():
        lines.append(
            f"| {dataset} | {method} | {q} | {share:.2f} | {len(f1)} | {np.mean(f1):.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    datasets = ["mammography", "phoneme", "oil-spill", "german"]
    sweep(__doc__, datasets, 100, "gan_amounts.jsonl", run, table)


if __name__ == "__main__":
    main()
