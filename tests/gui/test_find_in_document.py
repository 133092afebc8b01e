"""Find in the open document: Ctrl+F opens the bar, every match is painted and counted, Enter
and F3 walk through them (Shift goes back, both wrap), a phrase is found across a line break,
Esc closes the bar and clears the paint; the bar follows the reader to the next document.

Set ASSAY_SHOT_DIR to keep the PNG (docs/screenshots/find-in-document.png)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

from desktop.ui.find_bar import find_spans

from .test_annotate import MERIDIAN, open_titled


def test_find_spans_ignores_case_and_spans_white_space():
    text = "Patch gap.\nThe PATCH\n  gap widens; patchy gaps."
    assert find_spans(text, "patch gap") == [(0, 9), (15, 26)]
    assert find_spans(text, "  ") == [] and find_spans(text, "") == []
    assert find_spans(text, "gap.") == [(6, 10)]  # regex characters are plain text


def test_ctrl_f_finds_counts_walks_and_closes(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    open_titled(qtbot, window, MERIDIAN)
    text = window.reader.document.text
    expected = find_spans(text, "exploit")
    assert len(expected) > 3
    window.reader.text.setFocus()
    qtbot.keyClick(window.reader.text, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.reader.find_bar
    assert bar.isVisible() and bar.field.hasFocus()
    assert not window.search_field.hasFocus()
    qtbot.keyClicks(bar.field, "EXPLOIT")
    qtbot.waitUntil(lambda: window.reader.matches == expected)  # after a pause in typing
    assert bar.count.text() == f"1 of {len(expected)}"
    assert window.reader.selected_text().lower() == "exploit"
    painted = window.reader.extra_selection_spans()
    assert set(expected) <= set(painted)  # every match painted, the current one marked
    shots = os.environ.get("ASSAY_SHOT_DIR")
    if shots:
        window.grab().save(str(Path(shots) / "find-in-document.png"))

    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.count.text() == f"2 of {len(expected)}"
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count.text() == f"{len(expected)} of {len(expected)}"  # wrapped to the last
    window.find_next_action.trigger()  # F3
    assert bar.count.text() == f"1 of {len(expected)}"
    start, end = expected[0]
    assert window.reader.selected_span() == (start, end)

    bar.field.setText("no such words anywhere")
    qtbot.waitUntil(lambda: bar.count.text() == "No matches")
    assert window.reader.matches == []
    assert not bar.next_button.isEnabled()
    bar.field.setText("exploit")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)  # Enter before the pause: found at once
    assert bar.count.text() == f"1 of {len(expected)}"
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible() and window.reader.matches == []
    assert len(window.reader.extra_selection_spans()) <= 1  # the paint went with the bar
    assert window.reader.text.hasFocus()


def test_the_bar_follows_the_reader_to_another_document(qtbot, window):
    open_titled(qtbot, window, MERIDIAN)
    window.reader.open_find("patch")
    first = list(window.reader.matches)
    assert first
    other = open_titled(qtbot, window, "Shrinking exploitation")
    assert window.reader.find_bar.isVisible()
    assert window.reader.matches == find_spans(window.ws.document(other).text, "patch")
    assert window.reader.matches != first


def test_a_very_long_text_waits_for_two_letters(qtbot, window, monkeypatch):
    from desktop.ui import reader as reader_module

    open_titled(qtbot, window, MERIDIAN)
    monkeypatch.setattr(reader_module, "LARGE_TEXT", 100)  # the sample stands in for megabytes
    window.reader.open_find("e")
    assert window.reader.matches == [] and window.reader.find_bar.count.text() == (
        "Two letters or more"
    )
    window.reader.open_find("ex")
    assert window.reader.matches == find_spans(window.reader.document.text, "ex")
