"""Analysis of competing hypotheses (Heuer): the rating vocabulary, the weights, the shapes a
matrix is read in, and the scoring as pure functions (no store, no Qt), so they are tested and
timed on their own.

Scoring, per hypothesis: the sum over the matrix's live rows of `points × weight`, where the
points are I = 1 and II = 2 (CC, C and N count nothing, an unrated cell counts nothing, and NA
leaves the row out for that hypothesis), and the weight is the row's claim credibility weight ×
its source reliability weight. The least inconsistent hypothesis ranks first (Heuer: look for
the hypothesis with the least evidence against it, not the most for it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .errors import AchError
from .records import Annotation

# Ratings, in the order keys 1–5 choose them; 0 is "not applicable".
RATINGS = ("CC", "C", "N", "I", "II", "NA")
RATING_WORDS = {
    "CC": "very consistent",
    "C": "consistent",
    "N": "neutral",
    "I": "inconsistent",
    "II": "very inconsistent",
    "NA": "not applicable",
}
RATING_KEYS = {"1": "CC", "2": "C", "3": "N", "4": "I", "5": "II", "0": "NA"}
INCONSISTENCY = {"I": 1, "II": 2}  # everything else counts 0

# How much one row counts: Admiralty source reliability × information credibility. Linear steps
# from the best (1.0) to the worst (0.2); "cannot be judged" (F, 6) sits in the middle (0.5), as
# does a claim with no rating at all.
RELIABILITY_WEIGHT = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.5}
CREDIBILITY_WEIGHT = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.2, 6: 0.5}
UNRATED_WEIGHT = 0.5
EPSILON = 1e-9  # scores this close are a tie


def check_rating(value: str | None) -> str | None:
    """A rating as typed ('i', 'II', '4', 'na', None to clear) → its key; else AchError."""
    if value is None:
        return None
    v = str(value).strip().upper()
    v = RATING_KEYS.get(v, v)
    if v in ("", "-", "CLEAR", "NONE"):
        return None
    if v not in RATINGS:
        raise AchError(
            f"Unknown rating {value!r}: use one of {', '.join(RATINGS)} (or 1–5 for CC…II, "
            "0 for NA, '-' to clear)."
        )
    return v


def row_weight(reliability: str | None, credibility: int | None) -> float:
    """The weight of a claim's row: its source reliability's weight × its credibility's."""
    r = RELIABILITY_WEIGHT.get(reliability or "", UNRATED_WEIGHT)
    c = CREDIBILITY_WEIGHT.get(credibility or 0, UNRATED_WEIGHT)
    return r * c


# -- what a matrix reads as ------------------------------------------------------------------
@dataclass
class Hypothesis:
    id: str
    text: str
    position: int
    score: float = 0.0  # weighted inconsistency (lower is better)
    rank: int = 0  # 1 = least inconsistent; tied hypotheses share a rank


@dataclass
class EvidenceRow:
    annotation_id: str
    position: int
    claim: Annotation | None  # None: the claim is gone (removed, or never received)
    cells: dict[str, str] = field(default_factory=dict)  # hypothesis id → rating
    weight: float = 0.0
    diagnosticity: float = 0.0  # how far apart the row puts the hypotheses (weighted points)
    non_diagnostic: bool = False  # every hypothesis rated alike: it cannot tell them apart

    @property
    def missing(self) -> bool:
        return self.claim is None

    @property
    def label(self) -> str:
        if self.claim is None:
            return f"missing evidence ({self.annotation_id[:8]})"
        return self.claim.statement or self.claim.quote


@dataclass
class Matrix:
    id: str
    question: str
    marking: str
    created_by: str
    created_at: str
    updated_at: str
    hypotheses: list[Hypothesis]
    rows: list[EvidenceRow]
    scores: dict[str, float]
    ranking: list[str]  # hypothesis ids, least inconsistent first
    missing: list[str]  # evidence ids whose claim is gone: shown as missing, never dropped

    def hypothesis(self, hyp_id: str) -> Hypothesis:
        return next(h for h in self.hypotheses if h.id == hyp_id)

    @property
    def leaders(self) -> list[str]:
        return leaders(self.scores, self.ranking)


@dataclass
class Sensitivity:
    """If this claim were wrong (its row left out), the leading hypotheses would change."""

    annotation_id: str
    statement: str
    before: list[str]  # leading hypothesis ids now
    after: list[str]  # leading hypothesis ids without the claim
    message: str


# -- scoring: pure functions --------------------------------------------------------------------
@dataclass
class Scores:
    scores: dict[str, float]
    ranking: list[str]
    diagnosticity: list[float]
    non_diagnostic: list[bool]


def score(hypotheses: Sequence[str], rows: Sequence[tuple[float, Mapping[str, str]]]) -> Scores:
    """Heuer's tally. HYPOTHESES: ids in column order; ROWS: (weight, {hypothesis id: rating})
    for each live row (missing evidence is not passed in)."""
    totals = dict.fromkeys(hypotheses, 0.0)
    diag: list[float] = []
    flat: list[bool] = []
    n = len(hypotheses)
    points = INCONSISTENCY.get
    for weight, cells in rows:
        # one pass over the rated cells (C-level work for the rest): a cell of a hypothesis
        # not in the matrix is ignored
        if not cells.keys() <= totals.keys():
            cells = {h: r for h, r in cells.items() if h in totals}
        for h, rating in cells.items():
            pts = points(rating)
            if pts:
                totals[h] += pts * weight
        values = list(cells.values())
        na = values.count("NA")
        applicable = n - na
        unrated = applicable > len(values) - na
        kinds = set(values)
        kinds.discard("NA")
        pts_seen = {points(k, 0) for k in kinds}
        if unrated:
            pts_seen.add(0)
        diag.append((max(pts_seen) - min(pts_seen)) * weight if pts_seen else 0.0)
        # alike: every applicable hypothesis has the same, given rating
        flat.append(applicable > 0 and not unrated and len(kinds) == 1)
    order = {h: i for i, h in enumerate(hypotheses)}
    ranking = sorted(hypotheses, key=lambda h: (round(totals[h], 9), order[h]))
    return Scores(totals, ranking, diag, flat)


def leaders(scores: Mapping[str, float], ranking: Sequence[str]) -> list[str]:
    """The hypotheses tied for the least inconsistency, in ranking order."""
    if not ranking:
        return []
    best = scores[ranking[0]]
    return [h for h in ranking if scores[h] <= best + EPSILON]


def ranks(scores: Mapping[str, float], ranking: Sequence[str]) -> dict[str, int]:
    """1 for the least inconsistent; tied hypotheses share a rank (1, 1, 3)."""
    out: dict[str, int] = {}
    prev, rank = None, 0
    for i, h in enumerate(ranking, start=1):
        if prev is None or scores[h] > prev + EPSILON:
            rank, prev = i, scores[h]
        out[h] = rank
    return out


def sensitive_rows(
    hypotheses: Sequence[str], rows: Sequence[tuple[float, Mapping[str, str]]], totals=None
) -> list[tuple[int, list[str], list[str]]]:
    """For each row whose removal would change the leading hypotheses: (row index, leaders
    now, leaders without it). One pass per row over its cells, so R × H in all."""
    if totals is None:
        totals = score(hypotheses, rows).scores
    order = {h: i for i, h in enumerate(hypotheses)}

    def lead(vals: Mapping[str, float]) -> list[str]:
        best = min(vals.values())
        return sorted((h for h in hypotheses if vals[h] <= best + EPSILON), key=order.get)

    if not hypotheses:
        return []
    now = lead(totals)
    leading = set(now)
    best = totals[now[0]]
    points = INCONSISTENCY.get
    out = []
    for i, (weight, cells) in enumerate(rows):
        lowered = {}
        for h, rating in cells.items():
            pts = points(rating)
            if pts and h in totals:
                lowered[h] = totals[h] - pts * weight
        if not lowered:
            continue
        # the usual case, decided without a copy: the row counts against no leader, and
        # nobody it counts against comes down to the leaders' score
        if leading.isdisjoint(lowered) and min(lowered.values()) > best + EPSILON:
            continue
        after = lead({**totals, **lowered})
        if after != now:
            out.append((i, now, after))
    return out


def sensitivity(matrix: Matrix) -> list[Sensitivity]:
    """The rows whose removal would change which hypotheses lead (a pure function of MATRIX)."""
    ids = [h.id for h in matrix.hypotheses]
    live = [r for r in matrix.rows if not r.missing]
    text = {h.id: h.text for h in matrix.hypotheses}

    def names(hs: list[str]) -> str:
        return " and ".join(f"“{text[h]}”" for h in hs)

    out = []
    for i, before, after in sensitive_rows(ids, [(r.weight, r.cells) for r in live], matrix.scores):
        row = live[i]
        lead = "leads" if len(after) == 1 else "tie for the lead"
        out.append(
            Sensitivity(
                row.annotation_id,
                row.label,
                before,
                after,
                f"If claim “{row.label}” is wrong, the ranking changes: {names(after)} {lead} "
                f"(now {names(before)}).",
            )
        )
    return out


def scored_matrix(m: dict, hyps: list[Hypothesis], rows: list[EvidenceRow]) -> Matrix:
    """A Matrix of the row M (id, question, marking, stamps), its hypotheses and rows, scored
    over the rows whose claim is present."""
    ids = [h.id for h in hyps]
    live = [r for r in rows if not r.missing]
    s = score(ids, [(r.weight, r.cells) for r in live])
    for r, d, flat in zip(live, s.diagnosticity, s.non_diagnostic, strict=True):
        r.diagnosticity, r.non_diagnostic = d, flat
    rank = ranks(s.scores, s.ranking)
    for h in hyps:
        h.score, h.rank = s.scores[h.id], rank[h.id]
    return Matrix(
        id=m["id"],
        question=m["question"],
        marking=m["marking"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        hypotheses=hyps,
        rows=rows,
        scores=s.scores,
        ranking=s.ranking,
        missing=[r.annotation_id for r in rows if r.missing],
    )


def within(matrix: Matrix, claim_ids: set[str]) -> Matrix:
    """MATRIX as an export shows it: rows whose claims are not in CLAIM_IDS (left out of the
    export, or gone) lose their claim and do not count; the rest are scored again."""
    rows = [
        EvidenceRow(
            r.annotation_id,
            r.position,
            r.claim if r.annotation_id in claim_ids else None,
            dict(r.cells),
            r.weight if r.annotation_id in claim_ids else 0.0,
        )
        for r in matrix.rows
    ]
    hyps = [Hypothesis(h.id, h.text, h.position) for h in matrix.hypotheses]
    meta = {
        "id": matrix.id,
        "question": matrix.question,
        "marking": matrix.marking,
        "created_by": matrix.created_by,
        "created_at": matrix.created_at,
        "updated_at": matrix.updated_at,
    }
    return scored_matrix(meta, hyps, rows)
