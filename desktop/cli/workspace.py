"""`assay init | demo | reindex | check | backup | audit | gui`: the workspace itself."""

from __future__ import annotations

from pathlib import Path

from desktop.core.kernel.profile import default_workspace_path

from .common import Commands, arg, open_workspace, progress_bar

commands = Commands()


@commands.command(
    "init",
    "create an empty workspace",
    arg("path", nargs="?", help="folder (default: --workspace)"),
)
def cmd_init(args) -> int:
    from desktop.core.workspace import Workspace

    path = Path(args.path or args.workspace)
    Workspace.create(path).close()
    print(f"Created an empty workspace in {path}")
    return 0


@commands.command(
    "demo",
    "create a workspace holding the sample documents and a worked analysis of them",
    arg("path", nargs="?", help="folder (default: --workspace)"),
    arg("--documents-only", action="store_true", help="the sample documents without the analysis"),
)
def cmd_demo(args) -> int:
    from desktop.core.demo import create_demo

    path = Path(args.path or args.workspace)
    update, close = progress_bar("importing")
    try:
        ws = create_demo(path, progress=update, analysis=not args.documents_only)
    finally:
        close()
    n, claims = ws.count_documents(), ws.claims()
    ws.close()
    people = {a.created_by for a in claims}
    work = f", {len(claims)} claims by {len(people)} analysts" if claims else ""
    print(f"Created the demo workspace in {path} with {n} sample documents{work}")
    return 0


@commands.command("reindex", "rebuild the search index from the store")
def cmd_reindex(args) -> int:
    update, close = progress_bar("indexing")
    with open_workspace(args) as ws:
        try:
            n = ws.reindex(progress=update)
        finally:
            close()
    print(f"Reindexed {n} document(s)")
    return 0


@commands.command("check", "check the store, index, blobs and audit log agree")
def cmd_check(args) -> int:
    with open_workspace(args) as ws:
        report = ws.check()
    print(
        f"{report.documents} documents, {report.indexed} indexed, {report.queue} queued, "
        f"{report.audit_entries} audit entries"
    )
    if report.ok:
        print("OK: the store, the index, the blobs and the audit log agree.")
        return 0
    for p in report.problems:
        print(f"PROBLEM: {p}")
    return 1


@commands.command(
    "backup", "online backup of the workspace into a new folder", arg("dest", metavar="DEST")
)
def cmd_backup(args) -> int:
    with open_workspace(args) as ws:
        dest = ws.backup(Path(args.dest))
    print(f"Backed up to {dest} (open it with --workspace {dest})")
    return 0


@commands.command(
    "audit",
    "audit log: `assay audit verify` walks the hash chain",
    arg("action", choices=["verify"]),
)
def cmd_audit(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        result = ws.verify_audit()
    if result.ok:
        print(f"OK: {result.entries} audit entries, chain intact.")
        return 0
    print(f"BROKEN: {result.reason} (first bad entry: {result.first_bad})")
    return 1


@commands.command(
    "gui",
    "open the desktop window",
    arg("--demo", action="store_true", help="create the demo workspace if missing"),
)
def cmd_gui(args) -> int:
    from desktop.app import main as gui_main

    extra = ["--read-only"] if args.read_only else []
    if args.demo:
        extra.append("--demo")
    if args.workspace != str(default_workspace_path()):
        # only a workspace the user named; otherwise the window reopens the last one
        extra += ["--workspace", args.workspace]
    return gui_main(extra)
