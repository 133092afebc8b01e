"""`assay export …` and `assay import-annotations …`: claims and annotations out and in."""

from __future__ import annotations

import json

from .common import Commands, arg, open_workspace

commands = Commands()

EXPORT_FORMATS = ("stix", "webanno", "refiqda", "csv", "html", "pdf")


def _selection(args):
    from desktop.core.exports.selection import Selection

    return Selection(
        documents=tuple(args.doc or ()),
        tags=tuple(args.tag or ()),
        analysts=tuple(args.analyst or ()),
        statuses=tuple(args.status or ()),
        ceiling=args.ceiling,
    )


@commands.command(
    "export",
    "export claims and annotations: stix | webanno | refiqda | csv | html | pdf",
    arg(
        "format",
        choices=EXPORT_FORMATS,
        metavar="FORMAT",
        help=f"one of {', '.join(EXPORT_FORMATS)}",
    ),
    arg("dest", metavar="DEST", help="file to write"),
    arg(
        "--doc",
        action="append",
        metavar="DOC",
        help="only this document (id prefix or title); repeat for more",
    ),
    arg(
        "--tag",
        action="append",
        metavar="TAG",
        help="only annotations with this tag or its children; repeat for more",
    ),
    arg(
        "--analyst",
        action="append",
        metavar="NAME",
        help="only this analyst's work (name or id); repeat for more",
    ),
    arg(
        "--status",
        action="append",
        metavar="STATUS",
        help="only annotations in this review state (draft, submitted, approved, "
        "rejected, changes_requested); repeat for more",
    ),
    arg(
        "--ceiling",
        default="RED",
        metavar="TLP",
        help="highest marking that may leave (CLEAR, GREEN, AMBER, AMBER+STRICT, RED; default RED)",
    ),
    arg("--title", default="Claims report", help="title of an html or pdf report"),
    arg("--json", action="store_true", help="print what was exported as JSON"),
)
def cmd_export(args) -> int:
    selection = _selection(args)
    # exporting only reads, so it never waits for (or blocks) a GUI holding the workspace
    with open_workspace(args, readonly=True) as ws:
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


@commands.command(
    "import-annotations",
    "import annotations from a REFI-QDA project, W3C Web Annotation file or STIX bundle",
    arg("file", metavar="FILE"),
    arg(
        "--format",
        choices=("refiqda", "webanno", "stix"),
        help="the file's format (default: from its extension or content)",
    ),
    arg("--json", action="store_true", help="print the import summary as JSON"),
)
def cmd_import_annotations(args) -> int:
    from desktop.core.imports import import_annotations

    with open_workspace(args) as ws:
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
