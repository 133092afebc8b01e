"""Tradecraft advice in the GUI: a quiet line under the claim editor's statement that follows the
typing and the rating, and a marker with the findings in the supervisor's review queue."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from desktop.core import demo
from desktop.core.kernel import tradecraft
from desktop.ui.review_queue import FindingsRole

from .review_support import open_window  # noqa: F401


def _choose(combo, key) -> None:
    combo.setCurrentIndex(combo.findData(key))


def test_the_claim_editor_warns_as_the_analyst_types_and_rates(qtbot, window, tmp_path):
    doc = window.ws.document(window.ws.document_ids(order="title")[0])
    window.open_document(doc.id)
    window.reader.select_span(0, 40)
    assert window.make_claim()
    editor = window.editor
    line = editor.tradecraft
    assert not line.isVisible()
    qtbot.keyClicks(editor.statement, "A comparable tool is likely by 2027.")
    assert not line.isVisible()  # no rating yet: nothing to disagree with
    _choose(editor.likelihood, "almost_no_chance")
    assert line.isVisible() and "“likely”" in line.text() and "almost no chance" in line.text()
    _choose(editor.likelihood, "likely")
    assert not line.isVisible()
    editor.statement.clear()
    qtbot.keyClicks(editor.statement, "We assess with high confidence that a tool is likely.")
    assert line.isVisible() and "ICD 203" in line.text()
    assert [f.code for f in editor.findings()] == [tradecraft.ONE_SENTENCE]
    editor.grab().save(str(tmp_path / "claim-editor-tradecraft.png"))
    # advice, not a refusal: the claim saves as it is, and keeps its finding
    assert editor.save_button.isEnabled()
    job = editor.save()
    with qtbot.waitSignal(job.finished, timeout=10000):
        pass
    stored = editor.current_id()
    assert stored and [f.code for f in window.ws.tradecraft(stored)] == [tradecraft.ONE_SENTENCE]
    assert line.isVisible()  # the stored claim shows it too
    editor.statement.clear()
    qtbot.keyClicks(editor.statement, "A tool is likely by 2027. Our confidence is high.")
    assert not line.isVisible()


def test_a_note_shows_no_tradecraft_line(qtbot, window):
    doc = window.ws.document(window.ws.document_ids(order="title")[0])
    note = window.ws.add_note(doc.id, 0, 20, comment="likely, with high confidence").created
    assert window.open_annotation(doc.id, note)
    assert not window.editor.tradecraft.isVisible() and window.editor.findings() == []


def test_the_review_queue_marks_claims_with_findings(
    qtbot,
    worked_demo_path,
    open_window,  # noqa: F811
    tmp_path,
):
    win = open_window(worked_demo_path, demo.SAM)
    panel = win.review_ui.queue
    model = panel.model
    qtbot.waitUntil(lambda: model.rowCount() == model.total() > 0)
    flagged = [r for r in range(model.rowCount()) if model.index(r, 0).data(FindingsRole)]
    assert len(flagged) == 1
    row = flagged[0]
    assert isinstance(model.index(row, 0).data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert "Tradecraft" in model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    clean = next(r for r in range(model.rowCount()) if r != row)
    assert model.index(clean, 0).data(Qt.ItemDataRole.DecorationRole) is None
    panel.select_row(row)
    qtbot.waitUntil(lambda: panel.current_id() == model.annotation_id(row))
    card = panel.card.toPlainText()
    assert "Tradecraft" in card and "ICD 203" in card
    panel.select_row(clean)
    qtbot.waitUntil(lambda: panel.current_id() == model.annotation_id(clean))
    assert "Tradecraft" not in panel.card.toPlainText()
    panel.select_row(row)
    win.grab().save(str(tmp_path / "review-queue-tradecraft.png"))
