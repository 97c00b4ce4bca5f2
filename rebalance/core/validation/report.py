"""The validation report: one self-contained HTML file (inline CSS, plots as data URIs, no
network), written beside each published version and for each refused one."""

from __future__ import annotations

import base64
import html
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rebalance.core.plan import BalancePlan
from rebalance.core.validation import plots
from rebalance.core.validation.decision import GateDecision
from rebalance.core.validation.gate import CandidateResult
from rebalance.core.validation.glossary import GLOSSARY, explain
from rebalance.core.validation.holdout import HoldoutScores
from rebalance.core.validation.utility import UTILITY_METRICS, UtilityScores

MAX_MARGINAL_CLASSES = 3  # minority classes plotted column by column
MAX_MARGINAL_COLUMNS = 16

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem;
color:#1d2430;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
td,th{border:1px solid #d5d9e0;padding:.25rem .5rem;text-align:right}
th{background:#f2f4f7}td.l,th.l{text-align:left}
.pass{color:#17803d;font-weight:600}.reported{color:#a15c00}
abbr{text-decoration:underline dotted;cursor:help}
.fail{color:#c0262d;font-weight:600}.na{color:#888}
.decision{padding:.75rem 1rem;border-radius:6px;margin:1rem 0}
.publish{background:#e7f6ec}.refuse{background:#fdecec}.publish_real_only{background:#fff6e0}
img{max-width:100%;display:block;margin:.5rem 0}
"""

# Marks the page once every plot has decoded: the browser test reads these attributes.
SCRIPT = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var ok = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images', String(images.length));
  document.body.setAttribute('data-images-ok', String(ok));
});
"""


@dataclass
class ReportData:
    dataset: str
    version: str
    decision: GateDecision
    candidates: dict[str, CandidateResult]
    baseline: UtilityScores
    tuned: UtilityScores | None
    plan: BalancePlan
    published_after: dict[str, int]
    types: Mapping[str, str]
    target: str
    train: pd.DataFrame
    synthetic: dict[str, pd.DataFrame | None]
    histories: dict[str, dict[str, Any]] = field(default_factory=dict)  # per training method
    thresholds: dict[str, Any] = field(default_factory=dict)
    holdout: HoldoutScores | None = None  # the published rows, scored once after deciding


def render(data: ReportData) -> str:
    sections = [
        _header(data),
        _section(
            "Class balance", _image(plots.class_balance(data.plan.before, data.published_after))
        ),
        _section("Utility on the reported holdout", _holdout_table(data)),
        _section("Utility on the selection rows (what the gate decided on)", _utility_table(data)),
        _section("Gate checks", _checks(data)),
        _section("Real versus synthetic", _marginals(data)),
    ]
    for method, history in data.histories.items():
        sections.append(_section(f"Training of {method}", _image(plots.loss_curves(history))))
    sections.append(_section("Thresholds", _thresholds(data.thresholds)))
    sections.append(_section("Glossary", _glossary()))
    title = html.escape(f"rebalance report: {data.dataset} {data.version}")
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{CSS}</style></head><body>{''.join(sections)}"
        f"<script>{SCRIPT}</script></body></html>"
    )


def _e(value: Any) -> str:
    return html.escape(str(value))


def _section(title: str, body: str) -> str:
    return f"<h2>{_e(title)}</h2>{body}"


def _image(png: bytes | None) -> str:
    if png is None:
        return "<p class='na'>not applicable</p>"
    encoded = base64.b64encode(png).decode("ascii")
    return f"<img alt='plot' src='data:image/png;base64,{encoded}'>"


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<span class='na'>n/a</span>"
    return f"{value:.3f}"


def _header(data: ReportData) -> str:
    d = data.decision
    failures = "".join(f"<li>{_e(f)}</li>" for f in d.failures)
    failures_html = (
        f"<p>Failed checks of {_e(d.evaluated)}:</p><ul>{failures}</ul>" if failures else ""
    )
    words = {
        "publish": "published",
        "publish_real_only": "published real rows only",
        "refuse": "refused: nothing published",
    }
    return (
        f"<h1>rebalance validation report: {_e(data.dataset)}</h1>"
        f"<p>version <code>{_e(data.version)}</code>, target <code>{_e(data.target)}</code>, "
        f"written {_e(time.strftime('%Y-%m-%d %H:%M:%S %Z'))}</p>"
        f"<div class='decision {_e(d.outcome)}'><b>Gate decision: {_e(words[d.outcome])}</b> "
        f"(method {_e(d.method)}, configured {_e(d.evaluated)}, policy {_e(d.policy)}, "
        f"release {_term(data.plan.release)}).<br>"
        f"{_e(d.reason)}{failures_html}</div>{_lines(d)}"
    )


def _lines(decision: GateDecision) -> str:
    items = "".join(f"<li>{_e(line)}</li>" for line in decision.lines.values())
    return f"<p>Why each candidate was or was not published:</p><ul>{items}</ul>" if items else ""


def _term(name: str) -> str:
    """A name with its plain-words explanation on hover."""
    words = explain(name)
    if not words:
        return _e(name)
    return f"<abbr title='{_e(words)}'>{_e(name)}</abbr>"


def _glossary() -> str:
    rows = "".join(
        f"<tr><td class='l'><code>{_e(k)}</code></td><td class='l'>{_e(v)}</td></tr>"
        for k, v in GLOSSARY.items()
    )
    return f"<table>{rows}</table>"


def _holdout_table(data: ReportData) -> str:
    scores = data.holdout
    if scores is None:
        return "<p class='na'>nothing was published, so nothing was scored on the holdout</p>"
    published = f"published ({scores.method})"
    if scores.release == "synthetic_only":
        published = f"published synthetic rows alone ({scores.method}, TSTR)"
    rows: list[tuple[str, UtilityScores]] = [
        (published, scores.published),
        ("none (real rows only)", scores.real_only),
    ]
    if scores.real_only_tuned is not None:
        threshold = scores.real_only_tuned.threshold or 0.0
        rows.append((f"none, threshold tuned ({threshold:.3f})", scores.real_only_tuned))
    note = (
        "<p>Scored once, after the gate decided: one classifier trained on the published train "
        "split and on the real train rows alone, scored on the real holdout rows, which no "
        "sampler and no decision saw. Minority-class scores (binary: the smaller class; "
        "otherwise the mean over the synthesized classes).</p>"
    )
    return note + _scores_table(rows)


def _scores_table(rows: list[tuple[str, UtilityScores]]) -> str:
    head = "".join(f"<th>{_term(m)}</th>" for m in UTILITY_METRICS)
    body = "".join(
        f"<tr><td class='l'>{_e(name)}</td>"
        + "".join(f"<td>{_fmt(getattr(s, m))}</td>" for m in UTILITY_METRICS)
        + f"<td>{s.train_rows}</td><td>{s.scored_rows or ''}</td></tr>"
        for name, s in rows
    )
    return (
        f"<table><tr><th class='l'>train set</th>{head}<th>train rows</th>"
        f"<th>{_term('scored rows')}</th></tr>{body}</table>"
    )


def _utility_table(data: ReportData) -> str:
    rows: list[tuple[str, UtilityScores]] = [("none (real rows only)", data.baseline)]
    if data.tuned is not None:
        label = f"none, threshold tuned ({data.tuned.threshold:.3f})"
        rows.append((label, data.tuned))
    for method, result in data.candidates.items():
        if method != "none":
            rows.append((method, result.utility))
    trained = "the fit rows (with each candidate's synthetic rows, scaled to them)"
    if data.plan.release == "synthetic_only":
        trained = "the fit rows, and on each candidate's synthetic rows alone (TSTR; scaled to "
        trained += "the fit rows)"
    note = (
        "<p>What the gate and <code>method: auto</code> decided on: one classifier trained on "
        f"{trained} and scored on the {_term('selection')} rows, which no sampler saw.</p>"
    )
    return note + _scores_table(rows)


def _checks(data: ReportData) -> str:
    parts = []
    for method, result in data.candidates.items():
        verdict = (
            "<span class='pass'>pass</span>" if result.passed else "<span class='fail'>fail</span>"
        )
        rows = []
        passed_contract = [c for c in result.checks if c.group == "contract" and c.passed]
        if passed_contract:
            rows.append(
                f"<tr><td class='l'>contract</td><td class='l'>{len(passed_contract)} contract "
                "check(s): columns, dtypes, domains, ranges, null shares, labels, row counts</td>"
                "<td></td><td></td><td class='pass'>pass</td><td class='l'>passed</td></tr>"
            )
        shown = [c for c in result.checks if not (c.group == "contract" and c.passed)]
        for check in sorted(shown, key=lambda c: c.passed):
            mark = "pass" if check.passed else ("fail" if check.gating else "reported")
            limit = "" if check.threshold is None else _fmt(check.threshold)
            if check.value is None and check.detail == "not applicable":
                mark = "na"
            rows.append(
                f"<tr><td class='l'>{_term(check.group)}</td><td class='l'>{_term(check.name)}</td>"
                f"<td>{_fmt(check.value)}</td>"
                f"<td>{_e(check.comparison or '')} {limit}</td>"
                f"<td class='{mark}'>{_e(mark if mark != 'na' else 'n/a')}</td>"
                f"<td class='l'>{_e(check.detail)}</td></tr>"
            )
        seconds = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        title = f"{_e(method)}: {verdict} ({result.synthetic_rows} synthetic rows; {_e(seconds)})"
        parts.append(
            f"<h3>{title}</h3><table><tr><th class='l'>group</th><th class='l'>check</th>"
            "<th>value</th><th>threshold</th><th>result</th><th class='l'>detail</th></tr>"
            f"{''.join(rows)}</table>"
        )
    return "".join(parts)


def _featured(data: ReportData) -> str | None:
    """The method whose rows are plotted: the published one, else the configured one."""
    for method in (data.decision.method, data.decision.evaluated, *data.candidates):
        rows = data.synthetic.get(method)
        if rows is not None and not rows.empty:
            return method
    return None


def _marginals(data: ReportData) -> str:
    method = _featured(data)
    if method is None:
        return "<p class='na'>no synthetic rows to compare</p>"
    synthetic = data.synthetic[method]
    assert synthetic is not None  # _featured checked it
    features = [c for c in data.train.columns if c != data.target][:MAX_MARGINAL_COLUMNS]
    parts = [f"<p>Rows of method <b>{_e(method)}</b>.</p>"]
    real_labels = data.train[data.target].astype(str)
    synthetic_labels = synthetic[data.target].astype(str)
    minority_first = dict.fromkeys([*data.plan.oversampled, *data.plan.to_generate])
    for label in list(minority_first)[:MAX_MARGINAL_CLASSES]:
        real = data.train.loc[real_labels == label, features]
        fake = synthetic.loc[synthetic_labels == label, features]
        if fake.empty:
            continue
        parts.append(_image(plots.marginals(real, fake, data.types, label)))
        parts.append(_image(plots.correlation_difference(real, fake, data.types, label)))
    return "".join(parts)


def _thresholds(thresholds: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><td class='l'>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in thresholds.items()
    )
    return f"<table>{rows}</table>"
