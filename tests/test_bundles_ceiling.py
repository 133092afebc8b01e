"""The TLP ceiling is one rule (kernel/marking.py): a bundle and a file export of the same
workspace carry exactly the same documents, annotations, links and reviews under each ceiling."""

from __future__ import annotations

import json
import sqlite3

import pytest

from desktop.core.exchange import records
from desktop.core.exports.selection import Selection, gather
from desktop.core.kernel import marking, scales
from desktop.core.kernel import records as workflow

from .test_bundles_helpers import ADA, SAM, members, workstation

# the five TLP 2.0 markings, then a document with no marking and one with a label Assay does
# not know (both can only come from outside Assay's own writes)
MARKS = (*scales.TLP, None, "WHITE")


@pytest.fixture
def marked(tmp_path):
    texts = {
        f"d{i}.txt": f"Report {i}\n\nThe ministry says domestic accelerators will meet demand "
        f"by 2028; vendors claim their platform stops nearly every attack. Unique {i}."
        for i in range(len(MARKS))
    }
    ws = workstation(tmp_path, "marked", ADA, texts)
    docs = sorted(ws.list_documents(), key=lambda d: d["title"])
    expected: dict[str | None, str] = {}
    claim_ids = []
    for doc, mark in zip(docs, MARKS, strict=True):
        text = ws.document(doc["id"]).text
        start = text.index("ministry")
        claim_ids.append(
            ws.add_claim(
                doc["id"], start, start + 8, f"claim under {mark}", tags=["policy"]
            ).created
        )
        start = text.index("vendors")
        ws.add_note(doc["id"], start, start + 7, comment="a note", tags=[f"doc/{doc['id'][:4]}"])
        ws.submit(claim_ids[-1])
        if mark in scales.TLP:
            ws.update_document(doc["id"], marking=mark)
        expected[mark] = doc["id"]
    for a, b in zip(claim_ids, claim_ids[1:], strict=False):  # links across markings
        ws.link_claims(a, b, "corroborates")
    ws.link_claims(claim_ids[0], claim_ids[-1], "contradicts")
    with ws.db.conn:
        ws.db.execute("UPDATE documents SET marking = NULL WHERE id = ?", [expected[None]])
        ws.db.execute("UPDATE documents SET marking = 'WHITE' WHERE id = ?", [expected["WHITE"]])
    ws.switch_analyst(SAM)
    for ann_id in claim_ids[::2]:
        ws.review(ann_id, "approve", "agreed")
    yield ws, expected
    ws.close()


def _bundle_records(ws, path, ceiling: str) -> dict[str, set[str]]:
    ws.export_bundle(path, ceiling=ceiling)
    files = members(path.read_bytes())
    out = {}
    for name in ("documents", "annotations", "links", "reviews"):
        lines = files[f"records/{name}.jsonl"].splitlines()
        out[name] = {json.loads(x)["v"]["id"] for x in lines}
    return out


def _file_records(ws, ceiling: str) -> dict[str, set[str]]:
    data = gather(ws, Selection(ceiling=ceiling))
    return {
        "documents": {d.document.id for d in data.documents},
        "annotations": {a.id for a in data.annotations},
        "links": {lk.id for lk in data.links},
        "reviews": {r.id for thread in data.reviews.values() for r in thread},
    }


@pytest.mark.parametrize("ceiling", scales.TLP)
def test_bundle_and_file_export_hold_the_same_records(marked, tmp_path, ceiling):
    ws, by_mark = marked
    bundle = _bundle_records(ws, tmp_path / f"{ceiling}.assay", ceiling)
    assert bundle == _file_records(ws, ceiling)
    rank = scales.TLP.index(ceiling)
    leaving = {by_mark[m] for m in scales.TLP[: rank + 1]}
    if ceiling == "RED":
        leaving.add(by_mark[None])  # unmarked ranks as RED: it leaves only without a ceiling
    assert bundle["documents"] == leaving  # a label Assay does not know never leaves
    anns = {a.id for doc_id in leaving for a in ws.annotations(doc_id)}
    assert bundle["annotations"] == anns and len(anns) == 2 * len(leaving)
    assert bundle["reviews"]  # each claim's submission, and some decisions


def test_python_and_sql_forms_of_the_rule_agree():
    conn = sqlite3.connect(":memory:")
    values = [*MARKS, "", " ", "\t", "amber", "TLP:AMBER", " AMBER", "RED "]
    for ceiling in scales.TLP:
        sql = marking.sql_may_leave("m", ceiling)
        for value in values:
            (found,) = conn.execute(f"SELECT {sql} FROM (SELECT ? AS m)", [value]).fetchone()
            assert bool(found) == marking.may_leave(value, ceiling), (value, ceiling)
    assert marking.may_leave("AMBER+STRICT", "AMBER+STRICT")
    assert not marking.may_leave("AMBER+STRICT", "AMBER")
    assert not marking.may_leave(None, "AMBER+STRICT") and marking.may_leave(None, "RED")
    assert marking.check_ceiling("tlp:amber+strict") == "AMBER+STRICT"
    assert marking.check_ceiling(None) == "RED"


def test_record_vocabularies_match_the_annotation_and_review_rules():
    assert records.KINDS == workflow.KINDS
    assert records.STATUSES == workflow.STATUSES
    assert records.RELATIONS == workflow.RELATIONS
    assert records.DECISIONS == ("submit", *workflow.DECISIONS)
    assert records.OPINIONS == workflow.OPINIONS
