"""Alt+Down / Alt+Up walk the open document's notes and claims in reading order, from the
selected one or from the reader's cursor, wrapping around."""

from __future__ import annotations

from PySide6.QtCore import Qt

from .test_annotate import MERIDIAN, open_titled


def test_alt_down_and_up_walk_the_annotations(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    doc_id = open_titled(qtbot, window, MERIDIAN)
    assert window.step_annotation(1) is None  # none yet: says so
    assert "no notes or claims" in window.statusBar().currentMessage()
    text = window.reader.document.text
    made = []
    for phrase in ("Tamsworth University", "Elin Lindqvist", "memory-corruption"):
        start = text.index(phrase)
        job = window.writer.submit(window.ws.add_note, doc_id, start, start + len(phrase))
        with qtbot.waitSignal(job.finished) as done:
            pass
        window.apply_changes(done.args[0])
        made.append(done.args[0].created)
    order = window.annotations.model.ids()
    assert sorted(order) == sorted(made) and len(order) == 3
    window.select_annotation(None)
    window.reader.text.setFocus()
    cursor = window.reader.text.textCursor()
    cursor.setPosition(text.index("Elin Lindqvist") - 5)  # between the first and second
    window.reader.text.setTextCursor(cursor)
    qtbot.keyClick(window.reader.text, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert window.current_annotation_id() == order[1]
    assert window.statusBar().currentMessage() == "Annotation 2 of 3"
    qtbot.keyClick(window.reader.text, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert window.current_annotation_id() == order[2]
    qtbot.keyClick(window.reader.text, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert window.current_annotation_id() == order[0]  # wrapped
    qtbot.keyClick(window.reader.text, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert window.current_annotation_id() == order[2]
    start, end = window.reader.selected_span()
    assert text[start:end] == "memory-corruption"  # the reader selected its span
