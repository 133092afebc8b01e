"""The document properties form: Ctrl+I on a library row, a new marking and source rating
saved in the writer thread, the banner and header following; a bad date refused in the form
with the core's words; Cancel and an unchanged form write nothing.

Set ASSAY_SHOT_DIR to keep the form's PNG (docs/screenshots/document-properties.png)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

from desktop.ui.library import DocumentIdRole

from .test_annotate import MERIDIAN, open_titled


def test_marking_and_source_rating_from_the_form(qtbot, window):
    doc_id = open_titled(qtbot, window, MERIDIAN)
    window.library.table.setFocus()
    qtbot.keyClick(window.library.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialog = window.properties_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.fields["title"].text().startswith("Lab's AI agent wrote working exploits")
    assert dialog.source.currentText() == "The Meridian Ledger"
    assert dialog.source_reliability.currentData() == "C"
    assert dialog.reliability.currentData() is None  # "As its source"
    assert dialog.marking.currentData() == "CLEAR"

    dialog.marking.setCurrentIndex(dialog.marking.findData("AMBER"))
    assert "Limited disclosure" in dialog.marking_words.text()
    dialog.source_reliability.setCurrentIndex(dialog.source_reliability.findData("B"))
    dialog.fields["published_at"].setText("18 March 2025")
    dialog.layout().activate()
    shots = os.environ.get("ASSAY_SHOT_DIR")
    if shots:
        dialog.grab().save(str(Path(shots) / "document-properties.png"))

    dialog.save_button.click()  # the date is refused by the core, shown in the form
    qtbot.waitUntil(lambda: dialog.problem.isVisible(), timeout=30000)
    assert "YYYY-MM-DD" in dialog.problem.text() and dialog.isVisible()
    assert window.ws.document_properties(doc_id)["marking"] == "CLEAR"  # nothing written
    if shots:
        dialog.layout().activate()
        dialog.grab().save(str(Path(shots) / "document-properties-refused.png"))

    dialog.fields["published_at"].setText("2025-03-19")
    with qtbot.waitSignal(dialog.saved, timeout=30000):
        dialog.save_button.click()
    assert not dialog.isVisible()
    props = window.ws.document_properties(doc_id)
    assert (props["marking"], props["source_reliability"], props["published_at"]) == (
        "AMBER",
        "B",
        "2025-03-19",
    )
    assert window.reader.banner.marking == "AMBER"
    assert "reliability B" in window.reader.meta.text()
    assert window.undo_action.text() == "&Undo Edit document"

    # unchanged, then Cancel: no step is added
    window.edit_properties()
    window.properties_dialog.save_button.click()
    assert not window.properties_dialog.isVisible()
    window.edit_properties()
    window.properties_dialog.fields["title"].setText("Something else")
    window.properties_dialog.reject()
    assert window.ws.undo_label() == "Edit document"
    assert window.ws.document_properties(doc_id)["title"] != "Something else"
    window.ws.undo()
    assert window.ws.document_properties(doc_id)["source_reliability"] == "C"


def test_sources_are_rated_in_the_sources_dialog(qtbot, window):
    doc_id = open_titled(qtbot, window, MERIDIAN)
    window.sources_action.trigger()
    dialog = window.sources_dialog
    assert dialog.isVisible() and dialog.table.rowCount() == len(window.ws.sources())
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    row = names.index("The Meridian Ledger")
    assert dialog.ratings[row].currentData() == "C" and not dialog.save_button.isEnabled()
    assert dialog.table.item(row, 3).text() == "1"
    dialog.ratings[row].setCurrentIndex(dialog.ratings[row].findData("A"))
    other = (row + 1) % len(names)
    dialog.kinds[other].setCurrentText("agency")
    assert dialog.save_button.isEnabled()
    assert set(dialog.edits()) == {"The Meridian Ledger", names[other]}
    shots = os.environ.get("ASSAY_SHOT_DIR")
    if shots:
        dialog.grab().save(str(Path(shots) / "sources.png"))
    with qtbot.waitSignal(dialog.saved, timeout=30000):
        dialog.save_button.click()
    rated = {s["name"]: s for s in window.ws.sources()}
    assert rated["The Meridian Ledger"]["reliability"] == "A"
    assert rated[names[other]]["kind"] == "agency"
    assert "reliability A" in window.reader.meta.text()  # the open document's header followed
    assert window.undo_action.text() == "&Undo Edit sources"
    assert not dialog.save_button.isEnabled()  # saved: nothing left to save
    with qtbot.waitSignal(window.changes_applied, timeout=30000):
        window.undo_action.trigger()  # the open dialog follows the undo
    assert dialog.ratings[row].currentData() == "C" and not dialog.save_button.isEnabled()
    with qtbot.waitSignal(window.changes_applied, timeout=30000):
        window.redo_action.trigger()
    assert dialog.ratings[row].currentData() == "A"

    dialog.table.setCurrentCell(row, 0)
    dialog.show_button.click()  # the library lists that source's documents only
    assert window.library.model.total() == 1
    assert window.library.model.row_of(doc_id) == 0


def test_several_selected_documents_share_one_edit_and_one_removal(qtbot, window):
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QMessageBox

    table, model = window.library.table, window.library.model
    picked = [model.index(r, 0).data(DocumentIdRole) for r in (0, 1, 2)]
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    table.selectionModel().clearSelection()
    for r in (0, 1, 2):
        table.selectionModel().select(model.index(r, 0), flags)
    assert window.library.selected_ids() == picked

    dialog = window.edit_properties()
    assert dialog.objectName() == "sharedProperties" and "3 documents" in dialog.windowTitle()
    dialog.marking.setCurrentIndex(dialog.marking.findData("AMBER"))
    dialog.source.setCurrentText("Partner feed")
    dialog.source_reliability.setCurrentIndex(dialog.source_reliability.findData("B"))
    shots = os.environ.get("ASSAY_SHOT_DIR")
    if shots:
        dialog.grab().save(str(Path(shots) / "shared-properties.png"))
    with qtbot.waitSignal(dialog.saved, timeout=30000):
        dialog.save_button.click()
    for doc_id in picked:
        props = window.ws.document_properties(doc_id)
        assert (props["marking"], props["source"], props["source_reliability"]) == (
            "AMBER",
            "Partner feed",
            "B",
        )
    assert window.undo_action.text() == "&Undo Edit 3 documents"

    total = model.total()
    table.selectionModel().clearSelection()
    for r in (model.row_of(picked[0]), model.row_of(picked[1])):
        table.selectionModel().select(model.index(r, 0), flags)
    box = window.remove_document()
    assert "Remove 2 documents" in box.text()
    assert box.informativeText().count("•") == 2
    remove = next(
        b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
    )
    with qtbot.waitSignal(window.changes_applied, timeout=30000):
        remove.click()
    assert model.total() == total - 2
    assert window.undo_action.text() == "&Undo Remove 2 documents"
    with qtbot.waitSignal(window.changes_applied, timeout=30000):
        window.undo_action.trigger()
    assert model.total() == total
