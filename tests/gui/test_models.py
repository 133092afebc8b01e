"""The library and search models: Qt's model contract, lazy pages, core-side sort and filters."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from desktop.core.workspace import Workspace
from desktop.ui.models import (
    COLUMNS,
    DocumentIdRole,
    DocumentTableModel,
    HitRole,
    SearchResultsModel,
)
from desktop.ui.search import first_match, hit_terms, query_terms


class SmallPages(DocumentTableModel):
    PAGE = 4  # the demo has 15 documents: several pages, so fetchMore really runs


@pytest.fixture
def ws(demo_path):
    w = Workspace.open(demo_path)
    yield w
    w.close()


def test_document_model_passes_qt_model_tester(qtmodeltester, ws):
    model = SmallPages(ws)
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    qtmodeltester.check(model)
    assert model.rowCount() == model.total() == ws.count_documents()


def test_document_model_loads_lazily_and_holds_ids(ws, catalog_titles):
    model = SmallPages(ws)
    assert model.rowCount() == 4 and model.total() == 15
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 8
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    ids = [model.index(r, 0).data(DocumentIdRole) for r in range(model.rowCount())]
    assert sorted(ids) == sorted(ws.document_ids())
    titles = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert titles == catalog_titles


def test_sort_asks_the_core_for_a_new_order(ws):
    model = DocumentTableModel(ws)
    title = next(i for i, c in enumerate(COLUMNS) if c.label == "Title")
    model.sort(title, Qt.SortOrder.AscendingOrder)
    ids = [model.document_id(r) for r in range(model.rowCount())]
    assert ids == ws.document_ids(order="title")
    model.sort(title, Qt.SortOrder.DescendingOrder)
    assert [model.document_id(r) for r in range(model.rowCount())] == ws.document_ids(
        order="title", descending=True
    )


def test_filters_are_applied_by_the_core(ws):
    model = DocumentTableModel(ws)
    model.set_filters(language="zh")
    assert model.total() == len(ws.document_ids(language="zh")) == 2
    assert {model.index(r, 3).data() for r in range(model.rowCount())} == {"Chinese"}
    model.set_filters(marking="AMBER")
    assert model.total() == len(ws.document_ids(marking="AMBER"))
    assert all(model.index(r, 4).data() == "TLP:AMBER" for r in range(model.rowCount()))
    model.set_filters()
    assert model.total() == 15


def test_search_model_passes_qt_model_tester(qtmodeltester, ws):
    hits = ws.search("export controls", limit=20)
    assert hits
    model = SearchResultsModel()
    model.set_hits(hits, "export controls")
    qtmodeltester.check(model)
    first = model.index(0, 0)
    assert first.data() == hits[0].title
    assert first.data(HitRole) is hits[0]
    assert first.data(DocumentIdRole) == hits[0].doc_id
    model.clear()
    qtmodeltester.check(model)


def test_query_words_and_first_match():
    assert query_terms('title:"export controls" AND lang:zh NOT chip*') == [
        "export",
        "controls",
        "chip",
    ]
    text = "Exports rose. Export controls bite; controls everywhere."
    assert first_match(text, ["controls", "export"]) == (14, 20)
    assert first_match("出口管制持续加码", ["管制"]) == (2, 4)
    assert first_match("nothing here", ["absent"]) is None


def test_hit_terms_come_from_the_highlighted_fragments(ws):
    hit = ws.search("export controls", limit=1)[0]
    terms = {t.lower() for t in hit_terms(hit)}
    assert {"export", "controls"} <= terms
