"""Which published train rows the downstream model learns from.

Synthetic rows that helped the gate's classifier at its default threshold do not always help a
model whose decision threshold is tuned: tuning alone often recovers the minority recall that
oversampling bought. So the train-classifier stage checks, on rows no sampler saw:

1. the run's selection split is recovered from the published real rows (the same stratified
   draw, seed and fraction as the run; its row count is checked against ``_validation.json``);
2. the pipeline is fitted on the real fit rows with and without the synthetic rows, each with
   its threshold tuned out of fold, and scored (minority F1) on the selection rows;
3. the synthetic rows are kept only when they score strictly higher; the final model is then
   fitted on every real train row, with or without them.

Without a selection split (validation off: the samplers saw every train row) no row is unseen,
so every published row is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline

from rebalance.core.downstream import out_of_fold_threshold
from rebalance.core.split import selection_split
from rebalance.core.validation.utility import predict_labels

VALIDATION_FILE = "_validation.json"  # written beside a validated version


@dataclass(frozen=True)
class TrainingRows:
    """The choice, with the selection scores it rests on (None when nothing was compared)."""

    synthetic: bool  # True: the synthetic rows are trained on
    reason: str
    with_synthetic_f1: float | None = None
    real_only_f1: float | None = None
    selection_rows: int | None = None
    fitted_rows: int = 0  # rows the final model learnt from (set once it is fitted)
    fitted_synthetic_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "synthetic": self.synthetic,
            "reason": self.reason,
            "selection_f1": None
            if self.with_synthetic_f1 is None
            else {"with_synthetic": self.with_synthetic_f1, "real_only": self.real_only_f1},
            "selection_rows": self.selection_rows,
            "rows": self.fitted_rows,
            "synthetic_rows": self.fitted_synthetic_rows,
        }


def validation_record(folder: Path) -> dict[str, Any]:
    """The version's ``_validation.json`` ({} when the run was not validated)."""
    path = folder / VALIDATION_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def selection_rows_of(folder: Path) -> int | None:
    """The selection row count in the version's ``_validation.json`` (None without one)."""
    rows = (validation_record(folder).get("selection") or {}).get("selection_rows")
    return int(rows) if rows is not None else None


def training_rows_for(
    pipeline: Pipeline,
    train: pd.DataFrame,
    minority: str | None,
    synthetic: np.ndarray,
    manifest: dict[str, Any],
    setting: str,
    seed: int,
    selection_rows: int | None,
) -> TrainingRows:
    """Which of the published ``train`` rows (``synthetic``: their mask) the model learns
    from; ``setting`` is ``validation.classifier.training_rows``."""
    if not synthetic.any():
        return TrainingRows(False, "every published row: the version has no synthetic rows")
    if synthetic.all():
        return TrainingRows(True, "every published row: the version has synthetic rows only")
    if setting == "published":
        return TrainingRows(True, "every published row (validation.classifier.training_rows)")
    if minority is None:
        return TrainingRows(True, "every published row: no threshold to tune (several classes)")
    target = manifest["target"]
    return choose_training_rows(
        pipeline, train, target, minority, synthetic, manifest, seed, selection_rows
    )


def selection_of(manifest: dict[str, Any]) -> float | None:
    """The run's selection fraction, or None when it held no selection rows."""
    validation = manifest.get("config", {}).get("validation", {})
    if not validation.get("enabled", False):
        return None
    fraction = validation.get("selection_fraction")
    return float(fraction) if fraction is not None else None


def choose_training_rows(
    pipeline: Pipeline,
    train: pd.DataFrame,
    target: str,
    minority: str,
    synthetic: np.ndarray,
    manifest: dict[str, Any],
    seed: int,
    expected_selection_rows: int | None,
) -> TrainingRows:
    """Compare the tuned minority F1 on the selection rows with and without the ``synthetic``
    rows (a mask over ``train``); see the module docstring."""
    fraction = selection_of(manifest)
    if fraction is None:
        return TrainingRows(True, "every published row: the run held no selection rows aside")
    real = train[~synthetic].reset_index(drop=True)
    run_seed = int(manifest.get("seed", seed))  # the run's draw, whatever seed the model gets
    fit, selection = selection_split(real, target, fraction, run_seed)
    if expected_selection_rows is not None and len(selection) != expected_selection_rows:
        return TrainingRows(
            True,
            f"every published row: expected the run's {expected_selection_rows} selection rows, "
            f"recovered {len(selection)}",
        )
    truth = selection[target].astype(str).to_numpy()
    if not (truth == minority).any():
        return TrainingRows(True, "every published row: no minority row among the selection rows")
    augmented = pd.concat([fit, train[synthetic]], ignore_index=True)
    with_synthetic = _tuned_f1(pipeline, augmented, len(fit), target, minority, selection, seed)
    real_only = _tuned_f1(pipeline, fit, len(fit), target, minority, selection, seed)
    keep = with_synthetic > real_only
    verdict = "kept" if keep else "left out"
    relation = ">" if keep else "<="
    return TrainingRows(
        keep,
        f"synthetic rows {verdict}: tuned minority F1 on {len(selection)} selection rows "
        f"{with_synthetic:.3f} with them {relation} {real_only:.3f} without",
        with_synthetic_f1=with_synthetic,
        real_only_f1=real_only,
        selection_rows=len(selection),
    )


def _tuned_f1(
    pipeline: Pipeline,
    rows: pd.DataFrame,
    real_rows: int,
    target: str,
    minority: str,
    selection: pd.DataFrame,
    seed: int,
) -> float:
    """Minority F1 on ``selection`` of the pipeline fitted on ``rows`` (the first
    ``real_rows`` real), its threshold tuned out of fold on the real ones."""
    y = rows[target].astype(str).to_numpy()
    scored = np.arange(len(rows)) < real_rows
    threshold = out_of_fold_threshold(pipeline, rows, y, minority, scored, seed)
    model = clone(pipeline).fit(rows, y)
    proba = model.predict_proba(selection)
    classes = [str(c) for c in model.classes_]
    predicted = predict_labels(classes, proba, minority, threshold)
    truth = selection[target].astype(str).to_numpy()
    return float(f1_score(truth, predicted, labels=[minority], average="macro", zero_division=0))
