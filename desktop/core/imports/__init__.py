"""Annotations from other tools: REFI-QDA projects, W3C Web Annotation collections, STIX bundles."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from desktop.core.kernel.errors import (
    AnnotationImportError,
    RefiImportError,
    StixImportError,
    WebAnnotationImportError,
)

from ..workspace import Workspace
from .common import ImportSummary, anchor

FORMATS = ("refiqda", "webanno", "stix")

__all__ = [
    "FORMATS",
    "AnnotationImportError",
    "ImportSummary",
    "RefiImportError",
    "StixImportError",
    "WebAnnotationImportError",
    "anchor",
    "detect_format",
    "import_annotations",
]


def detect_format(path: Path | str) -> str:
    """'refiqda', 'webanno' or 'stix', by extension first, then by content."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        return "refiqda"
    if not path.is_file():
        raise AnnotationImportError(f"No such file: {path}")
    if zipfile.is_zipfile(path):
        return "refiqda"
    with open(path, "rb") as fh:
        head = fh.read(1024 * 1024)
    try:
        data = json.loads(head.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if isinstance(data, dict):
        if data.get("type") == "bundle":
            return "stix"
        types = data.get("type")
        types = types if isinstance(types, list) else [types]
        if {"Annotation", "AnnotationPage", "AnnotationCollection"} & set(types):
            return "webanno"
    text = head.decode("utf-8", "replace")
    if '"type": "bundle"' in text or '"type":"bundle"' in text:
        return "stix"
    if "anno.jsonld" in text or "Annotation" in text:
        return "webanno"
    raise AnnotationImportError(
        f"{path.name} is neither a REFI-QDA project (.qdpx), a W3C Web Annotation file nor a "
        "STIX 2.1 bundle; name the format with --format."
    )


def import_annotations(ws: Workspace, path: Path | str, fmt: str | None = None) -> ImportSummary:
    """Import annotations from PATH (format from its extension or content unless given)."""
    fmt = fmt or detect_format(path)
    if fmt == "refiqda":
        from .refiqda import import_refiqda

        return import_refiqda(ws, path)
    if fmt == "webanno":
        from .webanno import import_webanno

        return import_webanno(ws, path)
    if fmt == "stix":
        from .stix import import_stix

        return import_stix(ws, path)
    raise AnnotationImportError(
        f"Unknown annotation format {fmt!r}; use one of {', '.join(FORMATS)}."
    )
