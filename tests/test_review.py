"""Review workflow: the state machine, role checks, the queue, threads and history."""

from __future__ import annotations

import pytest

from desktop.core.kernel.errors import PermissionDenied, ReviewError
from desktop.core.kernel.profile import Profile
from desktop.core.kernel.records import QueueChoices

from .conftest import write_texts

SAM = Profile(
    id="33333333-3333-4333-8333-333333333333",
    name="Sam Supervisor",
    role="supervisor",
    configured=True,
)
SUE = Profile(
    id="44444444-4444-4444-8444-444444444444", name="Sue Senior", role="supervisor", configured=True
)
BEN = Profile(
    id="55555555-5555-4555-8555-555555555555", name="Ben Analyst", role="analyst", configured=True
)


@pytest.fixture
def setup(ws, tmp_path, analyst):
    write_texts(
        tmp_path / "in",
        {"r.txt": "Report\n\nOne claim here. Another claim there. A third one follows."},
    )
    ws.import_paths([tmp_path / "in"])
    doc = ws.find_document("Report")
    ids = [
        ws.add_claim(
            doc.id,
            doc.text.index(p),
            doc.text.index(p) + len(p),
            p,
            likelihood="likely",
            tags=[f"t{i}"],
        ).created
        for i, p in enumerate(["One claim here", "Another claim there", "A third one"])
    ]
    return ws, doc, ids


def as_(ws, profile):
    ws.switch_analyst(profile)
    return ws


def test_full_cycle_with_thread_and_history(setup, analyst):
    ws, doc, (a, b, c) = setup
    ws.submit(a, "please check")
    assert ws.annotation(a).status == "submitted"
    as_(ws, SAM).review(a, "request_changes", "cite the second source")
    assert ws.annotation(a).status == "changes_requested"
    as_(ws, analyst)
    assert [x.id for x in ws.returned_to_me()] == [a]
    ws.edit_claim(a, credibility=2)
    assert ws.annotation(a).status == "changes_requested"
    ws.submit(a)
    as_(ws, SAM).review(a, "approve")
    assert ws.annotation(a).status == "approved"
    thread = ws.reviews(a)
    assert [(r.decision, r.reviewer) for r in thread] == [
        ("submit", "Ada Analyst"),
        ("request_changes", "Sam Supervisor"),
        ("submit", "Ada Analyst"),
        ("approve", "Sam Supervisor"),
    ]
    assert [r.opinion for r in thread if r.decision != "submit"] == ["neutral", "agree"]
    assert thread[1].comment == "cite the second source"
    assert ws.last_review(a).decision == "approve"
    actions = [h["action"] for h in ws.history(a)]
    assert actions == ["add claim", "submit", "request_changes", "edit claim", "submit", "approve"]
    assert [h.id for h in ws.search("status:approved")] == [a]


@pytest.mark.parametrize(
    "status_path, decision, allowed",
    [
        ([], "approve", False),  # draft cannot be reviewed
        (["submit"], "approve", True),
        (["submit"], "reject", True),
        (["submit"], "request_changes", True),
        (["submit", "approve"], "reject", False),  # approved is final until edited
        (["submit", "reject"], "approve", False),
        (["submit", "request_changes"], "approve", False),
    ],
)
def test_review_transitions(setup, analyst, status_path, decision, allowed):
    ws, doc, (a, _b, _c) = setup
    for step in status_path:
        if step == "submit":
            as_(ws, analyst).submit(a)
        else:
            as_(ws, SAM).review(a, step, "because")
    as_(ws, SAM)
    if allowed:
        ws.review(a, decision, "because")
        assert (
            ws.annotation(a).status
            == {
                "approve": "approved",
                "reject": "rejected",
                "request_changes": "changes_requested",
            }[decision]
        )
    else:
        before = ws.annotation(a).status
        with pytest.raises(ReviewError, match="not submitted|submitted"):
            ws.review(a, decision, "because")
        assert ws.annotation(a).status == before


@pytest.mark.parametrize(
    "status_path, can_submit",
    [
        ([], True),
        (["submit"], False),
        (["submit", "approve"], False),
        (["submit", "reject"], True),
        (["submit", "request_changes"], True),
    ],
)
def test_submit_transitions(setup, analyst, status_path, can_submit):
    ws, doc, (a, _b, _c) = setup
    for step in status_path:
        if step == "submit":
            as_(ws, analyst).submit(a)
        else:
            as_(ws, SAM).review(a, step, "because")
    as_(ws, analyst)
    if can_submit:
        ws.submit(a)
        assert ws.annotation(a).status == "submitted"
    else:
        with pytest.raises(ReviewError, match="only a draft or a returned one"):
            ws.submit(a)


def test_role_checks_live_in_the_core(setup, analyst):
    ws, doc, (a, b, _c) = setup
    ws.submit(a)
    with pytest.raises(PermissionDenied, match="Only a supervisor"):
        ws.review(a, "approve")
    as_(ws, BEN)
    with pytest.raises(PermissionDenied, match="Only a supervisor"):
        ws.review(a, "approve")
    with pytest.raises(PermissionDenied, match="belongs to Ada Analyst"):
        ws.submit(b)
    # a supervisor's own claim cannot be reviewed by themselves
    as_(ws, SAM)
    mine = ws.add_claim(doc.id, 0, 6, "supervisor's own").created
    ws.submit(mine)
    with pytest.raises(PermissionDenied, match="their own claim"):
        ws.review(mine, "approve")
    as_(ws, SUE)
    with pytest.raises(PermissionDenied, match="Only a supervisor"):
        ws.review(mine, "approve")  # asking for the role is not having it
    as_(ws, SAM).promote_analyst(SUE.id)
    as_(ws, SUE).review(mine, "approve")
    with pytest.raises(ReviewError, match="comment"):
        as_(ws, SAM).review(a, "reject")
    with pytest.raises(ReviewError, match="Decision"):
        ws.review(a, "maybe")
    assert ws.annotation(a).status == "submitted"


def test_queue_filters_and_order(setup, analyst):
    ws, doc, (a, b, c) = setup
    ws.submit(b)
    ws.submit(a)
    ws.submit_document(doc.id)  # only c is left in draft
    as_(ws, SAM)
    assert [x.id for x in ws.review_queue()] == [b, a, c]
    assert [x.id for x in ws.review_queue(tag="t0")] == [a]
    assert [x.id for x in ws.review_queue(analyst="Ada Analyst")] == [b, a, c]
    assert ws.review_queue(analyst="Ben Analyst") == []
    assert ws.review_queue(older_than_days=1) == []
    ws.review(b, "approve")
    assert [x.id for x in ws.review_queue(document=doc.id)] == [a, c]


def test_switching_analyst_is_recorded(setup, analyst):
    ws, _doc, _ids = setup
    as_(ws, SAM)
    as_(ws, analyst)
    rows = ws.db.execute(
        "SELECT action, change FROM audit WHERE action = 'switch analyst'"
    ).fetchall()
    assert len(rows) == 2 and "Sam Supervisor" in rows[0][1]
    roster = {r["name"]: r for r in ws.analysts()}
    assert roster["Sam Supervisor"]["role"] == "supervisor"
    assert len(roster["Ada Analyst"]["fingerprint"].split()) == 16
    assert ws.verify_audit().ok


def test_agreement_between_two_analysts_on_one_document(setup, analyst, capsys):
    ws, doc, (a, b, c) = setup  # Ada: three claims, all "likely", tags t0 t1 t2
    as_(ws, BEN)
    for phrase, likelihood, tag in (
        ("One claim here", "likely", "t0"),
        ("Another claim there", "unlikely", "t1"),
    ):
        s = doc.text.index(phrase)
        ws.add_claim(doc.id, s, s + len(phrase), phrase, likelihood=likelihood, tags=[tag])
    report = ws.agreement(doc.id)
    assert set(report.names.values()) == {"Ada Analyst", "Ben Analyst"}
    assert (report.units, report.shared_units) == (3, 2)
    assert report.single_share == pytest.approx(1 / 3)
    assert report.alpha_tags == pytest.approx(1.0)
    assert report.alpha_likelihood is not None and report.alpha_likelihood < 0.5
    pair = report.pair(analyst.id, BEN.id)
    assert pair.shared_units == 2
    pooled = ws.agreement()
    assert pooled.shared_units == 2
    from desktop.cli import main

    ws.close()
    assert main(["agreement", "-w", str(doc_path(setup)), "--doc", "Report"]) == 0
    out = capsys.readouterr().out
    assert "Ada Analyst × Ben Analyst" in out and "tags 1.000" in out
    assert "33% by one analyst only" in out


def doc_path(setup):
    return setup[0].path


def test_last_reviews_in_one_pass_match_one_by_one(setup, analyst):
    ws, doc, (a, b, c) = setup
    for x in (a, b, c):
        ws.submit(x)
    as_(ws, SAM).review(a, "request_changes", "first")
    ws.review(b, "reject", "no")
    as_(ws, analyst).submit(a)
    as_(ws, SAM).review(a, "approve")
    batch = ws.last_reviews([a, b, c])
    assert set(batch) == {a, b}
    assert batch[a] == ws.last_review(a) and batch[a].decision == "approve"
    assert batch[b].comment == "no"


def queue_ids(ws, **filters):
    """The queue's ids both ways: the ids alone and the full rows must agree."""
    ids = ws.review_queue_ids(**filters)
    assert [x.id for x in ws.review_queue(**filters)] == ids
    return ids


def test_queue_ids_follow_the_last_submission(setup, analyst):
    ws, doc, (a, b, c) = setup
    s = doc.text.index("A third one")
    note = ws.add_note(doc.id, s, s + 11, comment="worth a look", tags=["actor/state"]).created
    for x in (c, note, b, a):
        ws.submit(x)
    as_(ws, SAM)
    assert queue_ids(ws) == [c, note, b, a]  # notes wait too, in submission order
    ws.review(c, "request_changes", "cite it")
    as_(ws, analyst).submit(c)  # a second submission queues it again at the back
    assert queue_ids(ws) == [note, b, a, c]
    ws.db.execute(
        "UPDATE reviews SET created_at = '2020-01-01T00:00:00.000000Z'"
        " WHERE annotation_id = ? AND decision = 'submit'",
        [a],
    )
    assert queue_ids(ws) == [a, note, b, c]
    # a claim marked submitted without a submit step (an old workspace) waits since its update
    ws.db.execute("DELETE FROM reviews WHERE annotation_id = ?", [b])
    ws.db.execute(
        "UPDATE annotations SET updated_at = '2019-06-01T00:00:00.000000Z' WHERE id = ?", [b]
    )
    assert queue_ids(ws) == [b, a, note, c]


def test_queue_ids_filters(setup, analyst, tmp_path):
    ws, doc, (a, b, c) = setup
    write_texts(tmp_path / "in2", {"other.txt": "Other\n\nA claim in another report."})
    ws.import_paths([tmp_path / "in2"])
    other = ws.find_document("Other")
    s = other.text.index("A claim")
    d = ws.add_claim(other.id, s, s + 7, "elsewhere", tags=["actor/state"]).created
    ws.tag_annotation(a, ["actor"])
    for x in (b, a, d, c):
        ws.submit(x)
    as_(ws, BEN)
    s = doc.text.index("Another claim")
    e = ws.add_claim(doc.id, s, s + 13, "Ben's reading", tags=["t1"]).created
    ws.submit(e)
    as_(ws, SAM)
    assert queue_ids(ws) == [b, a, d, c, e]
    assert queue_ids(ws, analyst=analyst.id) == [b, a, d, c]
    assert queue_ids(ws, analyst="ben analyst") == [e]  # a name, in any case
    assert queue_ids(ws, analyst="Nobody") == []
    assert queue_ids(ws, tag="actor") == [a, d]  # a tag takes its children along
    assert queue_ids(ws, tag="actor/state") == [d]
    assert queue_ids(ws, tag="T1") == [b, e]
    assert queue_ids(ws, document=other.id) == [d]
    assert queue_ids(ws, document=doc.id, analyst=analyst.id, tag="t1") == [b]
    assert queue_ids(ws, older_than_days=1) == []
    ws.db.execute(
        "UPDATE reviews SET created_at = '2020-01-01T00:00:00.000000Z'"
        " WHERE annotation_id IN (?, ?)",
        [c, e],
    )
    assert queue_ids(ws, older_than_days=1) == [e, c]  # submitted together: newest claim first
    for x, stamp in ((c, "2020-01-01T00:00:00.000000Z"), (e, "2020-02-01T00:00:00.000000Z")):
        ws.db.execute("UPDATE reviews SET created_at = ? WHERE annotation_id = ?", [stamp, x])
    assert queue_ids(ws, older_than_days=1) == [c, e]
    assert queue_ids(ws, older_than_days=1, analyst="Ben Analyst") == [e]
    ws.review(a, "approve")
    as_(ws, analyst).delete_annotation(b)
    assert queue_ids(ws) == [c, e, d]  # decided and deleted claims leave the queue


def test_queue_choices_name_what_waits(setup, analyst, tmp_path):
    ws, doc, (a, b, c) = setup
    assert ws.review_queue_choices() == QueueChoices([], [], [])
    write_texts(tmp_path / "in2", {"other.txt": "Other\n\nA claim in another report."})
    ws.import_paths([tmp_path / "in2"])
    other = ws.find_document("Other")
    d = ws.add_claim(other.id, 0, 5, "elsewhere", tags=["actor/state"]).created
    for x in (a, d):
        ws.submit(x)
    as_(ws, BEN)
    e = ws.add_claim(doc.id, 0, 6, "Ben's", tags=["policy"]).created
    ws.submit(e)
    ws.add_claim(other.id, 0, 5, "Ben's draft", tags=["draft-only"])  # not submitted
    choices = as_(ws, SAM).review_queue_choices()
    assert choices.analysts == [("Ada Analyst", analyst.id), ("Ben Analyst", BEN.id)]
    assert choices.tags == ["actor", "actor/state", "policy", "t0"]
    assert choices.documents == [("Other", other.id), ("Report", doc.id)]
    ws.review(d, "approve")
    choices = ws.review_queue_choices()
    assert choices.tags == ["policy", "t0"] and choices.documents == [("Report", doc.id)]


def test_annotations_by_ids_loads_rows_with_tags(setup, analyst):
    ws, doc, (a, b, c) = setup
    ws.delete_annotation(c)
    unknown = [f"00000000-0000-4000-8000-{n:012d}" for n in range(1200)]  # several chunks
    rows = ws.annotations_by_ids([*unknown[:700], b, *unknown[700:], a, c])
    assert set(rows) == {a, b}  # unknown and deleted ids are left out
    assert rows[a] == ws.annotation(a) and rows[a].tags == ["t0"]
    assert rows[b].statement == "Another claim there" and rows[b].document_title == "Report"
    assert ws.annotations_by_ids([]) == {}
