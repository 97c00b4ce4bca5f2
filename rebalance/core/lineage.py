"""The key-value metadata every published file carries, for traceability."""

from __future__ import annotations

from importlib import metadata as importlib_metadata
from typing import Any

from rebalance.core.config import RebalanceConfig
from rebalance.core.plan import BalancePlan
from rebalance.core.redaction import redact_url, redact_values
from rebalance.core.version import __version__

TRACKED_PACKAGES = (
    "pandas",
    "pyarrow",
    "numpy",
    "scikit-learn",
    "imbalanced-learn",
    "prefect",
    "great-expectations",
    "torch",
)


def library_versions() -> dict[str, str]:
    versions = {"rebalance": __version__}
    for package in TRACKED_PACKAGES:
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def run_metadata(
    config: RebalanceConfig,
    *,
    version: str,
    input_fingerprint: str,
    plan: BalancePlan,
    holdout_counts: dict[str, int],
    column_types: dict[str, str],
    run_id: str | None,
    method: str,
    validation: dict[str, Any] | None = None,
    rows_fitted: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Everything a published file says about how it was made. ``method`` is whose rows were
    published; ``validation`` the gate's compact record (None: not validated)."""
    metadata = {
        "version": version,
        "input_path": redact_url(config.dataset.path),
        "input_fingerprint": input_fingerprint,
        "config_hash": config.content_hash(),
        # URLs in the config (input path, inbox) may carry a password
        "config": redact_values(config.model_dump(mode="json", exclude={"output"})),
        "method": method,
        "configured_method": config.balance.method,
        # synthetic_only: synthetic rows alone in split=train, no holdout split
        "release": plan.release,
        "seed": config.balance.seed,
        "target": config.dataset.target,
        "column_types": column_types,
        "class_counts_before": plan.before,
        "class_counts_after": plan.after,
        "synthetic_counts": plan.to_generate,
        "excluded_classes": plan.excluded,
        "holdout_class_counts": holdout_counts,
        "library_versions": library_versions(),
        "run_id": run_id,
    }
    if plan.basis is not None:  # sampling_strategy f1: what it measured, in one line
        metadata["sampling_amount"] = plan.basis
    if rows_fitted is not None:  # e.g. a GAN fitted on a stratified sample of a large table
        metadata["sampler_rows"] = {"fitted": rows_fitted[0], "given": rows_fitted[1]}
    if validation is not None:
        metadata["validation"] = validation
    return metadata
