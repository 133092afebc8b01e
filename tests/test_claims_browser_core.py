"""The claims browser's core: every live note and claim filtered and ordered by SQL, and the
choices its filters offer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from desktop.core.kernel.errors import AnnotationError
from desktop.core.kernel.profile import Profile
from desktop.core.kernel.records import AnnotationChoices

from .conftest import write_texts

BEN = Profile(
    id="55555555-5555-4555-8555-555555555555", name="Ben Analyst", role="analyst", configured=True
)
CY = Profile(
    id="66666666-6666-4666-8666-666666666666", name="Cy Contractor", role="analyst", configured=True
)
SAM = Profile(
    id="33333333-3333-4333-8333-333333333333",
    name="Sam Supervisor",
    role="supervisor",
    configured=True,
)

TEXTS = {
    "a.txt": "Alpha report\n\nVendor agents exploit bugs within hours. Ransomware crews will "
    "adopt the tooling. Patch cycles stay at weeks.",
    "b.txt": "Bravo brief\n\nExport controls push a domestic toolchain. Roughly 50% of the "
    "budget goes to compilers. The Größe of the programme is unclear.",
    "c.txt": "Charlie memo\n\nThe ministry figure is unsourced. Supply chains route through "
    "third countries.",
    "d.txt": "Delta rumour\n\nA comparable tool will definitely emerge next year.",
}


def span(doc, phrase: str) -> tuple[int, int]:
    start = doc.text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def marks(ws, tmp_path, analyst):
    """Ada's and Ben's notes and claims on three documents (the fourth document, with Ada's
    and Cy's claims on it, is removed). Names say what each one is."""
    write_texts(tmp_path / "in", TEXTS)
    ws.import_paths([tmp_path / "in"])
    a, b, c, d = (
        ws.find_document(t) for t in ("Alpha report", "Bravo brief", "Charlie memo", "Delta rumour")
    )
    m = SimpleNamespace(docs=SimpleNamespace(a=a, b=b, c=c, d=d))
    m.exploit = ws.add_claim(
        a.id,
        *span(a, "Vendor agents exploit bugs within hours"),
        "Exploit tools OUTPACE patching",
        credibility=2,
        likelihood="likely",
        confidence="moderate",
        tags=["capability/exploit", "actor/state"],
    ).created
    m.export = ws.add_claim(
        b.id,
        *span(b, "Export controls push a domestic toolchain"),
        "Export controls drive domestic tools",
        credibility=4,
        likelihood="very_likely",
        tags=["policy/export-controls"],
    ).created
    m.ministry = ws.add_note(
        c.id,
        *span(c, "The ministry figure is unsourced"),
        comment="Check the Ministry figure",
        tags=["capability"],
    ).created
    m.supply = ws.add_claim(
        c.id,
        *span(c, "Supply chains route through third countries"),
        "Supply chains are indirect",
        tags=["supply chain"],
    ).created
    m.rumour = ws.add_claim(
        d.id,
        *span(d, "A comparable tool will definitely emerge"),
        "A tool will emerge",
        likelihood="likely",
        tags=["capability/exploit", "only/removed"],
    ).created
    ws.switch_analyst(BEN)
    m.ransom = ws.add_claim(
        a.id,
        *span(a, "Ransomware crews will adopt the tooling"),
        "Ransomware groups will adopt it",
        credibility=3,
        likelihood="likely",
        tags=["capability/ransomware"],
    ).created
    m.budget = ws.add_note(
        b.id,
        *span(b, "Roughly 50% of the budget goes to compilers"),
        comment="GRÖSSE und ÜBER alles",
    ).created
    ws.submit(m.ransom)
    ws.switch_analyst(CY)
    m.cy = ws.add_claim(
        d.id,
        *span(d, "definitely emerge next year"),
        "Next year",
        likelihood="almost_certain",
        tags=["only/removed"],
    ).created
    ws.switch_analyst(analyst)
    ws.submit(m.exploit)
    ws.switch_analyst(SAM)
    ws.review(m.exploit, "approve")
    ws.remove_document(d.id)
    ws.switch_analyst(analyst)
    m.created = [m.exploit, m.export, m.ministry, m.supply, m.ransom, m.budget]  # in that order
    return m


def test_all_live_notes_and_claims_and_none_of_a_removed_document(ws, marks):
    ids = ws.annotation_ids()
    assert sorted(ids) == sorted(marks.created)
    assert marks.rumour not in ids and marks.cy not in ids
    # a claim a bundle brings in for the removed document is live itself: the document hides it
    with ws.db.conn:
        ws.db.execute("UPDATE annotations SET deleted = 0 WHERE id = ?", [marks.cy])
    assert sorted(ws.annotation_ids()) == sorted(marks.created)
    assert ws.annotation_ids(analyst=CY.id, likelihood="almost_certain") == []
    assert CY.id not in [i for _name, i in ws.annotation_choices().analysts]


def test_filter_by_kind(ws, marks):
    assert set(ws.annotation_ids(kind="note")) == {marks.ministry, marks.budget}
    assert set(ws.annotation_ids(kind="claim")) == {
        marks.exploit,
        marks.export,
        marks.supply,
        marks.ransom,
    }
    with pytest.raises(AnnotationError, match="Kind"):
        ws.annotation_ids(kind="quote")


def test_filter_by_status(ws, marks):
    assert ws.annotation_ids(status="approved") == [marks.exploit]
    assert ws.annotation_ids(status="submitted") == [marks.ransom]
    assert set(ws.annotation_ids(status="draft")) == {
        marks.export,
        marks.ministry,
        marks.supply,
        marks.budget,
    }
    assert ws.annotation_ids(status="rejected") == []
    with pytest.raises(AnnotationError, match="Status"):
        ws.annotation_ids(status="done")


def test_filter_by_analyst_name_or_id(ws, marks, analyst):
    bens = {marks.ransom, marks.budget}
    assert set(ws.annotation_ids(analyst="ben analyst")) == bens
    assert set(ws.annotation_ids(analyst=BEN.id)) == bens
    assert set(ws.annotation_ids(analyst=analyst.id)) == set(marks.created) - bens
    assert ws.annotation_ids(analyst=CY.id) == []  # Cy's only claim was on the removed document
    assert ws.annotation_ids(analyst="Nobody") == []


def test_filter_by_tag_matches_its_children(ws, marks):
    assert set(ws.annotation_ids(tag="Capability")) == {marks.exploit, marks.ministry, marks.ransom}
    assert ws.annotation_ids(tag="capability/exploit") == [marks.exploit]
    assert ws.annotation_ids(tag="policy") == [marks.export]
    assert ws.annotation_ids(tag="capa") == []  # a prefix of a name is not a parent
    assert ws.annotation_ids(tag="only/removed") == []


def test_filter_by_likelihood_accepts_the_words_analysts_use(ws, marks):
    assert set(ws.annotation_ids(likelihood="likely")) == {marks.exploit, marks.ransom}
    assert set(ws.annotation_ids(likelihood="probable")) == {marks.exploit, marks.ransom}
    assert ws.annotation_ids(likelihood="very likely") == [marks.export]
    assert ws.annotation_ids(likelihood="almost_certain") == []  # Cy's, on the removed document


def test_filter_by_text_in_statement_quote_or_comment_ignoring_case(ws, marks):
    assert ws.annotation_ids(text="outpace") == [marks.exploit]  # statement
    assert ws.annotation_ids(text="  third COUNTRIES ") == [marks.supply]  # quote
    assert ws.annotation_ids(text="ministry figure") == [marks.ministry]  # quote and comment
    assert ws.annotation_ids(text="über") == [marks.budget]  # non-ASCII case folds too
    assert ws.annotation_ids(text="größe") == [marks.budget]  # ß casefolds to ss: GRÖSSE
    assert ws.annotation_ids(text="50%") == [marks.budget]
    assert ws.annotation_ids(text="0%o") == []  # % and _ are literal, not wildcards
    assert ws.annotation_ids(text="a_t") == []
    assert ws.annotation_ids(text="definitely") == []  # only the removed document says it
    assert len(ws.annotation_ids(text="   ")) == len(marks.created)


def test_filters_combine(ws, marks):
    assert set(ws.annotation_ids(tag="capability", likelihood="likely")) == {
        marks.exploit,
        marks.ransom,
    }
    assert ws.annotation_ids(tag="capability", likelihood="likely", status="approved") == [
        marks.exploit
    ]
    assert ws.annotation_ids(tag="capability", kind="note", text="MINISTRY") == [marks.ministry]
    assert (
        ws.annotation_ids(
            tag="capability", likelihood="likely", analyst="Ben Analyst", status="approved"
        )
        == []
    )


def rows(ws, ids):
    found = ws.annotations_by_ids(ids)
    return [found[i] for i in ids]


def test_order_by_updated_and_created(ws, marks):
    newest_first = ws.annotation_ids()
    # the approval came last, then Ben's submission; every other row in reverse creation order
    assert newest_first[:2] == [marks.exploit, marks.ransom]
    assert newest_first[2:] == [
        i for i in reversed(marks.created) if i not in (marks.exploit, marks.ransom)
    ]
    assert ws.annotation_ids(descending=False) == newest_first[::-1]
    stamps = [a.updated_at for a in rows(ws, newest_first)]
    assert stamps == sorted(stamps, reverse=True)
    assert ws.annotation_ids(order="created") == marks.created[::-1]
    assert ws.annotation_ids(order="created", descending=False) == marks.created


def test_order_by_document_title_then_reading_order(ws, marks):
    by_document = ws.annotation_ids(order="document", descending=False)
    assert by_document == [
        marks.exploit,
        marks.ransom,
        marks.export,
        marks.budget,
        marks.ministry,
        marks.supply,
    ]
    assert ws.annotation_ids(order="document") == by_document[::-1]


def test_order_by_status_in_workflow_order(ws, marks):
    statuses = [a.status for a in rows(ws, ws.annotation_ids(order="status", descending=False))]
    assert statuses == ["draft"] * 4 + ["submitted", "approved"]
    ids = ws.annotation_ids(order="status")
    assert ids[:2] == [marks.exploit, marks.ransom]
    assert ids[2:] == sorted(
        [marks.export, marks.ministry, marks.supply, marks.budget], reverse=True
    )  # ties by id


def test_order_by_likelihood_on_the_scale_unrated_last(ws, marks):
    unrated = sorted([marks.ministry, marks.supply, marks.budget])
    likely = sorted([marks.exploit, marks.ransom])
    assert ws.annotation_ids(order="likelihood", descending=False) == [
        *likely,
        marks.export,
        *unrated,
    ]
    assert ws.annotation_ids(order="likelihood") == [marks.export, *likely[::-1], *unrated[::-1]]


def test_order_by_credibility_unrated_last(ws, marks):
    unrated = sorted([marks.ministry, marks.supply, marks.budget])
    assert ws.annotation_ids(order="credibility", descending=False) == [
        marks.exploit,
        marks.ransom,
        marks.export,
        *unrated,
    ]
    assert ws.annotation_ids(order="credibility") == [
        marks.export,
        marks.ransom,
        marks.exploit,
        *unrated[::-1],
    ]


def test_order_by_analyst_name(ws, marks):
    ids = ws.annotation_ids(order="analyst", descending=False)
    assert [a.analyst for a in rows(ws, ids)] == ["Ada Analyst"] * 4 + ["Ben Analyst"] * 2
    assert ids[:4] == sorted(ids[:4]) and ids[4:] == sorted(ids[4:])
    assert ws.annotation_ids(order="analyst") == ids[::-1]


def test_an_unknown_order_is_refused(ws, marks):
    with pytest.raises(AnnotationError, match="Cannot sort by 'title'"):
        ws.annotation_ids(order="title")


def test_choices_hold_what_live_annotations_use(ws, marks, analyst):
    choices = ws.annotation_choices()
    assert isinstance(choices, AnnotationChoices)
    assert choices.analysts == [("Ada Analyst", analyst.id), ("Ben Analyst", BEN.id)]
    assert choices.tags == [
        "actor",
        "actor/state",
        "capability",
        "capability/exploit",
        "capability/ransomware",
        "policy",
        "policy/export-controls",
        "supply chain",
    ]
    assert choices.statuses == ["draft", "submitted", "approved"]


def test_choices_of_an_empty_workspace(ws):
    assert ws.annotation_choices() == AnnotationChoices(analysts=[], tags=[], statuses=[])
    assert ws.annotation_ids() == []
