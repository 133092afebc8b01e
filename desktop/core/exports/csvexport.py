"""CSV of claims: one row per claim, UTF-8 with a BOM so spreadsheets pick the encoding.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and some with a leading tab or
carriage return) as a formula, so such cells get a leading apostrophe: Excel and LibreOffice
then show the text as typed (the apostrophe is visible only in the cell editor); a program
reading the file sees the apostrophe and can strip it. Rows end in CRLF and cells with line
breaks are quoted, as RFC 4180 and the spreadsheets expect.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..kernel import scales
from ..workspace import Workspace
from .output import ExportResult, write_atomic
from .selection import ExportSet, Selection, gather

COLUMNS = (
    "document_title",
    "document_id",
    "quote",
    "statement",
    "credibility",
    "credibility_meaning",
    "reliability",
    "reliability_meaning",
    "admiralty",
    "likelihood",
    "likelihood_band",
    "confidence",
    "stix_confidence",
    "tags",
    "status",
    "analyst",
    "last_reviewer",
    "last_decision",
    "last_review_comment",
    "marking",
    "claim_id",
    "created_at",
    "updated_at",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def claim_rows(data: ExportSet) -> list[dict]:
    rows = []
    for entry in data.documents:
        doc = entry.document
        for ann in entry.annotations:
            if ann.kind != "claim":
                continue
            last = data.last_decision(ann.id)
            rows.append(
                {
                    "document_title": doc.title,
                    "document_id": doc.id,
                    "quote": ann.quote,
                    "statement": ann.statement,
                    "credibility": ann.credibility or "",
                    "credibility_meaning": scales.CREDIBILITY.get(ann.credibility or 0, ""),
                    "reliability": ann.reliability or "",
                    "reliability_meaning": scales.RELIABILITY.get(ann.reliability or "", ""),
                    "admiralty": scales.admiralty_code(ann.reliability, ann.credibility),
                    "likelihood": scales.likelihood_label(ann.likelihood),
                    "likelihood_band": scales.likelihood_band(ann.likelihood),
                    "confidence": ann.confidence or "",
                    "stix_confidence": scales.stix_confidence(ann.credibility, ann.confidence)
                    or "",
                    "tags": "; ".join(ann.tags),
                    "status": ann.status.replace("_", " "),
                    "analyst": ann.analyst,
                    "last_reviewer": last.reviewer if last else "",
                    "last_decision": last.decision.replace("_", " ") if last else "",
                    "last_review_comment": last.comment if last else "",
                    "marking": f"TLP:{doc.marking}",
                    "claim_id": ann.id,
                    "created_at": ann.created_at,
                    "updated_at": ann.updated_at,
                }
            )
    return rows


def claims_csv(data: ExportSet) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in claim_rows(data):
        writer.writerow({k: defuse(v) for k, v in row.items()})
    return buf.getvalue()


def export_csv(ws: Workspace, dest: Path | str, selection: Selection | None = None) -> ExportResult:
    """Write one row per selected claim to DEST (UTF-8 with BOM, CRLF rows)."""
    data = gather(ws, selection)
    return ExportResult.of(write_atomic(dest, claims_csv(data).encode("utf-8-sig")), "CSV", data)
