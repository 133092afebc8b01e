"""`assay import | list | show | edit | remove | removed | restore`: the documents."""

from __future__ import annotations

import json
from dataclasses import asdict

from desktop.core.kernel.errors import NotFound, WorkspaceError

from .common import JSON, Commands, arg, open_workspace, print_json, progress_bar

commands = Commands()


@commands.command(
    "import",
    "import files and folders (txt, md, html, pdf, docx, eml)",
    arg("paths", nargs="+", metavar="PATH"),
    arg("--json", action="store_true", help="print the report as JSON"),
)
def cmd_import(args) -> int:
    update, close = progress_bar("importing")
    with open_workspace(args) as ws:
        try:
            report = ws.import_paths(args.paths, progress=update)
        finally:
            close()
    if args.json:
        print(
            json.dumps(
                {
                    "imported": report.imported,
                    "duplicates": report.duplicates,
                    "failed": [{"path": p.path, "reason": p.reason} for p in report.failed],
                    "skipped": report.skipped,
                    "indexed": report.indexed,
                    "seconds_stored": round(report.seconds_stored, 3),
                    "seconds_total": round(report.seconds_total, 3),
                },
                indent=2,
            )
        )
    else:
        print(report.summary())
        for p in report.duplicates:
            print(f"  duplicate: {p}")
        for p in report.failed:
            print(f"  failed: {p.path}: {p.reason}")
    return 1 if report.failed and not report.imported else 0


@commands.command(
    "list",
    "list documents",
    arg("--source"),
    arg("--lang"),
    arg("--marking", help="TLP marking, e.g. AMBER"),
    arg("--since", help="published on or after YYYY-MM-DD"),
    arg("--until", help="published on or before YYYY-MM-DD"),
    arg("--title", help="title contains"),
    arg("--sort", default="imported", help="title, published, imported, source, …"),
    arg("--desc", action="store_true"),
    arg("--limit", type=int),
    JSON,
)
def cmd_list(args) -> int:
    with open_workspace(args) as ws:
        docs = ws.list_documents(
            order=args.sort,
            descending=args.desc,
            source=args.source,
            language=args.lang,
            marking=args.marking,
            since=args.since,
            until=args.until,
            text=args.title,
            limit=args.limit,
        )
    if args.json:
        print_json(docs)
        return 0
    for d in docs:
        date = (d["published_at"] or "")[:10]
        print(
            f"{d['id'][:8]}  {date:10}  {d['language']:3} {d['marking']:12} "
            f"{(d['source'] or '-')[:24]:24}  {d['title']}"
        )
    print(f"{len(docs)} document(s)")
    return 0


@commands.command(
    "show", "show one document (by id prefix or title)", arg("doc", metavar="DOC"), JSON
)
def cmd_show(args) -> int:
    with open_workspace(args) as ws:
        doc = ws.find_document(args.doc)
    if args.json:
        print_json(asdict(doc))
        return 0
    print(f"TLP:{doc.marking}")
    print(doc.title)
    print("=" * min(len(doc.title), 78))
    for label, value in (
        ("id", doc.id),
        ("source", doc.source),
        ("reliability", doc.reliability),
        ("author", doc.author),
        ("published", doc.published_at),
        ("language", doc.language),
        ("url", doc.url),
        ("file", doc.filename),
        ("sha256", doc.sha256),
        ("imported", doc.imported_at),
    ):
        if value:
            print(f"{label:>12}: {value}")
    print()
    print(doc.text)
    return 0


@commands.command("removed", "list removed documents (restore brings one back)", JSON)
def cmd_removed(args) -> int:
    with open_workspace(args) as ws:
        removed = ws.removed_documents()
    if args.json:
        print_json(removed)
        return 0
    if not removed:
        print("No removed documents.")
    for r in removed:
        print(
            f"{r['id'][:12]}  {r['removed_at'][:16].replace('T', ' ')}  {r['title']}  "
            f"(by {r['removed_by']}; {r['annotations']} note(s) and claim(s) with it)"
        )
    return 0


@commands.command(
    "restore",
    "bring back a removed document with its notes and claims",
    arg("doc", metavar="DOC", help="id prefix or part of the title"),
)
def cmd_restore(args) -> int:
    with open_workspace(args) as ws:
        ref = args.doc.strip()
        matches = [
            r
            for r in ws.removed_documents()
            if r["id"].startswith(ref) or ref.casefold() in (r["title"] or "").casefold()
        ]
        if len(matches) != 1:
            raise NotFound(
                f"No removed document matches {ref!r}."
                if not matches
                else f"{len(matches)} removed documents match {ref!r}; give more of the "
                "title or the id."
            )
        ws.restore_document(matches[0]["id"])
    print(
        f"Restored {matches[0]['title']!r} with {matches[0]['annotations']} note(s) and claim(s)."
    )
    return 0


# option name → document field
EDIT_OPTIONS = (
    ("title", "title"),
    ("author", "author"),
    ("published", "published_at"),
    ("url", "url"),
    ("lang", "language"),
    ("marking", "marking"),
    ("source", "source"),
    ("reliability", "reliability"),
)


@commands.command(
    "edit",
    "edit a document's metadata: title, marking, source and its rating…",
    arg("doc", metavar="DOC", help="id prefix or title"),
    arg("--title"),
    arg("--author", help="'' clears it"),
    arg("--published", help="YYYY-MM-DD ('' clears it)"),
    arg("--url", help="'' clears it"),
    arg("--lang", help="language code: en, fr, zh, pt-br…"),
    arg("--marking", help="TLP marking: CLEAR, GREEN, AMBER, AMBER+STRICT, RED"),
    arg("--source", help="the outlet, agency or person ('' clears it)"),
    arg("--reliability", help="this document's own rating A–F ('' = its source's)"),
    arg("--source-reliability", help="rate the source A–F (all its documents)"),
)
def cmd_edit(args) -> int:
    values = {
        field: getattr(args, opt) for opt, field in EDIT_OPTIONS if getattr(args, opt) is not None
    }
    if "marking" in values:
        values["marking"] = values["marking"].strip().upper().removeprefix("TLP:")
    if "reliability" in values:
        values["reliability"] = values["reliability"].strip().upper()
    rating = args.source_reliability.strip().upper() if args.source_reliability else None
    if not values and rating is None:
        raise WorkspaceError(
            "Nothing to change: give at least one of --title, --author, "
            "--published, --url, --lang, --marking, --source, --reliability, "
            "--source-reliability."
        )
    with open_workspace(args) as ws:
        doc = ws.find_document(args.doc)
        ws.update_document(doc.id, source_reliability=rating, **values)
        props = ws.document_properties(doc.id)
    print(f"Edited {props['title']!r} ({doc.id[:12]}):")
    for label, key in (
        ("title", "title"),
        ("author", "author"),
        ("published", "published_at"),
        ("url", "url"),
        ("language", "language"),
        ("marking", "marking"),
    ):
        print(f"  {label}: {props[key] or '—'}")
    source = props["source"] or "—"
    if props["source"]:
        source += f" ({props['source_reliability']})"
    print(f"  source: {source}")
    print(f"  reliability: {props['reliability'] or 'as its source'}")
    return 0


@commands.command(
    "remove",
    "remove a document and its annotations from the workspace",
    arg("doc", metavar="DOC", help="id prefix or title"),
    arg("--yes", action="store_true", help="remove it (without: say what would go)"),
)
def cmd_remove(args) -> int:
    with open_workspace(args) as ws:
        doc = ws.find_document(args.doc)
        n = len(ws.annotations(doc.id))
        what = f"{doc.title!r} ({doc.id[:12]}) and its {n} note(s) and claim(s)"
        if not args.yes:
            print(
                f"Would remove {what}. Run again with --yes to remove it; importing the "
                "same file again brings the document back (its annotations stay removed)."
            )
            return 1
        ws.remove_document(doc.id)
    print(f"Removed {what}.")
    return 0
