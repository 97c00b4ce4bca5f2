"""Would k-fold selection judge the GAN better than one selection split on small classes?

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/selection_cv.py --datasets oil-spill german

Per dataset and seed, with the validation matrix's splits (holdout 20%, then a 25% selection
split inside train) and the spec's GAN options (``--epochs``): the GAN's minority F1 gain over
real-only and its bootstrap gain probability (the gate's two utility checks) on the selection
rows; the same two pooled over k folds of all train rows (a GAN fitted per fold, each fold's
rows predicted by the classifier trained on the other folds plus that GAN's rows); and the gain
of the selection-split GAN on the holdout, which neither estimate saw.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.validation_matrix import configure  # noqa: E402
from rebalance.core.columns import type_table  # noqa: E402
from rebalance.core.ingest import read_raw  # noqa: E402
from rebalance.core.split import selection_split, stratified_split  # noqa: E402
from rebalance.core.validation.significance import gain_probability  # noqa: E402
from rebalance.core.validation.utility import UtilityProblem, fit_and_score  # noqa: E402
from rebalance.gan.config import GanConfig  # noqa: E402
from rebalance.gan.model import ConditionalTabularGAN  # noqa: E402


class Case:
    def __init__(self, name: str, seed: int, epochs: int) -> None:
        config = configure(name, seed, epochs)
        table = type_table(read_raw(config.dataset), config.dataset)
        self.frame, self.types, self.seed = table.frame, dict(table.types), seed
        self.target = config.dataset.target
        self.classifier = config.validation.classifier
        self.gan = {**config.for_method("gan").params, "device": "cpu", "checkpoint_every": 0}
        self.minority = str(self.frame[self.target].astype(str).value_counts().idxmin())

    def gan_rows(self, fit: pd.DataFrame) -> pd.DataFrame:
        counts = fit[self.target].astype(str).value_counts()
        config = GanConfig.from_params({**self.gan, "seed": self.seed})
        model = ConditionalTabularGAN(config).fit(fit, self.target, self.types)
        rows = model.sample(self.minority, int(counts.max() - counts.min()))
        return rows.astype(fit.dtypes.to_dict())

    def predictions(
        self, fit: pd.DataFrame, scored: pd.DataFrame, extra: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray]:
        """(real-only, real + extra) predicted labels of ``scored``."""
        problem = UtilityProblem(
            fit, scored, self.target, self.types, [self.minority], self.classifier, self.seed
        )
        with_extra = pd.concat([fit, extra], ignore_index=True)
        return fit_and_score(problem, fit).predicted, fit_and_score(problem, with_extra).predicted

    def gain(self, truth: np.ndarray, real: np.ndarray, augmented: np.ndarray) -> list[float]:
        f1 = [
            f1_score(truth, p, labels=[self.minority], average="macro") for p in (real, augmented)
        ]
        probability = gain_probability(truth, augmented, real, [self.minority], self.seed)
        return [round(f1[1] - f1[0], 3), round(probability, 3)]


def run(name: str, seed: int, epochs: int, folds: int) -> dict[str, Any]:
    case = Case(name, seed, epochs)
    target = case.target
    train, holdout = stratified_split(case.frame, target, 0.2, seed)
    fit, selection = selection_split(train, target, 0.25, seed)
    rows = case.gan_rows(fit)
    single = case.gain(
        selection[target].astype(str).to_numpy(), *case.predictions(fit, selection, rows)
    )
    on_holdout = case.gain(
        holdout[target].astype(str).to_numpy(), *case.predictions(fit, holdout, rows)
    )
    labels = train[target].astype(str).to_numpy()
    real, augmented = np.empty(len(train), object), np.empty(len(train), object)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for rest, part in splitter.split(train, labels):
        fold_fit, fold = train.iloc[rest].reset_index(drop=True), train.iloc[part]
        real[part], augmented[part] = case.predictions(fold_fit, fold, case.gan_rows(fold_fit))
    pooled = case.gain(labels, real, augmented)
    selection_minority = int((selection[target].astype(str) == case.minority).sum())
    return {"dataset": name, "seed": seed, "selection_minority_rows": selection_minority,
            "split_gain": single[0], "split_probability": single[1],
            "kfold_gain": pooled[0], "kfold_probability": pooled[1],
            "holdout_gain": on_holdout[0]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["oil-spill", "german"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--folds", type=int, default=4)
    args = parser.parse_args()
    rows = [run(n, s, args.epochs, args.folds) for n in args.datasets for s in args.seeds]
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
