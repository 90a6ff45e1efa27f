"""The service package: `python -m <package>` runs it (see docs/contract.md)."""

__version__ = "0.1.0"
