"""REFI-QDA projects as NVivo 12 and ATLAS.ti 23 write them, and Assay's own round trip.

Each project is built here the way the tool writes it (UTF-16 offsets with an exclusive end
and one selection per coding for NVivo; a codebook with no sources for ATLAS.ti; a source
file the archive lacks), and each test checks the text at every imported annotation and the
counts of what the file holds against what came in.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from desktop.core.exports import export
from desktop.core.imports import import_annotations
from desktop.core.imports.refiqda import import_refiqda
from desktop.core.kernel.errors import RefiImportError
from desktop.core.workspace import Workspace

from .test_exports_common import ANALYST, DESK, counts

NS = {"q": "urn:QDA-XML:project:1.0"}
USER = "5D1F6B3A-8C2E-4F7A-9B0D-1E2F3A4B5C6D"
SOURCE = "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D"
GONE = "B2C3D4E5-F6A7-4B8C-9D0E-1F2A3B4C5D6E"

# Emoji (outside the BMP: two UTF-16 code units each) before and between the coded spans.
PORT = (
    "Port visit 🚢 notes\r\n\r\n"
    "The harbour master 😀 said the cargo was relabelled twice before customs. "
    "🧪 Samples were never sent to the lab.\r\n"
    "Later 👍🏽 he added that the 🚢 manifest listed machine tools, not wafers."
)
SPANS = {  # phrase → codes NVivo coded it with (one PlainTextSelection per code)
    "relabelled twice before customs": ["Evasion", "Customs", "Route", "Doubt"],
    "Samples were never sent to the lab": ["Doubt"],
    "manifest listed machine tools": ["Evasion", "Cargo"],
}
CODES = {
    name: f"C0DE0000-0000-4000-8000-{n:012d}"
    for n, name in enumerate(["Evasion", "Customs", "Route", "Doubt", "Cargo"], 1)
}


def utf16(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def write_qdpx(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def codebook(codes: dict[str, str]) -> str:
    return (
        "<CodeBook><Codes>"
        + "".join(f'<Code guid="{g}" name="{n}" isCodable="true"/>' for n, g in codes.items())
        + "</Codes></CodeBook>"
    )


def nvivo_project(extra_selection: str = "") -> str:
    """NVivo 12: positions in UTF-16 code units of the source file, end exclusive, one
    selection per code (no name), the same span repeated as often as it was coded."""
    sels, n = [], 0
    for phrase, codes in SPANS.items():
        start = PORT.index(phrase)
        for code in codes:
            n += 1
            sels.append(
                f'<PlainTextSelection guid="5E1E0000-0000-4000-8000-{n:012d}" name="" '
                f'startPosition="{utf16(PORT, start)}" '
                f'endPosition="{utf16(PORT, start + len(phrase))}" creatingUser="{USER}" '
                f'creationDateTime="2023-03-01T10:00:00Z">'
                f'<Coding guid="C0D10000-0000-4000-8000-{n:012d}" creatingUser="{USER}">'
                f'<CodeRef targetGUID="{CODES[code]}"/></Coding></PlainTextSelection>'
            )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Port study" origin="NVivo 12.6.1.970 '
        f'(Windows)" creationDateTime="2023-03-01T09:00:00Z">'
        f'<Users><User guid="{USER}" name="Rosa Vidal"/></Users>{codebook(CODES)}'
        f'<Sources><TextSource guid="{SOURCE}" name="Port visit" '
        f'plainTextPath="internal://{SOURCE}.txt">{"".join(sels)}{extra_selection}'
        "</TextSource></Sources></Project>"
    )


@pytest.fixture
def ws(tmp_path):
    w = Workspace.create(tmp_path / "ws", profile=ANALYST)
    yield w
    w.close()


def test_nvivo_utf16_offsets_and_one_selection_per_code(ws, tmp_path):
    # a selection whose start falls between the two halves of the first emoji
    half = utf16(PORT, PORT.index("🚢")) + 1
    broken = (
        f'<PlainTextSelection guid="5E1E0000-0000-4000-8000-999999999999" name="" '
        f'startPosition="{half}" endPosition="{half + 6}" creatingUser="{USER}">'
        f'<Coding guid="C0D10000-0000-4000-8000-999999999999" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{CODES["Cargo"]}"/></Coding></PlainTextSelection>'
    )
    path = write_qdpx(
        tmp_path / "nvivo.qdpx",
        {"project.qde": nvivo_project(broken), f"sources/{SOURCE}.txt": PORT},
    )
    summary = import_refiqda(ws, path)
    assert summary.positions == "UTF-16 code units, end exclusive"
    assert summary.held == {
        "source": 1,
        "selection": 8,
        "coding": 8,
        "code": 5,
        "note": 0,
    }
    # seven codings on three spans come in as three annotations carrying all seven codes
    assert len(summary.annotations_created) == 3 and summary.duplicates == 0
    assert summary.codings_kept == 7
    assert len(summary.unplaced) == 1 and "inside a character" in summary.unplaced[0]
    (doc,) = [ws.document(d["id"]) for d in ws.list_documents()]
    anns = {doc.text[a.start : a.end]: a for a in ws.annotations(doc.id)}
    assert set(anns) == set(SPANS)  # exact placement, after every emoji
    for phrase, codes in SPANS.items():
        assert anns[phrase].quote == phrase
        assert sorted(anns[phrase].tags) == sorted(c.lower() for c in codes)
        assert anns[phrase].comment == "Originally by Rosa Vidal in NVivo 12.6.1.970 (Windows)."
    assert "the file holds 1 source(s), 8 selection(s), 8 coding(s)" in summary.summary()
    # a second import adds nothing, and says so
    again = import_refiqda(ws, path)
    assert again.annotations_created == [] and again.duplicates == 3
    assert again.documents_created == [] and again.tags_created == []
    assert "nothing new: it was all here already" in again.figures()


def test_codings_an_earlier_import_dropped_are_added(ws, tmp_path):
    """A span already here from an import that kept one of its codes gets the others."""
    path = write_qdpx(
        tmp_path / "nvivo.qdpx", {"project.qde": nvivo_project(), f"sources/{SOURCE}.txt": PORT}
    )
    import_refiqda(ws, path)
    (doc,) = ws.list_documents()
    ann = next(a for a in ws.annotations(doc["id"]) if a.quote.startswith("relabelled"))
    ws.untag_annotation(ann.id, ["customs", "route"])
    again = import_refiqda(ws, path)
    assert again.annotations_created == [] and again.tags_added == 2
    assert sorted(ws.annotation(ann.id).tags) == ["customs", "doubt", "evasion", "route"]


def test_atlas_codebook_only_project(ws, tmp_path):
    """ATLAS.ti 23 exports a codebook with no documents: its codes and memo still come in."""
    codes = {
        "Trust": "A7100000-0000-4000-8000-000000000001",
        "Distrust": "A7100000-0000-4000-8000-000000000002",
        "Hedging": "A7100000-0000-4000-8000-000000000003",
    }
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Codebook" origin="ATLAS.ti 23.2.1.27010"'
        f' creationDateTime="2024-01-01T09:00:00Z"><Users><User guid="{USER}" name="Lea Kim"/>'
        "</Users><CodeBook><Codes>"
        f'<Code guid="{codes["Trust"]}" name="Trust" isCodable="true" color="#1F77B4">'
        f'<Code guid="{codes["Distrust"]}" name="Distrust" isCodable="true"/></Code>'
        f'<Code guid="{codes["Hedging"]}" name="Hedging" isCodable="true" color="#ff7f0e"/>'
        "</Codes></CodeBook><Notes>"
        f'<Note guid="A7200000-0000-4000-8000-000000000001" name="Coding rules" '
        f'creatingUser="{USER}"><PlainTextContent>Code hedging only when the speaker '
        "qualifies a claim.</PlainTextContent></Note></Notes></Project>"
    )
    path = write_qdpx(tmp_path / "codebook.qdpx", {"project.qde": qde})
    summary = import_annotations(ws, path)
    assert summary.held == {"source": 0, "selection": 0, "coding": 0, "code": 3, "note": 1}
    assert summary.tags_created == ["trust", "trust/distrust", "hedging"]
    tags = {t["name"]: t["colour"] for t in ws.tags()}
    assert tags["trust"] == "#1F77B4" and tags["hedging"] == "#ff7f0e"
    assert set(tags) == {"trust", "trust/distrust", "hedging"}
    (memo,) = [ws.document(d["id"]) for d in ws.list_documents()]
    assert memo.title == "Memo: Coding rules" and memo.author == "Lea Kim"
    assert "qualifies a claim" in memo.text
    again = import_annotations(ws, path)
    assert again.tags_created == [] and again.documents_created == []
    assert counts(ws)[:2] == (1, 0)


def test_missing_source_file_is_listed_and_the_rest_comes_in(ws, tmp_path):
    """The REFI vendor sample names a source file its archive lacks."""
    here = "The buyer paid in cash and asked for no receipt."
    sel = (
        '<PlainTextSelection guid="{g}" name="{name}" startPosition="{s}" endPosition="{e}">'
        '<Coding guid="{c}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )
    start = here.index("paid in cash")
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Sample" origin="MAXQDA 2022">'
        + codebook({"Cash": CODES["Evasion"]})
        + f'<Sources><TextSource guid="{SOURCE}" name="Buyer" '
        f'plainTextPath="internal://{SOURCE}.txt">'
        + sel.format(
            g="5E1E0000-0000-4000-8000-000000000001",
            name="paid in cash",
            s=start,
            e=start + len("paid in cash") - 1,
            c="C0D10000-0000-4000-8000-000000000001",
            code=CODES["Evasion"],
        )
        + f'</TextSource><TextSource guid="{GONE}" name="Seller" '
        f'plainTextPath="internal://{GONE}.txt">'
        + sel.format(
            g="5E1E0000-0000-4000-8000-000000000002",
            name="x",
            s=0,
            e=3,
            c="C0D10000-0000-4000-8000-000000000002",
            code=CODES["Evasion"],
        )
        + "</TextSource></Sources></Project>"
    )
    path = write_qdpx(tmp_path / "sample.qdpx", {"project.qde": qde, f"sources/{SOURCE}.txt": here})
    summary = import_refiqda(ws, path)
    assert summary.held["source"] == 2 and summary.held["selection"] == 2
    assert len(summary.documents_created) == 1 and len(summary.annotations_created) == 1
    assert summary.missing == [f"source 'Seller': sample.qdpx has no sources/{GONE}.txt"]
    assert len(summary.unplaced) == 1 and summary.codings_kept == 1
    assert "1 missing from the file" in summary.figures()
    (ann,) = ws.annotations(summary.documents_created[0])
    assert ann.quote == "paid in cash" and ann.tags == ["cash"]


def test_bad_project_still_refused_whole(ws, tmp_path):
    path = write_qdpx(
        tmp_path / "bad.qdpx",
        {
            "project.qde": nvivo_project().replace('startPosition="', 'startPosition="-x'),
            f"sources/{SOURCE}.txt": PORT,
        },
    )
    with pytest.raises(RefiImportError, match="numeric startPosition"):
        import_refiqda(ws, path)
    assert counts(ws) == (0, 0, 0, ()) and ws.tags() == []


# -- Assay's own exports -------------------------------------------------------------------------

NOTES = (
    "Briefing 🛰️ 2024\r\n\r\n"
    "Satellite 🛰 imagery shows 🚀 two launchers moved north.\r\n"
    "𝕏 accounts claim a third; analysts 🤔 doubt it."
)


@pytest.fixture
def assay(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "briefing.txt").write_bytes(b"\xef\xbb\xbf" + NOTES.encode("utf-8"))
    w = Workspace.create(tmp_path / "assay", profile=ANALYST)
    (doc_id,) = w.import_paths([folder / "briefing.txt"]).imported
    text = w.document(doc_id).text
    for phrase, tags in (
        ("two launchers moved north", ["launchers", "geo/north"]),
        ("doubt it", ["doubt"]),
        ("a third", []),
    ):
        s = text.index(phrase)
        w.add_note(doc_id, s, s + len(phrase), comment=f"on {phrase}", tags=tags)
    s = text.index("accounts claim")
    w.add_claim(
        doc_id, s, s + len("accounts claim a third"), "A third launcher moved", credibility=4
    )
    yield w, doc_id
    w.close()


def read_like_another_tool(path: Path) -> list[tuple[str, str, str]]:
    """An independent REFI-QDA reader (no Assay code): the text files under sources/, and each
    selection as code points with an exclusive end, the way QualCoder reads it."""
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        out = []
        for src in root.iterfind("q:Sources/q:TextSource", NS):
            member = "sources/" + src.get("plainTextPath").removeprefix("internal://")
            text = zf.read(member).decode("utf-8")
            for sel in src.iterfind("q:PlainTextSelection", NS):
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                out.append((sel.get("guid"), text[start:end], sel.get("name")))
    return out


def test_an_independent_reader_finds_every_quote(assay, tmp_path):
    ws, doc_id = assay
    dest = tmp_path / "out.qdpx"
    export(ws, "refiqda", dest)
    seen = read_like_another_tool(dest)
    quotes = {a.id: a.quote for a in ws.annotations(doc_id)}
    assert len(seen) == len(quotes) == 4
    for guid, text, name in seen:
        assert text == quotes[guid] == name  # non-BMP characters before every span
    with zipfile.ZipFile(dest) as zf:
        description = ET.fromstring(zf.read("project.qde")).find("q:Description", NS).text
    assert "Positions count code points, end exclusive" in description


def _identity(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        names = sorted(zf.namelist())
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    out = {"members": names}
    for src in root.iterfind("q:Sources/q:TextSource", NS):
        values = {
            variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.find("q:TextValue", NS).text
            for v in src.iterfind("q:VariableValue", NS)
        }
        sels = sorted(
            (
                s.get("guid"),
                s.get("startPosition"),
                s.get("endPosition"),
                s.get("creatingUser"),
                s.get("creationDateTime"),
                tuple(
                    sorted(
                        c.find("q:CodeRef", NS).get("targetGUID")
                        for c in s.iterfind("q:Coding", NS)
                    )
                ),
            )
            for s in src.iterfind("q:PlainTextSelection", NS)
        )
        out[src.get("guid")] = (src.get("name"), src.get("creationDateTime"), values, sels)
    return out


def test_round_trip_keeps_identity(assay, tmp_path):
    ws, doc_id = assay
    first = tmp_path / "first.qdpx"
    export(ws, "refiqda", first)
    original = ws.document(doc_id)
    assert original.text != NOTES  # a BOM and CRLF: the text is not the file's bytes

    # back into the workspace it came from: matched by SHA-256 and GUID, nothing added
    before = counts(ws), [t["name"] for t in ws.tags()]
    back = import_refiqda(ws, first)
    assert back.documents_created == [] and back.documents_matched == [doc_id]
    assert back.annotations_created == [] and back.duplicates == 4
    assert "nothing new: it was all here already" in back.figures()
    assert (counts(ws), [t["name"] for t in ws.tags()]) == before

    # an empty workspace: the document is recreated from the original file the export carries
    empty = Workspace.create(tmp_path / "empty", profile=DESK)
    try:
        summary = import_refiqda(empty, first)
        assert summary.documents_created == [doc_id] and len(summary.annotations_created) == 4
        got = empty.document(doc_id)
        assert (got.id, got.sha256, got.filename, got.mime, got.text, got.title) == (
            original.id,
            original.sha256,
            original.filename,
            original.mime,
            original.text,
            original.title,
        )
        assert got.imported_at[:19] == original.imported_at[:19]
        for ann in ws.annotations(doc_id):
            twin = empty.annotation(ann.id)
            assert (twin.quote, twin.start, twin.end, twin.created_at[:19], twin.tags) == (
                ann.quote,
                ann.start,
                ann.end,
                ann.created_at[:19],
                ann.tags,
            )
        second = tmp_path / "second.qdpx"
        export(empty, "refiqda", second)
        assert _identity(second) == _identity(first)
        again = import_refiqda(empty, first)
        assert again.annotations_created == [] and again.documents_created == []
    finally:
        empty.close()


def test_web_annotation_back_into_its_workspace_by_another_user(assay, tmp_path):
    """The 'Originally by' line a second analyst's import adds does not make a twin new."""
    ws, doc_id = assay
    dest = tmp_path / "notes.jsonld"
    export(ws, "webanno", dest)
    ws.switch_analyst(DESK)
    summary = import_annotations(ws, dest)
    assert summary.annotations_created == [] and summary.duplicates == 4
    assert len(ws.annotations(doc_id)) == 4
    # a copy whose ids were lost is still recognised by its span and text
    data = json.loads(dest.read_text(encoding="utf-8"))
    for n, item in enumerate(data["first"]["items"]):
        item["id"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
    dest.write_text(json.dumps(data), encoding="utf-8")
    summary = import_annotations(ws, dest)
    assert summary.annotations_created == [] and summary.duplicates == 4
