"""The package version, recorded in published metadata and content keys."""

__version__ = "0.2.0"
