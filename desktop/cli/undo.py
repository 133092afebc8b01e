"""`assay undo | redo`: the analyst's last step, kept in the workspace across processes."""

from __future__ import annotations

from desktop.core.kernel.errors import WorkspaceError

from .common import Commands, open_workspace

commands = Commands()


def _replay(args, verb: str) -> int:
    with open_workspace(args) as ws:
        label = ws.undo_label() if verb == "undo" else ws.redo_label()
        if label is None:
            raise WorkspaceError(
                f"Nothing to {verb}: {ws.profile.name} has no step to {verb} in {ws.path}."
            )
        changes = ws.undo() if verb == "undo" else ws.redo()
    print(f"{'Undid' if verb == 'undo' else 'Redid'}: {label}")
    following = changes.undo_label if verb == "undo" else changes.redo_label
    if following:
        print(f"  next {verb}: {following}")
    return 0


@commands.command("undo", "undo your last step in this workspace (from this or an earlier run)")
def cmd_undo(args) -> int:
    return _replay(args, "undo")


@commands.command("redo", "redo the step you last undid")
def cmd_redo(args) -> int:
    return _replay(args, "redo")
