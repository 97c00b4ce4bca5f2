"""Matplotlib figures for the report, returned as PNG bytes.

Figures are built with the object API (``matplotlib.figure.Figure``), never pyplot: no global
figure registry, no backend switch, safe to render from several threads at once.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rebalance.core.validation.columnwise import CONTINUOUS, correlation_matrix
from rebalance.core.validation.encoding import category_values, numeric_values

REAL, SYNTHETIC = "#3b6ea8", "#e07b39"


def _figure(rows: int = 1, cols: int = 1, **options: Any) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=options.pop("figsize"))
    return figure, figure.subplots(rows, cols, **options)


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def class_balance(before: Mapping[str, int], after: Mapping[str, int]) -> bytes:
    labels = list(before)
    x = np.arange(len(labels))
    figure, axis = _figure(figsize=(max(5.0, 0.5 * len(labels) + 2), 3.2))
    axis.bar(x - 0.2, [before[k] for k in labels], 0.4, label="real train", color=REAL)
    axis.bar(
        x + 0.2,
        [after.get(k, before[k]) for k in labels],
        0.4,
        label="published train",
        color=SYNTHETIC,
    )
    axis.set_xticks(x, [str(k) for k in labels], rotation=45 if len(labels) > 6 else 0)
    axis.set_ylabel("rows")
    axis.legend(frameon=False)
    axis.set_title("Class balance of the train split")
    return _png(figure)


def marginals(
    real: pd.DataFrame, synthetic: pd.DataFrame, types: Mapping[str, str], label: str
) -> bytes:
    """One small panel per column: histograms (numbers) or level shares (categories)."""
    columns = list(real.columns)
    cols = min(4, len(columns))
    rows = -(-len(columns) // cols)
    figure, axes = _figure(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for axis, name in zip(axes.ravel(), columns, strict=False):
        if types[name] in CONTINUOUS:
            a, b = numeric_values(real[name]), numeric_values(synthetic[name])
            a, b = a[np.isfinite(a)], b[np.isfinite(b)]
            if len(a):
                edges = np.histogram_bin_edges(a, bins=20)
                axis.hist(a, edges, density=True, alpha=0.6, color=REAL, label="real")
                axis.hist(
                    np.clip(b, edges[0], edges[-1]),
                    edges,
                    density=True,
                    alpha=0.6,
                    color=SYNTHETIC,
                    label="synthetic",
                )
        else:
            p = category_values(real[name]).value_counts(normalize=True)
            q = category_values(synthetic[name]).value_counts(normalize=True)
            top = list(p.index[:8])
            x = np.arange(len(top))
            axis.bar(x - 0.2, p.reindex(top).fillna(0), 0.4, color=REAL, label="real")
            axis.bar(x + 0.2, q.reindex(top).fillna(0), 0.4, color=SYNTHETIC, label="synthetic")
            axis.set_xticks(x, [str(t)[:10] for t in top], rotation=60, fontsize=7)
        axis.set_title(name, fontsize=9)
        axis.tick_params(labelsize=7)
    for axis in axes.ravel()[len(columns) :]:
        axis.axis("off")
    axes.ravel()[0].legend(fontsize=7, frameon=False)
    figure.suptitle(f"Real vs synthetic rows of class {label}", fontsize=11)
    figure.tight_layout()
    return _png(figure)


def correlation_difference(
    real: pd.DataFrame, synthetic: pd.DataFrame, types: Mapping[str, str], label: str
) -> bytes | None:
    columns = [c for c in real.columns if types[c] in CONTINUOUS]
    if len(columns) < 2:
        return None
    difference = np.abs(correlation_matrix(real, columns) - correlation_matrix(synthetic, columns))
    size = min(10.0, 2.0 + 0.35 * len(columns))
    figure, axis = _figure(figsize=(size + 1.0, size))
    image = axis.imshow(np.nan_to_num(difference), vmin=0, vmax=1, cmap="Reds")
    axis.set_xticks(range(len(columns)), columns, rotation=90, fontsize=7)
    axis.set_yticks(range(len(columns)), columns, fontsize=7)
    figure.colorbar(image, ax=axis, label="|r real - r synthetic|")
    axis.set_title(f"Correlation difference, class {label}")
    return _png(figure)


def loss_curves(history: Mapping[str, Sequence[float]]) -> bytes | None:
    critic, generator = history.get("critic_loss", []), history.get("generator_loss", [])
    if not critic:
        return None
    figure, (left, right) = _figure(1, 2, figsize=(10, 3.2))
    epochs = np.arange(1, len(critic) + 1)
    left.plot(epochs, critic, label="critic", color=REAL)
    left.plot(epochs, generator, label="generator", color=SYNTHETIC)
    left.set_xlabel("epoch")
    left.set_title("training losses")
    left.legend(frameon=False)
    eval_epochs, scores = history.get("eval_epochs", []), history.get("eval_scores", [])
    if eval_epochs:
        right.plot(eval_epochs, scores, marker="o", color="#555")
        right.set_xlabel("epoch")
        right.set_title("Held-out fidelity loss (lower is better)")
    else:
        right.axis("off")
    return _png(figure)
