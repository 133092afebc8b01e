"""Inter-analyst agreement: Krippendorff's alpha, span matching, per-document and team reports.

Supervisors ask two questions of analysts who worked the same documents:

* **Do they mark the same statements?** Annotations of one document from different analysts are
  matched into *units* (see `match_spans`); `single_share` is the share of units that only one
  analyst marked, counted by default on documents at least two of them annotated. Marking is
  reported as this plain share, not as a unitizing alpha.
* **When they mark the same statement, do they rate and tag it alike?** For units marked by at
  least two analysts, Krippendorff's alpha is computed for the tags (nominal), the Admiralty
  credibility (ordinal over 1–6) and the ICD 203 likelihood (ordinal in `scales.LIKELIHOOD` order).

Alpha is implemented here from its coincidence-matrix definition (Krippendorff, "Computing
Krippendorff's Alpha-Reliability", 2011), in pure Python. It is *undefined* — and returned as
None, for the caller to show "n/a" — when fewer than two pairable values exist or when all pairable
values fall in one category (no variation, so no expected disagreement: even perfect agreement on a
single category says nothing about reliability). Perfect agreement over two or more categories
gives 1.0.

No Qt here: the module runs headless from the CLI and from plain pytest.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from numbers import Real
from typing import TYPE_CHECKING

from ..kernel import queries, scales
from ..kernel.service import Service

if TYPE_CHECKING:
    from ..kernel.records import Annotation

LEVELS = ("nominal", "ordinal", "interval", "ratio")
CREDIBILITY_ORDER = tuple(sorted(scales.CREDIBILITY))  # 1 … 6
LIKELIHOOD_ORDER = tuple(x.key for x in scales.LIKELIHOOD)  # almost_no_chance … almost_certain
TAG_SEPARATOR = ", "


# -- Krippendorff's alpha ----------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def krippendorff_alpha(
    data: Sequence[Sequence[object | None]],
    level: str = "nominal",
    *,
    order: Sequence[Hashable] | None = None,
) -> float | None:
    """Krippendorff's alpha for a reliability matrix: one row per coder, one column per unit.

    `None` (or a float NaN) is a missing value. `level` is "nominal", "ordinal", "interval" or
    "ratio". For "ordinal" the categories are ranked by `order` when given (e.g. the ICD 203
    likelihood keys, which do not sort alphabetically) and otherwise by sorting the observed values;
    every value must then appear in `order`. For "interval", `order` (if given) replaces each value
    by its position in `order`; otherwise values must be real numbers, as they must for "ratio"
    (non-negative there).

    Returns None when alpha is undefined: fewer than two pairable values (no unit holds two or more
    values) or no variation among the pairable values (expected disagreement is zero).
    Raises ValueError for an unknown level, ragged rows, values outside `order`, ordinal values that
    do not sort (without `order`), or non-numeric interval/ratio data.
    """
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}; use one of: {', '.join(LEVELS)}.")
    if order is not None and level not in ("ordinal", "interval"):
        raise ValueError("`order` applies to ordinal and interval data only.")
    rows = [list(r) for r in data]
    if not rows:
        return None
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise ValueError("Every coder's row must have one entry per unit (use None for missing).")

    rank: dict[Hashable, int] | None = None
    if order is not None:
        rank = {}
        for i, cat in enumerate(order):
            if cat in rank:
                raise ValueError(f"Category {cat!r} appears twice in `order`.")
            rank[cat] = i
        for r in rows:
            for v in r:
                if not _missing(v) and v not in rank:
                    raise ValueError(
                        f"Value {v!r} is not one of the ordered categories {list(order)!r}."
                    )
    if level in ("interval", "ratio") and rank is None:
        for r in rows:
            for v in r:
                if _missing(v):
                    continue
                if isinstance(v, bool) or not isinstance(v, Real):
                    raise ValueError(f"{level.capitalize()} data must be numbers, not {v!r}.")
                if level == "ratio" and v < 0:
                    raise ValueError(f"Ratio data cannot be negative, not {v!r}.")

    # Coincidence matrix: within each unit with m >= 2 values, every ordered pair of values from
    # different coders adds 1 / (m - 1) to o[c, k]. Units with fewer than two values are unpairable.
    o: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for j in range(width):
        values = [r[j] for r in rows if not _missing(r[j])]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    o[c, k] += pairs / (m - 1)
    marginals: dict[Hashable, float] = defaultdict(float)
    for (c, _k), w in o.items():
        marginals[c] += w
    n = sum(marginals.values())
    if n < 2 or len(marginals) < 2:
        return None  # nothing pairable, or no variation: alpha is undefined

    if level == "nominal":
        # delta = 1 for every pair of different categories.
        observed = n - sum(o.get((c, c), 0.0) for c in marginals)
        expected = (n * n - sum(v * v for v in marginals.values())) / (n - 1)
    else:
        delta2 = _delta2(level, marginals, rank)
        cats = list(marginals)
        observed = sum(w * delta2(c, k) for (c, k), w in o.items())
        expected = sum(marginals[c] * marginals[k] * delta2(c, k) for c in cats for k in cats) / (
            n - 1
        )
    if expected <= 0:
        return None
    return 1.0 - observed / expected


def _delta2(
    level: str, marginals: dict[Hashable, float], rank: dict[Hashable, int] | None
) -> Callable[[Hashable, Hashable], float]:
    """The squared difference function for a level of measurement."""
    if level == "ordinal":
        if rank is not None:
            cats = sorted(rank, key=rank.__getitem__)
        else:
            try:
                cats = sorted(marginals)  # type: ignore[type-var]
            except TypeError as e:
                raise ValueError("Ordinal values that do not sort need an explicit `order`.") from e
        position = {c: i for i, c in enumerate(cats)}
        cumulative = []  # cumulative[i] = sum of n_g for the categories ranked 0 … i
        total = 0.0
        for c in cats:
            total += marginals.get(c, 0.0)
            cumulative.append(total)

        def ordinal(c: Hashable, k: Hashable) -> float:
            i, j = sorted((position[c], position[k]))
            between = cumulative[j] - (cumulative[i - 1] if i else 0.0)
            d = between - (marginals[c] + marginals[k]) / 2
            return d * d

        return ordinal

    def number(v: Hashable) -> float:
        return float(rank[v]) if rank is not None else float(v)  # type: ignore[arg-type]

    if level == "interval":
        return lambda c, k: (number(c) - number(k)) ** 2

    def ratio(c: Hashable, k: Hashable) -> float:
        a, b = number(c), number(k)
        return ((a - b) / (a + b)) ** 2 if a + b else 0.0

    return ratio


# -- span matching -----------------------------------------------------------------------------


@dataclass
class Unit:
    """One stretch of text that one or more analysts marked: at most one annotation per analyst."""

    document_id: str
    start: int  # min start of the member annotations
    end: int  # max end
    by_analyst: dict[str, Annotation] = field(default_factory=dict)  # created_by → annotation

    @property
    def analysts(self) -> list[str]:
        return sorted(self.by_analyst)

    @property
    def shared(self) -> bool:
        return len(self.by_analyst) >= 2


def span_overlap(a: Annotation, b: Annotation) -> float:
    """Overlap of two spans as a share of the shorter one (0 … 1).

    Overlap-of-shorter rather than Jaccard: an analyst who marks just the key sentence and one
    who marks the whole paragraph around it have marked the same statement. A zero-length span
    counts as fully overlapped when it lies inside (or at an edge of) the other span.
    """
    shorter = min(a.end - a.start, b.end - b.start)
    if shorter <= 0:
        point, other = (a, b) if a.end - a.start <= 0 else (b, a)
        return 1.0 if other.start <= point.start <= other.end else 0.0
    inter = min(a.end, b.end) - max(a.start, b.start)
    return max(0, inter) / shorter


def match_spans(annotations: Iterable[Annotation], min_overlap: float = 0.5) -> list[Unit]:
    """Group annotations from different analysts (`created_by`) into units.

    Two annotations match when their spans overlap by at least `min_overlap` of the shorter span
    (`span_overlap`; some overlap is always required, also with `min_overlap=0`). Units are built
    greedily from the best matching pairs down (ties go to the pair sharing more characters, then
    the closer boundaries): a pair joins two units only if the result still holds at most one
    annotation per analyst and *every* pair of annotations in it matches (complete linkage, so a
    unit cannot drift along a chain of partly overlapping spans). An analyst's other annotations
    that overlap the same unit stay units of their own. Annotations of the same analyst are never
    matched to each other.

    Meant for one document; annotations of several documents are matched per `document_id`.
    Units come back ordered by document, start and end.
    """
    if not 0 <= min_overlap <= 1:
        raise ValueError(f"min_overlap must be between 0 and 1, not {min_overlap!r}.")
    by_doc: dict[str, list[Annotation]] = defaultdict(list)
    for a in annotations:
        by_doc[a.document_id].append(a)
    units: list[Unit] = []
    for doc_id in sorted(by_doc):
        units.extend(_match_document(doc_id, by_doc[doc_id], min_overlap))
    return units


def _match_document(doc_id: str, anns: list[Annotation], min_overlap: float) -> list[Unit]:
    anns = sorted(anns, key=lambda a: (a.start, a.end, a.created_by, a.id))
    score: dict[tuple[int, int], float] = {}
    candidates = []
    for i, a in enumerate(anns):
        for j in range(i + 1, len(anns)):
            b = anns[j]
            if b.start > a.end:
                break  # sorted by start: no later annotation reaches back to `a`
            if a.created_by == b.created_by:
                continue
            s = span_overlap(a, b)
            if s <= 0 or s < min_overlap:
                continue
            score[i, j] = s
            shared_chars = min(a.end, b.end) - max(a.start, b.start)
            drift = abs(a.start - b.start) + abs(a.end - b.end)
            candidates.append((-s, -shared_chars, drift, a.id, b.id, i, j))
    candidates.sort()

    members: dict[int, list[int]] = {i: [i] for i in range(len(anns))}  # root → member indexes
    root = list(range(len(anns)))

    def matches(x: int, y: int) -> bool:
        return (min(x, y), max(x, y)) in score

    for *_key, i, j in candidates:
        ri, rj = root[i], root[j]
        if ri == rj:
            continue
        left, right = members[ri], members[rj]
        if {anns[x].created_by for x in left} & {anns[y].created_by for y in right}:
            continue
        if not all(matches(x, y) for x in left for y in right):
            continue
        left.extend(right)
        for y in right:
            root[y] = ri
        del members[rj]

    units = []
    for group in members.values():
        ms = [anns[x] for x in group]
        units.append(
            Unit(
                document_id=doc_id,
                start=min(a.start for a in ms),
                end=max(a.end for a in ms),
                by_analyst={a.created_by: a for a in sorted(ms, key=lambda a: a.created_by)},
            )
        )
    units.sort(key=lambda u: (u.start, u.end, u.analysts))
    return units


# -- values compared ---------------------------------------------------------------------------


def tag_value(a: Annotation) -> str | None:
    """The annotation's top-level tags as one nominal value: sorted, de-duplicated, joined.

    'actor/state', 'capability/exploit' and 'actor/criminal' → 'actor, capability'. Comparing the
    whole top-level set (rather than the first tag) means two analysts agree only when they put the
    statement under the same headings; sub-tags are too fine-grained to agree on by chance.
    An untagged annotation is a missing value, not a category.
    """
    tops = sorted({t.split("/")[0].strip().casefold() for t in a.tags if t and t.strip()})
    tops = [t for t in tops if t]
    return TAG_SEPARATOR.join(tops) if tops else None


def credibility_value(a: Annotation) -> int | None:
    """Admiralty credibility 1–6, or None when unrated (6 "cannot be judged" is ranked last)."""
    return scales.check_credibility(a.credibility)


def likelihood_value(a: Annotation) -> str | None:
    """ICD 203 likelihood key, or None when unrated."""
    return scales.check_likelihood(a.likelihood)


# -- reports -----------------------------------------------------------------------------------


@dataclass
class PairAgreement:
    """Agreement between two analysts, from units matched between just the two of them."""

    a: str
    b: str
    documents: int  # documents either of the two annotated
    shared_documents: int  # documents both annotated
    units: int  # units either of the two marked (see `co_annotated_only`)
    shared_units: int  # units both marked
    single_share: float | None  # share of `units` marked by one of the two only; None if no units
    alpha_tags: float | None
    alpha_credibility: float | None
    alpha_likelihood: float | None


@dataclass
class AgreementReport:
    """Team agreement on one document or pooled over a workspace (see module docstring)."""

    analysts: list[str]  # analyst ids (created_by), in report order
    names: dict[str, str]  # analyst id → display name (the id when unknown)
    documents: int  # documents with at least one annotation by the analysts
    shared_documents: int  # documents annotated by two or more of them
    units: int  # units on the shared documents (on all documents with co_annotated_only=False)
    shared_units: int  # units marked by two or more analysts: the ones alpha is computed on
    single_share: float | None  # share of `units` marked by one analyst only; None if no units
    alpha_tags: float | None
    alpha_credibility: float | None
    alpha_likelihood: float | None
    pairs: dict[tuple[str, str], PairAgreement]  # keyed in `analysts` order: (earlier, later)

    def pair(self, a: str, b: str) -> PairAgreement | None:
        """The figures for two analysts, whichever order they are given in."""
        return self.pairs.get((a, b)) or self.pairs.get((b, a))


def document_agreement(
    annotations: Iterable[Annotation],
    analysts: Sequence[str] | None = None,
    *,
    min_overlap: float = 0.5,
    co_annotated_only: bool = True,
) -> AgreementReport:
    """Agreement among the analysts who annotated one document.

    `analysts` limits the report to those analyst ids (their order is kept); by default every
    analyst with an annotation here, ordered by display name. Annotations of other analysts are
    left out before matching. Per-pair figures re-match the two analysts' annotations on their own,
    so a third analyst's marks cannot change how two analysts' spans pair up.

    `co_annotated_only` (default): units, shared units and `single_share` count only documents
    that at least two of the analysts in question annotated (for a pair: both). Nothing records
    who was assigned which document, so a document only one analyst marked is read as "the other
    did not work it", not as "the other found nothing to mark"; otherwise one analyst working a
    document alone would look like disagreement. Alphas are unaffected either way (units marked by
    one analyst hold one value and are never pairable). Pass False to count every document.
    """
    return _report(list(annotations), analysts, min_overlap, co_annotated_only)


def workspace_agreement(
    annotations_by_document: dict[str, list[Annotation]],
    analysts: Sequence[str] | None = None,
    *,
    min_overlap: float = 0.5,
    co_annotated_only: bool = True,
) -> AgreementReport:
    """Agreement pooled over documents: units of every document are the columns of one matrix.

    One figure for the team and one per pair; each document weighs in by its number of units.
    Arguments as for `document_agreement`. Annotations are matched per `document_id`.
    """
    flat = [a for anns in annotations_by_document.values() for a in anns]
    return _report(flat, analysts, min_overlap, co_annotated_only)


def _report(
    annotations: list[Annotation],
    analysts: Sequence[str] | None,
    min_overlap: float,
    co_annotated_only: bool,
) -> AgreementReport:
    names: dict[str, str] = {}
    for a in annotations:
        if not names.get(a.created_by):
            names[a.created_by] = a.analyst
    if analysts is None:
        ids = sorted(names, key=lambda x: ((names[x] or x).casefold(), x))
    else:
        ids = list(dict.fromkeys(analysts))
    names = {x: names.get(x) or x for x in ids}
    chosen = set(ids)
    by_doc: dict[str, list[Annotation]] = defaultdict(list)
    for a in annotations:
        if a.created_by in chosen:
            by_doc[a.document_id].append(a)

    def units_for(members: set[str]) -> tuple[int, int, list[Unit]]:
        documents = shared_documents = 0
        units: list[Unit] = []
        for doc_id in sorted(by_doc):
            anns = [a for a in by_doc[doc_id] if a.created_by in members]
            if not anns:
                continue
            documents += 1
            if len({a.created_by for a in anns}) >= 2:
                shared_documents += 1
            elif co_annotated_only:
                continue
            units.extend(match_spans(anns, min_overlap))
        return documents, shared_documents, units

    documents, shared_documents, units = units_for(chosen)
    tags, cred, lik = _alphas(units, ids)
    pairs = {}
    for a, b in combinations(ids, 2):
        p_docs, p_shared_docs, p_units = units_for({a, b})
        p_tags, p_cred, p_lik = _alphas(p_units, [a, b])
        pairs[a, b] = PairAgreement(
            a=a,
            b=b,
            documents=p_docs,
            shared_documents=p_shared_docs,
            units=len(p_units),
            shared_units=sum(u.shared for u in p_units),
            single_share=_single_share(p_units),
            alpha_tags=p_tags,
            alpha_credibility=p_cred,
            alpha_likelihood=p_lik,
        )
    return AgreementReport(
        analysts=ids,
        names=names,
        documents=documents,
        shared_documents=shared_documents,
        units=len(units),
        shared_units=sum(u.shared for u in units),
        single_share=_single_share(units),
        alpha_tags=tags,
        alpha_credibility=cred,
        alpha_likelihood=lik,
        pairs=pairs,
    )


def _single_share(units: list[Unit]) -> float | None:
    if not units:
        return None
    return sum(not u.shared for u in units) / len(units)


def _alphas(
    units: list[Unit], analysts: list[str]
) -> tuple[float | None, float | None, float | None]:
    """Tags (nominal), credibility and likelihood (ordinal) alphas over the shared units."""
    shared = [u for u in units if u.shared]

    def matrix(value: Callable[[Annotation], object | None]) -> list[list[object | None]]:
        return [
            [value(u.by_analyst[x]) if x in u.by_analyst else None for u in shared]
            for x in analysts
        ]

    return (
        krippendorff_alpha(matrix(tag_value), "nominal"),
        krippendorff_alpha(matrix(credibility_value), "ordinal", order=CREDIBILITY_ORDER),
        krippendorff_alpha(matrix(likelihood_value), "ordinal", order=LIKELIHOOD_ORDER),
    )


class Agreement(Service):
    """Agreement between the analysts of a workspace."""

    def agreement(
        self, doc_id: str | None = None, analysts: list[str] | None = None
    ) -> AgreementReport:
        """Agreement between analysts on one document, or pooled over the workspace."""
        if doc_id is not None:
            return document_agreement(
                queries.annotations_where(
                    self.db, 'a.document_id = ? ORDER BY a.start, a."end"', [doc_id]
                ),
                analysts,
            )
        by_doc: dict[str, list[Annotation]] = {}
        for a in queries.annotations_where(self.db, "1 = 1 ORDER BY a.created_at DESC", []):
            by_doc.setdefault(a.document_id, []).append(a)
        return workspace_agreement(by_doc, analysts)
