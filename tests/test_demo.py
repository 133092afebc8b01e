"""The demo workspace as a worked analysis: two analysts' claims, a supervisor's reviews, links,
agreement units and tradecraft findings, built the same way every time and undoable by nobody."""

from __future__ import annotations

from collections import Counter

import pytest

from desktop.core import demo
from desktop.core.kernel import tradecraft
from desktop.core.workspace import Workspace

from .conftest import DEMO_BUILDER


@pytest.fixture
def worked(worked_demo_path, analyst):
    ws = Workspace.open(worked_demo_path, profile=analyst)
    yield ws
    ws.close()


def test_the_demo_holds_two_analysts_claims_on_the_sample_documents(worked):
    claims = worked.claims()
    by = Counter(a.analyst for a in claims)
    assert set(by) == {demo.ADA.name, demo.BEN.name} and min(by.values()) >= 10
    assert len(claims) == len(demo.CLAIMS)
    roster = {a["name"]: a["role"] for a in worked.analysts()}
    assert roster[demo.SAM.name] == "supervisor" and roster[demo.ADA.name] == "analyst"
    assert all(a.credibility and a.likelihood and a.confidence and a.rationale for a in claims)
    assert all(a.tags for a in claims)
    assert len({a.document_id for a in claims}) >= 10
    assert any(a.document_title.startswith("国产") for a in claims)  # a Chinese document too


def test_the_demo_has_a_review_queue_and_every_decision(worked):
    statuses = Counter(a.status for a in worked.claims())
    assert {"draft", "submitted", "approved", "rejected", "changes_requested"} <= set(statuses)
    queue = worked.review_queue_ids()
    assert len(queue) == statuses["submitted"] >= 5
    rejected = next(a for a in worked.claims() if a.status == "rejected")
    last = worked.last_review(rejected.id)
    assert last.reviewer == demo.SAM.name and last.decision == "reject" and last.comment
    # Ada answered a change request and submitted again: the thread shows all of it
    again = next(a for a in worked.claims() if a.statement.startswith("A former exploit"))
    steps = [r.decision for r in worked.reviews(again.id)]
    assert steps == ["submit", "request_changes", "submit"] and again.status == "submitted"
    assert {a.status for a in worked.returned_to_me()} == set()  # the tester has no claims


def test_the_demo_has_tags_in_a_hierarchy_and_links_of_each_kind(worked):
    names = {t["name"] for t in worked.tags()}
    assert {"measurement", "measurement/vendor-claims", "supply-chain/diversion"} <= names
    relations = Counter(
        link.relation
        for a in worked.claims()
        for link in worked.links(a.id)
        if link.from_id == a.id
    )
    assert set(relations) >= {"corroborates", "contradicts", "refines", "duplicates"}
    assert sum(relations.values()) == len(demo.LINKS)


def test_the_demo_gives_the_agreement_view_units_to_compare(worked):
    report = worked.agreement()
    assert len(report.analysts) == 2
    assert report.shared_units >= 5
    assert report.alpha_likelihood is not None and report.alpha_credibility is not None


def test_the_demo_trips_both_statement_checks(worked):
    found = {f.code for a in worked.claims() for f in worked.tradecraft(a.id)}
    assert found == {tradecraft.MISMATCH, tradecraft.ONE_SENTENCE}
    queued = [i for i in worked.review_queue_ids() if worked.tradecraft(i)]
    assert len(queued) == 1  # one of them waits in the queue, for the marker to show


def test_setting_up_the_demo_is_nobodys_undo_step_and_is_the_same_each_time(
    tmp_path, worked_demo_template
):
    ws = demo.create_demo(tmp_path / "again", profile=DEMO_BUILDER)
    try:
        assert ws.profile.id == DEMO_BUILDER.id  # the builder is at the keyboard afterwards
        for person in (DEMO_BUILDER, demo.ADA, demo.BEN, demo.SAM):
            ws.switch_analyst(person)
            assert ws.undo_label() is None, person.name
        again = _content(ws)
    finally:
        ws.close()
    with Workspace.open(worked_demo_template, readonly=True) as first:
        assert _content(first) == again


def _content(ws: Workspace) -> list[tuple]:
    return sorted(
        (a.document_title, a.start, a.end, a.analyst, a.statement, a.status, tuple(a.tags))
        for a in ws.claims()
    )


def test_documents_only_leaves_the_analysis_out(demo_ws):
    assert demo_ws.claims() == [] and demo_ws.count_documents() == len(demo.catalog())


def test_a_quote_missing_from_the_sample_is_a_clear_error():
    assert demo.locate("a  tool\nis likely", "tool is") == (3, 10)
    with pytest.raises(RuntimeError, match="lacks the demo's quote"):
        demo.locate("some text", "absent words")


def test_the_demo_holds_two_key_judgements_and_an_ach_matrix(worked):
    judgements = worked.judgements()
    assert len(judgements) == 2
    window = next(j for j in judgements if "exploitation window" in j.statement)
    assert window.status == "approved" and window.likelihood == "very_likely"
    assert len(window.supporting) == 3 and len(window.weakening) == 1 and not window.missing
    assert "3 claims" in window.summary or "4 claims" in window.summary
    (listed,) = worked.matrices()
    matrix = worked.matrix(listed["id"])
    assert matrix.question == demo.MATRIX_QUESTION
    assert [h.text for h in matrix.hypotheses] == list(demo.HYPOTHESES)
    assert len(matrix.rows) == len(demo.MATRIX_ROWS) and not matrix.missing
    # the ratings make AI-assisted development the least inconsistent, and the window figure
    # (consistent with all three) is flagged as not diagnostic
    assert matrix.hypothesis(matrix.ranking[0]).text == demo.HYPOTHESES[0]
    flagged = [r for r in matrix.rows if r.non_diagnostic]
    assert [r.annotation_id for r in flagged] == [
        a.id for a in worked.claims() if a.statement.startswith("Median time from disclosure")
    ]
