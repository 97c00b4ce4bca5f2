"""The tables of ``validation_matrix.py``: one per dataset (a row per seed and their mean) and
the acceptance bars over datasets."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

Row = dict[str, Any]


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def by_dataset(rows: list[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row["dataset"]].append(row)
    return groups


def _scores(row: Row, metric: str) -> tuple[float, float, float | None]:
    h = row["holdout"]
    tuned = h["real_only_tuned"][metric] if h["real_only_tuned"] else None
    return h["published"][metric], h["real_only"][metric], tuned


def _gan(row: Row, key: str) -> Any:
    return (row["gan"] or {}).get(key)


def _gan_gain(row: Row) -> float | None:
    g = row["gan_holdout"]
    return None if g is None else g["published"]["f1"] - g["real_only"]["f1"]


def _downstream_gap(row: Row) -> float:
    d = row["downstream"]
    return d["published"]["f1"] - d["real_only"]["f1"]


def _line(label: str, cells: list[Any]) -> str:
    return f"| {label} | " + " | ".join(str(c) for c in cells) + " |"


def dataset_table(name: str, rows: list[Row]) -> str:
    head = (
        "| seed | published | F1 pub / none / tuned | PR-AUC pub / none / tuned "
        "| bal. acc pub / none / tuned | GAN det. AUC | GAN KS | GAN TV | GAN gate "
        "| GAN F1 gain (holdout) | downstream tuned F1 pub / real-only | s |"
    )
    lines = [
        f"**{name}**",
        "",
        head,
        "|---|---|" + "---:|" * 3 + "---:|" * 3 + "---|" + "---:|" * 3,
    ]

    def triple(values: tuple[Any, Any, Any]) -> str:
        return " / ".join(fmt(v) for v in values)

    for row in rows:
        d = row["downstream"]
        gate = "pass" if _gan(row, "passed") else ("fail: " + ", ".join(_gan(row, "failed") or []))
        cells = [
            row["published"],
            triple(_scores(row, "f1")),
            triple(_scores(row, "pr_auc")),
            triple(_scores(row, "balanced_accuracy")),
            fmt(_gan(row, "detection_auc")),
            fmt(_gan(row, "ks_complement")),
            fmt(_gan(row, "tv_complement")),
            gate if row["gan"] else "n/a",
            fmt(_gan_gain(row)),
            f"{fmt(d['published']['f1'])} / {fmt(d['real_only']['f1'])}",
            fmt(row["wall"], 0),
        ]
        lines.append(_line(str(row["seed"]), cells))
    means = [
        ", ".join(sorted({r["published"] for r in rows})),
        *(
            " / ".join(fmt(mean([_scores(r, m)[i] for r in rows])) for i in range(3))
            for m in ("f1", "pr_auc", "balanced_accuracy")
        ),
        *(fmt(mean([_gan(r, k) for r in rows])) for k in ("detection_auc", "ks_complement")),
        fmt(mean([_gan(r, "tv_complement") for r in rows])),
        f"pass {sum(bool(_gan(r, 'passed')) for r in rows)}/{len(rows)}",
        fmt(mean([_gan_gain(r) for r in rows])),
        " / ".join(
            fmt(mean([r["downstream"][k]["f1"] for r in rows])) for k in ("published", "real_only")
        ),
        fmt(mean([r["wall"] for r in rows]), 0),
    ]
    lines.append(_line("mean", means))
    return "\n".join(lines)


def tables(rows: list[Row]) -> str:
    return "\n\n".join(dataset_table(name, group) for name, group in by_dataset(rows).items())


def summary_table(rows: list[Row]) -> str:
    """The acceptance bars, each over the datasets (means over seeds)."""
    groups = by_dataset(rows)
    detection = {n: mean([_gan(r, "detection_auc") for r in g]) for n, g in groups.items()}
    gan_pass = {n: sum(bool(_gan(r, "passed")) for r in g) * 2 > len(g) for n, g in groups.items()}
    gan_gain = {n: mean([_gan_gain(r) for r in g]) for n, g in groups.items()}
    auto_gain = {
        n: mean([_scores(r, "f1")[0] - _scores(r, "f1")[1] for r in g]) for n, g in groups.items()
    }
    downstream = {n: mean([_downstream_gap(r) for r in g]) for n, g in groups.items()}
    n = len(groups)

    def count(found: dict[str, bool]) -> str:
        hits = sorted(k for k, v in found.items() if v)
        return f"{len(hits)} of {n} ({', '.join(hits) or 'none'})"

    bars = [
        ("GAN detection AUC <= 0.90", "at least 4", count(
            {k: v is not None and v <= 0.90 for k, v in detection.items()})),
        ("GAN passes the gate (2+ of 3 seeds) and beats real-only F1 on the holdout",
         "at least 4", count({k: gan_pass[k] and (gan_gain[k] or 0) > 0 for k in groups})),
        ("auto loses no more than 0.005 F1 to real-only", "all", count(
            {k: v is not None and v >= -0.005 for k, v in auto_gain.items()})),
        ("auto beats real-only F1", "at least 4", count(
            {k: v is not None and v > 0 for k, v in auto_gain.items()})),
        ("downstream tuned F1 within 0.005 of real-only tuned", "all", count(
            {k: v is not None and v >= -0.005 for k, v in downstream.items()})),
    ]  # fmt: skip
    lines = ["| bar | needed | measured |", "|---|---|---|"]
    lines += [f"| {bar} | {needed} | {found} |" for bar, needed, found in bars]
    gains = ", ".join(
        f"{k} auto {fmt(auto_gain[k])} / GAN {fmt(gan_gain[k])} / downstream {fmt(downstream[k])}"
        for k in groups
    )
    return "\n".join(lines) + f"\n\nMean F1 gains over real-only: {gains}"


def comparison_table(runs: dict[str, list[Row]]) -> str:
    """Several runs of the matrix side by side (each cell: the runs in the order given), means
    of the seeds per dataset."""
    grouped = {label: by_dataset(rows) for label, rows in runs.items()}
    names = list(dict.fromkeys(name for groups in grouped.values() for name in groups))
    head = (
        "| dataset | published | GAN passes (of 3) | GAN F1 gain (holdout) | GAN det. AUC "
        "| auto F1 gain | downstream gap |"
    )
    lines = [f"runs: {' / '.join(runs)}", "", head, "|---|---|---|---|---|---|---|"]

    def cell(name: str, measure: Any) -> str:
        return " / ".join(
            measure(groups[name]) if name in groups else "n/a" for groups in grouped.values()
        )

    for name in names:
        cells = [
            cell(name, lambda g: ",".join(sorted({r["published"] for r in g}))),
            cell(name, lambda g: str(sum(bool(_gan(r, "passed")) for r in g))),
            cell(name, lambda g: fmt(mean([_gan_gain(r) for r in g]))),
            cell(name, lambda g: fmt(mean([_gan(r, "detection_auc") for r in g]))),
            cell(name, lambda g: fmt(mean([_scores(r, "f1")[0] - _scores(r, "f1")[1] for r in g]))),
            cell(name, lambda g: fmt(mean([_downstream_gap(r) for r in g]))),
        ]
        lines.append(_line(name, cells))
    return "\n".join(lines)


OVERSAMPLERS = ("gan", "smote", "random")
PROBABILITY_BINS = ((0.0, 0.5), (0.5, 0.8), (0.8, 1.01))


def _holdout_gain(row: Row, method: str) -> float | None:
    """The candidate's holdout minority F1 over real-only's (rows saved before every candidate
    was scored on the holdout have none)."""
    scores = (row.get("candidate_holdout") or {}).get(method)
    return None if scores is None else scores["f1"] - row["holdout"]["real_only"]["f1"]


def headroom_table(rows: list[Row]) -> str:
    """Per dataset, means of the seeds: what moving the real-only model's cut gains on the
    holdout (its tuned threshold), what each oversampler's rows gain, and how often the gate
    passed each."""
    lines = [
        "| dataset | real-only F1 | tuned cut gain | holdout F1 gain: gan / smote / random "
        "| gate passes: gan / smote / random |",
        "|---|---:|---:|---|---|",
    ]
    for name, group in by_dataset(rows).items():
        none_f1 = mean([_scores(r, "f1")[1] for r in group])
        tuned = mean([_tuned_gain(r) for r in group])
        gains = " / ".join(fmt(mean([_holdout_gain(r, m) for r in group])) for m in OVERSAMPLERS)
        passes = " / ".join(
            str(sum(bool(_candidate(r, m, "passed")) for r in group)) for m in OVERSAMPLERS
        )
        lines.append(_line(name, [fmt(none_f1), fmt(tuned), gains, passes]))
    return "\n".join(lines)


def _tuned_gain(row: Row) -> float | None:
    _, real_only, tuned = _scores(row, "f1")
    return None if tuned is None else tuned - real_only


def _candidate(row: Row, method: str, key: str) -> Any:
    return ((row.get("candidates") or {}).get(method) or {}).get(key)


def calibration_table(rows: list[Row]) -> str:
    """Every oversampler of every run, pooled, by the gate's gain probability on the selection
    rows: how often its rows beat real-only on the holdout, which the gate never saw."""
    pooled = [
        (probability, gain)
        for row in rows
        for method in OVERSAMPLERS
        if (probability := _candidate(row, method, "gain_probability")) is not None
        and (gain := _holdout_gain(row, method)) is not None
    ]
    lines = [
        "| gain probability (selection) | candidates | beat real-only on the holdout "
        "| mean holdout F1 gain |",
        "|---|---:|---:|---:|",
    ]
    for low, high in PROBABILITY_BINS:
        found = [gain for probability, gain in pooled if low <= probability < high]
        beat = sum(gain > 0 for gain in found)
        share = f"{beat} ({beat / len(found):.0%})" if found else "0"
        average = fmt(sum(found) / len(found)) if found else "n/a"
        lines.append(_line(f"{low:.1f} to {min(high, 1.0):.1f}", [len(found), share, average]))
    return "\n".join(lines)
