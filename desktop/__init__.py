"""Assay: desktop workbench for offline analyst review."""

__version__ = "0.1.0"
