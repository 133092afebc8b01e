"""Tradecraft checks: likelihood words against the rating, likelihood and confidence in one
sentence, judgements on weak or single sources; the Workspace method and `assay claim check`."""

from __future__ import annotations

import json

import pytest

from desktop.core.kernel import tradecraft as tc
from desktop.core.kernel.errors import NotFound


def codes(findings) -> list[str]:
    return [f.code for f in findings]


# -- (a) likelihood words that disagree with the rating ------------------------------------------

MISMATCHED = [
    ("A comparable tool is likely to emerge by 2027.", "almost_no_chance", "likely"),
    ("A comparable tool will probably emerge by 2027.", "very_unlikely", "probably"),
    ("A public exploit agent is probable before 2028.", "unlikely", "probable"),
    ("The chance of a rollback is remote.", "likely", "remote"),
    ("There is a remote possibility that the order was cancelled.", "likely", "remote possibility"),
    ("There is almost no chance the 70% target is met.", "roughly_even", "almost no chance"),
    ("Diversion is very likely to continue.", "likely", "very likely"),
    ("Diversion is highly probable through 2026.", "unlikely", "highly probable"),
    ("It is unlikely that controls slow cyber tools.", "likely", "unlikely"),
    ("Location checks are highly improbable to stop diversion.", "likely", "highly improbable"),
    ("Domestic chips are nearly certain to miss the target.", "likely", "nearly certain"),
    ("Shipments almost certainly doubled in 2025.", "unlikely", "almost certainly"),
    (
        "There is a roughly even chance the tool appears in 2026.",
        "very_likely",
        "roughly even chance",
    ),
    ("It is as likely as not that the rumour is true.", "almost_certain", "as likely as not"),
    ("An open agent is more likely than not within two years.", "unlikely", "more likely than not"),
    ("It is not likely that controls slow cyber tools.", "likely", "not likely"),
    ("Controls are not at all unlikely to be tightened.", "very_unlikely", "not at all unlikely"),
    ("Such a tool isn't very likely this year.", "very_likely", "isn't very likely"),
    ("Such a tool is LIKELY this year.", "almost_no_chance", "LIKELY"),
    ("Such a tool seems likely—soon.", "unlikely", "likely"),
]


@pytest.mark.parametrize(("text", "rated", "words"), MISMATCHED)
def test_a_likelihood_word_that_disagrees_with_the_rating_is_found(text, rated, words):
    findings = tc.likelihood_mismatch(text, rated)
    assert codes(findings) == [tc.MISMATCH]
    assert findings[0].words == (words,)
    assert words in findings[0].message
    assert tc.LIKELIHOOD_BY_KEY[rated].label in findings[0].message


AGREEING = [
    ("A comparable tool is likely to emerge by 2027.", "likely"),
    ("A comparable tool will probably emerge by 2027.", "likely"),
    ("It is unlikely that controls slow cyber tools.", "unlikely"),
    ("It is not likely that controls slow cyber tools.", "unlikely"),
    ("It is not likely that controls slow cyber tools.", "almost_no_chance"),
    ("Controls are not unlikely to be tightened.", "likely"),
    ("Such a tool isn't very likely this year.", "likely"),
    ("The chance of a rollback is remote.", "almost_no_chance"),
    ("An open agent is more likely than not within two years.", "roughly_even"),
    ("An open agent is more likely than not within two years.", "very_likely"),
    ("Diversion is very likely; interception is unlikely.", "very_likely"),
    ("Diversion is very likely; interception is unlikely.", "unlikely"),
    ("Shipments almost certainly doubled in 2025.", "almost_certain"),
]


@pytest.mark.parametrize(("text", "rated"), AGREEING)
def test_words_that_fit_the_rating_are_not_flagged(text, rated):
    assert tc.likelihood_mismatch(text, rated) == []


NOT_JUDGEMENTS = [
    "Remote access to rented compute is the largest gap.",  # "remote" as an adjective
    "Staff now work remote most weeks and reach the gateway remotely.",
    "Diversion is more likely than interception to supply the buyers.",  # a comparison
    "The most likely route is cloud rental.",
    "Diversion is less likely where checks are strict.",
    "How likely is it that the order was cancelled?",  # a question
    "Krell wrote that a tool will \u201cdefinitely\u201d and \u201cprobably\u201d appear.",
    'Dunmore said it was "very likely" by the end of the year.',  # the source's quoted words
    "The likelihood of diversion depends on enforcement.",  # not an ICD 203 term
    "Unlikelihood is not a word analysts use.",
    "ODIS published a patch likelihood dashboard.",
    "Shipments rose about 110% in 2025.",
    "",
]


@pytest.mark.parametrize("text", NOT_JUDGEMENTS)
@pytest.mark.parametrize("rated", ["almost_no_chance", "roughly_even", "almost_certain"])
def test_comparisons_questions_quotes_and_adjectives_are_not_likelihoods(text, rated):
    assert tc.likelihood_mismatch(text, rated) == []


def test_no_rating_or_an_unknown_one_gives_no_mismatch():
    assert tc.likelihood_mismatch("A tool is likely soon.", None) == []
    assert tc.likelihood_mismatch("A tool is likely soon.", "") == []
    assert tc.likelihood_mismatch("A tool is likely soon.", "perhaps") == []


def test_unlikely_is_not_read_as_likely():
    terms = tc.likelihood_terms("It is unlikely, and improbable, that a tool appears.")
    assert [(t.words, t.low, t.high) for t in terms] == [
        ("unlikely", 20, 45),
        ("improbable", 20, 45),
    ]


def test_each_disagreeing_term_is_reported_when_none_fits():
    findings = tc.likelihood_mismatch("A tool is likely; a ban is very likely.", "almost_no_chance")
    assert [f.words for f in findings] == [("likely",), ("very likely",)]


# -- (b) likelihood and confidence in one sentence ------------------------------------------------

ONE_SENTENCE = [
    ("We assess with high confidence that X is likely.", ("likely", "high confidence")),
    (
        "With moderate confidence, diversion is very likely to continue.",
        ("very likely", "moderate confidence"),
    ),
    ("X is likely (low confidence).", ("likely", "low confidence")),
    ("We are highly confident that X is almost certain.", ("almost certain", "highly confident")),
    (
        "It is unlikely, and our confidence is low, that X happens.",
        ("unlikely", "confidence is low"),
    ),
    ("We have high-confidence that a tool is probable.", ("probable", "high-confidence")),
    (
        "A tool is not likely this year, we say with moderate confidence.",
        ("not likely", "moderate confidence"),
    ),
]


@pytest.mark.parametrize(("text", "words"), ONE_SENTENCE)
def test_likelihood_and_confidence_in_one_sentence_are_found(text, words):
    findings = tc.likelihood_with_confidence(text)
    assert codes(findings) == [tc.ONE_SENTENCE]
    assert findings[0].words == words
    assert "ICD 203" in findings[0].message


APART = [
    "A tool is likely by 2027. We have high confidence in this judgement.",
    "A tool is likely by 2027! Our confidence is moderate.",
    "Diversion is very likely to continue.\n\nConfidence: moderate confidence, few sources.",
    "We have high confidence in the shortening itself.",  # confidence, no likelihood
    "A tool is likely by 2027.",  # likelihood, no confidence
    "Remote access is a gap we assess with high confidence.",  # "remote" is no likelihood
    'ODIS wrote "we assess with moderate confidence that it is likely"; we restate it apart.',
    "出货量可能翻倍。我们对此有中等把握。",
]


@pytest.mark.parametrize("text", APART)
def test_likelihood_and_confidence_apart_are_not_flagged(text):
    assert tc.likelihood_with_confidence(text) == []


def test_each_offending_sentence_is_a_finding_of_its_own():
    text = "With high confidence X is likely. Y is unlikely. With low confidence Z is probable."
    assert [f.words for f in tc.likelihood_with_confidence(text)] == [
        ("likely", "high confidence"),
        ("probable", "low confidence"),
    ]


def test_check_statement_reports_both_kinds():
    text = "We assess with high confidence that a tool is likely."
    assert codes(tc.check_statement(text, "very_unlikely")) == [tc.MISMATCH, tc.ONE_SENTENCE]
    assert tc.check_statement("A tool is likely. Confidence is high.", "likely") == []


# -- (c) the evidence of a judgement -------------------------------------------------------------


def test_evidence_only_from_weak_sources_is_found():
    findings = tc.check_evidence([("Sentinel Lattice", "D"), ("off-by-one", "E"), ("Wafer", None)])
    assert codes(findings) == [tc.WEAK_SOURCES]
    assert findings[0].words == ("Sentinel Lattice", "Wafer", "off-by-one")
    assert "D, E, F" in findings[0].message


def test_evidence_from_one_source_is_found_whatever_its_grade():
    findings = tc.check_evidence([("ODIS", "A"), ("odis ", "A")])
    assert codes(findings) == [tc.SINGLE_SOURCE]
    assert "all 2 claims" in findings[0].message.lower()
    one = tc.check_evidence([("Sentinel Lattice", "D")])
    assert codes(one) == [tc.WEAK_SOURCES, tc.SINGLE_SOURCE]
    assert one[1].message.startswith("The only claim comes from Sentinel Lattice")


@pytest.mark.parametrize(
    "sources",
    [
        [],
        [("ODIS", "A"), ("Sentinel Lattice", "D")],
        [("ODIS", "a"), ("Calder Centre", "b")],
        [("Sentinel Lattice", "D"), ("Harbourline News", "C")],
    ],
)
def test_evidence_with_a_better_source_or_two_sources_is_not_flagged(sources):
    assert tc.check_evidence(sources) == []


def test_unnamed_sources_count_as_one():
    assert codes(tc.check_evidence([(None, "B"), ("", "A")])) == [tc.SINGLE_SOURCE]


def test_check_judgement_combines_the_statement_and_the_evidence():
    findings = tc.check_judgement(
        "It is likely that a tool appears.", "unlikely", [("ODIS", "A"), ("ODIS", "A")]
    )
    assert codes(findings) == [tc.MISMATCH, tc.SINGLE_SOURCE]
    assert findings[0].as_dict()["words"] == ["likely"]


# -- through the Workspace and the CLI ------------------------------------------------------------


def _doc(ws, tmp_path):
    from tests.conftest import write_texts

    paths = write_texts(tmp_path / "in", {"a.txt": "The vendor says a tool is coming soon."})
    ws.import_paths(paths)
    return ws.list_documents()[0]["id"]


def test_workspace_tradecraft_reads_the_stored_claim(ws, tmp_path):
    doc = _doc(ws, tmp_path)
    bad = ws.add_claim(
        doc, 0, 10, "We assess with high confidence that a tool is likely.", likelihood="remote"
    ).created
    good = ws.add_claim(doc, 11, 20, "A tool is likely.", likelihood="likely").created
    note = ws.add_note(doc, 21, 30, comment="likely, with high confidence").created
    label = ws.undo_label()
    assert codes(ws.tradecraft(bad)) == [tc.MISMATCH, tc.ONE_SENTENCE]
    assert ws.tradecraft(bad[:8]) == ws.tradecraft(bad)
    assert ws.tradecraft(good) == [] and ws.tradecraft(note) == []
    assert ws.undo_label() == label  # a read, no undo step
    ws.edit_claim(bad, likelihood="likely", statement="A tool is likely. Confidence is high.")
    assert ws.tradecraft(bad) == []
    with pytest.raises(NotFound):
        ws.tradecraft("ffffffff-0000-4000-8000-000000000000")


def test_cli_claim_check_lists_findings(ws, tmp_path, capsys):
    from desktop.cli import main

    doc = _doc(ws, tmp_path)
    bad = ws.add_claim(doc, 0, 10, "A tool is likely soon.", likelihood="almost_no_chance").created
    ws.add_claim(doc, 11, 20, "A tool is likely soon.", likelihood="likely")
    ws.close()
    assert main(["--workspace", str(tmp_path / "ws"), "claim", "check"]) == 0
    out = capsys.readouterr().out
    assert (
        bad[:8] in out and "likelihood-mismatch" in out and "2 claim(s) checked, 1 finding" in out
    )
    assert main(["--workspace", str(tmp_path / "ws"), "claim", "check", bad[:8], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == [bad]
    assert data[0]["findings"][0]["code"] == tc.MISMATCH
    assert data[0]["findings"][0]["words"] == ["likely"]
    assert main(["--workspace", str(tmp_path / "ws"), "claim", "check", "0000dead"]) != 0
    assert "No annotation" in capsys.readouterr().err
