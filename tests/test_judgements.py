"""Key judgements: made on rated claims, edited with reasons, reviewed, audited, never losing
evidence whose claim is gone."""

from __future__ import annotations

import pytest

from desktop.core.kernel.errors import (
    JudgementError,
    NotFound,
    PermissionDenied,
    RatingError,
    ReadOnlyWorkspace,
)
from desktop.core.workspace import Workspace

from .store_digest import store_digest
from .test_exports_common import ANALYST, SUPERVISOR, workspace_copy


@pytest.fixture
def team(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    yield ws, ids
    ws.close()


def judge(ws, ids, **kw):
    args = dict(
        likelihood="likely",
        confidence="moderate",
        supporting=[ids["c1"], ids["c3"]],
        weakening=[ids["c2"]],
        reason="three claims agree on the trend",
    )
    args.update(kw)
    return ws.add_judgement("AI tools shorten the time to exploit.", **args).created


def test_a_judgement_shows_its_evidence_and_sources(team):
    ws, ids = team
    jid = judge(ws, ids)
    j = ws.judgement(jid)
    assert (j.statement, j.likelihood, j.confidence, j.marking, j.status) == (
        "AI tools shorten the time to exploit.",
        "likely",
        "moderate",
        "CLEAR",
        "draft",
    )
    assert [a.id for a in j.supporting] == [ids["c1"], ids["c3"]]
    assert [a.id for a in j.weakening] == [ids["c2"]]
    assert j.missing == []
    assert j.author == ANALYST.name
    # c1 C2 and c2 C5 from the Meridian Ledger, c3 B3 from the Halvorsen Institute
    assert j.summary == "rests on 3 claims from 2 sources; weakest C5"
    assert ws.judgement(jid[:8]).id == jid
    assert [x.id for x in ws.judgements()] == [jid]
    assert ws.judgements(status="approved") == []


def test_the_audit_keeps_the_reason_and_the_ratings(team):
    ws, ids = team
    jid = judge(ws, ids, supporting=[ids["c1"]], weakening=[])
    ws.edit_judgement(
        jid, reason="the second source confirms", likelihood="very likely", supporting=[ids["c3"]]
    )
    ws.edit_judgement(jid, reason="one claim overstated", confidence="low", remove=[ids["c1"]])
    made, raised, lowered = ws.judgement_history(jid)
    assert made["action"] == "add judgement"
    assert made["change"]["reason"].endswith("three claims agree on the trend")
    assert raised["change"]["reason"] == (
        f"judgement raised from likely to very_likely: claim {ids['c3'][:8]} added"
        " — the second source confirms"
    )
    assert (raised["change"]["likelihood"], raised["change"]["confidence"]) == (
        "very_likely",
        "moderate",
    )
    assert lowered["change"]["reason"].startswith(
        f"confidence lowered from moderate to low: claim {ids['c1'][:8]} removed"
    )
    assert (lowered["change"]["likelihood"], lowered["change"]["confidence"]) == (
        "very_likely",
        "low",
    )
    j = ws.judgement(jid)
    assert [a.id for a in j.supporting] == [ids["c3"]]
    assert (j.likelihood, j.confidence) == ("very_likely", "low")


def test_review_cycle_and_role_checks(team):
    ws, ids = team
    jid = judge(ws, ids)
    with pytest.raises(JudgementError, match="not submitted"):
        ws.switch_analyst(SUPERVISOR)
        ws.review_judgement(jid, "approve")
    ws.switch_analyst(ANALYST)
    ws.submit_judgement(jid, "ready")
    assert ws.judgement(jid).status == "submitted"
    with pytest.raises(PermissionDenied, match="Only a supervisor"):
        ws.review_judgement(jid, "approve")
    ws.switch_analyst(SUPERVISOR)
    with pytest.raises(JudgementError, match="Say why"):
        ws.review_judgement(jid, "reject")
    with pytest.raises(PermissionDenied, match="only its author"):
        ws.edit_judgement(jid, reason="mine now", likelihood="unlikely")
    ws.review_judgement(jid, "request_changes", "name the second source")
    assert ws.judgement(jid).status == "changes_requested"
    ws.switch_analyst(ANALYST)
    ws.edit_judgement(jid, reason="named it", statement="AI tools cut the time to exploit.")
    ws.submit_judgement(jid)
    ws.switch_analyst(SUPERVISOR)
    ws.review_judgement(jid, "approve")
    assert ws.judgement(jid).status == "approved"
    thread = ws.judgement_reviews(jid)
    assert [r.decision for r in thread] == ["submit", "request_changes", "submit", "approve"]
    assert thread[1].reviewer == SUPERVISOR.name and thread[1].annotation_id == jid
    # an approved judgement that changes goes back to draft for a new review
    ws.switch_analyst(ANALYST)
    ws.edit_judgement(jid, reason="new report", likelihood="very_likely")
    assert ws.judgement(jid).status == "draft"


def test_nobody_reviews_their_own_judgement(team):
    ws, ids = team
    ws.switch_analyst(SUPERVISOR)
    jid = ws.add_judgement("Sam's own view.", likelihood="unlikely", confidence="low").created
    ws.submit_judgement(jid)
    with pytest.raises(PermissionDenied, match="own judgement"):
        ws.review_judgement(jid, "approve")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"statement": "  "}, JudgementError, "needs a statement"),
        ({"likelihood": "probably"}, RatingError, "Unknown likelihood"),
        ({"likelihood": None}, RatingError, "needs an ICD 203 likelihood"),
        ({"confidence": "certain"}, RatingError, "Unknown confidence"),
        ({"marking": "WHITE"}, RatingError, "Marking must be"),
        ({"supporting": ["no-such-claim"]}, JudgementError, "No claim with id no-such-claim"),
        ({"supporting": ["n1"]}, JudgementError, "is a note, not a claim"),
        ({"supporting": ["c1"], "weakening": ["c1"]}, JudgementError, "both support and weaken"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(team, kwargs, error, message):
    ws, ids = team
    args = {"statement": "Something.", "likelihood": "likely", "confidence": "low"}
    for k in ("supporting", "weakening"):
        if k in kwargs:
            kwargs[k] = [ids.get(x, x) for x in kwargs[k]]
    args.update(kwargs)
    before = store_digest(ws)
    with pytest.raises(error, match=message):
        ws.add_judgement(args.pop("statement"), **args)
    assert store_digest(ws) == before


def test_bad_edits_are_refused_and_change_nothing(team):
    ws, ids = team
    jid = judge(ws, ids)
    before = store_digest(ws)
    for kwargs, message in [
        ({"reason": "", "likelihood": "unlikely"}, "Say why"),
        ({"reason": "same", "likelihood": "likely"}, "Nothing to change"),
        ({"reason": "r", "remove": [ids["c4"]]}, "does not rest on claim"),
        ({"reason": "r", "supporting": [ids["c4"]], "remove": [ids["c4"]]}, "does not rest"),
        ({"reason": "r", "confidence": "sure"}, "Unknown confidence"),
    ]:
        with pytest.raises((JudgementError, RatingError), match=message):
            ws.edit_judgement(jid, **kwargs)
    with pytest.raises(NotFound, match="No judgement"):
        ws.edit_judgement("0000dead", reason="r", likelihood="likely")
    with pytest.raises(JudgementError, match="only a draft"):
        ws.submit_judgement(jid)
        ws.submit_judgement(jid)
    ws.undo()
    assert store_digest(ws) == before


def test_evidence_whose_claim_is_gone_is_shown_missing_not_dropped(team):
    ws, ids = team
    jid = judge(ws, ids)
    ws.delete_annotation(ids["c3"])
    j = ws.judgement(jid)
    assert j.missing == [ids["c3"]]
    assert j.summary == "rests on 2 claims from 1 source; weakest C5; 1 missing evidence"
    ws.remove_document(ws.annotation(ids["c1"]).document_id)  # takes c1 and c2 away
    j = ws.judgement(jid)
    assert (j.supporting, j.weakening) == ([], [])
    assert sorted(j.missing) == sorted([ids["c1"], ids["c2"], ids["c3"]])
    assert j.summary == "rests on no claims; 3 missing evidence"
    # a missing claim can still be taken off the judgement, with a reason
    ws.edit_judgement(jid, reason="claim withdrawn", remove=[ids["c3"][:8]])
    assert sorted(ws.judgement(jid).missing) == sorted([ids["c1"], ids["c2"]])


def test_delete_and_undo(team):
    ws, ids = team
    jid = judge(ws, ids)
    ch = ws.delete_judgement(jid)
    assert ch.judgements == {jid}
    assert ws.judgements() == []
    with pytest.raises(NotFound):
        ws.judgement(jid)
    ws.undo()
    assert ws.judgement(jid).statement.startswith("AI tools")
    assert ws.undo_label() == "Add judgement"


def test_changes_name_the_judgement(team):
    ws, ids = team
    ch = ws.add_judgement("x", likelihood="likely", confidence="low")
    assert ch.judgements == {ch.created} and ch
    undone = ws.undo()
    assert undone.judgements == {ch.created}


def test_read_only_workspace_refuses(team, tmp_path):
    ws, ids = team
    ws.close()
    ro = Workspace.open(tmp_path / "ws", readonly=True, profile=ANALYST)
    try:
        with pytest.raises(ReadOnlyWorkspace):
            ro.add_judgement("x", likelihood="likely", confidence="low")
    finally:
        ro.close()
    team_ws = Workspace.open(tmp_path / "ws", profile=ANALYST)
    team_ws.close()


def test_changes_carry_judgements_and_matrices_through_merge_copy_and_restore():
    from desktop.core.kernel.changes import Changes

    assert Changes(judgements={"j"}) and Changes(matrices={"m"})
    merged = Changes().merge(Changes(judgements={"j"}, matrices={"m"}))
    assert (merged.judgements, merged.matrices) == ({"j"}, {"m"})
    copy = merged.copy()
    assert (copy.judgements, copy.matrices) == ({"j"}, {"m"})
    merged.judgements.add("k")
    merged.matrices.add("n")
    merged.restore(copy)
    assert (merged.judgements, merged.matrices) == ({"j"}, {"m"})


def test_tradecraft_findings_travel_with_the_judgement_and_never_block(team):
    ws, ids = team
    sound = ws.judgement(judge(ws, ids))  # two sources, rated B and C: nothing to say
    assert sound.findings == []
    # one source only (c1 and c2 are both the Meridian Ledger's), and "remote" written where
    # "likely" is rated: both are reported, and the judgement is stored all the same
    lone = ws.judgement(
        ws.add_judgement(
            "A remote chance that the tools shorten the time to exploit.",
            likelihood="likely",
            confidence="low",
            supporting=[ids["c1"], ids["c2"]],
            reason="one outlet",
        ).created
    )
    codes = {f.code for f in lone.findings}
    assert codes == {"single-source", "likelihood-mismatch"}, lone.findings
