"""Domain exceptions, all in one place.

Every message says what was expected, what was found, and where (file and/or column), so the
CLI can print it as one line. Locations are shown with any URL password or secret redacted.
Only errors marked ``transient`` (an unreachable input) are retried by the I/O tasks; the rest
fail at once.
"""

from __future__ import annotations

from rebalance.core.redaction import redact_url


class RebalanceError(Exception):
    """Base class of every error rebalance raises on purpose."""

    transient = False  # True: the fault may pass, so I/O tasks retry before failing


class SpecError(RebalanceError):
    """The dataset spec or run config is invalid."""


class InputError(RebalanceError):
    """The input file as a whole cannot be used (whole-batch defect)."""

    def __init__(self, path: str, problem: str, column: str | None = None) -> None:
        path, problem = redact_url(path), redact_url(problem)
        where = f"{path}" if column is None else f"{path}, column {column!r}"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.column = column
        self.problem = problem


class SourceUnreachableError(InputError):
    """The input location could not be reached (network, remote service); retried first."""

    transient = True


class ContractError(RebalanceError):
    """A batch violates its data contract."""

    def __init__(self, path: str, failures: list[str]) -> None:
        path = redact_url(path)
        joined = "; ".join(failures)
        super().__init__(f"{path}: data contract failed ({len(failures)} check(s)): {joined}")
        self.path = path
        self.failures = failures


class QuarantineError(RebalanceError):
    """Too many rows were quarantined for the run to be trusted."""


class PlanError(RebalanceError):
    """The balancing plan (sampling_strategy, class sizes) cannot be carried out."""


class SamplerError(RebalanceError):
    """An oversampler was misused or cannot produce what was asked."""


class GanConfigError(SamplerError):
    """A GAN option is out of range or unknown."""


class ModelFileError(SamplerError):
    """A saved model is missing, malformed, or not in the safe format."""


class ColumnTooWideError(SamplerError):
    """A categorical column has too many distinct values to one-hot encode."""


class PublishError(RebalanceError):
    """The output location or a published version is invalid."""


class ValidationError(RebalanceError):
    """The synthetic-sample validation could not be carried out on this data."""


class GateError(RebalanceError):
    """The synthetic rows failed the gate and the policy is to publish nothing."""

    def __init__(
        self,
        dataset: str,
        method: str,
        failures: list[str],
        report: str | None,
        seconds: dict[str, float] | None = None,
    ) -> None:
        joined = "; ".join(failures)
        where = f" (report: {report})" if report else ""
        super().__init__(
            f"dataset {dataset!r}: synthetic rows from method {method!r} failed the "
            f"publishing gate, nothing published: {joined}{where}"
        )
        self.dataset = dataset
        self.method = method
        self.failures = failures
        self.report = report
        self.seconds = seconds or {}  # wall time per stage of the refused run
