"""The review queue holds ids and loads claims a page at a time, like the library."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex

from desktop.core.workspace import Workspace
from desktop.ui.review_queue import AnnotationIdRole, ReviewQueueModel, ReviewQueuePanel
from desktop.ui.worker import SerialWorker

from .review_support import ADA, SAM

CLAIMS = 250


@pytest.fixture(scope="module")
def big_queue_template(tmp_path_factory) -> Path:
    """One report with 250 of Ada's claims, all submitted."""
    folder = tmp_path_factory.mktemp("big-queue")
    (folder / "in").mkdir()
    sentences = [f"Sentence {n:03d} says something worth a claim." for n in range(CLAIMS)]
    (folder / "in" / "long.txt").write_text(
        "Long report\n\n" + " ".join(sentences), encoding="utf-8"
    )
    ws = Workspace.create(folder / "ws", profile=ADA)
    try:
        ws.import_paths([folder / "in"])
        doc = ws.find_document("Long report")
        with ws.deferred_indexing():
            for n, sentence in enumerate(sentences):
                start = doc.text.index(sentence)
                ws.add_claim(
                    doc.id,
                    start,
                    start + len(sentence),
                    sentence,
                    likelihood="likely",
                    tags=["actor/state" if n % 2 else "policy"],
                )
            ws.submit_document(doc.id)
    finally:
        ws.close()
    return folder / "ws"


@pytest.fixture
def big_queue(big_queue_template, tmp_path, monkeypatch):
    """The workspace open as Sam, counting the claims the queue loads; the whole-queue read
    (`review_queue`) is refused, so nothing may build the queue that way."""
    path = tmp_path / "ws"
    shutil.copytree(big_queue_template, path, ignore=shutil.ignore_patterns("lock"))
    ws = Workspace.open(path, profile=SAM)
    loaded: list[str] = []
    load = ws.annotations_by_ids

    def counting(ids):
        loaded.extend(ids)
        return load(ids)

    def refused(**_filters):
        raise AssertionError("the queue read every claim")

    monkeypatch.setattr(ws, "annotations_by_ids", counting)
    monkeypatch.setattr(ws, "review_queue", refused)
    yield ws, loaded
    ws.close()


def test_the_model_loads_one_page_at_a_time(qtmodeltester, big_queue):
    ws, loaded = big_queue
    model = ReviewQueueModel(ws)
    assert model.total() == CLAIMS and model.rowCount() == model.PAGE
    assert len(loaded) <= model.PAGE  # at most one page of claims after construction
    order = ws.review_queue_ids()
    assert model.index(5, 0).data(AnnotationIdRole) == order[5]  # the id needs no row
    assert len(loaded) <= model.PAGE
    assert model.index(5, 0).data().startswith("Sentence")
    assert sorted(loaded) == sorted(order[: model.PAGE])  # the first page, loaded once
    model.index(99, 1).data()
    assert len(loaded) == model.PAGE
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * model.PAGE
    assert sorted(loaded) == sorted(order[: 2 * model.PAGE])
    qtmodeltester.check(model)  # fetches the rest itself
    assert model.rowCount() == CLAIMS and sorted(loaded) == sorted(order)


def test_the_panel_opens_without_reading_the_whole_queue(qtbot, big_queue):
    ws, loaded = big_queue
    writer = SerialWorker("test-writer")
    try:
        panel = ReviewQueuePanel(ws, writer)
        qtbot.addWidget(panel)
        panel.resize(1200, 700)
        panel.show()
        qtbot.waitExposed(panel)
        assert len(loaded) <= panel.model.PAGE
        assert f"{CLAIMS} claims waiting" in panel.caption.text()
        first = ws.review_queue_ids()[0]
        assert panel.current_id() == first
        assert ws.annotation(first).statement in panel.card.toPlainText()
        # the filters come from the store, not from walking every claim
        assert panel.analyst_filter.findData(ADA.id) > 0
        for tag in ("actor", "actor/state", "policy"):
            assert panel.tag_filter.findData(tag) > 0
        assert panel.document_filter.count() == 2
        panel.tag_filter.setCurrentIndex(panel.tag_filter.findData("actor"))
        panel.tag_filter.activated.emit(panel.tag_filter.currentIndex())
        assert panel.model.total() == CLAIMS // 2 and "(filtered)" in panel.caption.text()
        assert panel.tag_filter.count() == 4  # still offers the whole queue's tags
        assert "actor/state" in panel.current_annotation().tags
        # J at the end of the loaded rows fetches the next page
        panel.select_row(panel.model.rowCount() - 1)
        qtbot.keyClick(panel.table, "j")
        assert panel.model.rowCount() == CLAIMS // 2
        assert panel.current_id() == panel.model.annotation_id(panel.model.PAGE)
    finally:
        writer.stop()


def test_refresh_keeps_the_selection_and_shows_edits(qtbot, big_queue):
    ws, loaded = big_queue
    model = ReviewQueueModel(ws)
    order = ws.review_queue_ids()
    assert model.annotation(3).tags == ["policy"]
    resets, removed, changed = [], [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.dataChanged.connect(lambda tl, br, _r=(): changed.append((tl.row(), br.row())))

    ws.switch_analyst(ADA)
    ws.tag_annotation(order[3], ["supply chain"])  # edited while it waits
    ws.switch_analyst(SAM)
    ws.review(order[1], "approve")
    model.refresh()
    assert not resets and removed == [(1, 1)]  # applied row by row
    assert changed and changed[-1][0] == 0  # the rows on screen are asked again
    assert model.annotation_id(2) == order[3]
    assert model.annotation(2).tags == ["policy", "supply chain"]
    assert model.total() == CLAIMS - 1 and model.rowCount() == model.PAGE - 1
    assert model.canFetchMore(QModelIndex())


def test_a_supervisors_window_reads_the_queue_once(qtbot, big_queue, tmp_path):
    """Built with the window, the queue is not read again when its dock first shows."""
    from PySide6.QtCore import QSettings

    from desktop.ui.main_window import MainWindow

    ws, _loaded = big_queue
    reads: list[dict] = []
    ids = ws.review_queue_ids

    def counting(**filters):
        reads.append(filters)
        return ids(**filters)

    ws.review_queue_ids = counting
    win = MainWindow(ws, settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    try:
        win.show()
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: win.review_ui.queue_dock.isVisible())
        qtbot.wait(50)
        assert win.review_ui.queue.model.total() == CLAIMS
        assert len(reads) == 1
    finally:
        win.shutdown()
