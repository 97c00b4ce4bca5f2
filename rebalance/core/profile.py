"""The imbalance profile: class balance and a per-column summary, as plain JSON-ready dicts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rebalance.core.columns import TypedTable


def class_counts(labels: pd.Series) -> dict[str, int]:
    """Counts per class, largest first; labels as strings so they serialize to JSON keys."""
    counts = labels.value_counts(sort=True)
    return {str(label): int(count) for label, count in counts.items()}


def build_profile(table: TypedTable, target: str, min_class_rows: int) -> dict[str, Any]:
    frame = table.frame
    counts = class_counts(frame[target])
    total = sum(counts.values())
    majority = max(counts.values()) if counts else 0
    minority = min(counts.values()) if counts else 0
    return {
        "path": table.path,
        "fingerprint": table.fingerprint,
        "rows_read": table.n_read,
        "rows_quarantined": len(table.quarantine),
        "rows": len(frame),
        "target": target,
        "classes": [
            {"label": label, "count": count, "share": round(count / total, 6)}
            for label, count in counts.items()
        ],
        "n_classes": len(counts),
        "imbalance_ratio": round(majority / minority, 4) if minority else None,
        "small_classes": [label for label, count in counts.items() if count < min_class_rows],
        "min_class_rows": min_class_rows,
        "columns": [_column_summary(frame[name], table, name) for name in frame.columns],
    }


def _column_summary(column: pd.Series, table: TypedTable, name: str) -> dict[str, Any]:
    kind = table.types[name]
    missing = int(column.isna().sum())
    summary: dict[str, Any] = {
        "name": name,
        "type": kind,
        "inferred": name in table.inferred,
        "missing": missing,
        "missing_share": round(missing / len(column), 6) if len(column) else 0.0,
        "cardinality": int(column.nunique(dropna=True)),
    }
    if kind in ("continuous", "integer") and column.notna().any():
        values = column.dropna().astype("float64")
        low, high = _num(values.min()), _num(values.max())
        if kind == "integer":
            low, high = int(low), int(high)
        summary.update(min=low, max=high, mean=_num(values.mean()))
    if kind == "datetime" and column.notna().any():
        summary.update(min=str(column.min()), max=str(column.max()))
    if name in table.notes:
        summary["note"] = table.notes[name]
    return summary


def _num(value: float) -> float:
    return float(np.round(value, 6))


def profile_markdown(profile: dict[str, Any], dataset: str) -> str:
    """A short human summary for the Prefect artifact and the CLI."""
    lines = [
        f"# Imbalance profile: {dataset}",
        "",
        f"- rows: {profile['rows']} kept of {profile['rows_read']} read "
        f"({profile['rows_quarantined']} quarantined)",
        f"- target: `{profile['target']}` with {profile['n_classes']} classes, "
        f"imbalance ratio {profile['imbalance_ratio']}",
    ]
    if profile["small_classes"]:
        lines.append(
            f"- classes under {profile['min_class_rows']} rows: "
            + ", ".join(f"`{label}`" for label in profile["small_classes"])
        )
    lines += ["", "| class | count | share |", "|---|---:|---:|"]
    lines += [f"| {c['label']} | {c['count']} | {c['share']:.2%} |" for c in profile["classes"]]
    lines += ["", "| column | type | missing | cardinality | range |", "|---|---|---:|---:|---|"]
    for col in profile["columns"]:
        kind = col["type"] + (" (inferred)" if col["inferred"] else "")
        span = f"{col['min']} .. {col['max']}" if "min" in col else ""
        missing, cardinality = f"{col['missing_share']:.1%}", col["cardinality"]
        lines.append(f"| {col['name']} | {kind} | {missing} | {cardinality} | {span} |")
    return "\n".join(lines)


def column_rows(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per column, for a Prefect table artifact."""
    return [
        {
            "column": col["name"],
            "type": col["type"],
            "inferred": col["inferred"],
            "missing_share": col["missing_share"],
            "cardinality": col["cardinality"],
            "min": col.get("min"),
            "max": col.get("max"),
        }
        for col in profile["columns"]
    ]
