"""The ACH matrix view, offscreen: opened from Analysis → Competing hypotheses…, hypotheses and
claims added, cells rated from the keyboard (arrows, 1–5, 0, Delete), scores and the
sensitivity list following each write, non-diagnostic rows dimmed."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.ui.ach_view import DIM, AddEvidenceDialog

WAIT = 20000  # ms; the shared machine is loaded


def _claims(ws, n=3):
    """N rated claims on the demo's first document, on distinct words of its text."""
    doc = ws.list_documents(order="title")[0]
    text = ws.document(doc["id"]).text
    out, start = [], 0
    for i in range(n):
        s = text.index(" ", start + 30) + 1
        e = text.index(" ", s + 5)
        out.append(
            ws.add_claim(
                doc["id"],
                s,
                e,
                f"Claim {i} about {text[s:e]}",
                credibility=i + 1,
                tags=["ach-test"],
            ).created
        )
        start = e
    return doc, out


def _rating(view, row, col):
    return view.model.index(row, col).data()


def test_the_matrix_is_rated_from_the_keyboard(qtbot, window, tmp_path):
    ws = window.ws
    doc, claims = _claims(ws)
    action = window.findChild(type(window.undo_action), "achAction")
    assert action is not None and action in window.menu("Analysis").actions()
    action.trigger()
    view = window.show_ach()
    view.new_matrix("Who is behind it?")
    qtbot.waitUntil(lambda: view.matrix_id is not None, timeout=WAIT)
    view.add_hypothesis("A state team")
    qtbot.waitUntil(lambda: view.model.columnCount() == 2, timeout=WAIT)
    view.add_hypothesis("A criminal group")
    qtbot.waitUntil(lambda: view.model.columnCount() == 3, timeout=WAIT)
    # claims by tag, through the picker
    picker = AddEvidenceDialog(ws, view)
    picker.mode.setCurrentText("Tag")
    picker.value.setEditText("ach-test")
    assert sorted(picker.find()) == sorted(claims)
    picker.mode.setCurrentText("Document")
    picker.value.setCurrentIndex(picker.value.findData(doc["id"]))
    assert sorted(picker.find()) == sorted(claims)
    picker.mode.setCurrentText("Search")
    picker.value.setEditText("nothing-matches-this-zzz")
    assert picker.find() == [] and not picker.ok.isEnabled()
    picker.mode.setCurrentText("Tag")
    picker.value.setEditText("ach-test")
    picker.find()
    view.add_claims(picker.ids)
    qtbot.waitUntil(lambda: view.model.rowCount() == 4, timeout=WAIT)  # 3 claims + scores

    table = view.table
    table.setFocus()
    table.setCurrentIndex(view.model.index(0, 1))
    qtbot.keyClick(table, Qt.Key.Key_4)  # I
    qtbot.waitUntil(lambda: _rating(view, 0, 1) == "I", timeout=WAIT)
    qtbot.keyClick(table, Qt.Key.Key_Right)
    qtbot.keyClick(table, Qt.Key.Key_2)  # C
    qtbot.waitUntil(lambda: _rating(view, 0, 2) == "C", timeout=WAIT)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_0)  # NA
    qtbot.waitUntil(lambda: _rating(view, 1, 2) == "NA", timeout=WAIT)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _rating(view, 1, 2) == "·", timeout=WAIT)
    # row 2 rated alike: non-diagnostic, dimmed
    table.setCurrentIndex(view.model.index(2, 1))
    qtbot.keyClick(table, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: _rating(view, 2, 1) == "N", timeout=WAIT)
    qtbot.keyClick(table, Qt.Key.Key_Right)
    qtbot.keyClick(table, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: _rating(view, 2, 2) == "N", timeout=WAIT)
    m = view.model.matrix
    assert m.rows[2].non_diagnostic and not m.rows[0].non_diagnostic
    fg = view.model.index(2, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert fg is not None and fg.color() == DIM
    # scores row: the state team carries the inconsistency, the criminal group leads
    h1, h2 = m.hypotheses
    assert m.ranking == [h2.id, h1.id]
    assert view.model.index(3, 1).data().startswith(f"{h1.score:.2f}")
    assert "H2" in view.ranking.text().split("<")[0]
    assert (
        view.sensitivity.count() == 1 and "the ranking changes" in view.sensitivity.item(0).text()
    )
    # undo from the window reaches the view through the fan-out
    label = ws.undo_label()
    assert label == "Rate N"
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: _rating(view, 2, 2) == "·", timeout=WAIT)
    view.resize(1300, 520)
    view.grab().save(str(tmp_path / "ach.png"))
    assert (tmp_path / "ach.png").stat().st_size > 10_000


def test_a_removed_claim_stays_as_missing_evidence(qtbot, window):
    ws = window.ws
    _doc, claims = _claims(ws, 2)
    mid = ws.create_matrix("Q").created
    ws.add_hypothesis(mid, "H")
    ws.add_matrix_evidence(mid, claims)
    ws.delete_annotation(claims[0])
    view = window.show_ach()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=WAIT)
    assert view.model.index(0, 0).data().startswith("missing evidence")
    assert "missing evidence" in view.ranking.text()
    # rating it is refused with a message, nothing changes
    table = view.table
    table.setFocus()
    table.setCurrentIndex(view.model.index(0, 1))
    before = ws.undo_label()
    qtbot.keyClick(table, Qt.Key.Key_5)
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=WAIT)
    assert "missing evidence" in window.last_error.text()
    window.last_error.close()
    assert ws.undo_label() == before
