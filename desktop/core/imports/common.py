"""What every annotation importer shares: errors, re-anchoring, tag names, and the one way
planned annotations are written (all validated first, undone together if anything fails)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.kernel.errors import AnnotationError, PermissionDenied, ReviewError
from desktop.core.kernel.ids import normalise_tag
from desktop.core.kernel.records import RELATIONS, Person

from ..kernel import scales
from ..kernel.errors import (
    AnnotationImportError,
    AssayError,
    NotFound,
)
from ..workspace import Workspace

MAX_JSON_BYTES = 64 * 1024 * 1024
CONTEXT = 32
_ATTRIBUTION = re.compile(r"(?:\A|\n\n)Originally by [^\n]+\Z")


@dataclass
class PlannedLink:
    target: str  # the key of another planned annotation, or an annotation id in the workspace
    relation: str
    comment: str = ""


@dataclass
class PlannedReview:
    """A step of an annotation's review thread made elsewhere: a submission or a decision."""

    decision: str  # submit | approve | reject | request_changes
    reviewer: Person
    created_at: str
    review_id: str | None = None
    opinion: str | None = None
    comment: str = ""


@dataclass
class PlannedAnnotation:
    """One annotation to make, fully checked against its document before anything is written.

    With an `author` it is recreated as that person's (keeping `key` as its id when that is a
    UUID free here, and its creation time), and its `reviews` are replayed; without one it
    becomes the importing analyst's draft."""

    key: str  # the id it had where it came from
    document_id: str
    start: int
    end: int
    kind: str = "note"
    comment: str = ""
    statement: str = ""
    credibility: int | None = None
    likelihood: str | None = None
    confidence: str | None = None
    rationale: str = ""
    tags: list[str] = field(default_factory=list)
    links: list[PlannedLink] = field(default_factory=list)
    author: Person | None = None
    created_at: str | None = None
    reviews: list[PlannedReview] = field(default_factory=list)
    codings: int = 0  # how many codings of the file this annotation carries (REFI-QDA)


@dataclass
class ImportSummary:
    """What an import did, for the CLI and the GUI to show."""

    format: str
    path: Path
    documents_created: list[str] = field(default_factory=list)
    documents_matched: list[str] = field(default_factory=list)
    annotations_created: list[str] = field(default_factory=list)
    duplicates: int = 0
    links_created: int = 0
    markings_raised: list[str] = field(default_factory=list)  # document ids
    reviews_created: list[str] = field(default_factory=list)  # review ids
    reviews_not_applied: int = 0  # review steps left out (each with a reason in `skipped`)
    skipped: list[str] = field(default_factory=list)  # one reason per thing left out
    id_map: dict[str, str] = field(default_factory=dict)  # original id → annotation id here
    held: dict[str, int] = field(default_factory=dict)  # what the file holds: kind → count
    codings_kept: int = 0  # codings that became tags on an annotation (new or already here)
    tags_created: list[str] = field(default_factory=list)
    tags_added: int = 0  # tags put on an annotation that was already here
    missing: list[str] = field(default_factory=list)  # what the file names but does not hold
    unplaced: list[str] = field(default_factory=list)  # selections that could not be placed
    positions: str = ""  # how the file counts text positions, as detected

    def nothing_new(self) -> bool:
        return not (
            self.annotations_created
            or self.documents_created
            or self.tags_created
            or self.tags_added
            or self.links_created
            or self.reviews_created
            or self.markings_raised
        )

    def figures(self) -> list[str]:
        """What the import did beyond the annotations it made, one phrase each, zeros left out."""
        out = []
        if self.held:
            out.append("the file holds " + ", ".join(f"{n} {k}(s)" for k, n in self.held.items()))
        if self.positions:
            out.append(f"positions read as {self.positions}")
        counts = [
            (self.codings_kept, "coding(s) kept as tags"),
            (self.duplicates, "already here"),
            (len(self.tags_created), "new tag(s)"),
            (self.tags_added, "tag(s) added to annotations already here"),
            (self.links_created, "link(s)"),
            (len(self.reviews_created), "review step(s)"),
            (len(self.documents_created), "new document(s)"),
            (len(self.markings_raised), "document(s) with a raised marking"),
            (self.reviews_not_applied, "review step(s) left out"),
            (len(self.missing), "missing from the file"),
            (len(self.unplaced), "selection(s) that could not be placed"),
            (len(self.skipped), "item(s) skipped"),
        ]
        out += [f"{n} {what}" for n, what in counts if n]
        if self.nothing_new() and (self.duplicates or self.documents_matched):
            out.append("nothing new: it was all here already")
        return out

    def summary(self) -> str:
        made = f"{len(self.annotations_created)} annotation(s) imported"
        return f"{self.format}: " + ", ".join([made, *self.figures()])


def read_capped(path: Path, limit: int, error: type[AnnotationImportError]) -> bytes:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise error(
                f"{path.name} is {size / 2**20:.0f} MiB; annotation files up to "
                f"{limit // 2**20} MiB are imported."
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise error(f"No such file: {path}") from exc
    except OSError as exc:
        raise error(f"Could not read {path}: {exc.strerror or exc}") from exc


def attribute(comment: str, author: str | None, ws: Workspace, tool: str | None = None) -> str:
    """Say who made an annotation another analyst imports: the facade records the importer
    as its author, so the original author's name stays in the comment (the same line whatever
    format carried it, so the same work imported twice is recognised)."""
    author = " ".join((author or "").split())
    if not author or author == ws.profile.name:
        return comment
    line = f"Originally by {author}" + (f" in {tool}." if tool else ".")
    return f"{comment}\n\n{line}" if comment else line


# -- re-anchoring ---------------------------------------------------------------------------------


def _shared_suffix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _flexible(exact: str) -> re.Pattern | None:
    words = exact.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def anchor(
    text: str,
    exact: str,
    prefix: str = "",
    suffix: str = "",
    hint_start: int | None = None,
    *,
    limit: int = 2000,
) -> tuple[int, int] | None:
    """Where EXACT sits in TEXT: (start, end), end exclusive, or None if it is not there.

    The quote is found wherever it moved; among several occurrences the one whose surrounding
    text best matches PREFIX and SUFFIX wins, then the one nearest HINT_START. When the quote
    itself is not found verbatim, runs of whitespace may differ (line ends, indentation).
    """
    if not exact:
        return None
    exact = unicodedata.normalize("NFC", exact)
    prefix = unicodedata.normalize("NFC", prefix or "")
    suffix = unicodedata.normalize("NFC", suffix or "")
    if (
        hint_start is not None
        and 0 <= hint_start
        and text[hint_start : hint_start + len(exact)] == exact
    ):
        before = text[max(0, hint_start - len(prefix)) : hint_start]
        after = text[hint_start + len(exact) : hint_start + len(exact) + len(suffix)]
        if (not prefix or before.endswith(prefix[-8:])) and (
            not suffix or after.startswith(suffix[:8])
        ):
            return hint_start, hint_start + len(exact)
    spans: list[tuple[int, int]] = []
    pos = text.find(exact)
    while pos != -1 and len(spans) < limit:
        spans.append((pos, pos + len(exact)))
        pos = text.find(exact, pos + 1)
    if not spans:
        pattern = _flexible(exact)
        if pattern is None:
            return None
        spans = [
            (m.start(), m.end()) for _, m in zip(range(limit), pattern.finditer(text), strict=False)
        ]
    if not spans:
        return None

    def score(span: tuple[int, int]) -> tuple[int, int]:
        s, e = span
        context = _shared_suffix(text[max(0, s - len(prefix)) : s], prefix) + _shared_prefix(
            text[e : e + len(suffix)], suffix
        )
        distance = abs(s - hint_start) if hint_start is not None else 0
        return (-context, distance)

    return min(spans, key=score)


# -- tags -------------------------------------------------------------------------------------------

_BAD_TAG_CHARS = re.compile(r"[^\w\-+.& ]", re.UNICODE)


def safe_tag(name: str) -> str | None:
    """A tag name Assay accepts from a name another tool allowed ('Coke::diet (new)' →
    'coke/diet new'); None when nothing usable is left."""
    parts = []
    for part in re.split(r"/|::|\\", str(name)):
        part = " ".join(_BAD_TAG_CHARS.sub(" ", part).split())
        if part:
            parts.append(part)
    if not parts:
        return None
    try:
        return normalise_tag("/".join(parts))
    except AnnotationError:
        return None


# -- writing ----------------------------------------------------------------------------------------


def check_ratings(plan: PlannedAnnotation, error: type[AnnotationImportError]) -> None:
    try:
        plan.credibility = scales.check_credibility(plan.credibility)
        plan.likelihood = scales.check_likelihood(plan.likelihood)
        plan.confidence = scales.check_confidence(plan.confidence)
    except scales.RatingError as exc:
        raise error(f"Annotation {plan.key}: {exc}") from exc
    for link in plan.links:
        if link.relation not in RELATIONS:
            raise error(f"Annotation {plan.key}: unknown link relation {link.relation!r}.")


def without_attribution(comment: str) -> str:
    """COMMENT without the 'Originally by …' line an import adds (see `attribute`)."""
    return _ATTRIBUTION.sub("", comment.strip()).strip()


def _same(existing, plan: PlannedAnnotation) -> bool:
    if (existing.start, existing.end, existing.kind) != (plan.start, plan.end, plan.kind):
        return False
    if plan.kind == "claim":
        return existing.statement == (plan.statement or existing.quote[:500])
    # the same note carried by another analyst's file differs only by who it says made it
    return without_attribution(existing.comment) == without_attribution(plan.comment)


def apply_plan(
    ws: Workspace,
    plans: list[PlannedAnnotation],
    summary: ImportSummary,
    error: type[AnnotationImportError],
    markings: dict[str, str | None] | None = None,
    *,
    merge_tags: bool = False,
) -> None:
    """Make the planned annotations, their links and review threads, and raise the documents'
    MARKINGS (document id → marking): one transaction and one undo step, so nothing is kept if
    anything fails.

    A plan is the annotation already here when it has its id, or (among the annotations that
    were here before this import) its span and content; two plans of one file are never one
    another's twin unless they share an id. With MERGE_TAGS, a twin the importing analyst owns
    gets the plan's tags it lacks (a coding is never lost because its span was here)."""
    texts: dict[str, int] = {}
    for plan in plans:
        if plan.document_id not in texts:
            try:
                texts[plan.document_id] = len(ws.document(plan.document_id).text)
            except NotFound as exc:
                raise error(
                    f"Annotation {plan.key}: its document is not in this workspace."
                ) from exc
        if not 0 <= plan.start < plan.end <= texts[plan.document_id]:
            raise error(
                f"Annotation {plan.key}: span {plan.start}–{plan.end} is outside its document."
            )
        check_ratings(plan, error)
    source = summary.path.name
    try:
        with ws.deferred_indexing(), ws.batch(f"Import {summary.format} ({source})"):
            existing: dict[str, list] = {}
            in_file: dict[str, str] = {}  # id the file gives (normalised) → annotation here
            for plan in plans:
                if plan.document_id not in existing:
                    existing[plan.document_id] = ws.annotations(plan.document_id)
                if _uuid(plan.key) in in_file:  # the file lists this annotation twice
                    summary.duplicates += 1
                    summary.id_map[plan.key] = in_file[_uuid(plan.key)]
                    continue
                twin = _twin(existing[plan.document_id], plan)
                if twin is not None:
                    summary.duplicates += 1
                    summary.id_map[plan.key] = twin.id
                    in_file[_uuid(plan.key)] = twin.id
                    if merge_tags:
                        _merge_tags(ws, twin, plan, summary)
                    continue
                changes = _create(ws, plan, source)
                summary.annotations_created.append(changes.created)
                summary.id_map[plan.key] = in_file[_uuid(plan.key)] = changes.created
            for plan in plans:
                _make_links(ws, plan, summary)
            for plan in plans:
                _replay_reviews(ws, plan, summary, source)
            for doc_id, marking in (markings or {}).items():
                raise_marking(ws, doc_id, marking, summary)
    except BaseException as exc:
        summary.annotations_created.clear()
        summary.reviews_created.clear()
        summary.markings_raised.clear()
        if isinstance(exc, AssayError) and not isinstance(exc, AnnotationImportError):
            raise error(f"{exc} Nothing was imported.") from exc
        raise


def _twin(existing: list, plan: PlannedAnnotation):
    """The annotation already here that PLAN is: the same id first, else the same span and
    content — by the same author when the plan keeps one (another analyst's identical claim is
    theirs)."""
    key = _uuid(plan.key)
    same_id = next((a for a in existing if a.id == key), None)
    if same_id is not None:
        return same_id
    if plan.author is not None:
        existing = [a for a in existing if a.created_by == plan.author.id]
    return next((a for a in existing if _same(a, plan)), None)


def _merge_tags(ws: Workspace, twin, plan: PlannedAnnotation, summary: ImportSummary) -> None:
    lacking = [t for t in plan.tags if t not in twin.tags]
    if not lacking:
        return
    if twin.created_by != ws.profile.id:
        plan.codings -= len(lacking)
        summary.skipped.append(
            f"{len(lacking)} coding(s) of {plan.key} ({', '.join(lacking)}): the annotation "
            "already here at that span is another analyst's, so its tags were left as they are"
        )
        return
    ws.tag_annotation(twin.id, lacking)
    summary.tags_added += len(lacking)


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _create(ws: Workspace, plan: PlannedAnnotation, source: str):
    claim = {}
    if plan.kind == "claim":
        claim = dict(
            statement=plan.statement,
            credibility=plan.credibility,
            likelihood=plan.likelihood,
            confidence=plan.confidence,
            rationale=plan.rationale,
        )
    if plan.author is not None:
        return ws.add_imported(
            plan.document_id,
            plan.start,
            plan.end,
            plan.kind,
            author=plan.author,
            source=source,
            ann_id=plan.key,
            created_at=plan.created_at,
            comment=plan.comment,
            tags=plan.tags,
            **claim,
        )
    if plan.kind == "claim":
        return ws.add_claim(
            plan.document_id, plan.start, plan.end, comment=plan.comment, tags=plan.tags, **claim
        )
    return ws.add_note(plan.document_id, plan.start, plan.end, comment=plan.comment, tags=plan.tags)


def _make_links(ws: Workspace, plan: PlannedAnnotation, summary: ImportSummary) -> None:
    source = summary.id_map[plan.key]
    for link in plan.links:
        target = summary.id_map.get(link.target) or _existing_annotation(ws, link.target)
        if target is None:
            summary.skipped.append(
                f"link {link.relation} from {plan.key}: its target {link.target} is "
                "neither in this file nor in the workspace"
            )
            continue
        if _linked(ws, source, target, link.relation):
            continue
        try:
            ws.link_claims(source, target, link.relation, link.comment)
        except AnnotationError as exc:
            summary.skipped.append(f"link {link.relation} from {plan.key}: {exc}")
            continue
        summary.links_created += 1


def _replay_reviews(
    ws: Workspace, plan: PlannedAnnotation, summary: ImportSummary, source: str
) -> None:
    ann_id = summary.id_map[plan.key]
    for step in sorted(plan.reviews, key=lambda r: r.created_at):
        try:
            changes = ws.add_imported_review(
                ann_id,
                step.decision,
                reviewer=step.reviewer,
                source=source,
                review_id=step.review_id,
                opinion=step.opinion,
                comment=step.comment,
                created_at=step.created_at,
            )
        except (ReviewError, PermissionDenied) as exc:
            summary.reviews_not_applied += 1
            summary.skipped.append(f"{step.decision} on {plan.key}: {exc}")
            continue
        if changes.created:
            summary.reviews_created.append(changes.created)


def _existing_annotation(ws: Workspace, ann_id: str) -> str | None:
    ann_id = ann_id.removeprefix("urn:uuid:")
    try:
        return ws.annotation(ann_id).id if len(ann_id) >= 32 else None
    except NotFound:
        return None


def _linked(ws: Workspace, source: str, target: str, relation: str) -> bool:
    return any(
        lk.from_id == source and lk.to_id == target and lk.relation == relation
        for lk in ws.links(source)
    )


def raise_marking(ws: Workspace, doc_id: str, marking: str | None, summary: ImportSummary) -> None:
    """Carry a stricter marking onto the document; a marking is never lowered by an import."""
    if not marking:
        return
    try:
        wanted = scales.check_marking(marking)
    except scales.RatingError:
        summary.skipped.append(f"unknown marking {marking!r} on document {doc_id}")
        return
    current = ws.document(doc_id).marking
    if scales.marking_rank(wanted) > scales.marking_rank(current):
        ws.update_document(doc_id, marking=wanted)
        summary.markings_raised.append(doc_id)
