"""Shipped resources: the sample corpus, themes, report templates (package data)."""
