"""Editing a document's metadata: values checked and normalised, the source rated in the same
undo step, the index and the annotations' ratings following; the CLI's `assay edit`."""

from __future__ import annotations

import pytest

from desktop.cli import main
from desktop.core.kernel.errors import AssayError, WorkspaceError

from .conftest import cli_workspace
from .test_bundles_helpers import ADA, TEXTS, span, workstation


@pytest.fixture
def ws(tmp_path):
    w = workstation(tmp_path, "a", ADA)
    yield w
    w.close()


def test_properties_are_edited_in_one_step_and_the_source_is_rated(ws):
    doc = ws.find_document("Alpha report")
    claim = ws.add_claim(*span(ws, "Alpha report", "A comparable tool"), "x").created
    before = ws.document_properties(doc.id)
    assert before["source"] is None and before["marking"] == "CLEAR"
    ws.update_document(
        doc.id,
        title="  Alpha   report, revised ",
        author="R. Okafor",
        published_at="2025-04-01",
        url=" https://example.org/alpha ",
        language="EN",
        marking="AMBER",
        source="Harbour Desk",
        source_reliability="B",
    )
    props = ws.document_properties(doc.id)
    assert props == {
        "id": doc.id,
        "title": "Alpha report, revised",
        "author": "R. Okafor",
        "published_at": "2025-04-01",
        "url": "https://example.org/alpha",
        "language": "en",
        "marking": "AMBER",
        "reliability": None,
        "source": "Harbour Desk",
        "source_reliability": "B",
    }
    assert ws.undo_label() == "Edit document"
    assert ws.annotation(claim).reliability == "B"  # the claim reads its source's rating
    hits = ws.search('title:revised marking:amber source:"harbour desk"', highlight=None)
    assert [h.id for h in hits] == [doc.id]
    assert [h.id for h in ws.search("reliability:b", highlight=None)] == [claim]
    ws.update_document(doc.id, reliability="D")  # the document's own rating wins
    assert ws.annotation(claim).reliability == "D"
    ws.update_document(doc.id, reliability="", author="", url="", published_at="")
    props = ws.document_properties(doc.id)
    assert (props["reliability"], props["author"], props["url"], props["published_at"]) == (
        None,
        None,
        None,
        None,
    )
    assert ws.annotation(claim).reliability == "B"
    ws.undo()
    ws.undo()
    ws.undo()  # the first edit, source rating included, in one step
    assert ws.document_properties(doc.id) == before
    assert ws.annotation(claim).reliability is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": "   "}, "needs a title"),
        ({"marking": "SECRET"}, "Marking must be one of"),
        ({"reliability": "G"}, "one of A–F"),
        ({"published_at": "last Tuesday"}, "YYYY-MM-DD"),
        ({"published_at": "2025-02-30"}, "YYYY-MM-DD"),
        ({"language": "English"}, "code such as en"),
        ({"source_reliability": "Z", "source": "Desk"}, "one of A–F"),
        ({"source_reliability": "A"}, "names no source"),
        ({"colour": "red"}, "Unknown document field"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(ws, values, message):
    doc = ws.find_document("Beta brief")
    before, label = ws.document_properties(doc.id), ws.undo_label()
    with pytest.raises(WorkspaceError, match=message):
        ws.update_document(doc.id, **values)
    assert ws.document_properties(doc.id) == before and ws.undo_label() == label
    assert ws.sources() == []


def test_cli_edit(tmp_path, capsys):
    wsdir = cli_workspace(tmp_path, {"beta.txt": TEXTS["beta.txt"]})
    capsys.readouterr()
    code = main(
        [
            "edit",
            "-w",
            str(wsdir),
            "Beta brief",
            "--marking",
            "green",
            "--source",
            "Ministry watch",
            "--source-reliability",
            "C",
            "--published",
            "2026-01-02",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "marking: GREEN" in out and "source: Ministry watch (C)" in out
    assert main(["show", "-w", str(wsdir), "Beta brief"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("TLP:GREEN") and "2026-01-02" in shown and "Ministry watch" in shown
    assert main(["edit", "-w", str(wsdir), "Beta brief", "--published", "soon"]) != 0
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["edit", "-w", str(wsdir), "Beta brief"]) != 0  # nothing to change: says so
    assert "nothing to change" in capsys.readouterr().err.lower()


def test_sources_are_rated_together_in_one_step(ws):
    alpha, beta = ws.find_document("Alpha report"), ws.find_document("Beta brief")
    ws.update_document(alpha.id, source="Harbour Desk", source_reliability="C")
    ws.update_document(beta.id, source="Ministry watch")
    claim = ws.add_claim(*span(ws, "Alpha report", "A comparable tool"), "x").created
    before = ws.sources()
    changes = ws.edit_sources(
        {
            "Harbour Desk": {"reliability": "A", "kind": "agency"},
            "Ministry watch": {"reliability": "E"},
        }
    )
    assert changes.undo_label == "Edit sources" and {alpha.id, beta.id} <= changes.documents
    rated = {s["name"]: (s["kind"], s["reliability"], s["documents"]) for s in ws.sources()}
    assert rated == {"Harbour Desk": ("agency", "A", 1), "Ministry watch": ("outlet", "E", 1)}
    assert ws.annotation(claim).reliability == "A"
    assert [h.id for h in ws.search("reliability:a", highlight=None)] == [claim]
    ws.undo()
    assert ws.sources() == before and ws.annotation(claim).reliability == "C"
    for bad, message in (
        ({"Harbour Desk": {"reliability": "Z"}}, "one of A–F"),
        ({"Harbour Desk": {"kind": "Not a kind!"}}, "short word"),
        ({"Nobody": {"reliability": "A"}}, "No source named"),
        ({"Harbour Desk": {"reliability": "A"}, "Ministry watch": {"colour": "x"}}, "Unknown"),
    ):
        with pytest.raises(AssayError, match=message):
            ws.edit_sources(bad)
        assert ws.sources() == before  # the valid part of a bad request is not written either


def test_a_source_retired_by_undo_comes_back_when_named_again(ws):
    doc = ws.find_document("Gamma note")
    ws.update_document(doc.id, source="Zed Wire")
    ws.undo()  # the step that made the source: the source is retired
    assert ws.sources() == []
    ws.update_document(doc.id, source="Zed Wire", source_reliability="C")
    assert [(s["name"], s["reliability"], s["documents"]) for s in ws.sources()] == [
        ("Zed Wire", "C", 1)
    ]
    ws.edit_sources({"Zed Wire": {"reliability": "B"}})  # known again, so it can be edited
    assert ws.document_properties(doc.id)["source_reliability"] == "B"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2025-03-18", True),
        ("2025-03-18T09:30:00Z", True),
        ("2025-03-18T09:30:00.123456+05:00", True),
        ("2025-W12-1", False),
        ("20250318T0930", False),
        ("2025-03-18 09:30", False),
        ("2025-03-18T09", False),
        ("2025-03-18Z", False),
        ("2025-02-30", False),
    ],
)
def test_dates_are_real_days_first(value, ok):
    from desktop.core.workspace import is_iso_date

    assert is_iso_date(value) is ok
