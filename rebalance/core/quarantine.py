"""The input contract's limit on quarantined rows, and what the refusal says about them."""

from __future__ import annotations

import pandas as pd

from rebalance.core.columns import REASON_COLUMN, TypedTable
from rebalance.core.errors import QuarantineError


def check_quarantine_share(table: TypedTable, max_share: float) -> None:
    """Fail when more rows were quarantined than the contract tolerates."""
    if table.quarantine_share > max_share:
        raise QuarantineError(
            f"{table.path}: expected at most {max_share:.1%} of rows quarantined, found "
            f"{len(table.quarantine)} of {table.n_read} ({table.quarantine_share:.1%}); "
            f"reasons: {_commonest(table.quarantine[REASON_COLUMN])}"
        )


def _commonest(reasons: pd.Series, shown: int = 3) -> str:
    """The commonest kinds of defect (a reason without its value), each with its row count
    and one value: ``column 'a': unparseable number (2 rows, e.g. 'x1') | ...``."""
    each = reasons.str.split("; ").explode()
    value = each.str.extract(r" ('[^']*')$", expand=False)  # _reasons puts it last, quoted
    kind = each.str.replace(r" '[^']*'$", "", regex=True)
    counts = kind.value_counts().head(shown)
    described = []
    for name, n in counts.items():
        example = value[kind == name].dropna()
        instance = f", e.g. {example.iloc[0]}" if len(example) else ""
        described.append(f"{name} ({n} row{'s' if n != 1 else ''}{instance})")
    return " | ".join(described)
