"""The records users work with, as the services return them, and the words of the workflow.

Plain data only: every service and the exchange read and return these, so they live here rather
than in any one service."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import scales
from .changes import Changes
from .errors import AnnotationError
from .ids import normalise_tag

Progress = Callable[[int, int, str], None]

ANCHOR_CONTEXT = 32
KINDS = ("note", "claim")
STATUSES = ("draft", "submitted", "approved", "rejected", "changes_requested")
RELATIONS = ("corroborates", "contradicts", "duplicates", "refines")
MARKINGS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
RELIABILITIES = ("A", "B", "C", "D", "E", "F")
# the kinds the sample sources use; any short word is allowed
SOURCE_KINDS = ("outlet", "agency", "trade_press", "think_tank", "vendor", "person")

DECISIONS = ("approve", "reject", "request_changes")
# STIX 2.1 opinion-enum values recorded with each supervisor decision by default.
DEFAULT_OPINION = {"approve": "agree", "reject": "disagree", "request_changes": "neutral"}
OPINIONS = ("strongly-disagree", "disagree", "neutral", "agree", "strongly-agree")
STATUS_AFTER = {
    "approve": "approved",
    "reject": "rejected",
    "request_changes": "changes_requested",
    "submit": "submitted",
}
SUBMITTABLE = ("draft", "changes_requested", "rejected")

_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?")


class Cancel:
    """A cancel flag shared between the GUI and a worker (threading.Event without the import)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


def default_colour(name: str) -> str:
    top = normalise_tag(name).split("/")[0]
    return scales.TAG_PALETTE[zlib.crc32(top.encode()) % len(scales.TAG_PALETTE)]


def imported_stamp(value: object, default: str) -> str:
    """A creation time carried by an imported record, if it is one Assay writes (UTC, ISO) and
    not in the future (a day's clock difference allowed); else DEFAULT."""
    m = _STAMP.match(value) if isinstance(value, str) else None
    if m is None:
        return default
    # one form (microseconds), so that times compare as strings
    value = f"{value[:19]}.{(m.group(1) or '.')[1:7].ljust(6, '0')}Z"
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    return value if value <= tomorrow else default


def is_iso_date(value: str) -> bool:
    """YYYY-MM-DD, or an ISO 8601 time stamp as imports store (2025-03-18T09:30:00Z): a real
    day first, so dates sort and compare as text."""
    if not _ISO_DAY.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Person:
    """Someone whose work came in from a file (not a bundle): kept as the author or reviewer of
    what they made. Recorded by name and id only; no key, so never trusted for anything."""

    id: str
    name: str
    role: str = "analyst"

    def checked(self) -> Person:
        import uuid

        try:
            pid = str(uuid.UUID(self.id))
        except (ValueError, AttributeError, TypeError):
            raise AnnotationError(f"{self.id!r} is not an analyst id (a UUID).") from None
        name = " ".join(str(self.name or "").split())[:200] or pid
        role = self.role if self.role in ("analyst", "supervisor") else "analyst"
        return Person(pid, name, role)


@dataclass
class Document:
    id: str
    title: str
    author: str | None
    published_at: str | None
    language: str
    marking: str
    mime: str | None
    filename: str | None
    size: int | None
    imported_at: str
    sha256: str
    url: str | None
    source_id: str | None
    source: str | None
    reliability: str | None
    text: str = ""


@dataclass
class Annotation:
    id: str
    document_id: str
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    kind: str
    comment: str
    status: str
    created_by: str
    created_at: str
    updated_at: str
    analyst: str = ""
    document_title: str = ""
    statement: str = ""
    credibility: int | None = None
    likelihood: str | None = None
    confidence: str | None = None
    rationale: str = ""
    reliability: str | None = None  # the document's (or its source's) Admiralty reliability
    tags: list[str] = field(default_factory=list)
    colour: str | None = None  # the first tag's colour, for highlighting

    @property
    def admiralty(self) -> str:
        return scales.admiralty_code(self.reliability, self.credibility)

    @property
    def rating(self) -> str:
        if self.kind != "claim":
            return ""
        return scales.rating_summary(
            self.reliability, self.credibility, self.likelihood, self.confidence
        )


@dataclass
class Link:
    id: str
    from_id: str
    to_id: str
    relation: str
    comment: str
    created_by: str
    other_statement: str = ""
    other_document: str = ""


@dataclass
class AnnotationChoices:
    """What the workspace's notes and claims hold, for a browser's filters: (name, id) pairs of
    their analysts, tag names with their parents, and the review states in workflow order."""

    analysts: list[tuple[str, str]]
    tags: list[str]
    statuses: list[str]


@dataclass
class Review:
    id: str
    annotation_id: str
    reviewer_id: str
    reviewer: str
    decision: str
    opinion: str | None
    comment: str
    created_at: str
    imported_from: str = ""  # the file it came in with, when it was imported (not a bundle)


@dataclass
class QueueChoices:
    """What the review queue's filters offer: (name, id) pairs, tag names, (title, id) pairs."""

    analysts: list[tuple[str, str]]
    tags: list[str]
    documents: list[tuple[str, str]]


@dataclass
class FileProblem:
    path: str
    reason: str


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # document ids
    duplicates: list[str] = field(default_factory=list)  # paths whose bytes were already here
    failed: list[FileProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unsupported files found inside folders
    cancelled: bool = False
    indexed: int = 0
    seconds_stored: float = 0.0
    seconds_total: float = 0.0
    changes: Changes = field(default_factory=Changes)

    def summary(self) -> str:
        parts = [
            f"{len(self.imported)} imported",
            f"{len(self.duplicates)} duplicates skipped",
            f"{len(self.failed)} failed",
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} unsupported files ignored")
        if self.cancelled:
            parts.append("cancelled")
        return ", ".join(parts)


@dataclass
class CheckReport:
    problems: list[str]
    documents: int
    indexed: int
    queue: int
    audit_entries: int

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class SearchHit:
    id: str
    kind: str  # document | note | claim
    doc_id: str
    title: str
    score: float
    fragments: dict[str, str]
    marking: str = "CLEAR"


# -- key judgements (services/judgements.py) ---------------------------------------------------
EVIDENCE_ROLES = ("supporting", "weakening")


@dataclass
class Judgement:
    """A key judgement: a statement with an ICD 203 likelihood and confidence (kept apart), a
    TLP marking, a review state and the claims it rests on. Evidence whose claim is gone (removed
    here, or never received) stays listed in `missing`, never dropped."""

    id: str
    statement: str
    likelihood: str
    confidence: str
    marking: str
    status: str
    created_by: str
    author: str
    created_at: str
    updated_at: str
    supporting: list[Annotation] = field(default_factory=list)
    weakening: list[Annotation] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    summary: str = ""
    # tradecraft findings (kernel/tradecraft.py): advice, never a refusal
    findings: list = field(default_factory=list)
