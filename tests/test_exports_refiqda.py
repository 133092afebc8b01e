"""REFI-QDA export: project.qde valid against the REFI XSD, exclusive ends; and its import back."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from desktop.core.exports import Selection, export
from desktop.core.exports import refiqda as refi
from desktop.core.imports import import_annotations
from desktop.core.kernel.errors import ExportError
from desktop.core.workspace import Workspace

from .test_exports_common import (
    ANALYST,
    DESK,
    disable_network,
    fresh_workspace_with_same_documents,
    snapshot,
    threads,
    workspace_copy,
)


def to_the_second(rows: list[tuple]) -> list[tuple]:
    """Threads without review ids and with times to the second, as REFI-QDA carries them."""
    return [
        (*row[:4], row[4][:19], row[5], tuple((*r[1:6], r[6][:19]) for r in row[6])) for row in rows
    ]


SHARED_XSD = (
    Path(__file__).resolve().parents[2] / "shared" / "schemas" / "refi-qda" / "Project-mrt2019.xsd"
)
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture
def work(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    yield ws, ids
    ws.close()


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema:
    path = SHARED_XSD if SHARED_XSD.exists() else refi.schema_path()
    return xmlschema.XMLSchema(str(path))


def test_shipped_schema_is_the_refi_one():
    if not SHARED_XSD.exists():
        pytest.skip("the shared REFI-QDA schema folder is not beside the repository")
    assert refi.schema_path().read_bytes() == SHARED_XSD.read_bytes()


def test_project_validates_and_holds_everything(work, tmp_path, xsd, monkeypatch):
    ws, ids = work
    disable_network(monkeypatch)
    dest = tmp_path / "project.qdpx"
    result = export(ws, "refiqda", dest)
    assert result.format == "REFI-QDA" and result.highest_marking == "RED"
    with zipfile.ZipFile(dest) as zf:
        names = sorted(zf.namelist())
        qde = zf.read("project.qde")
        texts = {n: zf.read(n).decode("utf-8") for n in names if n.endswith(".txt")}
    xsd.validate(qde)  # raises on the first problem
    docs = {d["id"]: ws.document(d["id"]) for d in ws.list_documents()}
    originals = [f"sources/{refi.original_member(i, d.filename)}" for i, d in docs.items()]
    assert names == sorted(["project.qde", *(f"sources/{i}.txt" for i in docs), *originals])
    root = ET.fromstring(qde)
    assert root.get("origin").startswith("Assay ")
    assert "TLP:RED" in root.find("q:Description", NS).text
    users = {u.get("name") for u in root.findall("q:Users/q:User", NS)}
    assert users == {"Ada Analyst", "Sam Supervisor"}
    # the tag tree as a code tree
    top = {c.get("name"): c for c in root.findall("q:CodeBook/q:Codes/q:Code", NS)}
    assert set(top) == {"actor", "capability", "policy", "supply chain"}
    assert [c.get("name") for c in top["capability"].findall("q:Code", NS)] == ["vuln discovery"]
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{{{NS['q']}}}Code")}
    notes = {n.get("guid"): n for n in root.findall("q:Notes/q:Note", NS)}
    variables = {v.get("guid"): v.get("name") for v in root.findall("q:Variables/q:Variable", NS)}
    for src in root.findall("q:Sources/q:TextSource", NS):
        doc = docs[src.get("guid")]
        text = texts[f"sources/{doc.id}.txt"]
        assert text == doc.text and src.get("plainTextPath") == f"internal://{doc.id}.txt"
        values = {
            variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.find("q:TextValue", NS).text
            for v in src.findall("q:VariableValue", NS)
        }
        assert values["Marking"] == f"TLP:{doc.marking}" and values["SHA-256"] == doc.sha256
        for sel in src.findall("q:PlainTextSelection", NS):
            ann = ws.annotation(sel.get("guid"))
            start, last = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert text[start:last] == ann.quote  # end exclusive, as QualCoder and NVivo read it
            assert last == ann.end
            tagged = sorted(
                codes[c.find("q:CodeRef", NS).get("targetGUID")]
                for c in sel.findall("q:Coding", NS)
            )
            assert tagged == sorted(t.rsplit("/", 1)[-1] for t in ann.tags)
            refs = [notes[r.get("targetGUID")] for r in sel.findall("q:NoteRef", NS)]
            if ann.kind == "claim":
                claim_note = refs[0].find("q:PlainTextContent", NS).text
                assert claim_note.startswith("Assay claim\nStatement: ")
    c1 = ws.annotation(ids["c1"])
    c1_note = next(
        n.find("q:PlainTextContent", NS).text
        for n in notes.values()
        if n.get("name").startswith("Claim: An AI agent")
    )
    lines = c1_note.split("\n")
    assert f"Statement: {c1.statement}" in lines
    assert "Admiralty: C2 (source fairly reliable; information probably true)" in lines
    assert "Likelihood: likely (55–80 %)" in lines and "Confidence: moderate" in lines
    assert not any("likely" in x and "confidence" in x.lower() for x in lines)
    reviews = [n.get("name") for n in notes.values() if n.get("name").startswith("Assay review")]
    assert "Assay review: approve by Sam Supervisor" in reviews
    links = {
        (lk.get("name"), lk.get("originGUID"), lk.get("targetGUID"))
        for lk in root.findall("q:Links/q:Link", NS)
    }
    assert ("corroborates", ids["c1"], ids["c2"]) in links and len(links) == 3


def test_ceiling_applies(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "clear.qdpx"
    export(ws, "refiqda", dest, Selection(ceiling="CLEAR"))
    with zipfile.ZipFile(dest) as zf:
        body = b"".join(zf.read(n) for n in zf.namelist())
    assert b"informant" not in body and b"Domestic accelerators" not in body
    assert ids["red"].encode() not in body and ids["controls"].encode() not in body


def test_invalid_project_is_never_written(work, tmp_path, monkeypatch):
    ws, _ids = work
    real = refi.build_project

    def broken(data, originals=None):
        root, files = real(data, originals)
        root.find(f"{{{refi.NS}}}Users/{{{refi.NS}}}User").set("guid", "not-a-guid")
        return root, files

    monkeypatch.setattr(refi, "build_project", broken)
    dest = tmp_path / "broken.qdpx"
    with pytest.raises(ExportError, match="does not validate"):
        export(ws, "refiqda", dest)
    assert not dest.exists() and not list(tmp_path.glob(".broken.qdpx*"))


def test_round_trip(work, tmp_path, monkeypatch):
    ws, ids = work
    dest = tmp_path / "project.qdpx"
    export(ws, "refiqda", dest)
    disable_network(monkeypatch)
    # the same documents already here: codings land on them
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        summary = import_annotations(other, dest)
        assert summary.documents_created == [] and len(summary.documents_matched) == 3
        assert len(summary.annotations_created) == 5 and summary.links_created == 3
        # the review notes come back as the threads they were (REFI-QDA keeps whole seconds)
        assert len(summary.reviews_created) == 6 and summary.reviews_not_applied == 0
        assert snapshot(other) == snapshot(ws)
        assert to_the_second(threads(other)) == to_the_second(threads(ws))
        assert other.document(ids["red"]).marking == "RED"
        again = import_annotations(other, dest)
        assert again.duplicates == 5 and again.reviews_created == []
    finally:
        other.close()
    # back into the workspace it came from: everything is recognised, nothing is added
    before = threads(ws), snapshot(ws)
    again = import_annotations(ws, dest)
    assert again.duplicates == 5 and again.reviews_created == []
    assert (threads(ws), snapshot(ws)) == before
    # an empty workstation: the sources become documents with their metadata and markings
    empty = Workspace.create(tmp_path / "empty", profile=ANALYST)
    try:
        summary = import_annotations(empty, dest)
        assert len(summary.documents_created) == 3
        assert snapshot(empty) == snapshot(ws)
        for doc_id in summary.documents_created:
            got, want = empty.document(doc_id), ws.document(doc_id)
            assert (
                got.title,
                got.marking,
                got.source,
                got.url,
                got.author,
                got.published_at,
                got.reliability,
            ) == (
                want.title,
                want.marking,
                want.source,
                want.url,
                want.author,
                want.published_at,
                want.reliability,
            )
    finally:
        empty.close()
