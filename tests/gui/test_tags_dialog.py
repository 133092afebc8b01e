"""Tools → Tags…: the codebook as a tree with uses and colours; rename, merge, recolour and
delete, each in the writer thread as one undo step, with the window's views following.

Set ASSAY_SHOT_DIR to keep the PNG (docs/screenshots/tags.png)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from .test_annotate import MERIDIAN, open_titled


def test_rename_merge_colour_and_delete(qtbot, window):
    doc_id = open_titled(qtbot, window, MERIDIAN)
    ws = window.ws
    a = ws.add_note(doc_id, 0, 10, tags=["capabilty/exploit", "policy"]).created
    b = ws.add_note(doc_id, 20, 30, tags=["capability/vuln-discovery"]).created
    window.tags.reload()
    window.tags_action.trigger()
    dialog = window.tags_dialog
    top = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
    assert {"capabilty", "capability", "policy"} <= set(top)
    assert dialog.select("capabilty/exploit")
    assert dialog.tree.currentItem().text(1) == "1"  # uses
    shots = os.environ.get("ASSAY_SHOT_DIR")
    if shots:
        dialog.grab().save(str(Path(shots) / "tags.png"))

    # rename the misspelt parent: its child moves with it
    dialog.select("capabilty")
    dialog.target.setText("capability")
    assert dialog.move_button.text() == "Merge into"  # capability exists: a merge
    with qtbot.waitSignal(dialog.saved, timeout=30000):
        dialog.move_button.click()
    assert ws.annotation(a).tags == ["capability/exploit", "policy"]
    assert "capabilty" not in dialog.names and dialog.selected() == "capability"
    assert window.undo_action.text() == "&Undo Merge tag capabilty"

    dialog.select("policy")
    dialog.target.setText("Trade policy/export controls")  # moved under a new parent
    assert dialog.move_button.text() == "Rename"
    with qtbot.waitSignal(dialog.saved, timeout=30000):
        dialog.move_button.click()
    assert ws.annotation(a).tags == ["capability/exploit", "trade policy/export controls"]

    dialog.select("capability/exploit")
    with qtbot.waitSignal(dialog.saved, timeout=30000):
        dialog.set_colour("capability/exploit", QColor("#123456"))
    assert {t["name"]: t["colour"] for t in ws.tags()}["capability/exploit"] == "#123456"

    dialog.select("capability")
    box = dialog.ask_delete()
    assert "off 2 note(s)" in box.text() and "2 children" in box.text()
    delete = next(
        x for x in box.buttons() if box.buttonRole(x) == QMessageBox.ButtonRole.DestructiveRole
    )
    with qtbot.waitSignal(dialog.saved, timeout=30000):
        delete.click()
    assert ws.annotation(a).tags == ["trade policy/export controls"] and ws.annotation(b).tags == []
    assert window.undo_action.text() == "&Undo Delete tag capability"
    with qtbot.waitSignal(window.changes_applied, timeout=30000):
        window.undo_action.trigger()
    assert ws.annotation(b).tags == ["capability/vuln-discovery"]
    assert "capability" in dialog.names  # the open tree follows the undo

    dialog.select("trade policy/export controls")
    dialog.target.setText("a//b")  # malformed: said in the dialog, nothing sent
    dialog.move_button.click()
    assert "empty part" in dialog.status.text() and dialog.job is None
