"""`assay …`: the command line over the same Workspace facade the GUI uses."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from desktop import __version__
from desktop.core.kernel.errors import AssayError, NotFound, WorkspaceError
from desktop.core.kernel.profile import default_workspace_path


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


def cmd_edit(args) -> int:
    values = {field: getattr(args, opt) for opt, field in EDIT_OPTIONS
              if getattr(args, opt) is not None}
    if "marking" in values:
        values["marking"] = values["marking"].strip().upper().removeprefix("TLP:")
    if "reliability" in values:
        values["reliability"] = values["reliability"].strip().upper()
    rating = args.source_reliability.strip().upper() if args.source_reliability else None
    if not values and rating is None:
        raise WorkspaceError("Nothing to change: give at least one of --title, --author, "
                             "--published, --url, --lang, --marking, --source, --reliability, "
                             "--source-reliability.")
    with _workspace(args) as ws:
        doc = ws.find_document(args.doc)
        ws.update_document(doc.id, source_reliability=rating, **values)
        props = ws.document_properties(doc.id)
    print(f"Edited {props['title']!r} ({doc.id[:12]}):")
    for label, key in (("title", "title"), ("author", "author"), ("published", "published_at"),
                       ("url", "url"), ("language", "language"), ("marking", "marking")):
        print(f"  {label}: {props[key] or '—'}")
    source = props["source"] or "—"
    if props["source"]:
        source += f" ({props['source_reliability']})"
    print(f"  source: {source}")
    print(f"  reliability: {props['reliability'] or 'as its source'}")
    return 0


def cmd_remove(args) -> int:
    with _workspace(args) as ws:
        doc = ws.find_document(args.doc)
        n = len(ws.annotations(doc.id))
        what = f"{doc.title!r} ({doc.id[:12]}) and its {n} note(s) and claim(s)"
        if not args.yes:
            print(f"Would remove {what}. Run again with --yes to remove it; importing the "
                  "same file again brings the document back (its annotations stay removed).")
            return 1
        ws.remove_document(doc.id)
    print(f"Removed {what}.")
    return 0


def cmd_removed(args) -> int:
    with _workspace(args, readonly=args.read_only) as ws:
        removed = ws.removed_documents()
    if not removed:
        print("No removed documents.")
    for r in removed:
        print(f"{r['id'][:12]}  {r['removed_at'][:16].replace('T', ' ')}  {r['title']}  "
              f"(by {r['removed_by']}; {r['annotations']} note(s) and claim(s) with it)")
    return 0


def cmd_restore(args) -> int:
    with _workspace(args) as ws:
        ref = args.doc.strip()
        matches = [r for r in ws.removed_documents()
                   if r["id"].startswith(ref) or ref.casefold() in (r["title"] or "").casefold()]
        if len(matches) != 1:
            raise NotFound(f"No removed document matches {ref!r}." if not matches else
                           f"{len(matches)} removed documents match {ref!r}; give more of the "
                           "title or the id.")
        ws.restore_document(matches[0]["id"])
    print(f"Restored {matches[0]['title']!r} with {matches[0]['annotations']} note(s) and "
          "claim(s).")
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


# -- annotations, claims, tags, links ---------------------------------------------------------
def _locate(doc, args) -> tuple[int, int]:
    """The span named by --quote (nth occurrence) or by --start/--end."""
    from desktop.core.kernel.errors import AnnotationError

    if args.quote:
        start, n = -1, 0
        while n < args.occurrence:
            start = doc.text.find(args.quote, start + 1)
            if start < 0:
                raise AnnotationError(
                    f"{args.quote!r} does not occur {args.occurrence} time(s) in {doc.title!r}.")
            n += 1
        return start, start + len(args.quote)
    if args.start is None or args.end is None:
        raise AnnotationError("Give the span with --quote TEXT or with --start N --end N.")
    return args.start, args.end


def _span_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc", metavar="DOC", help="document id prefix or title")
    p.add_argument("--quote", "-q", help="the exact text to mark")
    p.add_argument("--occurrence", type=int, default=1, help="which occurrence of --quote")
    p.add_argument("--start", type=int, help="start offset (code points)")
    p.add_argument("--end", type=int, help="end offset, exclusive")
    p.add_argument("--comment", default="")
    p.add_argument("--tag", "-t", action="append", default=[], help="tag (repeatable)")


def _rating_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--statement", "-s")
    p.add_argument("--credibility", "-c", help="Admiralty credibility 1–6")
    p.add_argument("--likelihood", "-l", help="ICD 203 term, e.g. likely, very_unlikely")
    p.add_argument("--confidence", help="low, moderate or high")
    p.add_argument("--rationale")


def _print_annotation(a, links=()) -> None:
    print(f"{a.kind.upper()} {a.id}  [{a.status}]  by {a.analyst}")
    print(f"  document: {a.document_title}  ({a.start}–{a.end})")
    print(f"  quote:    \u201c{a.quote}\u201d")
    if a.kind == "claim":
        print(f"  claim:    {a.statement}")
        print(f"  rating:   {a.rating}")
        if a.rationale:
            print(f"  rationale: {a.rationale}")
    if a.comment:
        print(f"  comment:  {a.comment}")
    if a.tags:
        print(f"  tags:     {', '.join(a.tags)}")
    for link in links:
        arrow = "->" if link.from_id == a.id else "<-"
        print(f"  {arrow} {link.relation}: {link.other_statement} ({link.other_document})"
              f"  [link {link.id[:8]}]")


def _annotation_json(a) -> dict:
    from dataclasses import asdict

    d = asdict(a)
    d["admiralty"] = a.admiralty
    d["rating"] = a.rating
    return d


def cmd_annotate(args) -> int:
    with _workspace(args) as ws:
        doc = ws.find_document(args.doc)
        start, end = _locate(doc, args)
        ch = ws.add_note(doc.id, start, end, comment=args.comment, tags=args.tag)
        _print_annotation(ws.annotation(ch.created))
    return 0


def cmd_claim(args) -> int:
    with _workspace(args, readonly=args.read_only or args.action in ("list", "show")) as ws:
        if args.action == "add":
            doc = ws.find_document(args.doc)
            start, end = _locate(doc, args)
            ch = ws.add_claim(doc.id, start, end, args.statement or "",
                              credibility=args.credibility, likelihood=args.likelihood,
                              confidence=args.confidence, rationale=args.rationale or "",
                              comment=args.comment, tags=args.tag)
            _print_annotation(ws.annotation(ch.created))
        elif args.action == "rate":
            values = {k: getattr(args, k) for k in ("statement", "credibility", "likelihood",
                                                    "confidence", "rationale", "comment")
                      if getattr(args, k) is not None}
            a = ws.annotation(args.id)
            ws.edit_claim(a.id, **values)
            _print_annotation(ws.annotation(a.id))
        elif args.action == "show":
            a = ws.annotation(args.id)
            if args.json:
                print(json.dumps(_annotation_json(a), indent=2, ensure_ascii=False))
            else:
                _print_annotation(a, ws.links(a.id))
        else:
            doc = ws.find_document(args.doc).id if args.doc else None
            claims = ws.claims(status=args.status, tag=args.tag, analyst=args.analyst,
                               document=doc, likelihood=args.likelihood,
                               kind=None if args.all else "claim")
            if args.json:
                print(json.dumps([_annotation_json(a) for a in claims], indent=2,
                                 ensure_ascii=False))
            else:
                for a in claims:
                    print(f"{a.id[:8]}  {a.status:17} {a.admiralty:3} "
                          f"{scales_label(a.likelihood):20} {a.statement or a.quote[:60]}")
                print(f"{len(claims)} claim(s)")
    return 0


def scales_label(likelihood: str | None) -> str:
    from desktop.core.kernel.scales import likelihood_label

    return likelihood_label(likelihood) or "-"


def cmd_tag(args) -> int:
    with _workspace(args, readonly=args.read_only or args.action == "list") as ws:
        if args.action == "list":
            for t in ws.tags():
                depth = t["name"].count("/")
                print(f"{'  ' * depth}{t['name'].rsplit('/', 1)[-1]:30} {t['colour']}  "
                      f"{t['uses']} use(s)")
        elif args.action == "add":
            ws.tag_annotation(ws.annotation(args.id).id, args.args)
        elif args.action == "remove":
            ws.untag_annotation(ws.annotation(args.id).id, args.args)
        elif args.action == "rename":
            ws.rename_tag(*args.args[:2])
        elif args.action == "merge":
            ws.merge_tags(*args.args[:2])
        elif args.action == "colour":
            ws.set_tag_colour(*args.args[:2])
        elif args.action == "delete":
            ws.delete_tag(args.args[0])
        if args.action != "list":
            print(f"{args.action}: done")
    return 0


def cmd_link(args) -> int:
    with _workspace(args, readonly=args.read_only or args.action == "list") as ws:
        if args.action == "add":
            a, b = ws.annotation(args.first).id, ws.annotation(args.second).id
            ch = ws.link_claims(a, b, args.relation, args.comment)
            print(f"Linked: {a[:8]} {args.relation} {b[:8]} (link {ch.created[:8]})")
        elif args.action == "remove":
            ws.unlink(args.first)
            print("Link removed")
        else:
            a = ws.annotation(args.first)
            for link in ws.links(a.id):
                arrow = "->" if link.from_id == a.id else "<-"
                print(f"{link.id[:8]} {arrow} {link.relation:13} {link.other_statement}"
                      f" ({link.other_document})")
    return 0


# -- review and identity --------------------------------------------------------------------------
def cmd_review(args) -> int:
    readonly = args.read_only or args.action in ("queue", "history", "returned")
    with _workspace(args, readonly=readonly) as ws:
        if args.action == "queue":
            items = ws.review_queue(analyst=args.analyst, tag=args.tag,
                                    older_than_days=args.older_than)
            for a in items:
                print(f"{a.id[:8]}  {a.analyst[:18]:18} {a.admiralty:3} "
                      f"{scales_label(a.likelihood):20} {a.statement or a.quote[:60]}")
            print(f"{len(items)} waiting for review")
        elif args.action == "returned":
            for a in ws.returned_to_me():
                last = ws.last_review(a.id)
                print(f"{a.id[:8]}  {a.status:17} {a.statement or a.quote[:60]}")
                if last:
                    print(f"          {last.reviewer}: {last.comment}")
        elif args.action == "history":
            a = ws.annotation(args.id)
            _print_annotation(a)
            print("  review thread:")
            for r in ws.reviews(a.id):
                print(f"    {r.created_at[:19]}  {r.reviewer}: {r.decision}"
                      f"{' (' + r.opinion + ')' if r.opinion else ''}  {r.comment}"
                      f"{'  [imported from ' + r.imported_from + ']' if r.imported_from else ''}")
            print("  changes:")
            for h in ws.history(a.id):
                print(f"    {h['at'][:19]}  {h['actor']}: {h['action']}")
        elif args.action == "submit":
            if args.doc:
                ws.submit_document(ws.find_document(args.id).id, args.comment)
            else:
                ws.submit(ws.annotation(args.id).id, args.comment)
            print("Submitted for review")
        else:
            decision = args.action.replace("-", "_")
            a = ws.annotation(args.id)
            ws.review(a.id, decision, args.comment, opinion=args.opinion)
            print(f"{decision.replace('_', ' ')}: {a.statement or a.quote[:60]}")
    return 0


def _alpha(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def cmd_agreement(args) -> int:
    with _workspace(args, readonly=True) as ws:
        doc = ws.find_document(args.doc) if args.doc else None
        report = ws.agreement(doc.id if doc else None)
    if args.json:
        print(json.dumps({
            "analysts": [report.names.get(a, a) for a in report.analysts],
            "units": report.units, "shared_units": report.shared_units,
            "single_share": report.single_share, "alpha_tags": report.alpha_tags,
            "alpha_credibility": report.alpha_credibility,
            "alpha_likelihood": report.alpha_likelihood,
            "pairs": [{"a": report.names.get(a, a), "b": report.names.get(b, b),
                       "alpha_tags": p.alpha_tags, "alpha_credibility": p.alpha_credibility,
                       "alpha_likelihood": p.alpha_likelihood, "single_share": p.single_share}
                      for (a, b), p in report.pairs.items()],
        }, indent=2))
        return 0
    where = f"on {doc.title!r}" if doc else "across the workspace"
    names = ", ".join(report.names.get(a, a) for a in report.analysts) or "nobody"
    print(f"Agreement {where}: {names}")
    if len(report.analysts) < 2:
        print("Agreement needs at least two analysts who annotated the same documents.")
        return 0
    share = "n/a" if report.single_share is None else f"{report.single_share:.0%}"
    print(f"  spans: {report.units} ({report.shared_units} marked by 2+ analysts; "
          f"{share} by one analyst only)")
    print(f"  Krippendorff's alpha — tags (nominal) {_alpha(report.alpha_tags)}, "
          f"credibility (ordinal) {_alpha(report.alpha_credibility)}, "
          f"likelihood (ordinal) {_alpha(report.alpha_likelihood)}")
    for (a, b), p in report.pairs.items():
        print(f"  {report.names.get(a, a)} × {report.names.get(b, b)}: tags "
              f"{_alpha(p.alpha_tags)}, credibility {_alpha(p.alpha_credibility)}, "
              f"likelihood {_alpha(p.alpha_likelihood)}")
    return 0


def cmd_whoami(args) -> int:
    from desktop.core.kernel.profile import ROLES, load_profile

    profile = load_profile()
    if args.name or args.role:
        if args.role and args.role not in ROLES:
            print(f"assay: role must be one of {', '.join(ROLES)}", file=sys.stderr)
            return 1
        profile.name = args.name or profile.name
        profile.role = args.role or profile.role
        profile.configured = True
        profile.save()
    from desktop.core.kernel import keys

    fp = keys.fingerprint(keys.public_raw(
        keys.load_or_create_private_key(profile.id).public_key()))
    print(f"{profile.name} ({profile.role})\n  id: {profile.id}\n  key: {fp}")
    return 0


def cmd_gui(args) -> int:
    from desktop.app import main as gui_main

    extra = ["--read-only"] if args.read_only else []
    if args.demo:
        extra.append("--demo")
    if args.workspace != str(default_workspace_path()):
        # only a workspace the user named; otherwise the window reopens the last one
        extra += ["--workspace", args.workspace]
    return gui_main(extra)


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
    add("removed", cmd_removed, "list removed documents (restore brings one back)")
    p = add("restore", cmd_restore, "bring back a removed document with its notes and claims")
    p.add_argument("doc", metavar="DOC", help="id prefix or part of the title")
    p = add("edit", cmd_edit, "edit a document's metadata: title, marking, source and its rating…")
    p.add_argument("doc", metavar="DOC", help="id prefix or title")
    p.add_argument("--title")
    p.add_argument("--author", help="'' clears it")
    p.add_argument("--published", help="YYYY-MM-DD ('' clears it)")
    p.add_argument("--url", help="'' clears it")
    p.add_argument("--lang", help="language code: en, fr, zh, pt-br…")
    p.add_argument("--marking", help="TLP marking: CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
    p.add_argument("--source", help="the outlet, agency or person ('' clears it)")
    p.add_argument("--reliability", help="this document's own rating A–F ('' = its source's)")
    p.add_argument("--source-reliability", help="rate the source A–F (all its documents)")
    p = add("remove", cmd_remove, "remove a document and its annotations from the workspace")
    p.add_argument("doc", metavar="DOC", help="id prefix or title")
    p.add_argument("--yes", action="store_true", help="remove it (without: say what would go)")
    add("reindex", cmd_reindex, "rebuild the search index from the store")
    add("check", cmd_check, "check the store, index, blobs and audit log agree")
    p = add("backup", cmd_backup, "online backup of the workspace into a new folder")
    p.add_argument("dest", metavar="DEST")
    p = add("audit", cmd_audit, "audit log: `assay audit verify` walks the hash chain")
    p.add_argument("action", choices=["verify"])
    p = add("annotate", cmd_annotate, "mark a span of a document with a note")
    _span_args(p)
    p = add("claim", cmd_claim, "claims: add | list | show | rate")
    csub = p.add_subparsers(dest="action", required=True)
    pa = csub.add_parser("add", parents=[common], help="mark a span as a claim with ratings")
    _span_args(pa)
    _rating_args(pa)
    pl = csub.add_parser("list", parents=[common], help="list claims")
    pl.add_argument("--status")
    pl.add_argument("--tag")
    pl.add_argument("--analyst")
    pl.add_argument("--doc")
    pl.add_argument("--likelihood")
    pl.add_argument("--all", action="store_true", help="notes too")
    pl.add_argument("--json", action="store_true")
    ps = csub.add_parser("show", parents=[common], help="show a claim, its tags and links")
    ps.add_argument("id", metavar="ID")
    ps.add_argument("--json", action="store_true")
    pr = csub.add_parser("rate", parents=[common], help="change a claim's statement or ratings")
    pr.add_argument("id", metavar="ID")
    _rating_args(pr)
    pr.add_argument("--comment")
    p = add("tag", cmd_tag, "tags: list | add | remove | rename | merge | colour")
    tsub = p.add_subparsers(dest="action", required=True)
    tsub.add_parser("list", parents=[common], help="the tag tree with uses").set_defaults(args=[])
    for name, metas, help_ in (
        ("add", ("ID", "TAG"), "tag an annotation"),
        ("remove", ("ID", "TAG"), "remove tags from an annotation"),
        ("rename", ("OLD", "NEW"), "rename a tag and its children"),
        ("merge", ("SOURCE", "INTO"), "move every use of SOURCE onto INTO"),
        ("colour", ("NAME", "COLOUR"), "set a tag's colour (#rrggbb)"),
        ("delete", ("NAME",), "take a tag and its children off every note and claim"),
    ):
        tp = tsub.add_parser(name, parents=[common], help=help_)
        if name in ("add", "remove"):
            tp.add_argument("id", metavar="ID")
            tp.add_argument("args", nargs="+", metavar="TAG")
        else:
            tp.add_argument("args", nargs=len(metas), metavar=metas)
    p = add("link", cmd_link, "links between claims: add A B --relation R | list A | remove LINK")
    lsub = p.add_subparsers(dest="action", required=True)
    lp = lsub.add_parser("add", parents=[common], help="link claim A to claim B")
    lp.add_argument("first", metavar="A")
    lp.add_argument("second", metavar="B")
    lp.add_argument("--relation", "-r", default="corroborates",
                    choices=["corroborates", "contradicts", "duplicates", "refines"])
    lp.add_argument("--comment", default="")
    lp = lsub.add_parser("list", parents=[common], help="links of claim A")
    lp.add_argument("first", metavar="A")
    lp = lsub.add_parser("remove", parents=[common], help="remove a link by its id")
    lp.add_argument("first", metavar="LINK")
    p = add("review", cmd_review, "review: queue | submit | approve | reject | "
                                  "request-changes | returned | history")
    rsub = p.add_subparsers(dest="action", required=True)
    rq = rsub.add_parser("queue", parents=[common], help="submitted claims, oldest first")
    rq.add_argument("--analyst")
    rq.add_argument("--tag")
    rq.add_argument("--older-than", type=int, metavar="DAYS")
    rsub.add_parser("returned", parents=[common], help="my claims sent back to me")
    for name, help_ in (("submit", "submit a claim (or --doc: all my drafts on a document)"),
                        ("approve", "approve a submitted claim"),
                        ("reject", "reject a submitted claim (comment required)"),
                        ("request-changes", "send a claim back (comment required)"),
                        ("history", "a claim's review thread and audited changes")):
        rp = rsub.add_parser(name, parents=[common], help=help_)
        rp.add_argument("id", metavar="ID" if name != "submit" else "ID_OR_DOC")
        if name != "history":
            rp.add_argument("--comment", "-m", default="")
        if name == "submit":
            rp.add_argument("--doc", action="store_true", help="ID_OR_DOC names a document")
        if name in ("approve", "reject", "request-changes"):
            rp.add_argument("--opinion", help="STIX opinion (default from the decision)")
    p = add("agreement", cmd_agreement, "agreement between analysts (Krippendorff's alpha)")
    p.add_argument("--doc", help="one document (default: the whole workspace)")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("whoami", help="show or set your name and role",
                       description="Show or set your name and role (analyst or supervisor).")
    p.add_argument("--name")
    p.add_argument("--role", choices=["analyst", "supervisor"])
    p.set_defaults(fn=cmd_whoami)
    from desktop.cli_bundles import register as register_bundles
    from desktop.cli_exports import register as register_exports

    register_exports(sub, common, add)
    register_bundles(sub, common, add)
    p = add("gui", cmd_gui, "open the desktop window")
    p.add_argument("--demo", action="store_true", help="create the demo workspace if missing")
    return parser


def main(argv: list[str] | None = None) -> int:
    import logging

    from desktop.logs import setup_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    log = setup_logging()
    logging.getLogger("assay.cli").info("assay %s", " ".join(map(str, argv or sys.argv[1:])))
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
    except Exception as exc:  # a bug: say where the details are, keep the traceback in the log
        logging.getLogger("assay.cli").exception("unexpected error")
        print(f"assay: unexpected error: {exc!r}. Details are in {log}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
