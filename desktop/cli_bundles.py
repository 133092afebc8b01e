"""`assay bundle|keys|conflicts …`: signed bundle exchange from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from desktop.core.kernel.errors import AssayError


def _workspace(args, *, readonly: bool | None = None):
    from desktop.core.workspace import Workspace

    ro = args.read_only if readonly is None else readonly
    return Workspace.open(Path(args.workspace), readonly=ro)


def _bar(desc: str):
    from desktop.cli import _progress_bar

    return _progress_bar(desc)


# -- bundle -----------------------------------------------------------------------------------
def cmd_bundle(args) -> int:
    return {
        "export": _bundle_export,
        "verify": _bundle_verify,
        "show": _bundle_show,
        "import": _bundle_import,
    }[args.action](args)


def _bundle_export(args) -> int:
    update, close = _bar("exporting")
    with _workspace(args, readonly=False) as ws:
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


def _bundle_verify(args) -> int:
    with _workspace(args, readonly=True) as ws:
        info = ws.verify_bundle(args.file)
    print(f"OK: {args.file} is intact and signed by a trusted key.")
    for line in info.describe():
        print(f"  {line}")
    return 0


def _bundle_show(args) -> int:
    with _workspace(args, readonly=True) as ws:
        info, manifest = ws.show_bundle(args.file)
    if args.json:
        print(json.dumps({"info": vars(info), "manifest": manifest}, indent=2, ensure_ascii=False))
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


def _bundle_import(args) -> int:
    with _workspace(args, readonly=False) as ws:
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
        update, close = _bar("importing")
        try:
            result = ws.import_bundle(args.file, progress=update)
        finally:
            close()
    print(result.summary())
    return 0


# -- keys -------------------------------------------------------------------------------------
def cmd_keys(args) -> int:
    if args.action == "list":
        with _workspace(args, readonly=True) as ws:
            keys = ws.keys()
            mine = ws.my_key()
        print(f"Your key ({mine.name}): {mine.fingerprint}")
        for k in keys:
            flag = " (yours)" if k.mine else ""
            print(
                f"{k.status:8} {k.fingerprint}  {k.name}{flag}  [{k.role or '?'}]"
                + (f"  revoked {k.revoked_at[:10]}" if k.revoked_at else "")
            )
        return 0
    if args.action == "export":
        with _workspace(args, readonly=True) as ws:
            info = ws.export_public_key(args.arg)
        print(f"Wrote your public key to {args.arg}.")
        print(f"Fingerprint: {info.fingerprint}")
        print(
            "Read this fingerprint to the recipient over a separate channel (phone, in "
            "person) so they can check it with `assay keys trust`."
        )
        return 0
    with _workspace(args, readonly=False) as ws:
        if args.action == "trust":
            if not args.fingerprint:
                raise AssayError(
                    "Give the fingerprint you were told out of band: --fingerprint 'XXXX XXXX …'."
                )
            info = ws.trust_key(Path(args.arg), args.fingerprint)
            print(f"Trusted {info.name} ({info.analyst_id}), key {info.fingerprint}.")
        else:
            info = ws.revoke_key(args.arg)
            print(f"Revoked {info.name}'s key {info.fingerprint}; bundles it signs are refused.")
    return 0


# -- conflicts --------------------------------------------------------------------------------
def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def cmd_conflicts(args) -> int:
    if args.action == "list":
        with _workspace(args, readonly=True) as ws:
            items = ws.conflicts(unresolved_only=not args.all)
        if args.json:
            print(json.dumps([vars(c) for c in items], indent=2, ensure_ascii=False))
            return 0
        for c in items:
            state = f"resolved {c.resolved_at[:10]}" if c.resolved_at else "open"
            print(f"{c.id[:8]}  {c.entity}.{c.field}  {c.label[:40]!r}  [{state}]")
            print(f"    local:  {_short(c.local_value)}  ({c.local_by}, {c.local_at[:19]})")
            print(f"    remote: {_short(c.remote_value)}  ({c.remote_by}, {c.remote_at[:19]})")
            print(f"    kept:   {c.winner}; now {_short(c.current_value)}")
        print(f"{len(items)} conflict(s)")
        return 0
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
    with _workspace(args, readonly=False) as ws:
        ws.resolve_conflict(args.id, args.take or "value", value)
    print("Conflict resolved; the chosen value travels in your next bundle.")
    return 0


def register(sub, common: argparse.ArgumentParser, add) -> None:
    """Add the bundle, keys and conflicts commands to `assay`'s parser."""
    p = add("bundle", cmd_bundle, "signed bundles: export | verify | show | import")
    bsub = p.add_subparsers(dest="action", required=True)
    pe = bsub.add_parser("export", parents=[common], help="write a signed bundle")
    pe.add_argument("dest", metavar="DEST", help="the .assay file to write")
    pe.add_argument("--tag", action="append", default=[], help="only claims with this tag")
    pe.add_argument("--doc", action="append", default=[], help="only this document (id/title)")
    pe.add_argument("--analyst", action="append", default=[], help="only this analyst's work")
    pe.add_argument(
        "--status", action="append", default=[], help="only annotations in this review status"
    )
    pe.add_argument("--since", help="changed on or after YYYY-MM-DD")
    pe.add_argument("--until", help="changed on or before YYYY-MM-DD")
    pe.add_argument(
        "--ceiling",
        default="RED",
        help="highest TLP marking that may leave (CLEAR, GREEN, AMBER, …)",
    )
    pe.add_argument(
        "--team",
        help="only what changed since the last bundle sent to TEAM (and remember this one as sent)",
    )
    pv = bsub.add_parser("verify", parents=[common], help="check signature, signer and hashes")
    pv.add_argument("file", metavar="FILE")
    ps = bsub.add_parser("show", parents=[common], help="what a bundle holds")
    ps.add_argument("file", metavar="FILE")
    ps.add_argument("--json", action="store_true")
    pi = bsub.add_parser("import", parents=[common], help="verify, then merge a bundle")
    pi.add_argument("file", metavar="FILE")
    pi.add_argument("--preview", action="store_true", help="show what would change, change nothing")

    p = add("keys", cmd_keys, "keys: list | export FILE | trust FILE --fingerprint FP | revoke FP")
    ksub = p.add_subparsers(dest="action", required=True)
    ksub.add_parser("list", parents=[common], help="your key and the trusted keys")
    pk = ksub.add_parser("export", parents=[common], help="write your public key to FILE")
    pk.add_argument("arg", metavar="FILE")
    pk = ksub.add_parser("trust", parents=[common], help="trust a colleague's key file")
    pk.add_argument("arg", metavar="FILE")
    pk.add_argument(
        "--fingerprint", required=True, help="the fingerprint its owner read to you out of band"
    )
    pk = ksub.add_parser("revoke", parents=[common], help="stop trusting a key")
    pk.add_argument("arg", metavar="FP")

    p = add("conflicts", cmd_conflicts, "merge conflicts: list | resolve ID")
    csub = p.add_subparsers(dest="action", required=True)
    pl = csub.add_parser("list", parents=[common], help="values that lost a merge")
    pl.add_argument("--all", action="store_true", help="resolved ones too")
    pl.add_argument("--json", action="store_true")
    pr = csub.add_parser("resolve", parents=[common], help="keep a side or write a new value")
    pr.add_argument("id", metavar="ID")
    pr.add_argument("--take", choices=["local", "remote"])
    pr.add_argument("--value", help="a new value, as JSON")
