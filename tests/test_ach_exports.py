"""ACH matrices in the exports: the HTML report shows each matrix with its scores, STIX 2.1
carries it as a validator-clean grouping, and the marking ceiling keeps claims (and matrices)
above it out."""

from __future__ import annotations

import json

import pytest

from desktop.core.exports import Selection
from desktop.core.exports.report import render_html
from desktop.core.exports.selection import gather
from desktop.core.exports.stix import EXTENSION_ID, note_id, stix_json
from desktop.core.imports.stix import import_stix

from .test_exports_common import fresh_workspace_with_same_documents, workspace_copy
from .test_exports_stix import assert_valid


@pytest.fixture
def work(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    m = ws.create_matrix("Will a comparable tool emerge?", marking="GREEN").created
    h1 = ws.add_hypothesis(m, "Yes, within 18 months").created
    h2 = ws.add_hypothesis(m, "No, it is hype").created
    ws.add_matrix_evidence(m, [ids["c1"], ids["c2"], ids["c4"]])  # c4 sits in the RED document
    ws.rate_cell(m, h1, ids["c1"], "CC")
    ws.rate_cell(m, h2, ids["c1"], "II")
    ws.rate_cell(m, h2, ids["c4"], "I")
    secret = ws.create_matrix("A RED question", marking="RED").created
    ws.add_hypothesis(secret, "only here")
    ws.add_matrix_evidence(secret, [ids["c1"]])
    ids.update(m=m, h1=h1, h2=h2, secret=secret)
    yield ws, ids
    ws.close()


def _groupings(text):
    return [o for o in json.loads(text)["objects"] if o["type"] == "grouping"]


def test_stix_carries_the_matrix_as_a_clean_grouping(work):
    ws, ids = work
    text = stix_json(ws)
    assert_valid(text)
    (g,) = [g for g in _groupings(text) if g["name"] == "Will a comparable tool emerge?"]
    assert g["context"] == "unspecified"
    assert g["object_refs"] == [note_id(ids["c1"]), note_id(ids["c2"]), note_id(ids["c4"])]
    ext = g["extensions"][EXTENSION_ID]
    assert [h["text"] for h in ext["hypotheses"]] == ["Yes, within 18 months", "No, it is hype"]
    cells = {(c["hypothesis_id"], c["annotation_id"]): c["rating"] for c in ext["cells"]}
    assert cells == {
        (ids["h1"], ids["c1"]): "CC",
        (ids["h2"], ids["c1"]): "II",
        (ids["h2"], ids["c4"]): "I",
    }
    assert ext["ranking"] == [ids["h1"], ids["h2"]]


def test_the_ceiling_keeps_claims_and_matrices_above_it_out(work):
    ws, ids = work
    text = stix_json(ws, Selection(ceiling="AMBER"))
    assert_valid(text)
    (g,) = _groupings(text)  # the RED matrix stays home
    assert note_id(ids["c4"]) not in g["object_refs"]  # the claim in the RED document too
    ext = g["extensions"][EXTENSION_ID]
    assert all(c["annotation_id"] != ids["c4"] for c in ext["cells"])
    assert ids["c4"] not in text and "A RED question" not in text
    # scored over what leaves: c4's "I" no longer counts against h2
    assert {h["hypothesis_id"]: h["score"] for h in ext["hypotheses"]}[ids["h2"]] == round(
        2 * 0.6 * 0.8, 4
    )


def test_the_report_shows_the_matrix_with_scores_and_sensitivity(work):
    ws, ids = work
    html = render_html(gather(ws, Selection(ceiling="AMBER")).claims_only())
    assert "Analysis of competing hypotheses" in html
    assert "Will a comparable tool emerge?" in html and "A RED question" not in html
    assert "Weighted inconsistency" in html and "0.96</b> (#2)" in html
    assert "missing evidence or not in this report" in html  # c4's row, without its text
    assert "informants" not in html
    assert "the ranking changes" in html  # without c1, the two tie


def test_a_stix_file_with_a_matrix_imports_as_before(work, tmp_path):
    ws, _ids = work
    path = tmp_path / "work.json"
    path.write_text(stix_json(ws), encoding="utf-8")
    other = fresh_workspace_with_same_documents(tmp_path)
    try:
        summary = import_stix(other, path)
        assert summary.annotations_created
    finally:
        other.close()
