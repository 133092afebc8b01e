"""Work leaving Assay: STIX 2.1, W3C Web Annotation, REFI-QDA, CSV and the HTML report.

The PDF report needs Qt's layout engine, so it lives in desktop.ui.pdf_report; everything here
runs headless.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core.kernel.errors import ExportError

from ..workspace import Workspace
from .output import ExportResult
from .selection import ExportSet, Selection, gather

FORMATS = ("stix", "webanno", "refiqda", "csv", "html")
EXTENSIONS = {
    "stix": ".json",
    "webanno": ".jsonld",
    "refiqda": ".qdpx",
    "csv": ".csv",
    "html": ".html",
    "pdf": ".pdf",
}

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "ExportError",
    "ExportResult",
    "ExportSet",
    "Selection",
    "export",
    "gather",
]


def export(
    ws: Workspace,
    fmt: str,
    dest: Path | str,
    selection: Selection | None = None,
    *,
    title: str = "Claims report",
) -> ExportResult:
    """Write the selection to DEST in FORMAT (one of FORMATS)."""
    if fmt == "stix":
        from .stix import export_stix

        return export_stix(ws, dest, selection)
    if fmt == "webanno":
        from .webanno import export_webanno

        return export_webanno(ws, dest, selection)
    if fmt == "refiqda":
        from .refiqda import export_refiqda

        return export_refiqda(ws, dest, selection)
    if fmt == "csv":
        from .csvexport import export_csv

        return export_csv(ws, dest, selection)
    if fmt == "html":
        from .report import export_html

        return export_html(ws, dest, selection, title=title)
    raise ExportError(
        f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)} "
        "(or pdf from the desktop or the command line)."
    )
