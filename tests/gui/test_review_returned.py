"""What came back to an analyst, the claim history dialog, and the Review menu."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt

from desktop.core.workspace import Workspace

from .review_support import ADA, SAM, open_window, team, team_template  # noqa: F401


def review_as_supervisor(path, ids) -> None:
    ws = Workspace.open(path, profile=SAM)
    try:
        approved, rejected, returned = ids["ada"]
        ws.review(approved, "approve")
        ws.review(rejected, "reject", "No second source for this figure")
        ws.review(returned, "request_changes", "Cite the advisory's table")
    finally:
        ws.close()


def test_an_analyst_sees_the_returned_claims_with_the_comments(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    review_as_supervisor(path, ids)
    _approved, rejected, returned = ids["ada"]
    win = open_window(path, ADA)
    ui = win.review_ui
    pane = ui.returned
    assert ui.returned_dock.isVisible() and not ui.queue_dock.isVisible()
    model = pane.model
    assert model.rowCount() == 2
    rows = {model.index(r, 0).data(Qt.ItemDataRole.UserRole + 40): r for r in range(2)}
    assert set(rows) == {rejected, returned}
    row = rows[returned]
    assert model.index(row, 1).data() == "changes requested"
    assert model.index(row, 2).data() == "Cite the advisory's table"
    assert model.index(row, 3).data() == "Sam Supervisor"
    assert model.index(rows[rejected], 2).data() == "No second source for this figure"
    pane.table.selectRow(row)
    shown = html.unescape(pane.comment.text())
    assert "“Cite the advisory's table”" in shown and "Sam Supervisor" in shown

    claim = win.ws.annotation(returned)
    view = pane.table
    where = view.visualRect(model.index(row, 0)).center()
    with qtbot.waitSignal(ui.open_annotation) as opened:
        # Qt 6's mouseDClick sends only the second press (as a double-click): click first
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.args == [claim.document_id, returned]
    qtbot.waitUntil(lambda: win.reader.document_id == claim.document_id)
    assert win.reader.selected_text() == claim.quote

    win.ws.edit_claim(returned, credibility=1)  # fixed: the claim is a draft again…
    pane.refresh()
    pane.table.selectRow(pane.model.row_of(returned))
    pane.submit_again()  # …and goes back to the queue
    qtbot.waitUntil(lambda: win.ws.annotation(returned).status == "submitted")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    assert pane.error.isHidden()


def test_claim_history_shows_the_thread_and_the_audited_changes(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    review_as_supervisor(path, ids)
    rejected = ids["ada"][1]
    win = open_window(path, SAM)
    dialog = win.review_ui.show_history(rejected)
    assert dialog.isVisible() and dialog.ann_id == rejected
    assert [r.decision for r in dialog.thread.thread] == ["submit", "reject"]
    text = dialog.thread.toPlainText()
    assert "Ada Analyst submitted" in text and "Sam Supervisor rejected" in text
    assert "No second source for this figure" in text
    model = dialog.model
    actions = [model.index(r, 2).data() for r in range(model.rowCount())]
    assert actions == ["add claim", "submit", "reject"]
    assert [model.index(r, 1).data() for r in range(3)] == ["Ada Analyst"] * 2 + ["Sam Supervisor"]
    assert "very likely" in model.index(0, 3).data() and "actor/state" in model.index(0, 3).data()
    assert "No second source" in model.index(2, 3).data()
    # the chooser offers the other claims of the same document
    chooser = dialog.chooser
    other = ids["ada"][0]
    chooser.setCurrentIndex(chooser.findData(other))
    assert dialog.ann_id == other and dialog.thread.thread[-1].decision == "approve"


def test_the_review_menu_holds_every_command(team, open_window):  # noqa: F811
    path, _ids = team
    win = open_window(path, SAM)
    titles = [a.text() for a in win.menuBar().actions()]
    assert titles.index("&Review") < titles.index("&Help")
    menu = win.review_ui.menu
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[:6] == [
        "Working as Sam Supervisor (supervisor)",
        "Review &queue",
        "&Returned to me",
        "Claim &history…",
        "&Dashboard…",
        "&Agreement…",
    ]
    from desktop.ui.review_ui import install_review_ui

    ui = win.review_ui
    install_review_ui(win)  # a second call changes nothing
    assert win.review_ui is ui
    assert [a.text() for a in win.menuBar().actions()].count("&Review") == 1


def test_switching_analyst_swaps_the_review_panes(qtbot, team, open_window):  # noqa: F811
    path, ids = team
    review_as_supervisor(path, ids)
    win = open_window(path, SAM)
    ui = win.review_ui
    if not hasattr(win, "switch_analyst"):
        return  # the window cannot switch people yet
    assert ui.queue_dock.isVisible() and not ui.returned_dock.isVisible()
    win.switch_analyst(ADA)
    qtbot.waitUntil(lambda: ui.returned_dock.isVisible())
    assert not ui.queue_dock.isVisible()
    assert ui.returned.model.rowCount() == 2
    assert "Ada Analyst (analyst)" in ui.who_action.text()
