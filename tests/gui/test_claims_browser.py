"""The claims browser dock: every note and claim in one table, filtered, sorted by the core, and
opened in the reader. Set ASSAY_SHOT_DIR to keep its PNG (docs/screenshots/claims-browser.png)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from desktop.core.workspace import Workspace
from desktop.ui.claims_browser import ClaimsModel, install_claims_browser, rating_text
from desktop.ui.main_window import MainWindow
from desktop.ui.review_queue import AnnotationIdRole, one_line

from .review_support import ADA, BEN, SAM, sentences

EXPLOITATION = "Shrinking exploitation windows"
CHIPS = "Controlled AI chips keep reaching restricted buyers"
MERIDIAN = "Lab's AI agent wrote working exploits"


@pytest.fixture(scope="session")
def claims_template(gui_demo_template: Path, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The demo workspace with Ada's and Ben's notes and claims on three documents; Ada's first
    claim approved, Ben's claim submitted. Built once per session."""
    path = tmp_path_factory.mktemp("claims-browser") / "ws"
    shutil.copytree(gui_demo_template, path, ignore=shutil.ignore_patterns("lock"))
    ws = Workspace.open(path, profile=ADA)
    ids: dict[str, str] = {}
    try:
        with ws.deferred_indexing():
            windows, chips, meridian = (
                ws.find_document(t) for t in (EXPLOITATION, CHIPS, MERIDIAN)
            )
            (s1, s2, s3, s4) = sentences(windows.text, 4)
            ids["exploit"] = ws.add_claim(
                windows.id,
                *s1,
                "Exploitation windows have shrunk to days",
                credibility=2,
                likelihood="likely",
                confidence="moderate",
                tags=["capability/exploit"],
            ).created
            ids["state"] = ws.add_claim(
                windows.id,
                *s2,
                "State actors lead the exploitation",
                credibility=3,
                likelihood="very_likely",
                confidence="high",
                tags=["actor/state"],
            ).created
            ids["windows_note"] = ws.add_note(
                windows.id, *s3, comment="Compare with CISA data", tags=["capability"]
            ).created
            (c1, c2) = sentences(chips.text, 2)
            ids["controls"] = ws.add_claim(
                chips.id,
                *c1,
                "Export controls leak through shells",
                credibility=4,
                likelihood="unlikely",
                confidence="low",
                tags=["policy/export-controls"],
            ).created
            ids["chips_note"] = ws.add_note(
                chips.id, *c2, comment="Check the shell companies"
            ).created
            ws.submit(ids["exploit"])
            ws.switch_analyst(BEN)
            (m1,) = sentences(meridian.text, 1)
            ids["bot"] = ws.add_claim(
                meridian.id,
                *m1,
                "Exploit bots are already in use",
                credibility=3,
                likelihood="likely",
                confidence="low",
                tags=["capability/exploit"],
            ).created
            ids["ben_note"] = ws.add_note(windows.id, *s4, comment="Second opinion").created
            ws.submit(ids["bot"])
            ws.switch_analyst(SAM)
            ws.review(ids["exploit"], "approve")
    finally:
        ws.close()
    return path, ids


@pytest.fixture
def demo_path(claims_template, tmp_path: Path) -> Path:
    """The main window (conftest's `window`) opens a private copy of the claims workspace."""
    path = tmp_path / "claims"
    shutil.copytree(claims_template[0], path, ignore=shutil.ignore_patterns("lock"))
    return path


@pytest.fixture
def ids(claims_template) -> dict[str, str]:
    return claims_template[1]


@pytest.fixture
def browser(qtbot, window: MainWindow):
    """The dock (installed by the window; installing again changes nothing), shown from the View
    menu."""
    dock = install_claims_browser(window)
    window.resizeDocks([dock], [330], Qt.Orientation.Vertical)
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(dock.isVisible)
    return window.claims_browser


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def shown_ids(browser) -> list[str]:
    model = browser.model
    return [model.index(r, 0).data(AnnotationIdRole) for r in range(model.rowCount())]


def click_header(qtbot, browser, column: int) -> None:
    header = browser.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def test_the_dock_is_hidden_until_the_view_menu_shows_it(qtbot, window):
    dock = install_claims_browser(window)
    assert install_claims_browser(window) is dock  # idempotent
    assert dock.objectName() == "claimsBrowserDock" and not dock.isVisible()
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert window.findChildren(QDockWidget, "claimsBrowserDock") == [dock]
    action = dock.toggleViewAction()
    assert action in window.menu("View").actions()
    assert action.text() == "All &claims and notes"
    assert action.shortcut().toString() == "Ctrl+Shift+L"
    assert window.claims_browser.model.rowCount() == 0  # nothing read while hidden
    action.trigger()
    qtbot.waitUntil(dock.isVisible)
    assert window.claims_browser.model.total() == 7
    assert window.claims_browser.caption.text() == "7 claims and notes"


def test_filters_narrow_the_table(qtbot, browser, ids):
    everything = set(ids.values())
    assert set(shown_ids(browser)) == everything
    choose(browser.kind_filter, "note")
    assert set(shown_ids(browser)) == {ids["windows_note"], ids["chips_note"], ids["ben_note"]}
    assert browser.caption.text() == "3 of 7 claims and notes"
    choose(browser.kind_filter, "claim")
    choose(browser.tag_filter, "capability")  # its children too
    assert set(shown_ids(browser)) == {ids["exploit"], ids["bot"]}
    choose(browser.likelihood_filter, "likely")
    choose(browser.status_filter, "approved")
    assert shown_ids(browser) == [ids["exploit"]]
    browser.clear_filters()
    assert set(shown_ids(browser)) == everything and browser.caption.text() == (
        "7 claims and notes"
    )

    choose(browser.analyst_filter, BEN.id)
    assert set(shown_ids(browser)) == {ids["bot"], ids["ben_note"]}
    assert [browser.analyst_filter.itemText(i) for i in range(browser.analyst_filter.count())] == [
        "Any analyst",
        "Ada Analyst",
        "Ben Analyst",
    ]
    browser.clear_filters()
    choose(browser.status_filter, "draft")
    assert ids["exploit"] not in shown_ids(browser) and len(shown_ids(browser)) == 5
    browser.clear_filters()

    # the words filter waits for a pause in typing, then matches statements, quotes, comments
    qtbot.keyClicks(browser.text_filter, "SHELL")
    qtbot.waitUntil(lambda: browser.model.total() == 2)
    assert set(shown_ids(browser)) == {ids["controls"], ids["chips_note"]}
    assert browser.caption.text() == "2 of 7 claims and notes"


def test_rows_show_statement_document_tags_rating_status_and_analyst(browser, ids):
    model = browser.model
    row = shown_ids(browser).index(ids["state"])
    cells = [model.index(row, c).data() for c in range(model.columnCount())]
    assert cells[:6] == [
        "State actors lead the exploitation",
        model.annotation(row).document_title,
        "actor/state",
        f"{model.annotation(row).admiralty} · very likely · high",
        "draft",
        "Ada Analyst",
    ]
    assert cells[6]  # the local time it was last changed
    note = model.annotation(shown_ids(browser).index(ids["chips_note"]))
    assert rating_text(note) == "note"
    assert model.index(shown_ids(browser).index(ids["chips_note"]), 0).data() == one_line(
        note.quote
    )  # a note has no statement: its quote stands in
    assert model.index(shown_ids(browser).index(ids["exploit"]), 4).data() == "approved"


def test_a_header_click_sorts_by_the_cores_order(qtbot, window, browser):
    ws = window.ws
    model, header = browser.model, browser.table.horizontalHeader()
    assert shown_ids(browser) == ws.annotation_ids()  # newest change first
    click_header(qtbot, browser, 1)  # Document
    assert model.order[0] == "document"
    assert shown_ids(browser) == ws.annotation_ids(order="document", descending=model.order[1])
    assert shown_ids(browser) != ws.annotation_ids()
    click_header(qtbot, browser, 1)  # again: the other way round
    assert shown_ids(browser) == ws.annotation_ids(order="document", descending=model.order[1])
    before = (shown_ids(browser), model.order)
    click_header(qtbot, browser, 2)  # Tags: the core has no order for it
    assert (shown_ids(browser), model.order) == before
    assert header.sortIndicatorSection() == 1
    click_header(qtbot, browser, 3)  # Rating: the likelihood scale, unrated last
    assert model.order[0] == "likelihood"
    ratings = [model.index(r, 3).data() for r in range(model.rowCount())]
    assert ratings[-3:] == ["note"] * 3
    assert shown_ids(browser) == ws.annotation_ids(order="likelihood", descending=model.order[1])


def test_enter_or_a_double_click_opens_the_document_with_the_span_selected(
    qtbot, window, browser, ids
):
    ws = window.ws
    target = ws.annotation(ids["controls"])
    browser.table.setFocus()
    browser.select(target.id)
    qtbot.keyClick(browser.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.reader.document_id == target.document_id)
    assert window.reader.selected_span() == (target.start, target.end)
    assert window.current_annotation_id() == target.id
    assert browser.current_id() == target.id  # the browser keeps its place

    other = ws.annotation(ids["bot"])
    row = shown_ids(browser).index(other.id)
    rect = browser.table.visualRect(browser.model.index(row, 0))
    qtbot.mouseClick(browser.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.reader.document_id == target.document_id  # a click only selects the row
    qtbot.mouseDClick(browser.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.reader.document_id == other.document_id)
    assert window.reader.selected_span() == (other.start, other.end)


def test_a_new_claim_appears_once_the_window_applies_it(qtbot, window, browser, ids):
    ws = window.ws
    doc = ws.find_document(CHIPS)
    start = doc.text.index("restricted")
    changes = ws.add_claim(
        doc.id,
        start,
        start + 10,
        "A brand new claim",
        likelihood="likely",
        tags=["supply chain/shells"],
    )
    assert changes.created not in shown_ids(browser)
    assert browser.reads is window.reads  # after a change it reads off the GUI thread
    window.apply_changes(changes)
    assert browser.refresh_job is not None
    qtbot.waitUntil(lambda: shown_ids(browser)[0] == changes.created)  # the newest first
    assert browser.refresh_job is None
    assert browser.caption.text() == "8 claims and notes"
    assert browser.tag_filter.findData("supply chain/shells") > 0  # its tag became a choice

    # hidden, the dock reads nothing; it catches up when it is shown again
    dock = window.claims_browser_dock
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: not dock.isVisible())
    later = ws.add_note(doc.id, 0, 5, comment="hidden meanwhile")
    window.apply_changes(later)
    assert browser.stale and later.created not in shown_ids(browser)
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(dock.isVisible)
    assert not browser.stale and shown_ids(browser)[0] == later.created
    assert browser.caption.text() == "9 claims and notes"

    # a filtered view follows too, and a claim that leaves the filter leaves the table
    choose(browser.status_filter, "draft")
    assert changes.created in shown_ids(browser)
    window.apply_changes(ws.submit(changes.created))
    qtbot.waitUntil(lambda: changes.created not in shown_ids(browser))


def test_a_background_refresh_that_the_analyst_overtook_is_dropped(qtbot, window, browser):
    import threading

    ws = window.ws
    gate = threading.Event()
    blocker = window.reads.submit(lambda: gate.wait(10))  # the reads worker is busy for now
    doc = ws.find_document(CHIPS)
    changes = ws.add_note(doc.id, 0, 5, comment="made while the reader was busy")
    window.apply_changes(changes)
    late = browser.refresh_job
    assert late is not None and changes.created not in shown_ids(browser)
    choose(browser.kind_filter, "claim")  # the analyst filters meanwhile: read at once
    browser.apply_filters()
    claims_only = shown_ids(browser)
    assert changes.created not in claims_only
    with qtbot.waitSignal(late.finished, timeout=30000):
        gate.set()
    assert shown_ids(browser) == claims_only  # the late, unfiltered answer was not applied
    assert blocker.done


def test_the_claims_model_passes_the_model_tester(qtmodeltester, window, ids):
    ws = window.ws

    class SmallPages(ClaimsModel):
        PAGE = 3  # seven annotations: fetchMore really runs

    model = SmallPages(ws)
    assert model.rowCount() == 0  # nothing read before the first refresh
    model.refresh()
    assert model.rowCount() == 3 and model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)  # the tester fetches the rest itself
    assert model.rowCount() == 7
    model.set_filters(kind="claim", tag="capability")
    qtmodeltester.check(model)
    assert set(model.ids()) == {ids["exploit"], ids["bot"]}
    model.sort(3, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    assert model.order == ("likelihood", False)
    model.sort(0, Qt.SortOrder.DescendingOrder)  # no order for the statement: unchanged
    assert model.order == ("likelihood", False)
    ws.switch_analyst(ADA)
    ws.edit_claim(ids["exploit"], statement="Windows shrank")  # the row changes in place
    model.refresh()
    qtmodeltester.check(model)
    assert model.index(model.row_of(ids["exploit"]), 0).data() == "Windows shrank"


def test_screenshot(qtbot, window, browser, ids, tmp_path):
    """The dock under the reader with a filter chosen and the rows sorted by likelihood."""
    window.open_annotation(window.ws.annotation(ids["state"]).document_id, ids["state"])
    choose(browser.kind_filter, "claim")
    click_header(qtbot, browser, 3)
    browser.select(ids["state"])
    QApplication.processEvents()  # let the layouts take the new caption and filters
    assert browser.caption.width() >= browser.caption.sizeHint().width()  # not clipped
    folder = Path(os.environ.get("ASSAY_SHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(folder / "claims-browser.png"))
    assert window.claims_browser_dock.grab().save(str(folder / "claims-browser-dock.png"))
