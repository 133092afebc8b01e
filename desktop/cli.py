"""`assay …`: the command line over the same Workspace facade the GUI uses."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from desktop import __version__
from desktop.core.errors import AssayError
from desktop.core.profile import default_workspace_path


def _progress_bar(desc: str, enabled: bool = True) -> tuple[Callable, Callable]:
    """A tqdm bar on a terminal (silent otherwise) and a function to close it."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(done: int, total: int, message: str) -> None:
        if not enabled:
            return
        phase = "indexing" if message == "indexing" else desc
        bar = bars.get(phase)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[phase] = tqdm(total=total, desc=phase, unit="doc", disable=None,
                                     file=sys.stderr, leave=False)
        bar.total = total
        bar.n = done
        bar.refresh()

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close


def _workspace(args, *, readonly: bool | None = None):
    from desktop.core.workspace import Workspace

    ro = args.read_only if readonly is None else readonly
    return Workspace.open(Path(args.workspace), readonly=ro)


def cmd_init(args) -> int:
    from desktop.core.workspace import Workspace

    path = Path(args.path or args.workspace)
    Workspace.create(path).close()
    print(f"Created an empty workspace in {path}")
    return 0


def cmd_demo(args) -> int:
    from desktop.core.demo import create_demo

    path = Path(args.path or args.workspace)
    update, close = _progress_bar("importing")
    try:
        ws = create_demo(path, progress=update)
    finally:
        close()
    n = ws.count_documents()
    ws.close()
    print(f"Created the demo workspace in {path} with {n} sample documents")
    return 0


def cmd_import(args) -> int:
    update, close = _progress_bar("importing")
    with _workspace(args) as ws:
        try:
            report = ws.import_paths(args.paths, progress=update)
        finally:
            close()
    if args.json:
        print(json.dumps({
            "imported": report.imported, "duplicates": report.duplicates,
            "failed": [{"path": p.path, "reason": p.reason} for p in report.failed],
            "skipped": report.skipped, "indexed": report.indexed,
            "seconds_stored": round(report.seconds_stored, 3),
            "seconds_total": round(report.seconds_total, 3),
        }, indent=2))
    else:
        print(report.summary())
        for p in report.duplicates:
            print(f"  duplicate: {p}")
        for p in report.failed:
            print(f"  failed: {p.path}: {p.reason}")
    return 1 if report.failed and not report.imported else 0


def _strip_html(fragment: str) -> str:
    import re

    return re.sub(r"\s+", " ", fragment).strip()


def cmd_search(args) -> int:
    colour = sys.stdout.isatty() and not args.json
    with _workspace(args, readonly=args.read_only) as ws:
        hits = ws.search(" ".join(args.query), limit=args.limit,
                         highlight="ansi" if colour else "plain")
    if args.json:
        print(json.dumps([{"id": h.id, "kind": h.kind, "doc_id": h.doc_id, "title": h.title,
                           "score": round(h.score, 4), "fragments": h.fragments} for h in hits],
                         indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print("No matches.")
        return 0
    for n, h in enumerate(hits, 1):
        print(f"{n:>3}. {h.title}  [{h.kind} {h.doc_id[:8]}]  score {h.score:.2f}")
        for frag in h.fragments.values():
            print(f"     {_strip_html(frag)}")
    return 0


def cmd_list(args) -> int:
    with _workspace(args, readonly=args.read_only) as ws:
        docs = ws.list_documents(order=args.sort, descending=args.desc, source=args.source,
                                 language=args.lang, marking=args.marking, since=args.since,
                                 until=args.until, text=args.title, limit=args.limit)
    if args.json:
        print(json.dumps(docs, indent=2, ensure_ascii=False))
        return 0
    for d in docs:
        date = (d["published_at"] or "")[:10]
        print(f"{d['id'][:8]}  {date:10}  {d['language']:3} {d['marking']:12} "
              f"{(d['source'] or '-')[:24]:24}  {d['title']}")
    print(f"{len(docs)} document(s)")
    return 0


def cmd_show(args) -> int:
    with _workspace(args, readonly=args.read_only) as ws:
        doc = ws.find_document(args.doc)
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(doc), indent=2, ensure_ascii=False))
        return 0
    print(f"TLP:{doc.marking}")
    print(doc.title)
    print("=" * min(len(doc.title), 78))
    for label, value in (("id", doc.id), ("source", doc.source), ("reliability", doc.reliability),
                         ("author", doc.author), ("published", doc.published_at),
                         ("language", doc.language), ("url", doc.url), ("file", doc.filename),
                         ("sha256", doc.sha256), ("imported", doc.imported_at)):
        if value:
            print(f"{label:>12}: {value}")
    print()
    print(doc.text)
    return 0


def cmd_reindex(args) -> int:
    update, close = _progress_bar("indexing")
    with _workspace(args) as ws:
        try:
            n = ws.reindex(progress=update)
        finally:
            close()
    print(f"Reindexed {n} document(s)")
    return 0


def cmd_check(args) -> int:
    with _workspace(args) as ws:
        report = ws.check()
    print(f"{report.documents} documents, {report.indexed} indexed, {report.queue} queued, "
          f"{report.audit_entries} audit entries")
    if report.ok:
        print("OK: the store, the index, the blobs and the audit log agree.")
        return 0
    for p in report.problems:
        print(f"PROBLEM: {p}")
    return 1


def cmd_backup(args) -> int:
    with _workspace(args) as ws:
        dest = ws.backup(Path(args.dest))
    print(f"Backed up to {dest} (open it with --workspace {dest})")
    return 0


def cmd_audit(args) -> int:
    with _workspace(args, readonly=True) as ws:
        result = ws.verify_audit()
    if result.ok:
        print(f"OK: {result.entries} audit entries, chain intact.")
        return 0
    print(f"BROKEN: {result.reason} (first bad entry: {result.first_bad})")
    return 1


def cmd_gui(args) -> int:
    from desktop.app import main as gui_main

    return gui_main(["--workspace", args.workspace])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assay", description="Assay: offline analyst review workbench (command line).")
    parser.add_argument("--version", action="version", version=f"assay {__version__}")
    default_ws = str(default_workspace_path())
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", "-w", default=default_ws,
                        help="workspace folder (default: $ASSAY_WORKSPACE or %(default)s)")
    common.add_argument("--read-only", action="store_true",
                        help="open the workspace without writing to it")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, fn, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(fn=fn)
        return p

    p = add("init", cmd_init, "create an empty workspace")
    p.add_argument("path", nargs="?", help="folder (default: --workspace)")
    p = add("demo", cmd_demo, "create a workspace holding the sample documents")
    p.add_argument("path", nargs="?", help="folder (default: --workspace)")
    p = add("import", cmd_import, "import files and folders (txt, md, html, pdf, docx, eml)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p = add("search", cmd_search, "full-text search (Whoosh query syntax, fields like title:)")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--limit", "-n", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p = add("list", cmd_list, "list documents")
    p.add_argument("--source")
    p.add_argument("--lang")
    p.add_argument("--marking", help="TLP marking, e.g. AMBER")
    p.add_argument("--since", help="published on or after YYYY-MM-DD")
    p.add_argument("--until", help="published on or before YYYY-MM-DD")
    p.add_argument("--title", help="title contains")
    p.add_argument("--sort", default="imported", help="title, published, imported, source, …")
    p.add_argument("--desc", action="store_true")
    p.add_argument("--limit", type=int)
    p.add_argument("--json", action="store_true")
    p = add("show", cmd_show, "show one document (by id prefix or title)")
    p.add_argument("doc", metavar="DOC")
    p.add_argument("--json", action="store_true")
    add("reindex", cmd_reindex, "rebuild the search index from the store")
    add("check", cmd_check, "check the store, index, blobs and audit log agree")
    p = add("backup", cmd_backup, "online backup of the workspace into a new folder")
    p.add_argument("dest", metavar="DEST")
    p = add("audit", cmd_audit, "audit log: `assay audit verify` walks the hash chain")
    p.add_argument("action", choices=["verify"])
    add("gui", cmd_gui, "open the desktop window")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.fn(args)
    except AssayError as exc:
        print(f"assay: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("assay: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into `head` and closed early: not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
