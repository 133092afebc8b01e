"""W3C Web Annotation export (structure), re-anchoring, and import back."""

from __future__ import annotations

import json

import pytest

from desktop.core.exports import Selection, export
from desktop.core.exports.selection import gather
from desktop.core.exports.webanno import CONTEXT, RATINGS_KEY, build_collection, webanno_json
from desktop.core.imports import anchor, import_annotations
from desktop.core.imports.webanno import import_webanno
from desktop.core.kernel.errors import WebAnnotationImportError

from .test_exports_common import (
    counts,
    disable_network,
    fresh_workspace_with_same_documents,
    snapshot,
    workspace_copy,
)


@pytest.fixture
def work(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    yield ws, ids
    ws.close()


def test_collection_structure(work):
    ws, ids = work
    data = json.loads(webanno_json(ws))
    assert data["@context"] == CONTEXT == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection" and data["id"].startswith("urn:uuid:")
    assert data["total"] == 5 and data["urn:assay:marking"] == "TLP:RED"
    page = data["first"]
    assert page["type"] == "AnnotationPage" and page["startIndex"] == 0
    items = {a["id"]: a for a in page["items"]}
    assert len(items) == 5
    for item in items.values():
        assert "@context" not in item  # embedded: the collection's context applies
        for key in ("id", "type", "motivation", "creator", "created", "modified", "target"):
            assert key in item, key
        assert item["type"] == "Annotation"
        assert item["creator"] == {
            "id": "urn:uuid:11111111-1111-4111-8111-111111111111",
            "type": "Person",
            "name": "Ada Analyst",
        }
        assert item["created"].endswith("Z") and item["modified"] >= item["created"]
        target = item["target"]
        assert target["type"] == "SpecificResource"
        assert target["source"].startswith("urn:sha256:")
        quote, position = target["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        for body in item.get("body", []):
            assert body["type"] in ("TextualBody", "SpecificResource")
            assert body["purpose"] in (
                "tagging",
                "commenting",
                "describing",
                "assessing",
                "linking",
            )
    c1 = items[f"urn:uuid:{ids['c1']}"]
    ann = ws.annotation(ids["c1"])
    doc = ws.document(ids["exploits"])
    assert c1["motivation"] == "assessing"
    assert c1["target"]["source"] == f"urn:sha256:{doc.sha256}"
    assert c1["target"]["via"] == "https://example.org/ledger/ai-exploits"
    assert c1["target"]["selector"] == [
        {
            "type": "TextQuoteSelector",
            "exact": ann.quote,
            "prefix": ann.prefix,
            "suffix": ann.suffix,
        },
        {"type": "TextPositionSelector", "start": ann.start, "end": ann.end},
    ]
    assert doc.text[ann.start : ann.end] == ann.quote
    by_purpose = {}
    for body in c1["body"]:
        by_purpose.setdefault(body["purpose"], []).append(body)
    assert [b["value"] for b in by_purpose["tagging"]] == ["actor", "capability/vuln discovery"]
    assert by_purpose["describing"][0]["value"] == ann.statement
    assert by_purpose["commenting"][0]["value"] == "Check the preprint's appendix."
    assessing = by_purpose["assessing"][0]
    assert assessing[RATINGS_KEY] == {
        "credibility": 2,
        "reliability": "C",
        "admiralty": "C2",
        "likelihood": "likely",
        "confidence": "moderate",
        "rationale": ann.rationale,
        "stix_confidence": 70,
    }
    # likelihood and confidence are separate sentences, as ICD 203 asks
    sentences = assessing["value"].split(". ")
    assert any("Likely (55–80 %)" in s for s in sentences)
    assert not any("likely" in s.lower() and "confidence" in s.lower() for s in sentences)
    assert by_purpose["linking"][0]["source"] == f"urn:uuid:{ids['c2']}"
    assert by_purpose["linking"][0]["urn:assay:relation"] == "corroborates"
    note = items[f"urn:uuid:{ids['n1']}"]
    assert note["motivation"] == "commenting" and note["urn:assay:kind"] == "note"
    assert [b["purpose"] for b in note["body"]] == ["tagging", "commenting"]


def test_ceiling_applies(work):
    ws, ids = work
    data = build_collection(gather(ws, Selection(ceiling="GREEN")))
    assert data["total"] == 3 and data["urn:assay:marking"] == "TLP:CLEAR"
    assert "informant" not in json.dumps(data)


def test_round_trip(work, tmp_path, monkeypatch):
    ws, ids = work
    dest = tmp_path / "annotations.jsonld"
    export(ws, "webanno", dest)
    other = fresh_workspace_with_same_documents(tmp_path)
    try:
        disable_network(monkeypatch)
        summary = import_annotations(other, dest)
        assert summary.format == "W3C Web Annotation"
        assert len(summary.annotations_created) == 5 and summary.links_created == 3
        assert snapshot(other) == snapshot(ws)
        assert other.document(ids["controls"]).marking == "AMBER"
        assert import_webanno(other, dest).duplicates == 5
    finally:
        other.close()


def test_anchor():
    text = "alpha beta gamma. alpha beta delta. alpha beta gamma again."
    assert anchor(text, "alpha beta", "", " delta") is not None
    assert anchor(text, "alpha beta", "gamma. ", " delta") == (18, 28)
    assert anchor(text, "alpha beta", "", " gamma again") == (36, 46)
    assert anchor(text, "alpha beta", hint_start=36) == (36, 46)
    assert anchor(text, "alpha beta", hint_start=0) == (0, 10)
    assert anchor("one  two\nthree", "two three") == (5, 14)  # whitespace may differ
    assert anchor(text, "omega") is None
    assert anchor(text, "") is None
    assert anchor("Caf\u00e9 ouvert", "Cafe\u0301") == (0, 4)  # the quote is composed (NFC)


def test_shifted_text_is_reanchored_by_quote(work):
    ws, ids = work
    doc = ws.document(ids["controls"])
    quote = "Analysts doubt the yield figures."
    real = doc.text.index(quote)
    item = {
        "@context": CONTEXT,
        "type": "Annotation",
        "id": "urn:uuid:1",
        "body": [
            {"type": "TextualBody", "purpose": "commenting", "value": "moved"},
            {"type": "TextualBody", "purpose": "tagging", "value": "Yield::Figures (new)"},
        ],
        "target": {
            "source": f"urn:sha256:{doc.sha256}",
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": quote,
                    "prefix": "the ministry claims. ",
                    "suffix": " Ça reste",
                },
                # positions from an older version of the text, 40 characters further on
                {"type": "TextPositionSelector", "start": real + 40, "end": real + 40 + len(quote)},
            ],
        },
    }
    return_path = ws.path.parent / "one.json"
    return_path.write_text(json.dumps(item), encoding="utf-8")
    summary = import_webanno(ws, return_path)
    made = ws.annotation(summary.annotations_created[0])
    assert (made.start, made.end, made.quote) == (real, real + len(quote), quote)
    assert made.kind == "note" and made.comment == "moved" and made.tags == ["yield/figures new"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{oops", "not valid JSON"),
        ('{"type": "Thing"}', "not a W3C Web Annotation"),
        ('{"type": "AnnotationCollection", "first": "https://example.org/p1"}', "never fetches"),
        (
            '{"type": "Annotation", "target": {"source": "urn:sha256:' + "0" * 64 + '",'
            ' "selector": {"type": "TextQuoteSelector", "exact": "x"}}}',
            "could be placed",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(work, tmp_path, content, message):
    ws, _ids = work
    before = counts(ws)
    path = tmp_path / "bad.jsonld"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(WebAnnotationImportError, match=message):
        import_webanno(ws, path)
    assert counts(ws) == before


def test_invalid_ratings_change_nothing(work, tmp_path):
    ws, ids = work
    data = json.loads(webanno_json(ws, Selection(documents=("Lab's AI agent",))))
    for item in data["first"]["items"]:
        item["target"]["selector"][1]["start"] += 1  # still placed by quote
    data["first"]["items"][-1]["body"].append(
        {
            "type": "TextualBody",
            "purpose": "assessing",
            "value": "?",
            RATINGS_KEY: {"credibility": 9},
        }
    )
    other_path = tmp_path / "bad-rating.jsonld"
    other_path.write_text(json.dumps(data), encoding="utf-8")
    ws2 = fresh_workspace_with_same_documents(tmp_path)
    try:
        before = counts(ws2)
        with pytest.raises(WebAnnotationImportError, match="Credibility must be 1–6"):
            import_webanno(ws2, other_path)
        assert counts(ws2) == before
    finally:
        ws2.close()
