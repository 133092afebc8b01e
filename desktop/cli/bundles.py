"""`assay bundle … | conflicts …`: signed bundle exchange and the conflicts a merge leaves."""

from __future__ import annotations

import json

from desktop.core.kernel.errors import AssayError

from .common import JSON, Commands, arg, open_workspace, print_json, progress_bar

commands = Commands()
bundle = commands.group("bundle", "signed bundles: export | verify | show | import")


@bundle.command(
    "export",
    "write a signed bundle",
    arg("dest", metavar="DEST", help="the .assay file to write"),
    arg("--tag", action="append", default=[], help="only claims with this tag"),
    arg("--doc", action="append", default=[], help="only this document (id/title)"),
    arg("--analyst", action="append", default=[], help="only this analyst's work"),
    arg("--status", action="append", default=[], help="only annotations in this review status"),
    arg("--since", help="changed on or after YYYY-MM-DD"),
    arg("--until", help="changed on or before YYYY-MM-DD"),
    arg(
        "--ceiling",
        default="RED",
        help="highest TLP marking that may leave (CLEAR, GREEN, AMBER, …)",
    ),
    arg(
        "--team",
        help="only what changed since the last bundle sent to TEAM (and remember this one as sent)",
    ),
)
def bundle_export(args) -> int:
    update, close = progress_bar("exporting")
    # writes: the bundle chain and what was sent to a team are recorded
    with open_workspace(args, readonly=False) as ws:
        docs = [ws.find_document(d).id for d in args.doc] if args.doc else None
        try:
            info = ws.export_bundle(
                args.dest,
                documents=docs,
                tags=args.tag or None,
                analysts=args.analyst or None,
                statuses=args.status or None,
                since=args.since,
                until=args.until,
                changed_since_bundle_to=args.team,
                ceiling=args.ceiling,
                progress=update,
            )
        finally:
            close()
    shown = ", ".join(f"{n} {k}" for k, n in info.counts.items() if n)
    print(f"Wrote {info.path} ({info.size:,} bytes): {shown or 'nothing to send'}")
    print(f"Signed by {info.signer_name}, key {info.fingerprint}")
    if args.team:
        print(f"Recorded as sent to team {args.team!r}.")
    return 0


@bundle.command("verify", "check signature, signer and hashes", arg("file", metavar="FILE"))
def bundle_verify(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        info = ws.verify_bundle(args.file)
    print(f"OK: {args.file} is intact and signed by a trusted key.")
    for line in info.describe():
        print(f"  {line}")
    return 0


@bundle.command("show", "what a bundle holds", arg("file", metavar="FILE"), JSON)
def bundle_show(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        info, manifest = ws.show_bundle(args.file)
    if args.json:
        print_json({"info": vars(info), "manifest": manifest})
        return 0
    for line in info.describe():
        print(line)
    print(f"prev       {info.prev or '-'}")
    print(f"manifest   sha256 {info.manifest_sha256}")
    records = [f for f in manifest["files"] if f["path"].startswith("records/")]
    blobs = [f for f in manifest["files"] if f["path"].startswith("blobs/")]
    for f in records:
        print(f"  {f['path']:32} {f['size']:>12,} bytes")
    print(f"  {len(blobs)} original file(s), {sum(f['size'] for f in blobs):,} bytes")
    return 0 if info.trusted else 1


@bundle.command(
    "import",
    "verify, then merge a bundle",
    arg("file", metavar="FILE"),
    arg("--preview", action="store_true", help="show what would change, change nothing"),
)
def bundle_import(args) -> int:
    with open_workspace(args, readonly=False) as ws:
        if args.preview:
            preview = ws.preview_bundle(args.file)
            for line in preview.bundle.describe():
                print(line)
            print()
            for line in preview.table():
                print(line)
            if preview.conflicts:
                print(
                    f"{preview.conflicts} value(s) would lose the merge and be kept as conflicts."
                )
            print("Nothing was changed (preview). Run without --preview to import.")
            return 0
        update, close = progress_bar("importing")
        try:
            result = ws.import_bundle(args.file, progress=update)
        finally:
            close()
    print(result.summary())
    return 0


# -- conflicts --------------------------------------------------------------------------------
conflicts = commands.group("conflicts", "merge conflicts: list | resolve ID")


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


@conflicts.command(
    "list",
    "values that lost a merge",
    arg("--all", action="store_true", help="resolved ones too"),
    JSON,
)
def conflicts_list(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        items = ws.conflicts(unresolved_only=not args.all)
    if args.json:
        print_json([vars(c) for c in items])
        return 0
    for c in items:
        state = f"resolved {c.resolved_at[:10]}" if c.resolved_at else "open"
        print(f"{c.id[:8]}  {c.entity}.{c.field}  {c.label[:40]!r}  [{state}]")
        print(f"    local:  {_short(c.local_value)}  ({c.local_by}, {c.local_at[:19]})")
        print(f"    remote: {_short(c.remote_value)}  ({c.remote_by}, {c.remote_at[:19]})")
        print(f"    kept:   {c.winner}; now {_short(c.current_value)}")
    print(f"{len(items)} conflict(s)")
    return 0


@conflicts.command(
    "resolve",
    "keep a side or write a new value",
    arg("id", metavar="ID"),
    arg("--take", choices=["local", "remote"]),
    arg("--value", help="a new value, as JSON"),
)
def conflicts_resolve(args) -> int:
    if args.take and args.value is not None:
        raise AssayError("Use either --take local|remote or --value JSON, not both.")
    if not args.take and args.value is None:
        raise AssayError("Say which value to keep: --take local, --take remote or --value JSON.")
    value = None
    if args.value is not None:
        try:
            value = json.loads(args.value)
        except ValueError as exc:
            raise AssayError(f"--value must be JSON (e.g. '\"text\"' or 3): {exc}") from None
    with open_workspace(args, readonly=False) as ws:
        ws.resolve_conflict(args.id, args.take or "value", value)
    print("Conflict resolved; the chosen value travels in your next bundle.")
    return 0
