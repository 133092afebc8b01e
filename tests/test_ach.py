"""Analysis of competing hypotheses: the scoring (pure functions), the service's actions, bad
input, missing evidence and undo."""

from __future__ import annotations

import pytest

from desktop.core.kernel import ach
from desktop.core.kernel.errors import AchError, NotFound

from .store_digest import store_digest
from .test_exports_common import workspace_copy


# -- scoring, without a store ------------------------------------------------------------------
def test_inconsistency_counts_i_once_and_ii_twice_weighted():
    rows = [
        (1.0, {"h1": "I", "h2": "C"}),
        (0.5, {"h1": "II", "h2": "CC"}),
        (0.25, {"h1": "N", "h2": "I"}),
    ]
    s = ach.score(["h1", "h2"], rows)
    assert s.scores == {"h1": pytest.approx(2.0), "h2": pytest.approx(0.25)}
    assert s.ranking == ["h2", "h1"]  # least inconsistent first


def test_na_leaves_the_row_out_for_that_hypothesis_and_unrated_counts_nothing():
    s = ach.score(["h1", "h2", "h3"], [(1.0, {"h1": "NA", "h2": "II"})])
    assert s.scores == {"h1": 0.0, "h2": 2.0, "h3": 0.0}
    assert s.ranking == ["h1", "h3", "h2"]  # ties keep the column order


def test_rows_rating_every_hypothesis_alike_are_non_diagnostic():
    rows = [
        (1.0, {"a": "C", "b": "C", "c": "C"}),  # alike
        (1.0, {"a": "I", "b": "I", "c": "NA"}),  # alike where applicable
        (1.0, {"a": "C", "b": "I", "c": "C"}),  # tells them apart
        (1.0, {"a": "C", "b": "C"}),  # one cell unrated: not known to be alike
        (0.5, {"a": "CC", "b": "II", "c": "N"}),
    ]
    s = ach.score(["a", "b", "c"], rows)
    assert s.non_diagnostic == [True, True, False, False, False]
    assert s.diagnosticity == [0.0, 0.0, 1.0, 0.0, 1.0]


def test_weights_follow_reliability_and_credibility():
    assert ach.row_weight("A", 1) == 1.0
    assert ach.row_weight("E", 5) == pytest.approx(0.04)
    assert ach.row_weight("F", 6) == 0.25
    assert ach.row_weight(None, None) == 0.25  # unrated counts as "cannot be judged"
    assert ach.row_weight("B", 3) == pytest.approx(0.48)
    # a better-rated source weighs more, at every step of the scale
    order = [ach.RELIABILITY_WEIGHT[r] for r in "ABCDE"]
    assert order == sorted(order, reverse=True)


def test_sensitivity_lists_the_rows_that_decide_the_lead():
    rows = [
        (1.0, {"h1": "I", "h2": "C"}),  # against the leader: dropping it changes nothing
        (0.2, {"h1": "C", "h2": "C"}),  # changes nothing
        (1.0, {"h1": "C", "h2": "II"}),  # without it h2 leads
    ]
    found = ach.sensitive_rows(["h1", "h2"], rows)
    assert ach.score(["h1", "h2"], rows).ranking[0] == "h1"
    assert found == [(2, ["h1"], ["h2"])]
    ties = [(1.0, {"h1": "I"}), (0.5, {"h2": "II"}), (1.0, {"h2": "I"})]
    assert ach.sensitive_rows(["h1", "h2"], ties) == [
        (1, ["h1"], ["h1", "h2"]),
        (2, ["h1"], ["h1", "h2"]),
    ]


def test_check_rating_accepts_keys_and_refuses_the_rest():
    assert [ach.check_rating(k) for k in "123450"] == ["CC", "C", "N", "I", "II", "NA"]
    assert ach.check_rating("ii") == "II"
    assert ach.check_rating("-") is None
    with pytest.raises(AchError, match="Unknown rating"):
        ach.check_rating("maybe")


# -- the service -------------------------------------------------------------------------------
@pytest.fixture
def world(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    mid = ws.create_matrix("Who wrote the exploits?").created
    h1 = ws.add_hypothesis(mid, "A lab's agent").created
    h2 = ws.add_hypothesis(mid, "A state team").created
    h3 = ws.add_hypothesis(mid, "Hype").created
    ws.add_matrix_evidence(mid, [ids["c1"], ids["c2"], ids["c3"]])
    ids.update(m=mid, h1=h1, h2=h2, h3=h3)
    yield ws, ids
    ws.close()


def test_a_rated_matrix_scores_ranks_and_flags(world):
    ws, ids = world
    m, h1, h2, h3 = ids["m"], ids["h1"], ids["h2"], ids["h3"]
    for h, r in ((h1, "C"), (h2, "I"), (h3, "II")):
        ws.rate_cell(m, h, ids["c1"], r)  # C2 from reliability C: 0.6 × 0.8
    for h in (h1, h2, h3):
        ws.rate_cell(m, h, ids["c2"], "N")  # alike: non-diagnostic
    ws.rate_cell(m, h1, ids["c3"], "I")  # B3: 0.8 × 0.6
    mx = ws.matrix(m)
    assert [h.text for h in mx.hypotheses] == ["A lab's agent", "A state team", "Hype"]
    assert [r.annotation_id for r in mx.rows] == [ids["c1"], ids["c2"], ids["c3"]]
    assert mx.scores[h1] == pytest.approx(0.48)
    assert mx.scores[h2] == pytest.approx(0.48)
    assert mx.scores[h3] == pytest.approx(0.96)
    assert mx.ranking == [h1, h2, h3]
    assert [h.rank for h in mx.hypotheses] == [1, 1, 3]
    assert [r.non_diagnostic for r in mx.rows] == [False, True, False]
    assert mx.rows[0].claim.statement.startswith("An AI agent")
    assert mx.missing == []
    listed = ws.matrices()
    assert [(d["question"], d["hypotheses"], d["evidence"], d["missing"]) for d in listed] == [
        ("Who wrote the exploits?", 3, 3, 0)
    ]
    sens = ws.matrix_sensitivity(m)
    assert {s.annotation_id for s in sens} == {ids["c1"], ids["c3"]}
    assert all("the ranking changes" in s.message for s in sens)


def test_a_removed_claim_shows_as_missing_evidence_and_keeps_its_ratings(world):
    ws, ids = world
    ws.rate_cell(ids["m"], ids["h2"], ids["c2"], "II")
    ws.delete_annotation(ids["c2"])
    mx = ws.matrix(ids["m"])
    assert mx.missing == [ids["c2"]]
    row = next(r for r in mx.rows if r.annotation_id == ids["c2"])
    assert row.missing and row.label.startswith("missing evidence")
    assert row.cells == {ids["h2"]: "II"}  # kept
    assert mx.scores[ids["h2"]] == 0.0  # but not counted
    assert ws.matrices()[0]["missing"] == 1
    with pytest.raises(AchError, match="missing evidence"):
        ws.rate_cell(ids["m"], ids["h1"], ids["c2"], "C")
    ws.undo()  # the claim comes back, and with it the row's weight
    assert ws.matrix(ids["m"]).scores[ids["h2"]] > 0


def test_bad_input_is_refused_and_changes_nothing(world):
    ws, ids = world
    other = ws.create_matrix("Another question").created
    foreign = ws.add_hypothesis(other, "Elsewhere").created
    before = store_digest(ws)
    label = ws.undo_label()
    m = ids["m"]
    cases = [
        (lambda: ws.rate_cell(m, ids["h1"], ids["c1"], "maybe"), AchError, "Unknown rating"),
        (lambda: ws.rate_cell(m, foreign, ids["c1"], "C"), AchError, "another matrix"),
        (lambda: ws.rate_cell(m, ids["h1"], ids["c4"], "C"), AchError, "not evidence"),
        (lambda: ws.rate_cell("nope", ids["h1"], ids["c1"], "C"), NotFound, "No ACH matrix"),
        (lambda: ws.rate_cell(m, "nope", ids["c1"], "C"), NotFound, "No hypothesis"),
        (lambda: ws.add_matrix_evidence(m, [ids["n1"]]), AchError, "a note, not a claim"),
        (lambda: ws.add_matrix_evidence(m, [ids["c4"], "zzzz-no"]), NotFound, "No annotation"),
        (lambda: ws.add_matrix_evidence(m, []), AchError, "No claims given"),
        (lambda: ws.add_hypothesis(m, "   "), AchError, "cannot be empty"),
        (lambda: ws.create_matrix(""), AchError, "cannot be empty"),
        (lambda: ws.create_matrix("Q", marking="SECRET"), Exception, "Marking must be"),
        (lambda: ws.remove_matrix_evidence(m, ids["c4"]), AchError, "not evidence"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    assert store_digest(ws) == before
    assert ws.undo_label() == label


def test_each_write_is_one_undo_step(world):
    ws, ids = world
    m = ids["m"]
    ws.rate_cell(m, ids["h1"], ids["c1"], "II")
    assert ws.undo_label() == "Rate II"
    ws.rate_cell(m, ids["h1"], ids["c1"], "II")  # the same again: no step
    ws.undo()
    assert ids["h1"] not in ws.matrix(m).rows[0].cells
    ws.remove_hypothesis(ids["h3"])
    assert [h.id for h in ws.matrix(m).hypotheses] == [ids["h1"], ids["h2"]]
    ws.undo()
    assert len(ws.matrix(m).hypotheses) == 3
    ws.remove_matrix_evidence(m, ids["c2"][:8])  # an id prefix will do
    assert ids["c2"] not in [r.annotation_id for r in ws.matrix(m).rows]
    assert ws.add_matrix_evidence(m, [ids["c1"]]).matrices == set()  # already there: nothing
    ws.add_matrix_evidence(m, [ids["c2"]])  # back, at the end
    assert ws.matrix(m).rows[-1].annotation_id == ids["c2"]
    ws.rename_matrix(m, "Who built the agent?")
    ws.edit_hypothesis(ids["h3"], "Marketing")
    assert ws.matrix(m).question == "Who built the agent?"
    ws.delete_matrix(m)
    assert ws.matrices() == []
    ws.undo()
    assert ws.matrix(m).hypotheses[2].text == "Marketing"


def test_clearing_a_cell(world):
    ws, ids = world
    ws.rate_cell(ids["m"], ids["h1"], ids["c1"], "I")
    ch = ws.rate_cell(ids["m"], ids["h1"], ids["c1"], None)
    assert ch.matrices == {ids["m"]}
    assert ws.matrix(ids["m"]).rows[0].cells == {}
    ws.rate_cell(ids["m"], ids["h1"], ids["c1"], "NA")
    assert ws.matrix(ids["m"]).rows[0].cells == {ids["h1"]: "NA"}
