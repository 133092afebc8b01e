"""CSV of claims: one row per claim, UTF-8 with BOM, formula injection defused."""

from __future__ import annotations

import csv
import io

import pytest

from desktop.core.exports import Selection, export
from desktop.core.exports.csvexport import COLUMNS, defuse

from .test_exports_common import workspace_copy


@pytest.fixture
def work(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    yield ws, ids
    ws.close()


def read(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes spreadsheets read UTF-8
    text = raw[3:].decode("utf-8")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_claim_with_codes_and_words(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "claims.csv"
    result = export(ws, "csv", dest)
    assert result.claims == 4
    rows = read(dest)
    assert list(rows[0]) == list(COLUMNS)
    by_id = {r["claim_id"]: r for r in rows}
    assert set(by_id) == {ids["c1"], ids["c2"], ids["c3"], ids["c4"]}  # notes are not claims
    c1 = by_id[ids["c1"]]
    assert c1["document_title"] == "Lab's AI agent wrote working exploits in hours"
    assert c1["document_id"] == ids["exploits"]
    assert c1["quote"] == ws.annotation(ids["c1"]).quote
    assert (c1["credibility"], c1["credibility_meaning"]) == ("2", "probably true")
    assert (c1["reliability"], c1["reliability_meaning"]) == ("C", "fairly reliable")
    assert c1["admiralty"] == "C2"
    assert (c1["likelihood"], c1["likelihood_band"]) == ("likely", "55–80 %")
    assert (c1["confidence"], c1["stix_confidence"]) == ("moderate", "70")
    assert c1["tags"] == "actor; capability/vuln discovery"
    assert (c1["status"], c1["analyst"]) == ("approved", "Ada Analyst")
    assert (c1["last_reviewer"], c1["last_decision"], c1["last_review_comment"]) == (
        "Sam Supervisor",
        "approve",
        "Sound sourcing.",
    )
    assert c1["marking"] == "TLP:CLEAR"
    c3 = by_id[ids["c3"]]
    assert c3["marking"] == "TLP:AMBER" and c3["last_decision"] == "reject"
    assert c3["document_title"].startswith("Export controls") and c3["admiralty"] == "B3"
    c4 = by_id[ids["c4"]]
    assert c4["admiralty"] == "F6" and c4["credibility_meaning"] == "truth cannot be judged"
    assert c4["stix_confidence"] == "" and c4["last_reviewer"] == ""


def test_formula_injection_is_defused(work, tmp_path):
    ws, ids = work
    s = ws.document(ids["exploits"]).text.index("Defenders")
    ws.add_claim(ids["exploits"], s, s + 9, '=HYPERLINK("http://evil")', tags=["actor"])
    ws.add_claim(ids["exploits"], s, s + 10, "@SUM(1)", rationale="+x")
    dest = tmp_path / "claims.csv"
    export(ws, "csv", dest)
    statements = {r["statement"] for r in read(dest)}
    assert '\'=HYPERLINK("http://evil")' in statements
    assert "'@SUM(1)" in statements and "'-1 informants say so" in statements
    for row in read(dest):
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    assert defuse("\tcmd") == "'\tcmd" and defuse(-3) == -3 and defuse("a=b") == "a=b"


def test_selection_and_ceiling(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "some.csv"
    export(ws, "csv", dest, Selection(ceiling="GREEN", statuses=("approved", "changes_requested")))
    assert sorted(r["claim_id"] for r in read(dest)) == sorted([ids["c1"], ids["c2"]])
    export(ws, "csv", dest, Selection(tags=("supply chain",)))
    assert [r["claim_id"] for r in read(dest)] == [ids["c3"]]
