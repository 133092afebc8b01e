"""Tradecraft checks over plain values: likelihood words that disagree with the rating, likelihood
and confidence in one sentence (ICD 203 standard 2b), judgements resting on weak or single sources.

The checks advise and never refuse anything: they read a statement and its ratings and return
findings for the claim editor, the review queue and `assay claim check` to show."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .scales import LIKELIHOOD, LIKELIHOOD_BY_KEY

MISMATCH = "likelihood-mismatch"
ONE_SENTENCE = "likelihood-with-confidence"
WEAK_SOURCES = "weak-sources"
SINGLE_SOURCE = "single-source"
CODES = {
    MISMATCH: "a likelihood word in the text disagrees with the rated likelihood",
    ONE_SENTENCE: "likelihood and confidence in one sentence (ICD 203 standard 2b)",
    WEAK_SOURCES: "the evidence comes only from sources rated D, E or F",
    SINGLE_SOURCE: "all the evidence comes from one source",
}
WEAK_RELIABILITY = ("D", "E", "F")


@dataclass(frozen=True)
class Finding:
    """One tradecraft finding: a code from CODES, a short message, the words that caused it."""

    code: str
    message: str
    words: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "words": list(self.words)}


@dataclass(frozen=True)
class Term:
    """A likelihood expression found in a text, with the percent range it states."""

    words: str  # as written, with its negation ("isn't very likely")
    start: int
    end: int
    low: int
    high: int

    def allows(self, key: str) -> bool:
        """Whether the ICD 203 term KEY fits what the words say (the bands overlap)."""
        x = LIKELIHOOD_BY_KEY[key]
        return self.low < x.high and x.low < self.high

    @property
    def meaning(self) -> str:
        for x in LIKELIHOOD:
            if (x.low, x.high) == (self.low, self.high):
                return f"{x.label} ({x.low}–{x.high} %)"
        if self.low <= 1:
            return f"below {self.high} %"
        if self.high >= 99:
            return f"above {self.low} %"
        return f"{self.low}–{self.high} %"

    @property
    def says_anything(self) -> bool:
        return (self.low, self.high) != (1, 99)


# -- finding likelihood words -------------------------------------------------------------------

_BAND = {x.key: (x.low, x.high) for x in LIKELIHOOD}
_WORD_END = r"(?![\w-])"
# longer phrases first: "very likely" is one term, not "very" and "likely"
_PHRASES: list[tuple[str, tuple[int, int]]] = [
    (r"more likely than not", (50, 99)),
    (r"less likely than not", (1, 50)),
    (r"as likely as not", _BAND["roughly_even"]),
    (r"roughly even (?:chance|odds)", _BAND["roughly_even"]),
    (r"even (?:chance|odds)", _BAND["roughly_even"]),
    (r"roughly even", _BAND["roughly_even"]),
    (r"fifty[- ]fifty", _BAND["roughly_even"]),
    (r"(?:almost|virtually) no chance", _BAND["almost_no_chance"]),
    (
        r"remote (?:chance|possibility|prospect|likelihood|probability)",
        _BAND["almost_no_chance"],
    ),
    (r"extremely (?:unlikely|improbable)", (1, 20)),
    (r"(?:very|highly) (?:unlikely|improbable)", _BAND["very_unlikely"]),
    (r"(?:very|highly) (?:likely|probable|probably)", _BAND["very_likely"]),
    (r"(?:almost|nearly|virtually) certain(?:ly)?", _BAND["almost_certain"]),
    (r"unlikely|improbable|improbably", _BAND["unlikely"]),
    (r"likely|probable|probably", _BAND["likely"]),
]
_PHRASE_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<t{n}>{p})" for n, (p, _) in enumerate(_PHRASES)) + r")" + _WORD_END,
    re.IGNORECASE,
)
# "remote" on its own is a likelihood only as a predicate ("the chance is remote"), never in
# "remote access" or "remote work"
_REMOTE_RE = re.compile(
    r"\b(?:is|are|was|were|be|remains?|seems?|appears?|looks?)\s+(?:(?:very|extremely|now)\s+)?"
    r"(?P<w>remote)\b(?=\s*(?:$|[.,;:!?)\]]|(?:that|but|and|given|because|at\s+best)\b))",
    re.IGNORECASE,
)
# comparisons and questions state no probability: "more likely", "how likely is it"
_NOT_A_JUDGEMENT = {"more", "most", "less", "least", "equally", "as", "how", "likelier"}
_NEGATORS = {"not", "never", "hardly", "scarcely", "no", "cannot"}
# words that may stand between a negation and the likelihood word: "not at all likely"
_FILLERS = {
    "be",
    "is",
    "are",
    "was",
    "were",
    "been",
    "being",
    "seem",
    "seems",
    "seemed",
    "appear",
    "appears",
    "appeared",
    "look",
    "looks",
    "looked",
    "so",
    "that",
    "all",
    "at",
    "particularly",
    "especially",
    "terribly",
    "too",
    "really",
    "now",
    "yet",
    "still",
    "considered",
    "judged",
    "thought",
    "deemed",
}
_WORD_BEFORE = re.compile(r"([A-Za-z’']+)\W*$")
# the source's own words, quoted, are not the analyst's judgement
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|«[^»]*»|「[^」]*」|『[^』]*』")


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTED.finditer(text)]


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _negation_before(text: str, start: int) -> int | None:
    """Where a negation of the words at START begins ("not", "isn't", "never"…), or None."""
    pos, words = start, 0
    while words < 4:
        m = _WORD_BEFORE.search(text, max(0, pos - 60), pos)
        if m is None:
            return None
        word = m.group(1).lower().replace("’", "'")
        if word in _NEGATORS or word.endswith("n't"):
            return m.start(1)
        if word not in _FILLERS:
            return None
        pos, words = m.start(1), words + 1
    return None


def _previous_word(text: str, start: int) -> str:
    m = _WORD_BEFORE.search(text, max(0, start - 60), start)
    return m.group(1).lower() if m else ""


def likelihood_terms(text: str) -> list[Term]:
    """The likelihood expressions of TEXT outside quotation marks, in order, each with the
    percent range it states (a negation turns "likely" into "below 55 %"). Comparisons
    ("more likely than B") and questions ("how likely") are not expressions of likelihood."""
    text = text or ""
    quoted = _quoted_spans(text)
    found: list[tuple[int, int, tuple[int, int]]] = []
    for m in _PHRASE_RE.finditer(text):
        n = int(m.lastgroup[1:])
        start, end = m.span()
        bare = n >= len(_PHRASES) - 2  # the one-word terms
        if bare and _previous_word(text, start) in _NOT_A_JUDGEMENT:
            continue
        found.append((start, end, _PHRASES[n][1]))
    for m in _REMOTE_RE.finditer(text):
        start, end = m.span("w")
        if not any(a <= start < b for a, b, _ in found):
            found.append((start, end, _BAND["almost_no_chance"]))
    terms = []
    for start, end, (low, high) in sorted(found):
        if _inside(quoted, start, end):
            continue
        neg = _negation_before(text, start)
        if neg is not None:
            if (low, high) == _BAND["roughly_even"]:
                low, high = 1, 99  # "not an even chance" says only that it is not balanced
            elif high > 50:
                low, high = 1, low
            else:
                low, high = high, 99
            start = neg
        terms.append(Term(text[start:end], start, end, low, high))
    return terms


# -- confidence words and sentences ------------------------------------------------------------

_CONFIDENCE_RE = re.compile(
    r"\b(?:(?:high|moderate|medium|low|limited|some|little|great|full|reasonable)[- ]confidence"
    r"|confidence\s+(?:is|was|remains|level\s+is)\s+(?:high|moderate|medium|low)"
    r"|(?:(?:highly|fairly|very|quite|reasonably|moderately|not)\s+)?confident)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[^a-z])|(?<=[。！？])|\n\s*\n")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of TEXT: split after . ! ? before a capital (or any
    non-lower-case start), after Chinese full stops, and at blank lines."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def confidence_words(text: str) -> list[tuple[int, int, str]]:
    """Expressions of analytic confidence outside quotation marks: (start, end, words)."""
    quoted = _quoted_spans(text)
    return [
        (m.start(), m.end(), m.group(0))
        for m in _CONFIDENCE_RE.finditer(text or "")
        if not _inside(quoted, m.start(), m.end())
    ]


# -- the checks ----------------------------------------------------------------------------------


def likelihood_mismatch(text: str, likelihood: str | None) -> list[Finding]:
    """Likelihood words in TEXT that disagree with the rated LIKELIHOOD (an ICD 203 key).

    When the text states several likelihoods and one of them fits the rating, the text is taken
    to hold the rated judgement beside others ("X is likely, though Y is unlikely"): no finding.
    Unrated or unknown likelihoods give no finding either."""
    rated = LIKELIHOOD_BY_KEY.get(likelihood or "")
    if rated is None:
        return []
    terms = [t for t in likelihood_terms(text) if t.says_anything]
    if not terms or any(t.allows(rated.key) for t in terms):
        return []
    rating = f"{rated.label} ({rated.low}–{rated.high} %)"
    return [
        Finding(MISMATCH, f"“{t.words}” says {t.meaning}, but the rating is {rating}.", (t.words,))
        for t in terms
    ]


def likelihood_with_confidence(text: str) -> list[Finding]:
    """Sentences of TEXT that express both a likelihood and a confidence ("We assess with high
    confidence that X is likely"): ICD 203 standard 2b keeps them in separate sentences."""
    text = text or ""
    terms, confidence = likelihood_terms(text), confidence_words(text)
    findings = []
    for start, end in sentences(text):
        here = [t.words for t in terms if start <= t.start < end]
        sure = [w for a, _, w in confidence if start <= a < end]
        if here and sure:
            findings.append(
                Finding(
                    ONE_SENTENCE,
                    f"“{here[0]}” and “{sure[0]}” are in one sentence; ICD 203 asks for the "
                    "likelihood and the confidence in separate sentences.",
                    (here[0], sure[0]),
                )
            )
    return findings


def check_statement(text: str, likelihood: str | None) -> list[Finding]:
    """Every finding about a claim's (or a judgement's) statement and its rated likelihood."""
    return likelihood_mismatch(text, likelihood) + likelihood_with_confidence(text)


def check_evidence(sources: Iterable[tuple[str | None, str | None]]) -> list[Finding]:
    """Findings about the evidence a judgement rests on. SOURCES holds one (source name,
    Admiralty reliability) pair per claim; a missing reliability counts as F (cannot be judged)
    and a missing name as one unnamed source. No evidence, no finding: a judgement without
    claims is reported as missing evidence by its owner, not here."""
    items = [((name or "").strip(), (rel or "F").strip().upper() or "F") for name, rel in sources]
    if not items:
        return []
    findings = []
    grades = sorted({rel for _, rel in items})
    if all(rel in WEAK_RELIABILITY for rel in grades):
        names = tuple(sorted({name or "unnamed source" for name, _ in items}))
        findings.append(
            Finding(
                WEAK_SOURCES,
                f"Rests only on sources rated {', '.join(grades)} (not usually reliable or "
                "worse); look for a better-graded source, or say so in the judgement.",
                names,
            )
        )
    distinct = {name.casefold() for name, _ in items}
    if len(distinct) == 1:
        name = items[0][0] or "one unnamed source"
        count = "the only claim comes" if len(items) == 1 else f"all {len(items)} claims come"
        findings.append(
            Finding(
                SINGLE_SOURCE,
                f"{count[0].upper()}{count[1:]} from {name}; look for independent corroboration.",
                (name,),
            )
        )
    return findings


def check_judgement(
    text: str, likelihood: str | None, sources: Iterable[tuple[str | None, str | None]]
) -> list[Finding]:
    """A judgement's findings: its statement against its likelihood, then its evidence."""
    return check_statement(text, likelihood) + check_evidence(sources)
