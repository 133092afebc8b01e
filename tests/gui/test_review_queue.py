"""The supervisor's review queue: keyboard decisions, role errors inline, filters, the models."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from desktop.core.workspace import Workspace
from desktop.ui.review_queue import ReturnedModel, ReviewQueueModel
from desktop.ui.review_thread import HistoryModel

from .review_support import ADA, SAM, open_window, team, team_template  # noqa: F401


def statuses(ws: Workspace, ids: list[str]) -> list[str]:
    return [ws.annotation(i).status for i in ids]


def test_a_supervisor_clears_the_queue_by_keyboard(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    win = open_window(path, SAM)
    ui, ws = win.review_ui, win.ws
    panel = ui.queue
    assert ui.queue_dock.isVisible() and not ui.returned_dock.isVisible()
    assert "3 claims waiting" in panel.caption.text()
    queue = [panel.model.annotation_id(r) for r in range(panel.model.rowCount())]
    assert sorted(queue) == sorted(ids["ada"])
    assert panel.current_id() == queue[0]
    assert win.reader.document_id != panel.reader.document_id  # the queue has its own reader
    claim = ws.annotation(queue[0])
    assert panel.reader.selected_text() == claim.quote
    assert claim.statement in panel.card.toPlainText()
    assert "ready for review" in panel.thread.toPlainText()
    table = panel.table

    qtbot.keyClick(table, Qt.Key.Key_A)
    assert panel.current_id() == queue[1]  # moved on at once; the writer saves meanwhile
    qtbot.waitUntil(lambda: panel.model.total() == 2)
    assert ws.annotation(queue[0]).status == "approved"

    qtbot.keyClick(table, Qt.Key.Key_R)
    assert panel.comment_row.isVisible()
    assert "Reject" in panel.comment_label.text()
    qtbot.keyClicks(panel.comment, "No second source for this figure")
    qtbot.keyClick(panel.comment, Qt.Key.Key_Return)
    assert not panel.comment_row.isVisible()
    qtbot.waitUntil(lambda: panel.model.total() == 1)
    assert panel.current_id() == queue[2]

    qtbot.keyClick(table, Qt.Key.Key_C)
    qtbot.keyClicks(panel.comment, "Cite the advisory's table")
    qtbot.keyClick(panel.comment, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.model.total() == 0)

    assert statuses(ws, queue) == ["approved", "rejected", "changes_requested"]
    decisions = [
        [(r.decision, r.reviewer, r.comment, r.opinion) for r in ws.reviews(i)][-1] for i in queue
    ]
    assert decisions == [
        ("approve", "Sam Supervisor", "", "agree"),
        ("reject", "Sam Supervisor", "No second source for this figure", "disagree"),
        ("request_changes", "Sam Supervisor", "Cite the advisory's table", "neutral"),
    ]
    assert "0 claims waiting" in panel.caption.text()
    assert "No claim is waiting" in panel.card.toPlainText()
    assert not panel.approve_button.isEnabled()
    assert panel.error.isHidden()


def test_keys_move_and_escape_cancels_a_comment(qtbot, team, open_window):  # noqa: F811
    path, _ids = team
    win = open_window(path, SAM)
    panel = win.review_ui.queue
    table = panel.table
    first, second = panel.model.annotation_id(0), panel.model.annotation_id(1)
    qtbot.keyClick(table, Qt.Key.Key_J)
    assert panel.current_id() == second
    qtbot.keyClick(table, Qt.Key.Key_K)
    assert panel.current_id() == first
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert panel.current_id() == second
    qtbot.keyClick(table, Qt.Key.Key_Up)
    assert panel.current_id() == first
    qtbot.keyClick(table, Qt.Key.Key_K)  # at the top: stays
    assert panel.current_id() == first

    qtbot.keyClick(table, Qt.Key.Key_C)
    qtbot.keyClicks(panel.comment, "never mind")
    qtbot.keyClick(panel.comment, Qt.Key.Key_Escape)
    assert not panel.comment_row.isVisible()
    qtbot.keyClick(table, Qt.Key.Key_R)
    assert panel.comment.text() == ""  # a cancelled comment is not carried over
    qtbot.keyClick(panel.comment, Qt.Key.Key_Return)  # empty: asked for a reason, nothing sent
    assert panel.error.isVisible() and "Say why" in panel.error.text()
    assert panel.comment_row.isVisible() and not panel.jobs
    qtbot.keyClick(panel.comment, Qt.Key.Key_Escape)
    assert win.ws.annotation(first).status == "submitted"
    assert panel.model.total() == 3


def test_typing_ahead_decides_each_claim_once(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    win = open_window(path, SAM)
    panel = win.review_ui.queue
    for _ in range(3):  # no waiting between keys: each decision goes to the next open claim
        qtbot.keyClick(panel.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: panel.model.total() == 0 and not panel.busy())
    assert statuses(win.ws, ids["ada"]) == ["approved"] * 3
    assert all(len(win.ws.reviews(i)) == 2 for i in ids["ada"])  # submit + one approval


def test_role_errors_show_inline(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    win = open_window(path, ADA)
    ui = win.review_ui
    assert not ui.queue_dock.isVisible()
    ui.show_queue()
    panel = ui.queue
    first = panel.current_id()
    qtbot.keyClick(panel.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: panel.error.isVisible())
    assert "Only a supervisor reviews" in panel.error.text()
    assert panel.current_id() == first and not panel.model.is_pending(first)
    assert win.last_error is None  # inline, not a dialog
    assert win.ws.annotation(first).status == "submitted"


def test_nobody_reviews_their_own_claim(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    ws = Workspace.open(path, profile=SAM)
    doc = ws.document(ids["document"][0])
    own = ws.add_claim(doc.id, 0, 20, "My own reading", likelihood="likely").created
    ws.submit(own)
    ws.close()
    win = open_window(path, SAM)
    panel = win.review_ui.queue
    assert panel.select_annotation(own)
    qtbot.keyClick(panel.table, Qt.Key.Key_R)
    qtbot.keyClicks(panel.comment, "trying anyway")
    qtbot.keyClick(panel.comment, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.error.isVisible())
    assert "Nobody reviews their own claim" in panel.error.text()
    assert panel.current_id() == own
    assert win.ws.annotation(own).status == "submitted"


def test_filters_narrow_the_queue(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    win = open_window(path, SAM)
    panel = win.review_ui.queue
    combo = panel.tag_filter
    assert combo.findData("actor") > 0 and combo.findData("actor/state") > 0
    combo.setCurrentIndex(combo.findData("actor"))
    combo.activated.emit(combo.currentIndex())
    assert panel.model.total() == 1 and "(filtered)" in panel.caption.text()
    assert panel.current_id() == ids["ada"][1]
    combo.setCurrentIndex(0)
    combo.activated.emit(0)
    assert panel.model.total() == 3
    panel.age_filter.setCurrentIndex(panel.age_filter.findData(1))
    panel.age_filter.activated.emit(panel.age_filter.currentIndex())
    assert panel.model.total() == 0  # everything was submitted just now
    panel.age_filter.setCurrentIndex(0)
    panel.analyst_filter.setCurrentIndex(panel.analyst_filter.findData(ADA.id))
    panel.analyst_filter.activated.emit(panel.analyst_filter.currentIndex())
    assert panel.model.total() == 3
    assert panel.document_filter.count() == 2  # "any" and the one document


def test_review_models_pass_the_qt_model_tester(qtmodeltester, team):  # noqa: F811
    path, ids = team
    ws = Workspace.open(path, profile=SAM)
    try:

        class SmallPages(ReviewQueueModel):
            PAGE = 2  # three submitted claims: fetchMore really runs

        queue = SmallPages(ws)
        assert queue.rowCount() == 2 and queue.canFetchMore(QModelIndex())
        queue.fetchMore(QModelIndex())
        assert queue.rowCount() == 3 and not queue.canFetchMore(QModelIndex())
        qtmodeltester.check(SmallPages(ws))  # the tester fetches the rest itself
        qtmodeltester.check(queue)
        queue.set_pending(queue.annotation_id(0), True)
        qtmodeltester.check(queue)
        ws.review(ids["ada"][0], "reject", "no")
        queue.refresh()  # a removal, applied row by row
        qtmodeltester.check(queue)
        assert queue.total() == 2 and ids["ada"][0] not in [a.id for a in queue.annotations()]

        history = HistoryModel()
        history.set_entries(ws.history(ids["ada"][0]))
        qtmodeltester.check(history)
        assert history.rowCount() == 3

        ws.switch_analyst(ADA)
        returned = ReturnedModel(ws)
        qtmodeltester.check(returned)
        assert returned.rowCount() == 1
        assert returned.index(0, 2).data() == "no"
    finally:
        ws.close()
