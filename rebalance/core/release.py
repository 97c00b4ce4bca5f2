"""Release kinds: what a published version holds, and the settings each one rules out.

- ``augmented``: the synthetic rows beside the real train rows, and the real holdout split.
  Privacy is reported, not gating: the real rows ship anyway.
- ``synthetic_only``: synthetic rows of every class and no real row, for sharing. Privacy
  gates, utility is train-synthetic-test-real, and no setting may lead to real rows being
  published instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rebalance.core.gate_config import ValidationConfig

Release = Literal["augmented", "synthetic_only"]


def check_release(validation: ValidationConfig, method: str | None = None) -> None:
    """A synthetic-only release never publishes real rows, so nothing that would may be set.
    ``method``: the configured ``balance.method``, when known."""
    if validation.release != "synthetic_only":
        return
    where = "validation.release is 'synthetic_only' (synthetic rows only, for sharing)"
    if not validation.enabled:
        raise ValueError(
            f"{where}: expected validation.enabled: true (privacy gates it), found false"
        )
    if validation.on_failure == "publish_real_only":
        raise ValueError(
            f"{where}: expected validation.on_failure 'fail' or 'fallback', found "
            "'publish_real_only', which would publish the real rows"
        )
    if validation.on_failure == "fallback" and "none" in validation.fallback_methods:
        raise ValueError(
            f"{where}: expected validation.fallback_methods without 'none' (real rows only), "
            f"found {validation.fallback_methods}"
        )
    if method == "none":
        raise ValueError(
            f"{where}: expected balance.method to generate rows (random, smote, gan or auto), "
            "found 'none' (real rows only, nothing synthetic to share)"
        )
