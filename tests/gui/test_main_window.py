"""The main window on the demo workspace: library, reader, search, import, reindex, theme."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PySide6.QtCore import QMimeData, QModelIndex, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from desktop.core.demo import sample_dir
from desktop.core.workspace import Workspace
from desktop.ui.main_window import MainWindow
from desktop.ui.models import DocumentIdRole

from .conftest import write_texts

NEW_TEXTS = {
    "field-note-one.txt": "Field note one\n\nThe quokkaphone relay was seen near the harbour.",
    "field-note-two.txt": "Field note two\n\nA second quokkaphone sighting, two days later.",
}


def all_titles(window: MainWindow) -> set[str]:
    model = window.library.model
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    return {model.index(r, 0).data() for r in range(model.rowCount())}


def test_library_lists_every_catalog_document(window, catalog_titles):
    assert all_titles(window) == catalog_titles
    assert window.library.table.model().rowCount() == len(catalog_titles)
    assert window.count_label.text() == f"{len(catalog_titles)} documents"
    assert window.path_label.text() == str(window.ws.path)
    assert window.search_field.isVisible()


def test_selecting_a_row_shows_the_text_and_the_tlp_banner(qtbot, window):
    amber = window.ws.list_documents(marking="AMBER", order="title")[0]
    row = window.library.model.row_of(amber["id"])
    window.library.table.selectRow(row)
    qtbot.waitUntil(lambda: window.reader.document_id == amber["id"])
    doc = window.ws.document(amber["id"])
    assert window.reader.text.toPlainText() == doc.text
    assert window.reader.banner.marking == "AMBER"
    assert "TLP:AMBER" in window.reader.banner.text()
    assert "#FFC000" in window.reader.banner.styleSheet()
    assert window.reader.banner.isVisible()
    assert doc.title == window.reader.title.text()
    meta = window.reader.meta.text()
    assert doc.source in meta and f"reliability {doc.reliability} (" in meta


def test_filters_narrow_the_library(qtbot, window):
    lib = window.library
    lib.language_filter.setCurrentIndex(lib.language_filter.findData("zh"))
    qtbot.waitUntil(lambda: lib.model.total() == 2)
    assert "2 of 15" in lib.caption.text()
    lib.language_filter.setCurrentIndex(0)
    qtbot.keyClicks(lib.title_filter, "accelerator")
    qtbot.waitUntil(lambda: lib.model.total() == len(window.ws.document_ids(text="accelerator")))
    assert all("accelerator" in t.lower() for t in all_titles(window))


def test_typing_a_query_shows_hits_and_a_click_selects_the_words(qtbot, window):
    qtbot.keyClicks(window.search_field, "export controls")
    qtbot.waitUntil(lambda: window.results.model.rowCount() > 0, timeout=30000)
    assert window.results.isVisible()
    assert "export controls" in window.results.caption.text()
    view = window.results.view
    first = window.results.model.hit(0)
    assert "<b class=" in " ".join(first.fragments.values())
    with qtbot.waitSignal(window.document_opened, timeout=5000) as opened:
        qtbot.mouseClick(
            view.viewport(),
            Qt.MouseButton.LeftButton,
            pos=view.visualRect(view.model().index(0, 0)).center(),
        )
    assert opened.args == [first.doc_id]
    assert window.reader.document_id == first.doc_id
    assert window.reader.selected_text().lower() in {"export", "controls"}
    # the selection is the first place a query word occurs in the text
    start = window.reader.text.textCursor().selectionStart()
    text = window.reader.text.toPlainText().lower()
    assert start == min(i for i in (text.find("export"), text.find("controls")) if i >= 0)


def test_ctrl_k_and_ctrl_f_focus_the_search_bar(qtbot, window):
    """Ctrl+K always goes to the search bar; Ctrl+F finds in the open document
    (tests/gui/test_find_in_document.py) and, with none open, goes to the search bar too."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.reader.clear()
    for key in (Qt.Key.Key_K, Qt.Key.Key_F):
        window.library.table.setFocus()
        qtbot.waitUntil(lambda: not window.search_field.hasFocus())
        qtbot.keyClick(window.library.table, key, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(window.search_field.hasFocus)
    assert not window.reader.find_bar.isVisible()


def test_a_malformed_query_shows_its_error_inline(qtbot, window):
    qtbot.keyClicks(window.search_field, 'title:"unclosed')
    qtbot.waitUntil(lambda: bool(window.results.error_text()), timeout=30000)
    assert "quotation mark" in window.results.error_text()
    assert window.results.model.rowCount() == 0
    assert window.last_error is None  # inline, not a dialog
    # and the bar recovers as soon as the query is readable again
    window.search_field.setText("quokka OR exploit")
    qtbot.waitUntil(lambda: window.results.model.rowCount() > 0, timeout=30000)
    assert window.results.error_text() == ""


def test_importing_a_folder_adds_rows_and_shows_a_summary(qtbot, window, tmp_path):
    folder = tmp_path / "incoming"
    write_texts(folder, NEW_TEXTS)
    with qtbot.waitSignal(window.import_finished, timeout=20000) as finished:
        task = window.import_paths([folder])
    report = finished.args[0]
    assert len(report.imported) == 2 and not report.failed and not report.duplicates
    done, total, _message = task.last_progress
    assert total > 0 and done == total
    assert window.library.model.total() == 17
    assert {"Field note one", "Field note two"} <= all_titles(window)
    assert window.count_label.text() == "17 documents"
    summary = window.import_summary
    assert summary is not None and summary.isVisible()
    assert "Imported: 2" in summary.summary_text()
    assert "Failed: 0" in summary.summary_text()
    # the new documents are searchable straight away
    window.search_field.setText("quokkaphone")
    qtbot.waitUntil(lambda: window.results.model.rowCount() == 2, timeout=30000)


def test_the_summary_lists_duplicates_and_failures_with_reasons(qtbot, window, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    shutil.copy(sample_dir() / "meridian-ledger-ai-exploit-agents.txt", folder / "again.txt")
    with qtbot.waitSignal(window.import_finished, timeout=20000):
        window.import_paths([folder])
    text = window.import_summary.summary_text()
    assert "Imported: 0" in text and "Duplicates (already in the workspace): 1" in text
    assert "Failed: 1" in text
    details = window.import_summary.details_text()
    assert "Failed: empty.txt: empty.txt is empty" in details
    assert "Duplicate: again.txt" in details
    assert window.library.model.total() == 15


def test_the_summary_offers_to_mark_what_came_in(qtbot, window, tmp_path):
    paths = write_texts(tmp_path / "partner", NEW_TEXTS)
    with qtbot.waitSignal(window.import_finished, timeout=20000) as finished:
        window.import_paths(paths)
    imported = finished.args[0].imported
    summary = window.import_summary
    assert summary.properties_button.isVisible()
    assert summary.properties_button.text() == "Set their marking and source…"
    if os.environ.get("ASSAY_SHOT_DIR"):
        summary.grab().save(str(Path(os.environ["ASSAY_SHOT_DIR"]) / "import-summary.png"))
    summary.properties_button.click()
    dialog = window.properties_dialog
    assert dialog.objectName() == "sharedProperties" and dialog.doc_ids == imported
    dialog.marking.setCurrentIndex(dialog.marking.findData("AMBER+STRICT"))
    with qtbot.waitSignal(dialog.saved, timeout=30000):
        dialog.save_button.click()
    assert {window.ws.document(i).marking for i in imported} == {"AMBER+STRICT"}


def test_dropping_files_on_the_window_imports_them(qtbot, window, tmp_path):
    paths = write_texts(tmp_path / "dropped", NEW_TEXTS)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.import_finished, timeout=20000) as finished:
        window.dropEvent(event)
    assert len(finished.args[0].imported) == 2


def test_cancelling_an_import_keeps_what_was_done(qtbot, window, tmp_path):
    folder = tmp_path / "many"
    write_texts(folder, {f"note-{n:03}.txt": f"Note {n}\n\nBody of note {n}." for n in range(120)})
    with qtbot.waitSignal(window.import_finished, timeout=30000) as finished:
        task = window.import_paths([folder])
        # as an analyst would: press Cancel once the import is under way
        task.job.progress.connect(lambda *_: task.dialog.canceled.emit())
    report = finished.args[0]
    assert report.cancelled
    assert len(report.imported) < 120
    assert window.library.model.total() == 15 + len(report.imported)
    assert "cancelled" in window.import_summary.summary_text()


def test_reindex_runs_in_the_writer_and_search_still_works(qtbot, window):
    with qtbot.waitSignal(window.reindex_finished, timeout=30000) as finished:
        task = window.reindex()
    assert finished.args == [15]
    assert task.last_progress[0] == task.last_progress[1] == 15
    window.search_field.setText("exploit")
    qtbot.waitUntil(lambda: window.results.model.rowCount() > 0, timeout=30000)


def test_the_theme_choice_is_applied_and_remembered(qtbot, window, settings):
    light = QApplication.palette().window().color().lightness()
    try:
        window.theme_actions["dark"].trigger()
        assert settings.value("ui/theme") == "dark"
        assert QApplication.palette().window().color().lightness() < light
        assert window.theme_actions["dark"].isChecked()
    finally:
        window.set_theme("light")
    assert settings.value("ui/theme") == "light"


def test_window_state_is_saved_on_shutdown(qtbot, window, settings):
    window.shutdown()
    for key in ("main/geometry", "main/state", "main/splitter", "main/leftSplitter"):
        assert settings.value(key) is not None, key


def test_a_read_only_workspace_refuses_imports_with_a_message(qtbot, demo_path, settings, tmp_path):
    ws = Workspace.open(demo_path, readonly=True)
    win = MainWindow(ws, settings=settings)
    qtbot.addWidget(win)
    try:
        win.show()
        assert not win.import_files_action.isEnabled()
        assert not win.reindex_action.isEnabled()
        assert "read-only" in win.windowTitle()
        assert win.import_paths([tmp_path]) is None
        assert win.last_error is not None and "read-only" in win.last_error.text()
        assert win.library.model.total() == 15
        first = win.library.model.index(0, 0).data(DocumentIdRole)
        assert win.open_document(first)
        assert not win.remove_document_action.isEnabled() and win.remove_document(first) is None
        dialog = win.edit_properties(first)  # to look at: nothing can be changed or saved
        assert "read-only" in dialog.windowTitle() and not dialog.save_button.isVisible()
        assert not dialog.marking.isEnabled() and not dialog.fields["title"].isEnabled()
        assert dialog.fields["title"].text() == win.ws.document(first).title
    finally:
        win.shutdown()


def test_undo_names_the_step_and_reverts_it_through_the_writer(qtbot, window):
    doc_id = window.ws.document_ids(order="title")[0]
    before = window.ws.document(doc_id).title
    assert not window.undo_action.isEnabled()
    job = window.writer.submit(window.ws.update_document, doc_id, title="Renamed by a test")
    with qtbot.waitSignal(job.finished, timeout=30000) as edited:
        pass
    window.apply_changes(edited.args[0])
    assert "Renamed by a test" in all_titles(window)
    assert window.undo_action.isEnabled()
    assert window.undo_action.text() == "&Undo Edit document"
    with qtbot.waitSignal(window.changes_applied, timeout=30000):
        window.undo_action.trigger()
    titles = all_titles(window)
    assert before in titles and "Renamed by a test" not in titles
    assert window.redo_action.text() == "&Redo Edit document"
