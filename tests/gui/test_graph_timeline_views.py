"""The claim graph and the timeline views: laid out off the GUI thread, a click opens the claim,
the tag filter, PNG and SVG export, the Analysis menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from tests.analysis_support import build_analysis


@pytest.fixture
def analysed(window, tmp_path):
    return build_analysis(window.ws, tmp_path / "analysis")


def _click_item(qtbot, canvas, item) -> None:
    point = canvas.mapFromScene(item.sceneBoundingRect().center())
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)


def _graph(qtbot, window):
    dialog = window.analysis_ui.show_graph()
    qtbot.waitUntil(
        lambda: dialog.view.graph is not None and not dialog.view._pending, timeout=30000
    )
    return dialog


def test_the_analysis_menu_opens_the_graph_and_timeline(window, analysed):
    menu = window.menu("Analysis")
    names = [a.text() for a in menu.actions() if a.text()]
    assert "Claim &graph…" in names and "&Timeline…" in names


def test_clicking_a_node_opens_the_claim_in_the_main_window(qtbot, window, analysed):
    dialog = _graph(qtbot, window)
    view = dialog.view
    assert set(view.nodes) == {
        analysed.hours,
        analysed.weeks,
        analysed.controls,
        analysed.minutes,
        analysed.toy,
    }
    view.canvas.resetTransform()
    view.canvas.centerOn(view.nodes[analysed.minutes])
    with qtbot.waitSignal(view.claim_activated) as signal:
        _click_item(qtbot, view.canvas, view.nodes[analysed.minutes])
    assert signal.args == [analysed.vendor, analysed.minutes]
    qtbot.waitUntil(lambda: window.reader.document_id == analysed.vendor)
    assert window.reader.selected_annotation == analysed.minutes


def test_the_graph_filters_by_tag_and_groups_by_source(qtbot, window, analysed):
    dialog = _graph(qtbot, window)
    view = dialog.view
    with qtbot.waitSignal(view.drawn, timeout=30000):
        view.set_filter(group="source", tag="capability/ai")
    assert set(view.nodes) == {analysed.minutes, analysed.toy}
    assert {g.name for g in view.graph.groups} == {"Agent Vendor", "(no source)"}
    assert "2 claims in 2 groups" in view.status.text()


def test_graph_exports_a_valid_png_and_svg(qtbot, window, analysed, tmp_path):
    view = _graph(qtbot, window).view
    png = view.export_png(tmp_path / "graph.png", longest=800)
    image = QImage(str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not image.isNull() and max(image.width(), image.height()) == 800
    svg = view.export_svg(tmp_path / "graph.svg")
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "</svg>" in text
    from xml.etree import ElementTree

    ElementTree.fromstring(text)  # well-formed XML
    from desktop.ui.graph_view import ExportError

    with pytest.raises(ExportError, match="does not exist"):
        view.export_svg(tmp_path / "nowhere" / "graph.svg")


def test_the_graph_follows_changes_applied_in_the_window(qtbot, window, analysed):
    view = _graph(qtbot, window).view
    changes = window.ws.unlink(analysed.refines)
    with qtbot.waitSignal(view.drawn, timeout=30000):
        window.apply_changes(changes)
    assert analysed.refines not in {e.id for e in view.graph.edges}


def test_the_timeline_filters_by_tag_and_a_click_opens_the_claim(qtbot, window, analysed):
    dialog = window.analysis_ui.show_timeline()
    view = dialog.view
    qtbot.waitUntil(lambda: bool(view.events) and view.job is None, timeout=30000)
    assert f"claim:{analysed.hours}" in view.markers
    with qtbot.waitSignal(view.drawn, timeout=30000):
        view.set_tag("policy")
    assert {e.id for e in view.events if e.kind == "claim"} == {analysed.controls}
    assert set(view.markers) == {f"document:{analysed.advisory}", f"claim:{analysed.controls}"}
    marker = view.markers[f"claim:{analysed.controls}"]
    view.canvas.resetTransform()
    view.canvas.centerOn(marker)
    with qtbot.waitSignal(view.claim_activated) as signal:
        _click_item(qtbot, view.canvas, marker)
    assert signal.args == [analysed.advisory, analysed.controls]
    qtbot.waitUntil(lambda: window.reader.selected_annotation == analysed.controls)
    assert "Controls have not slowed tools." in view.detail.text()


def test_the_graph_is_laid_out_on_the_reader_thread(qtbot, window, analysed, monkeypatch):
    import threading

    from desktop.ui import graph_view

    seen = []
    real = graph_view.build_graph

    def spy(*args, **kwargs):
        seen.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(graph_view, "build_graph", spy)
    _graph(qtbot, window)
    assert seen == [False]
