"""`assay export …` and `assay import-annotations …`: registered into desktop.cli's parser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

EXPORT_FORMATS = ("stix", "webanno", "refiqda", "csv", "html", "pdf")


def _open(args, *, readonly: bool):
    from desktop.core.workspace import Workspace

    return Workspace.open(Path(args.workspace), readonly=readonly or args.read_only)


def _selection(args):
    from desktop.core.exports.selection import Selection

    return Selection(
        documents=tuple(args.doc or ()),
        tags=tuple(args.tag or ()),
        analysts=tuple(args.analyst or ()),
        statuses=tuple(args.status or ()),
        ceiling=args.ceiling,
    )


def cmd_export(args) -> int:
    selection = _selection(args)
    # exporting only reads, so it never waits for (or blocks) a GUI holding the workspace
    with _open(args, readonly=True) as ws:
        if args.format == "pdf":
            from desktop.ui.pdf_report import ensure_application, export_pdf

            ensure_application()
            result = export_pdf(ws, args.dest, selection, title=args.title)
        else:
            from desktop.core.exports import export

            result = export(ws, args.format, args.dest, selection, title=args.title)
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(result.path),
                    "format": result.format,
                    "documents": result.documents,
                    "annotations": result.annotations,
                    "claims": result.claims,
                    "highest_marking": result.highest_marking,
                    "withheld": result.withheld,
                },
                indent=2,
            )
        )
    else:
        print(result.summary())
    return 0


def cmd_import_annotations(args) -> int:
    from desktop.core.imports import import_annotations

    with _open(args, readonly=False) as ws:
        summary = import_annotations(ws, args.file, args.format)
    if args.json:
        print(
            json.dumps(
                {
                    "format": summary.format,
                    "annotations": summary.annotations_created,
                    "duplicates": summary.duplicates,
                    "links": summary.links_created,
                    "documents_created": summary.documents_created,
                    "markings_raised": summary.markings_raised,
                    "reviews": summary.reviews_created,
                    "reviews_not_applied": summary.reviews_not_applied,
                    "skipped": summary.skipped,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(summary.summary())
        for reason in summary.skipped:
            print(f"  skipped: {reason}")
    return 0


def register(sub, common: argparse.ArgumentParser, add) -> None:
    """Add the export and import-annotations commands (call from desktop.cli.build_parser)."""
    del sub, common  # `add` already attaches the shared --workspace/--read-only options
    p = add(
        "export",
        cmd_export,
        "export claims and annotations: stix | webanno | refiqda | csv | html | pdf",
    )
    p.add_argument(
        "format",
        choices=EXPORT_FORMATS,
        metavar="FORMAT",
        help=f"one of {', '.join(EXPORT_FORMATS)}",
    )
    p.add_argument("dest", metavar="DEST", help="file to write")
    p.add_argument(
        "--doc",
        action="append",
        metavar="DOC",
        help="only this document (id prefix or title); repeat for more",
    )
    p.add_argument(
        "--tag",
        action="append",
        metavar="TAG",
        help="only annotations with this tag or its children; repeat for more",
    )
    p.add_argument(
        "--analyst",
        action="append",
        metavar="NAME",
        help="only this analyst's work (name or id); repeat for more",
    )
    p.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="only annotations in this review state (draft, submitted, approved, "
        "rejected, changes_requested); repeat for more",
    )
    p.add_argument(
        "--ceiling",
        default="RED",
        metavar="TLP",
        help="highest marking that may leave (CLEAR, GREEN, AMBER, AMBER+STRICT, RED; default RED)",
    )
    p.add_argument("--title", default="Claims report", help="title of an html or pdf report")
    p.add_argument("--json", action="store_true", help="print what was exported as JSON")
    p = add(
        "import-annotations",
        cmd_import_annotations,
        "import annotations from a REFI-QDA project, W3C Web Annotation file or STIX bundle",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--format",
        choices=("refiqda", "webanno", "stix"),
        help="the file's format (default: from its extension or content)",
    )
    p.add_argument("--json", action="store_true", help="print the import summary as JSON")
