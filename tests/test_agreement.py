"""Inter-analyst agreement: Krippendorff's alpha against published values and an oracle, span
matching, per-document, per-pair and workspace reports. Pure Python, no Qt, no workspace."""

from __future__ import annotations

import itertools
import math

import krippendorff  # test-only oracle (dev dependency): imported directly so it can never skip
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.kernel import scales
from desktop.core.kernel.records import Annotation
from desktop.core.services.agreement import (
    AgreementReport,
    credibility_value,
    document_agreement,
    krippendorff_alpha,
    likelihood_value,
    match_spans,
    span_overlap,
    tag_value,
    workspace_agreement,
)

_ids = itertools.count()


def ann(
    analyst: str,
    start: int,
    end: int,
    *,
    doc: str = "doc-1",
    tags: list[str] | None = None,
    credibility: int | None = None,
    likelihood: str | None = None,
    kind: str = "claim",
) -> Annotation:
    return Annotation(
        id=f"ann-{next(_ids):04d}",
        document_id=doc,
        start=start,
        end=end,
        quote="",
        prefix="",
        suffix="",
        kind=kind,
        comment="",
        status="submitted",
        created_by=analyst,
        created_at="2024-01-01T00:00:00Z",
        updated_at="2024-01-01T00:00:00Z",
        analyst=analyst.capitalize(),
        credibility=credibility,
        likelihood=likelihood,
        tags=list(tags or []),
    )


# -- published reference values ----------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, values 1–5, missing data. Published: nominal .743, ordinal .815, interval .849,
# ratio .797.
_ = None
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],  # observer A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],  # observer B
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],  # observer C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],  # observer D
]
PUBLISHED_C = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Same paper, section A: binary data, two observers, ten units, no missing data: alpha = .095.
KRIPPENDORFF_2011_A = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


@pytest.mark.parametrize("level", sorted(PUBLISHED_C))
def test_published_example_with_missing_values(level):
    alpha = krippendorff_alpha(KRIPPENDORFF_2011_C, level)
    assert alpha is not None
    assert round(alpha, 3) == PUBLISHED_C[level]


def test_published_binary_two_observer_example():
    assert round(krippendorff_alpha(KRIPPENDORFF_2011_A, "nominal"), 3) == 0.095


def test_published_example_coders_and_units_may_be_reordered():
    rows = [list(reversed(r)) for r in reversed(KRIPPENDORFF_2011_C)]
    for level in PUBLISHED_C:
        assert krippendorff_alpha(rows, level) == pytest.approx(
            krippendorff_alpha(KRIPPENDORFF_2011_C, level), abs=1e-12
        )


# -- the `krippendorff` package as an oracle ---------------------------------------------------


def _oracle(data, level) -> float | None:
    arr = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    try:
        value = krippendorff.alpha(reliability_data=arr, level_of_measurement=level)
    except ValueError:  # "There has to be more than one value in the domain."
        return None
    return None if math.isnan(value) else float(value)


def _matrices(values):
    """2–5 coders × 1–12 units; about a quarter of the cells missing."""
    cell = st.sampled_from([None, *values] if len(values) < 4 else [None, None, *values])

    @st.composite
    def matrix(draw):
        coders, units = draw(st.integers(2, 5)), draw(st.integers(1, 12))
        flat = draw(st.lists(cell, min_size=coders * units, max_size=coders * units))
        return [flat[i * units : (i + 1) * units] for i in range(coders)]

    return matrix()


# Fixed seed and no example database: the same examples on every run, nothing written to disk.
ORACLE_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)
ORACLE_VALUES = {
    "nominal": [1, 2, 3, 4, 7],
    "ordinal": [1, 2, 3, 4, 5, 6],
    "interval": [-3, -1, 0, 0.5, 2, 2.5, 10],
    "ratio": [0.5, 1, 2, 3, 5, 8],
}


def _check_against_oracle(level, data):
    ours = krippendorff_alpha(data, level)
    theirs = _oracle(data, level)
    if theirs is None:
        assert ours is None
    else:
        assert ours is not None
        assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-9), (ours, theirs)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the oracle divides 0/0 when undefined
@pytest.mark.parametrize("level", sorted(ORACLE_VALUES))
def test_matches_krippendorff_package_on_random_matrices(level):
    @ORACLE_SETTINGS
    @given(_matrices(ORACLE_VALUES[level]))
    def check(data):
        _check_against_oracle(level, data)

    check()
    # The published example through the oracle too, so the two sources of truth agree.
    _check_against_oracle(level, KRIPPENDORFF_2011_C)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@ORACLE_SETTINGS
@given(_matrices(list(range(len(scales.LIKELIHOOD)))))
def test_ordinal_with_explicit_order_matches_oracle_on_ranks(ranks):
    keys = [x.key for x in scales.LIKELIHOOD]
    labelled = [[None if r is None else keys[r] for r in row] for row in ranks]
    ours = krippendorff_alpha(labelled, "ordinal", order=keys)
    theirs = _oracle(ranks, "ordinal")
    if theirs is None:
        assert ours is None
    else:
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-9)


# -- alpha edge cases --------------------------------------------------------------------------


def test_one_coder_or_nothing_pairable_is_undefined():
    assert krippendorff_alpha([[1, 2, 3]]) is None
    assert krippendorff_alpha([]) is None
    assert krippendorff_alpha([[1, None], [None, 2]]) is None  # no unit holds two values


def test_all_agree_on_a_single_category_is_undefined_not_one():
    # Documented rule: no variation → alpha undefined → None (the UI shows "n/a").
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha([[3, 3, 3], [3, 3, 3]], level) is None
    # Variation only among unpairable values still leaves the pairable ones without variation.
    assert krippendorff_alpha([[3, 3, 1], [3, 3, None]]) is None


def test_perfect_agreement_over_several_categories_is_one():
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha([[1, 2, 3, None], [1, 2, 3, 4]], level) == pytest.approx(1.0)


def test_systematic_disagreement_is_negative():
    assert krippendorff_alpha([[1, 2, 1, 2], [2, 1, 2, 1]]) < 0


def test_nan_counts_as_missing():
    with_nan = [[1.0, 2.0, math.nan], [1.0, 3.0, 2.0]]
    with_none = [[1.0, 2.0, None], [1.0, 3.0, 2.0]]
    assert krippendorff_alpha(with_nan, "interval") == krippendorff_alpha(with_none, "interval")


def test_ordinal_uses_given_order_not_alphabetical():
    keys = [x.key for x in scales.LIKELIHOOD]
    data = [
        ["likely", "unlikely", "almost_certain", "very_unlikely"],
        ["very_likely", "unlikely", "almost_certain", "almost_no_chance"],
    ]
    ranked = [[keys.index(v) for v in row] for row in data]
    by_order = krippendorff_alpha(data, "ordinal", order=keys)
    assert by_order == pytest.approx(krippendorff_alpha(ranked, "ordinal"), abs=1e-12)
    assert by_order != pytest.approx(krippendorff_alpha(data, "ordinal"))  # alphabetical differs
    # Interval with `order` puts the categories on equally spaced positions.
    assert krippendorff_alpha(data, "interval", order=keys) == pytest.approx(
        krippendorff_alpha(ranked, "interval"), abs=1e-12
    )


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")
    with pytest.raises(ValueError, match="one entry per unit"):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError, match="not one of the ordered"):
        krippendorff_alpha([["likely"], ["probable"]], "ordinal", order=["likely", "unlikely"])
    with pytest.raises(ValueError, match="twice"):
        krippendorff_alpha([[1], [1]], "ordinal", order=[1, 1])
    with pytest.raises(ValueError, match="numbers"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], "interval")
    with pytest.raises(ValueError, match="order"):
        krippendorff_alpha([[1, 2], [1, 2]], "ratio", order=[1, 2])
    with pytest.raises(ValueError, match="negative"):
        krippendorff_alpha([[1, -2], [1, 2]], "ratio")
    with pytest.raises(ValueError, match="explicit"):
        krippendorff_alpha([[1, "a"], [1, "a"]], "ordinal")


# -- span matching -----------------------------------------------------------------------------


def _groups(units):
    return [sorted(a.id for a in u.by_analyst.values()) for u in units]


def test_overlap_is_measured_against_the_shorter_span():
    assert span_overlap(ann("a", 0, 100), ann("b", 10, 30)) == 1.0  # contained (Jaccard: 0.2)
    assert span_overlap(ann("a", 0, 100), ann("b", 60, 160)) == pytest.approx(0.4)
    assert span_overlap(ann("a", 0, 10), ann("b", 10, 20)) == 0.0  # touching is not overlapping
    assert span_overlap(ann("a", 5, 5), ann("b", 0, 10)) == 1.0  # empty span inside the other


@pytest.mark.parametrize(
    ("min_overlap", "matched"), [(0.3, True), (0.4, True), (0.41, False), (0.5, False)]
)
def test_overlap_threshold(min_overlap, matched):
    a, b = ann("a", 0, 100), ann("b", 60, 160)  # 40 shared characters of a 100-character span
    units = match_spans([a, b], min_overlap=min_overlap)
    assert len(units) == (1 if matched else 2)
    if matched:
        assert (units[0].start, units[0].end) == (0, 160)
        assert units[0].by_analyst == {"a": a, "b": b}


def test_contained_span_matches_and_disjoint_spans_never_do():
    units = match_spans([ann("a", 0, 200), ann("b", 50, 80)])
    assert len(units) == 1 and units[0].shared
    assert len(match_spans([ann("a", 0, 10), ann("b", 10, 20)], min_overlap=0)) == 2


def test_analyst_with_two_overlapping_spans_contributes_the_best_one():
    a = ann("a", 0, 100)
    b_whole = ann("b", 0, 100)
    b_part = ann("b", 10, 60)  # also 100 % of its own length inside `a`: more shared text wins
    units = match_spans([b_part, a, b_whole])
    assert _groups(units) == [sorted([a.id, b_whole.id]), [b_part.id]]

    c_far = ann("c", 40, 140)  # 0.6 overlap
    c_near = ann("c", 10, 110)  # 0.9 overlap: the better one
    units = match_spans([c_far, ann("d", 0, 100), c_near])
    paired = [u for u in units if u.shared]
    assert len(paired) == 1 and paired[0].by_analyst["c"] is c_near
    assert len(units) == 2


def test_same_analyst_is_never_matched_with_themselves():
    units = match_spans([ann("a", 0, 10), ann("a", 0, 10)])
    assert len(units) == 2 and not any(u.shared for u in units)


def test_units_use_complete_linkage():
    # a–b and b–c each overlap by half, a–c not at all: no unit may hold both a and c.
    a, b, c = ann("a", 0, 100), ann("b", 50, 150), ann("c", 100, 200)
    units = match_spans([a, b, c])
    assert len(units) == 2
    assert not any({"a", "c"} <= set(u.by_analyst) for u in units)


def test_three_analysts_on_one_statement_form_one_unit():
    units = match_spans([ann("a", 10, 90), ann("b", 0, 100), ann("c", 20, 95)])
    assert len(units) == 1
    assert units[0].analysts == ["a", "b", "c"]
    assert (units[0].start, units[0].end) == (0, 100)


def test_documents_are_matched_separately_and_threshold_checked():
    units = match_spans([ann("a", 0, 10, doc="d1"), ann("b", 0, 10, doc="d2")])
    assert [u.document_id for u in units] == ["d1", "d2"]
    with pytest.raises(ValueError):
        match_spans([], min_overlap=1.5)


# -- values compared ---------------------------------------------------------------------------


def test_values_compared():
    tagged = ann("a", 0, 1, tags=["capability/exploit", "actor/state", "actor/criminal"])
    assert tag_value(tagged) == "actor, capability"
    assert tag_value(ann("a", 0, 1)) is None
    assert credibility_value(ann("a", 0, 1, credibility=2)) == 2
    assert credibility_value(ann("a", 0, 1)) is None
    assert likelihood_value(ann("a", 0, 1, likelihood="likely")) == "likely"
    assert likelihood_value(ann("a", 0, 1)) is None


# -- reports -----------------------------------------------------------------------------------


def _three_analysts() -> list[Annotation]:
    """a and b agree on everything; c disagrees on ratings and marks an extra span."""
    out = []
    specs = [  # (start, end, tags, credibility, likelihood) per statement
        (0, 50, ["actor/state"], 2, "likely"),
        (100, 180, ["capability/exploit"], 3, "unlikely"),
        (200, 260, ["policy/export controls", "actor/state"], 1, "almost_certain"),
    ]
    for start, end, tags, cred, lik in specs:
        out.append(ann("a", start, end, tags=tags, credibility=cred, likelihood=lik))
        out.append(ann("b", start + 2, end - 2, tags=tags, credibility=cred, likelihood=lik))
    out.append(ann("c", 0, 50, tags=["capability/exploit"], credibility=5, likelihood="unlikely"))
    out.append(ann("c", 100, 180, tags=["actor/state"], credibility=1, likelihood="likely"))
    out.append(ann("c", 300, 320, tags=["actor/state"], credibility=4))
    return out


def test_document_report_team_figures():
    report = document_agreement(_three_analysts())
    assert isinstance(report, AgreementReport)
    assert report.analysts == ["a", "b", "c"]
    assert report.names == {"a": "A", "b": "B", "c": "C"}
    assert report.documents == 1
    assert report.units == 4 and report.shared_units == 3
    assert report.single_share == pytest.approx(1 / 4)
    # Same figures as the hand-built reliability matrices (rows a, b, c; shared units only).
    tags = [
        ["actor", "capability", "actor, policy"],
        ["actor", "capability", "actor, policy"],
        ["capability", "actor", None],
    ]
    cred = [[2, 3, 1], [2, 3, 1], [5, 1, None]]
    lik = [["likely", "unlikely", "almost_certain"]] * 2 + [["unlikely", "likely", None]]
    order = [x.key for x in scales.LIKELIHOOD]
    assert report.alpha_tags == pytest.approx(krippendorff_alpha(tags))
    assert report.alpha_credibility == pytest.approx(
        krippendorff_alpha(cred, "ordinal", order=range(1, 7))
    )
    assert report.alpha_likelihood == pytest.approx(krippendorff_alpha(lik, "ordinal", order=order))
    assert report.alpha_tags < 1


def test_per_pair_figures():
    report = document_agreement(_three_analysts())
    assert set(report.pairs) == {("a", "b"), ("a", "c"), ("b", "c")}
    ab = report.pair("b", "a")
    assert ab is report.pairs["a", "b"]
    assert (ab.units, ab.shared_units, ab.single_share) == (3, 3, 0.0)
    assert ab.alpha_tags == ab.alpha_credibility == ab.alpha_likelihood == pytest.approx(1.0)
    ac = report.pairs["a", "c"]
    assert (ac.units, ac.shared_units) == (4, 2)
    assert ac.single_share == pytest.approx(2 / 4)
    assert ac.alpha_tags < 0 and ac.alpha_credibility < 0 and ac.alpha_likelihood < 0
    assert ac.alpha_tags == pytest.approx(
        krippendorff_alpha([["actor", "capability"], ["capability", "actor"]])
    )


def test_pairs_are_matched_without_the_other_analysts():
    # Together, a's and c's identical-looking spans join first and b (which overlaps c by only a
    # sixth) is left alone; between just a and b the spans match.
    a, b, c = ann("a", 0, 100, credibility=2), ann("b", 50, 150, credibility=2), ann("c", 0, 60)
    report = document_agreement([a, b, c])
    assert report.units == 2 and report.shared_units == 1
    assert report.pairs["a", "b"].shared_units == 1
    assert report.pairs["a", "b"].single_share == 0.0


def test_one_analyst_gives_no_alphas():
    anns = [ann("a", 0, 10, tags=["x"], credibility=1), ann("a", 20, 30, tags=["y"], credibility=3)]
    report = document_agreement(anns)
    assert report.analysts == ["a"] and report.pairs == {}
    assert report.documents == 1 and report.shared_documents == 0
    assert report.units == 0 and report.single_share is None  # nobody to agree with: n/a
    assert report.alpha_tags is report.alpha_credibility is report.alpha_likelihood is None
    report = document_agreement(anns, co_annotated_only=False)
    assert report.units == 2 and report.shared_units == 0 and report.single_share == 1.0
    assert report.alpha_tags is report.alpha_credibility is report.alpha_likelihood is None


def test_empty_document():
    report = document_agreement([])
    assert report.analysts == [] and report.units == 0 and report.single_share is None
    assert report.pairs == {}
    assert report.alpha_tags is None and report.documents == 0


def test_everything_identical_is_undefined_but_identical_variety_is_one():
    same = [ann(x, 0, 10, tags=["actor/state"], credibility=2, likelihood="likely") for x in "ab"]
    report = document_agreement(same)
    assert report.shared_units == 1 and report.single_share == 0.0
    assert report.alpha_tags is report.alpha_credibility is report.alpha_likelihood is None

    varied = same + [
        ann(x, 50, 60, tags=["policy"], credibility=4, likelihood="unlikely") for x in "ab"
    ]
    report = document_agreement(varied)
    assert report.alpha_tags == report.alpha_credibility == report.alpha_likelihood == 1.0


def test_missing_ratings_are_missing_values_not_a_category():
    anns = [
        ann("a", 0, 10, credibility=2, likelihood="likely", tags=["actor"]),
        ann("b", 0, 10, credibility=2, likelihood="likely", tags=["actor"]),
        ann("a", 50, 60, credibility=4, likelihood="unlikely", tags=["policy"]),
        ann("b", 50, 60, kind="note"),  # a note: unrated and untagged
    ]
    report = document_agreement(anns)
    assert report.shared_units == 2
    # Only the first unit is pairable and it holds one category: undefined, not "disagreement".
    assert report.alpha_tags is report.alpha_credibility is report.alpha_likelihood is None
    anns.append(ann("a", 80, 90, credibility=1, likelihood="almost_certain", tags=["capability"]))
    anns.append(ann("b", 80, 90, credibility=1, likelihood="almost_certain", tags=["capability"]))
    report = document_agreement(anns)
    assert report.alpha_tags == report.alpha_credibility == report.alpha_likelihood == 1.0


def test_analysts_argument_restricts_and_orders_the_report():
    anns = _three_analysts()
    report = document_agreement(anns, analysts=["b", "a"])
    assert report.analysts == ["b", "a"] and list(report.pairs) == [("b", "a")]
    assert report.units == 3 and report.single_share == 0.0
    assert report.alpha_tags == pytest.approx(1.0)
    # An analyst who marked nothing still gets (empty) pair figures.
    report = document_agreement(anns, analysts=["a", "zed"])
    assert report.names == {"a": "A", "zed": "zed"}
    pair = report.pairs["a", "zed"]
    assert (pair.documents, pair.shared_documents, pair.units) == (1, 0, 0)
    assert pair.single_share is None and pair.alpha_tags is None


def test_workspace_pools_units_across_documents():
    doc1 = [ann(x, 0, 10, doc="d1", credibility=2, tags=["actor"]) for x in "ab"]
    doc2 = [ann(x, 0, 10, doc="d2", credibility=5, tags=["policy"]) for x in "ab"]
    doc3 = [ann("a", 0, 10, doc="d3", credibility=1), ann("c", 500, 510, doc="d3")]
    doc4 = [ann("b", 0, 10, doc="d4", credibility=6)]  # worked by b alone
    alone = [document_agreement(d) for d in (doc1, doc2)]
    assert all(r.alpha_credibility is None for r in alone)  # each alone: a single category
    report = workspace_agreement({"d1": doc1, "d2": doc2, "d3": doc3, "d4": doc4})
    assert report.analysts == ["a", "b", "c"]
    assert report.documents == 4 and report.shared_documents == 3
    assert report.units == 4 and report.shared_units == 2  # d4 left out: nobody else read it
    assert report.single_share == pytest.approx(2 / 4)
    assert report.alpha_credibility == report.alpha_tags == 1.0  # pooled: variety, full agreement
    assert report.alpha_likelihood is None
    ab, ac, bc = report.pairs["a", "b"], report.pairs["a", "c"], report.pairs["b", "c"]
    assert (ab.documents, ab.shared_documents, ab.units, ab.single_share) == (4, 2, 2, 0.0)
    assert ab.alpha_credibility == 1.0
    assert (ac.documents, ac.shared_documents, ac.units, ac.single_share) == (3, 1, 2, 1.0)
    assert (bc.documents, bc.shared_documents, bc.units, bc.single_share) == (4, 0, 0, None)

    everything = workspace_agreement(
        {"d1": doc1, "d2": doc2, "d3": doc3, "d4": doc4}, co_annotated_only=False
    )
    assert everything.units == 5 and everything.single_share == pytest.approx(3 / 5)
    assert everything.alpha_credibility == report.alpha_credibility  # alphas never change
    assert everything.pairs["b", "c"].units == 4


def test_workspace_pooling_equals_the_concatenated_matrix():
    docs = {
        "d1": [ann("a", 0, 10, doc="d1", credibility=1), ann("b", 0, 10, doc="d1", credibility=2)],
        "d2": [ann("a", 0, 10, doc="d2", credibility=5), ann("b", 2, 9, doc="d2", credibility=6)],
        "d3": [ann("a", 0, 10, doc="d3", credibility=3), ann("b", 1, 10, doc="d3", credibility=3)],
    }
    report = workspace_agreement(docs)
    expected = krippendorff_alpha([[1, 5, 3], [2, 6, 3]], "ordinal", order=range(1, 7))
    assert report.alpha_credibility == pytest.approx(expected)
    assert report.pairs["a", "b"].alpha_credibility == pytest.approx(expected)
