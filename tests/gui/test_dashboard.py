"""The dashboard's charts and PNG export, and the agreement view, offscreen."""

from __future__ import annotations

from PySide6.QtCharts import QPieSeries
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication

from desktop.core.workspace import Workspace
from desktop.ui import theme
from desktop.ui.agreement_view import PairsModel
from desktop.ui.dashboard import CHARTS
from desktop.ui.dashboard_data import agreement_summary, format_alpha

from .review_support import SAM, open_window, team, team_template  # noqa: F401


def decide(path, ids) -> None:
    ws = Workspace.open(path, profile=SAM)
    try:
        ws.review(ids["ada"][0], "approve")
        ws.review(ids["ada"][1], "reject", "no")
    finally:
        ws.close()


def test_dashboard_draws_every_chart_and_exports_pngs(qtbot, team, open_window, tmp_path):  # noqa: F811
    path, ids = team
    decide(path, ids)
    win = open_window(path, SAM)
    dialog = win.review_ui.show_dashboard()
    view = dialog.view
    qtbot.waitUntil(lambda: view.figures is not None, timeout=10000)
    f = view.figures
    assert f.claims == 5 and f.reviews == 2
    assert dict(f.by_status) == {
        "draft": 2,
        "submitted": 1,
        "approved": 1,
        "rejected": 1,
        "changes_requested": 0,
    }
    assert "5</b> claims" in view.summary.text()

    pie = view.views["status"].chart().series()[0]
    assert isinstance(pie, QPieSeries)
    assert sum(s.value() for s in pie.slices()) == 5
    for name, _title in CHARTS:
        assert view.views[name].chart().series(), name
    likelihood_sets = view.views["likelihood"].chart().series()[0].barSets()
    assert len(likelihood_sets) == 8  # seven ICD 203 terms and "not rated"
    assert likelihood_sets[-1].color().name() == "#2b6cb0"  # almost no chance, at the top
    assert view.pairs.rowCount() == 1

    written = view.export_pngs(tmp_path / "charts")
    assert [p.name for p in written] == [f"dashboard-{name}.png" for name, _t in CHARTS]
    for p in written:
        assert p.stat().st_size > 1000
        image = QImage(str(p))
        chart_view = view.views[p.stem.removeprefix("dashboard-")]
        ratio = chart_view.devicePixelRatioF()
        assert (image.width(), image.height()) == (
            round(chart_view.width() * ratio),
            round(chart_view.height() * ratio),
        )
        assert chart_view.width() >= 360 and chart_view.height() >= 280


def test_charts_follow_the_theme(qtbot, team, open_window):  # noqa: F811
    path, _ids = team
    win = open_window(path, SAM)
    view = win.review_ui.show_dashboard().view
    qtbot.waitUntil(lambda: view.figures is not None, timeout=10000)
    chart = view.views["tags"]
    light = chart.chart().backgroundBrush().color().name()
    try:
        theme.apply_theme(QApplication.instance(), "dark")
        dark = QApplication.palette().color(QPalette.ColorRole.Base).name()
        qtbot.waitUntil(lambda: chart.chart().backgroundBrush().color().name() == dark)
        assert dark != light
    finally:
        theme.apply_theme(QApplication.instance(), "light")


def test_agreement_view_per_document_and_workspace(qtbot, team, open_window, qtmodeltester):  # noqa: F811
    path, ids = team
    win = open_window(path, SAM)
    view = win.review_ui.show_agreement().view
    qtbot.waitUntil(lambda: view.summary is not None, timeout=10000)
    expected = agreement_summary(win.ws.agreement())
    assert view.summary == expected
    assert view.values["alpha_tags"].text() == format_alpha(expected.alpha_tags)
    assert view.values["alpha_likelihood"].text() == format_alpha(expected.alpha_likelihood)
    assert view.values["single"].text() == "33 %"
    assert view.model.rowCount() == 1
    assert view.model.index(0, 0).data() == "Ada Analyst × Ben Analyst"
    doc = ids["document"][0]
    assert view.chooser.count() == 2 and view.chooser.itemData(1) == doc
    per_document = view.documents
    assert per_document.rowCount() == 1 and per_document.document_id(0) == doc
    assert per_document.index(0, 4).data() == format_alpha(expected.alpha_tags)
    qtmodeltester.check(per_document)
    view.summary = None
    view.documents_table.activated.emit(per_document.index(0, 0))  # Enter or double-click
    qtbot.waitUntil(lambda: view.summary is not None, timeout=10000)
    assert view.chooser.currentData() == doc
    assert view.summary == agreement_summary(win.ws.agreement(doc))
    assert view.documents_box.isHidden()
    qtmodeltester.check(view.model)
    empty = PairsModel()
    qtmodeltester.check(empty)


def test_alphas_show_three_decimals_or_na():
    assert format_alpha(None) == "n/a"
    assert format_alpha(1.0) == "1.000"
    assert format_alpha(-0.5) == "-0.500"
    assert format_alpha(0.83333) == "0.833"
