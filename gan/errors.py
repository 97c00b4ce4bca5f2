"""GAN errors: they are rebalance domain errors, so the CLI prints them as one line."""

from __future__ import annotations

from rebalance.errors import SamplerError


class GanConfigError(SamplerError):
    """A GAN option is out of range or unknown."""


class ModelFileError(SamplerError):
    """A saved model is missing, malformed, or not in the safe format."""


class ColumnTooWideError(SamplerError):
    """A categorical column has too many distinct values to one-hot encode."""
