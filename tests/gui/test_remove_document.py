"""Removing a document from the library: Delete asks first, Remove takes it (and the analyst's
notes on it) away in the writer thread, Edit → Undo brings it back; another analyst's work
stops an analyst before anything is asked.

Set ASSAY_SHOT_DIR to keep the question's PNG (docs/screenshots/remove-document.png)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace
from desktop.ui.main_window import MainWindow

from .test_annotate import MERIDIAN, open_titled

OTHER = Profile(
    id="44444444-4444-4444-8444-444444444444", name="Omar Other", role="analyst", configured=True
)


def _answer(qtbot, window: MainWindow, role: QMessageBox.ButtonRole) -> None:
    box = window.remove_prompt
    qtbot.waitUntil(lambda: box.isVisible())
    button = next(b for b in box.buttons() if box.buttonRole(b) == role)
    button.click()


def test_delete_asks_then_removes_and_undo_brings_it_back(qtbot, window):
    doc_id = open_titled(qtbot, window, MERIDIAN)
    start = window.reader.document.text.index("exploits")
    job = window.writer.submit(window.ws.add_note, doc_id, start, start + 8)
    with qtbot.waitSignal(job.finished):
        pass
    total = window.library.model.total()
    assert window.remove_document_action in window.menus["file"].actions()
    row = window.library.model.row_of(doc_id)
    pos = window.library.table.visualRect(window.library.model.index(row, 0)).center()
    window._library_menu(pos)  # right-click on the row: the same action
    assert window.library_menu.actions()[-1] is window.remove_document_action
    window.library_menu.close()
    window.library.table.setFocus()
    qtbot.keyClick(window.library.table, Qt.Key.Key_Delete)
    box = window.remove_prompt
    assert box is not None and box.isVisible()
    assert MERIDIAN in box.text() and "Its 1 note goes with it." in box.informativeText()
    shots = os.environ.get("ASSAY_SHOT_DIR")
    if shots:
        window.grab().save(str(Path(shots) / "remove-document-window.png"))
        box.grab().save(str(Path(shots) / "remove-document.png"))

    _answer(qtbot, window, QMessageBox.ButtonRole.RejectRole)  # Cancel: nothing happens
    assert window.library.model.total() == total and window.reader.document_id == doc_id

    qtbot.keyClick(window.library.table, Qt.Key.Key_Delete)
    with qtbot.waitSignal(window.document_removed, timeout=30000) as removed:
        _answer(qtbot, window, QMessageBox.ButtonRole.DestructiveRole)
    assert removed.args == [doc_id]
    assert window.library.model.total() == total - 1
    assert window.library.model.row_of(doc_id) is None
    assert window.reader.document_id is None  # the reader no longer shows it
    assert "Removed" in window.statusBar().currentMessage()
    assert window.undo_action.text() == "&Undo Remove document"
    if shots:
        window.grab().save(str(Path(shots) / "remove-document-after.png"))

    failures: list[BaseException] = []
    job = window.undo()
    assert job is not None, (window._undo_labels, window.undo_action.isEnabled())
    job.failed.connect(failures.append)
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    assert not failures, failures
    qtbot.waitUntil(lambda: window.library.model.total() == total, timeout=30000)
    assert len(window.ws.annotations(doc_id)) == 1

    # removed again, then brought back from File → Removed documents… (no undo needed)
    window.library.select_document(doc_id)
    window.remove_document()
    with qtbot.waitSignal(window.document_removed, timeout=30000):
        _answer(qtbot, window, QMessageBox.ButtonRole.DestructiveRole)
    window.removed_action.trigger()
    dialog = window.removed_dialog
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 3).text() == "1"
    if shots:
        dialog.grab().save(str(Path(shots) / "removed-documents.png"))
    dialog.table.selectRow(0)
    with qtbot.waitSignal(dialog.restored, timeout=30000):
        dialog.restore_button.click()
    assert dialog.table.rowCount() == 0 and "Restored" in dialog.status.text()
    assert window.library.model.row_of(doc_id) is not None
    assert len(window.ws.annotations(doc_id)) == 1
    assert window.undo_action.text() == "&Undo Restore document"


@pytest.fixture
def shared_window(qtbot, demo_path: Path, settings):
    """The demo workspace after another analyst (Omar) noted something on MERIDIAN."""
    ws = Workspace.open(demo_path, profile=OTHER)
    doc = next(d for d in ws.list_documents() if MERIDIAN in d["title"])
    ws.add_note(doc["id"], 0, 5, comment="Omar's")
    ws.close()
    win = MainWindow(Workspace.open(demo_path), settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()


def test_another_analysts_work_stops_an_analyst_before_asking(qtbot, shared_window):
    window = shared_window
    doc_id = open_titled(qtbot, window, MERIDIAN)
    total = window.library.model.total()
    assert window.remove_document() is None
    assert window.remove_prompt is None  # never asked
    error = window.last_error
    assert error is not None and error.isVisible()
    assert "Omar" not in error.text() and "only a supervisor" in error.text()
    assert "holds 1 note or claim by other analysts" in error.text()
    error.close()
    assert window.library.model.total() == total and window.ws.document(doc_id)
