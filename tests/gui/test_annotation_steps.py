"""Reading aids: Alt+Down / Alt+Up walk the open document's notes and claims in reading
order (from the selected one or the reader's cursor, wrapping around); hovering a highlight
shows what it holds."""

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


def test_hovering_a_highlight_says_what_it_holds(qtbot, window):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent, QTextCursor
    from PySide6.QtWidgets import QApplication, QToolTip

    doc_id = open_titled(qtbot, window, MERIDIAN)
    text = window.reader.document.text
    start = text.index("Tamsworth University")
    job = window.writer.submit(
        window.ws.add_claim,
        doc_id,
        start,
        start + 20,
        "A <university> team built it",
        credibility=2,
        likelihood="likely",
        confidence="moderate",
        tags=["actor/academia"],
    )
    with qtbot.waitSignal(job.finished) as done:
        pass
    window.apply_changes(done.args[0])
    reader = window.reader
    cursor = QTextCursor(reader.text.document())
    cursor.setPosition(reader.offsets.to_qt(start + 5))
    reader.text.setTextCursor(cursor)
    reader.text.ensureCursorVisible()
    inside = reader.text.cursorRect(cursor).center()
    tip = reader.tooltip_at(inside)
    assert tip.startswith("<b>Claim</b> · ") and "likely" in tip and "moderate" in tip
    assert "A &lt;university&gt; team built it" in tip  # escaped, not markup
    assert "actor/academia" in tip and "draft" in tip
    cursor.setPosition(reader.offsets.to_qt(text.index("Lindqvist said")))
    outside = reader.text.cursorRect(cursor).center()
    assert reader.tooltip_at(outside) == ""
    viewport = reader.text.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, inside, viewport.mapToGlobal(inside))
    QApplication.sendEvent(viewport, event)
    assert "team built it" in QToolTip.text()
    QToolTip.hideText()
