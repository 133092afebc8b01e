"""Annotating in the main window: select text, make a claim in the editor, see it highlighted
and listed, find it, undo and redo it; notes, clicks, search hits and library filters."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QPalette, QTextCharFormat, QTextCursor

from desktop.core.workspace import Workspace
from desktop.ui.annotations import AnnotationListModel, TagCatalog
from desktop.ui.main_window import MainWindow
from desktop.ui.reader import emphasis_format

MERIDIAN = "Lab's AI agent wrote working exploits"
SENTENCE = (
    '"AI-assisted tools now find and exploit vulnerabilities faster than defenders can patch them,"'
)
STATEMENT = "Lindqvist says AI tools already outpace defenders' patching (quizzically measured)"
OTHER = "every competent ransomware group will be running something like this"


def open_titled(qtbot, window: MainWindow, fragment: str) -> str:
    doc_id = next(d["id"] for d in window.ws.list_documents() if fragment in d["title"])
    window.library.select_document(doc_id)
    qtbot.waitUntil(lambda: window.reader.document_id == doc_id)
    return doc_id


def select_text(window: MainWindow, phrase: str) -> tuple[int, int]:
    """Select a phrase with the reader's text cursor, as a mouse drag would."""
    text = window.reader.document.text
    start = text.index(phrase)
    cursor = window.reader.text.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(start + len(phrase), QTextCursor.MoveMode.KeepAnchor)
    window.reader.text.setTextCursor(cursor)
    return start, start + len(phrase)


def background(fmt: QTextCharFormat) -> QColor | None:
    brush: QBrush = fmt.background()
    return brush.color() if brush.style() != Qt.BrushStyle.NoBrush else None


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def add_tag(qtbot, editor, name: str) -> None:
    qtbot.keyClicks(editor.tags.line, name)
    editor.tags.completer.popup().hide()
    qtbot.keyClick(editor.tags.line, Qt.Key.Key_Return)


def test_a_claim_from_selection_to_undo_and_redo(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    doc_id = open_titled(qtbot, window, MERIDIAN)
    assert window.annotations.model.rowCount() == 0
    start, end = select_text(window, SENTENCE)
    window.reader.text.setFocus()

    # Ctrl+Shift+C opens the editor on the selection (white space and quotes kept as selected)
    qtbot.keyClick(
        window.reader.text,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    editor = window.editor
    assert editor.new is not None and (editor.new.start, editor.new.end) == (start, end)
    assert editor.isVisible() and editor.heading.text() == "New claim"
    assert editor.reliability.text() == "C (fairly reliable)"
    assert "source" in editor.reliability_hint.text()
    qtbot.keyClicks(editor.statement, STATEMENT)
    choose(editor.credibility, 2)
    choose(editor.likelihood, "likely")
    choose(editor.confidence, "moderate")
    assert editor.summary.text() == "C2 · likely (55–80 %) · moderate confidence"
    add_tag(qtbot, editor, "capability/vuln-discovery")
    add_tag(qtbot, editor, "Actor / Academia")
    assert editor.tags.chip_names() == ["capability/vuln-discovery", "actor/academia"]

    with qtbot.waitSignal(window.changes_applied, timeout=10000):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.error_text() == ""
    ann_id = editor.current_id()
    ann = window.ws.annotation(ann_id)
    assert (ann.start, ann.end, ann.kind, ann.statement) == (start, end, "claim", STATEMENT)
    assert (ann.admiralty, ann.likelihood, ann.confidence) == ("C2", "likely", "moderate")
    assert sorted(ann.tags) == ["actor/academia", "capability/vuln-discovery"]

    # highlighted in its first tag's colour, underlined as a claim, and emphasised as selected
    fmt = window.reader.format_at(start + 5)
    colour = background(fmt)
    assert colour is not None and colour.name() == QColor(ann.colour).name()
    assert fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.SingleUnderline
    assert background(window.reader.format_at(end + 2)) is None
    assert (start, end) in window.reader.extra_selection_spans()
    # listed in the pane, selected, with the compact rating and the tags
    model = window.annotations.model
    assert model.ids() == [ann_id] and window.annotations.selected_id() == ann_id
    row = model.index(0).data()
    assert "C2 · likely (55–80 %) · moderate confidence" in row and "actor/academia" in row
    assert "1 claim" in window.annotations.caption.text()
    # the library counts it
    row_of_doc = window.library.model.row_of(doc_id)
    assert window.library.model.index(row_of_doc, 6).data() == "1"
    assert window.undo_action.text() == "&Undo Add claim"

    # a word of the statement finds the claim; opening the hit selects its span
    window.search_field.setText("quizzically")
    qtbot.waitUntil(lambda: any(h.id == ann_id for h in window.results.model._hits), timeout=10000)
    window.reader.select_annotation(None)
    window.open_hit(next(h for h in window.results.model._hits if h.id == ann_id))
    assert window.reader.selected_annotation == ann_id
    assert window.reader.selected_text() == SENTENCE
    assert window.reader.extra_selection_spans() == [(start, end)]

    # undo removes it everywhere
    with qtbot.waitSignal(window.changes_applied, timeout=10000):
        window.undo_action.trigger()
    assert model.rowCount() == 0
    assert background(window.reader.format_at(start + 5)) is None
    assert window.reader.extra_selection_spans() == []
    assert editor.current_id() is None
    assert window.library.model.index(row_of_doc, 6).data() == ""
    assert window.redo_action.text() == "&Redo Add claim"
    qtbot.waitUntil(lambda: window.results.model.rowCount() == 0, timeout=10000)

    # redo restores it
    with qtbot.waitSignal(window.changes_applied, timeout=10000):
        window.redo_action.trigger()
    assert model.ids() == [ann_id]
    assert background(window.reader.format_at(start + 5)).name() == QColor(ann.colour).name()
    qtbot.waitUntil(lambda: window.results.model.rowCount() == 1, timeout=10000)


def test_a_note_from_the_context_menu_then_click_and_row_select_each_other(qtbot, window):
    open_titled(qtbot, window, MERIDIAN)
    start, end = select_text(window, OTHER)
    menu = window.reader.context_menu(QPoint(5, 5))
    labels = [a.text() for a in menu.actions()]
    assert "Add note" in labels and "Make claim…" in labels
    note = next(a for a in menu.actions() if a.text() == "Add note")
    with qtbot.waitSignal(window.changes_applied, timeout=10000):
        note.trigger()
    ann_id = window.annotations.selected_id()
    assert ann_id is not None and window.editor.current_id() == ann_id
    assert window.editor.heading.text() == "Note · draft"
    assert window.editor.comment.hasFocus() or window.editor.comment.isVisible()
    # a note without a tag: neutral colour, dotted underline
    fmt = window.reader.format_at(start + 1)
    assert background(fmt).name() == QColor("#c3ccd8").name()
    assert fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.DotLine

    # a click elsewhere, then a click inside the highlight selects its row
    window.annotations.select(None)
    window.reader.select_annotation(None)
    view = window.reader.text
    cursor = QTextCursor(view.document())
    cursor.setPosition(start + 3)
    view.setTextCursor(cursor)  # no selection, and the place on screen
    view.ensureCursorVisible()
    point = view.cursorRect(cursor).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.annotations.selected_id() == ann_id
    assert window.reader.selected_annotation == ann_id

    # and a row selects the span in the reader
    window.reader.select_annotation(None)
    window.annotations.select(None)
    window.annotations.view.setCurrentIndex(window.annotations.model.index(0))
    assert window.reader.selected_annotation == ann_id
    assert window.reader.selected_text() == OTHER
    assert window.reader.extra_selection_spans() == [(start, end)]
    # the selection shows in the note's colour, not the palette's blue
    tint = window.reader.text.palette().color(QPalette.ColorRole.Highlight)
    assert tint == emphasis_format(None).background().color()


def test_without_a_selection_the_shortcuts_explain_what_to_do(qtbot, window):
    open_titled(qtbot, window, MERIDIAN)
    assert window.make_claim() is False
    assert "Select some text" in window.statusBar().currentMessage()
    assert window.add_note() is None


def test_library_filters_by_tag_and_by_having_claims(qtbot, window, demo_path):
    ws = window.ws
    docs = ws.document_ids(order="title")
    ws.add_claim(docs[0], 0, 10, "one", tags=["actor/state"])
    ws.add_note(docs[1], 0, 10, tags=["actor/state/ministry"])
    ws.add_claim(docs[2], 0, 10, "three", tags=["policy"])
    window.tags.reload()
    lib = window.library
    assert lib.tag_filter.findData("actor") >= 0 and lib.tag_filter.findData("policy") >= 0
    lib.claims_filter.setChecked(True)
    qtbot.waitUntil(lambda: lib.model.total() == 2)
    lib.tag_filter.setCurrentIndex(lib.tag_filter.findData("actor/state"))
    qtbot.waitUntil(lambda: lib.model.total() == 1)
    assert lib.model.document_id(0) == docs[0]
    lib.claims_filter.setChecked(False)
    qtbot.waitUntil(lambda: lib.model.total() == 2)
    assert {lib.model.document_id(r) for r in range(2)} == {docs[0], docs[1]}
    assert "2 of 15" in lib.caption.text()


def test_the_annotations_model_passes_the_model_tester(qtmodeltester, demo_path):
    with Workspace.open(demo_path) as ws:
        doc_id = ws.document_ids(order="title")[0]
        made = [
            ws.add_claim(doc_id, 40, 60, "a", credibility=3, tags=["actor/state"]).created,
            ws.add_note(doc_id, 5, 30, comment="first").created,
            ws.add_note(doc_id, 50, 55).created,
        ]
        model = AnnotationListModel(ws)
        model.set_annotations(doc_id, ws.annotations(doc_id))
        qtmodeltester.check(model)
        assert model.ids()[0] == made[1]  # reading order
        later = ws.add_claim(doc_id, 0, 4, "earliest").created
        ws.delete_annotation(made[2])
        model.update([ws.annotation(later)], [made[2]])
        qtmodeltester.check(model)
        assert model.ids() == [later, made[1], made[0]]
        assert model.index(0).data().startswith(f"Claim · {ws.annotation(later).admiralty}")
        assert not model.index(0, 0, model.index(0)).isValid()
        assert model.rowCount(QModelIndex()) == 3
        assert TagCatalog(ws).used_names() == ["actor", "actor/state"]


def test_others_add_menu_items_without_touching_the_window(window):
    export = QAction("Export report…", window)
    file_menu = window.add_menu_action("File", export, separator=True)
    labels = [a.text() for a in file_menu.actions() if not a.isSeparator()]
    assert labels.index("Export report…") == labels.index("&Quit") - 1
    tools = window.add_menu_action("&Tools", QAction("Verify audit log", window))
    assert tools.menuAction().isVisible()
    assert "Verify audit log" in [a.text() for a in tools.actions()]
    bundles = window.add_menu_action("Bundles", QAction("Import bundle…", window))
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index(bundles.title()) == titles.index("&Help") - 1
    assert window.menu("bundles") is bundles
