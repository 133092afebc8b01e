"""Removing a document: its notes, claims, tags and links go with it as one undo step; the
rights (an analyst removes only their own work); importing the file again; bundles; CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core.kernel.errors import NotFound, PeerRefused, PermissionDenied, ReadOnlyWorkspace
from desktop.core.workspace import Workspace

from .conftest import cli_workspace
from .test_bundles_helpers import ADA, BEN, SAM, TEXTS, span, trust, workstation


@pytest.fixture
def ada(tmp_path):
    ws = workstation(tmp_path, "a", ADA)
    yield ws
    ws.close()


def _claim(ws: Workspace, title: str, phrase: str, **kw) -> str:
    doc, start, end = span(ws, title, phrase)
    return ws.add_claim(doc, start, end, phrase, **kw).created


def _state(ws: Workspace) -> tuple:
    """What a person sees: documents, annotations per document, links, tag uses, search."""
    docs = sorted(d["title"] for d in ws.list_documents())
    anns = {d["title"]: sorted(a.id for a in ws.annotations(d["id"])) for d in ws.list_documents()}
    links = sorted(lk.id for ids in anns.values() for a in ids for lk in ws.links(a))
    uses = sorted((t["name"], t["uses"]) for t in ws.tags())
    hits = sorted(
        h.id for h in ws.search("defenders OR ministry OR statement:tool", highlight=None)
    )
    return docs, anns, links, uses, hits


def test_removing_takes_the_work_with_it_and_undo_brings_it_back(ada):
    alpha = ada.find_document("Alpha report")
    c1 = _claim(
        ada,
        "Alpha report",
        "A comparable tool will definitely emerge",
        tags=["capability/exploit"],
        likelihood="likely",
    )
    c2 = _claim(ada, "Beta brief", "domestic accelerators will meet demand", tags=["policy"])
    ada.link_claims(c2, c1, "contradicts")
    ada.add_note(*span(ada, "Alpha report", "Export controls"), comment="see annex")
    before = _state(ada)
    assert c1 in before[4] and alpha.id in before[4]

    changes = ada.remove_document(alpha.id)
    assert alpha.id in changes.documents and c1 in changes.annotations
    assert changes.undo_label == "Remove document"
    docs, anns, links, uses, hits = _state(ada)
    assert "Alpha report" not in docs and anns["Beta brief"] == [c2]
    assert links == []  # the link from Beta's claim to the removed claim went too
    assert ada.db.execute("SELECT deleted FROM links").fetchall() == [(1,)]  # as a tombstone
    assert ("capability/exploit", 0) in uses and ("policy", 1) in uses
    assert alpha.id not in hits and c1 not in hits  # the index forgot both
    assert ada.review_queue() == [] and [a.id for a in ada.claims()] == [c2]
    with pytest.raises(NotFound):
        ada.document(alpha.id)
    with pytest.raises(NotFound):
        ada.annotation(c1)
    assert ada.check().ok, ada.check().problems  # its file stays, and is not an orphan
    entry = ada.db.execute(
        "SELECT action, change FROM audit WHERE entity_id = ? ORDER BY seq DESC LIMIT 1", [alpha.id]
    ).fetchone()
    assert entry[0] == "remove document"
    assert json.loads(entry[1]) == {"annotations": 2, "title": "Alpha report"}

    ada.undo()
    assert _state(ada) == before
    ada.redo()
    assert "Alpha report" not in _state(ada)[0]
    assert ada.verify_audit().ok


def test_an_analyst_removes_only_documents_without_others_work(tmp_path, ada):
    ada.close()
    as_ben = Workspace.open(tmp_path / "a", profile=BEN)
    as_ben.add_note(*span(as_ben, "Gamma note", "weekly shipments"), comment="Ben's")
    as_ben.close()
    as_ada = Workspace.open(tmp_path / "a", profile=ADA)
    gamma = as_ada.find_document("Gamma note")
    label = as_ada.undo_label()
    with pytest.raises(PermissionDenied, match="Ben Analyst; only a supervisor"):
        as_ada.remove_document(gamma.id)
    assert as_ada.find_document("Gamma note").id == gamma.id
    assert len(as_ada.annotations(gamma.id)) == 1 and as_ada.undo_label() == label
    beta = as_ada.find_document("Beta brief")
    _claim(as_ada, "Beta brief", "Vendors claim")
    as_ada.remove_document(beta.id)  # her own work only: allowed
    as_ada.close()
    as_sam = Workspace.open(tmp_path / "a", profile=SAM)
    as_sam.remove_document(gamma.id)  # a supervisor removes any
    assert [d["title"] for d in as_sam.list_documents()] == ["Alpha report"]
    as_sam.close()
    readonly = Workspace.open(tmp_path / "a", readonly=True, profile=SAM)
    with pytest.raises(ReadOnlyWorkspace):
        readonly.remove_document(readonly.find_document("Alpha report").id)
    readonly.close()


def test_importing_the_file_again_restores_the_document_not_its_annotations(tmp_path, ada):
    beta = ada.find_document("Beta brief")
    ada.update_document(beta.id, title="Beta brief (edited)")
    note = ada.add_note(*span(ada, "Beta brief", "domestic accelerators"), comment="x").created
    ada.remove_document(beta.id)
    report = ada.import_paths([tmp_path / "a-in" / "beta.txt"])
    assert report.imported == [beta.id] and report.duplicates == []
    back = ada.document(beta.id)
    assert back.title == "Beta brief (edited)"  # the same document, as it was
    assert ada.annotations(beta.id) == [] and note not in {h.id for h in ada.search("x")}
    assert [h.doc_id for h in ada.search("accelerators", highlight=None)] == [beta.id]
    assert ada.check().ok, ada.check().problems
    again = ada.import_paths([tmp_path / "a-in" / "beta.txt"])
    assert again.imported == [] and len(again.duplicates) == 1


def test_a_removal_travels_in_a_bundle(tmp_path, ada):
    ben = workstation(tmp_path, "b", BEN)
    try:
        trust(ben, ada, tmp_path)
        trust(ada, ben, tmp_path)
        c1 = _claim(ada, "Alpha report", "A comparable tool will definitely emerge")
        ada.export_bundle(tmp_path / "1.assay")
        ben.import_bundle(tmp_path / "1.assay")
        own = ben.add_note(*span(ben, "Alpha report", "Export controls"), comment="Ben's").created
        assert {a.id for a in ben.annotations(ada.find_document("Alpha report").id)} == {c1, own}
        ada.remove_document(ada.find_document("Alpha report").id)
        ada.export_bundle(tmp_path / "2.assay")
        # Ben's note, which Ada never saw, is others' work: an analyst's bundle may not remove it
        with pytest.raises(PeerRefused, match="holds Ben Analyst's work"):
            ben.preview_bundle(tmp_path / "2.assay")
        ben.delete_annotation(own)
        preview = ben.preview_bundle(tmp_path / "2.assay")
        assert preview.counts["documents"].removed == 1
        assert preview.counts["annotations"].removed == 1  # Ada's claim; Ben's note stays
        assert "removes 1 document(s) here" in "\n".join(preview.table())
        result = ben.import_bundle(tmp_path / "2.assay")
        assert "documents: 0 new, 1 updated" in result.summary()
        assert "1 of them removed by the sender" in result.summary()
        assert sorted(d["title"] for d in ben.list_documents()) == ["Beta brief", "Gamma note"]
        assert ben.search("comparable", highlight=None) == []
        assert ben.check().ok, ben.check().problems
    finally:
        ben.close()


def test_cli_says_what_would_go_then_removes_with_yes(tmp_path, capsys):
    wsdir = cli_workspace(tmp_path, {"alpha.txt": TEXTS["alpha.txt"]})
    capsys.readouterr()
    assert main(["remove", "-w", str(wsdir), "Alpha report"]) == 1
    out = capsys.readouterr().out
    assert "Would remove 'Alpha report'" in out and "--yes" in out
    assert main(["list", "-w", str(wsdir), "--json"]) == 0
    assert "Alpha report" in capsys.readouterr().out
    assert main(["remove", "-w", str(wsdir), "Alpha report", "--yes"]) == 0
    assert "Removed 'Alpha report'" in capsys.readouterr().out
    assert main(["list", "-w", str(wsdir), "--json"]) == 0
    assert "Alpha report" not in capsys.readouterr().out
    assert main(["remove", "-w", str(wsdir), "Alpha report", "--yes"]) != 0  # gone: an error
    assert Path(wsdir).exists()


def test_several_documents_are_removed_or_edited_together(tmp_path, ada):
    alpha, beta, gamma = (
        ada.find_document(t) for t in ("Alpha report", "Beta brief", "Gamma note")
    )
    ada.update_documents(
        [alpha.id, beta.id], marking="AMBER", source="Partner feed", source_reliability="B"
    )
    assert ada.undo_label() == "Edit 2 documents"
    assert [ada.document(d.id).marking for d in (alpha, beta, gamma)] == ["AMBER", "AMBER", "CLEAR"]
    assert {h.id for h in ada.search("marking:amber", highlight=None)} == {alpha.id, beta.id}
    ada.undo()
    assert [ada.document(d.id).marking for d in (alpha, beta)] == ["CLEAR", "CLEAR"]
    with pytest.raises(Exception, match="Marking must be one of"):
        ada.update_documents([alpha.id, beta.id], marking="PURPLE")

    ada.remove_documents([alpha.id, beta.id])
    assert ada.undo_label() == "Remove 2 documents"
    assert [d["title"] for d in ada.list_documents()] == ["Gamma note"]
    assert ada.search("accelerators", highlight=None) == []
    ada.undo()
    assert len(ada.list_documents()) == 3
    ada.close()
    as_ben = Workspace.open(tmp_path / "a", profile=BEN)
    as_ben.add_note(*span(as_ben, "Gamma note", "weekly shipments"), comment="Ben's")
    as_ben.close()
    as_ada = Workspace.open(tmp_path / "a", profile=ADA)
    try:
        label = as_ada.undo_label()
        with pytest.raises(PermissionDenied):  # Gamma holds Ben's note: none of the three goes
            as_ada.remove_documents([alpha.id, beta.id, gamma.id])
        assert len(as_ada.list_documents()) == 3 and as_ada.undo_label() == label
    finally:
        as_ada.close()


def test_a_removed_document_is_restored_with_its_work_after_a_restart(tmp_path, ada):
    alpha = ada.find_document("Alpha report")
    c1 = _claim(
        ada,
        "Alpha report",
        "A comparable tool will definitely emerge",
        tags=["capability/exploit"],
        likelihood="likely",
    )
    gone_before = ada.add_note(*span(ada, "Alpha report", "Export controls"), comment="x").created
    ada.delete_annotation(gone_before)  # deleted on its own, before: stays deleted
    c2 = _claim(ada, "Beta brief", "domestic accelerators will meet demand", tags=["policy"])
    ada.link_claims(c2, c1, "contradicts")
    before = _state(ada)
    ada.remove_document(alpha.id)
    ada.close()
    ws = Workspace.open(tmp_path / "a", profile=ADA)  # a new session: no undo to lean on
    try:
        [removed] = ws.removed_documents()
        assert (removed["id"], removed["title"], removed["annotations"], removed["removed_by"]) == (
            alpha.id,
            "Alpha report",
            1,
            "Ada Analyst",
        )
        changes = ws.restore_document(alpha.id)
        assert changes.undo_label == "Restore document" and alpha.id in changes.documents
        assert _state(ws) == before  # the claim, its tag, the link from Beta and the index
        assert ws.removed_documents() == []
        with pytest.raises(NotFound):
            ws.annotation(gone_before)
        with pytest.raises(NotFound):
            ws.restore_document(alpha.id)  # not removed (any more)
        assert ws.check().ok, ws.check().problems
        ws.undo()
        assert "Alpha report" not in _state(ws)[0]
    finally:
        ws.close()


def test_cli_lists_and_restores_removed_documents(tmp_path, capsys):
    wsdir = cli_workspace(tmp_path, {"alpha.txt": TEXTS["alpha.txt"]})
    assert main(["remove", "-w", str(wsdir), "Alpha report", "--yes"]) == 0
    capsys.readouterr()
    assert main(["removed", "-w", str(wsdir)]) == 0
    out = capsys.readouterr().out
    assert "Alpha report" in out and "0 note(s) and claim(s)" in out
    assert main(["restore", "-w", str(wsdir), "Alpha"]) == 0
    assert "Restored 'Alpha report'" in capsys.readouterr().out
    assert main(["list", "-w", str(wsdir), "--json"]) == 0
    assert "Alpha report" in capsys.readouterr().out
    assert main(["restore", "-w", str(wsdir), "Alpha"]) == 1
    assert "No removed document" in capsys.readouterr().err


def test_another_analysts_link_to_the_work_counts_as_their_work(tmp_path, ada):
    c1 = _claim(ada, "Alpha report", "A comparable tool will definitely emerge")
    ada.close()
    as_ben = Workspace.open(tmp_path / "a", profile=BEN)
    c2 = _claim(as_ben, "Beta brief", "domestic accelerators will meet demand")
    as_ben.link_claims(c2, c1, "contradicts")  # Ben's link onto Ada's claim
    as_ben.close()
    as_ada = Workspace.open(tmp_path / "a", profile=ADA)
    try:
        with pytest.raises(PermissionDenied, match="Ben Analyst"):
            as_ada.remove_document(as_ada.find_document("Alpha report").id)
        assert len(as_ada.links(c1)) == 1
    finally:
        as_ada.close()
