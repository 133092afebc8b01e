"""The records a bundle carries: which tables travel, their canonical JSON, and the checks
every incoming record must pass before it is merged."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..kernel import keys, scales
from ..kernel.ach import RATINGS as ACH_RATINGS
from ..kernel.errors import AnnotationError, BundleError
from ..kernel.ids import document_id, normalise_tag, tag_id
from ..kernel.profile import ROLES
from ..kernel.records import DECISIONS as REVIEW_DECISIONS
from ..kernel.records import EVIDENCE_ROLES, KINDS, OPINIONS, RELATIONS, STATUSES

MAX_DEPTH = 64  # JSON nesting
MAX_HLC = 2**63 - 1
MAX_SIZE = 8 * 2**30  # a document's original file (also the largest member of a bundle)
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}")
HEX64 = re.compile(r"[0-9a-f]{64}")

# The vocabularies a record may use (a record outside them is refused): the workflow's own.
DECISIONS = ("submit", *REVIEW_DECISIONS)  # a submission is a review row too


# -- what travels -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Entity:
    """A table whose rows merge field by field."""

    name: str
    key: tuple[str, ...]
    fields: tuple[str, ...]  # merged one by one, each with its own version
    fixed: tuple[str, ...] = ()  # identity: must agree with the local copy
    quiet: tuple[tuple[str, str], ...] = (("created_at", "created_by"),)  # earliest pair kept

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.key, *self.fixed, *self.fields, *(c for pair in self.quiet for c in pair))


ENTITIES = {
    e.name: e
    for e in (
        Entity("sources", ("id",), ("name", "kind", "reliability", "deleted")),
        Entity(
            "documents",
            ("id",),
            (
                "title",
                "source_id",
                "author",
                "published_at",
                "url",
                "language",
                "mime",
                "filename",
                "size",
                "text",
                "marking",
                "reliability",
                "deleted",
            ),
            fixed=("sha256",),
            quiet=(("created_at", "created_by"), ("imported_at", "imported_by")),
        ),
        Entity(
            "annotations",
            ("id",),
            ("start", "end", "quote", "prefix", "suffix", "kind", "comment", "status", "deleted"),
            fixed=("document_id",),
        ),
        Entity(
            "claims",
            ("annotation_id",),
            ("statement", "credibility", "likelihood", "confidence", "rationale", "deleted"),
        ),
        Entity("tags", ("id",), ("name", "parent_id", "colour", "deleted")),
        Entity("annotation_tags", ("annotation_id", "tag_id"), ("deleted",)),
        Entity("links", ("id",), ("comment", "deleted"), fixed=("from_id", "to_id", "relation")),
        # key judgements (format 1.1)
        Entity(
            "judgements",
            ("id",),
            ("statement", "likelihood", "confidence", "marking", "status", "deleted"),
        ),
        Entity("judgement_evidence", ("judgement_id", "annotation_id"), ("role", "deleted")),
        # analysis of competing hypotheses (services/ach.py)
        Entity("ach_matrices", ("id",), ("question", "marking", "deleted")),
        Entity("ach_hypotheses", ("id",), ("text", "position", "deleted"), fixed=("matrix_id",)),
        Entity("ach_evidence", ("matrix_id", "annotation_id"), ("position", "deleted")),
        Entity(
            "ach_cells",
            ("hypothesis_id", "annotation_id"),
            ("rating", "deleted"),
            fixed=("matrix_id",),
        ),
    )
}
ANALYST_COLUMNS = ("id", "name", "role", "public_key", "fingerprint", "created_at", "hlc")
REVIEW_COLUMNS = (
    "id",
    "annotation_id",
    "reviewer_id",
    "decision",
    "opinion",
    "comment",
    "created_at",
    "hlc",
)
JUDGEMENT_REVIEW_COLUMNS = tuple(
    "judgement_id" if c == "annotation_id" else c for c in REVIEW_COLUMNS
)
# Append-only or whole-row tables (no per-field versions), with the columns they carry.
PLAIN_COLUMNS = {
    "analysts": ANALYST_COLUMNS,
    "reviews": REVIEW_COLUMNS,
    "judgement_reviews": JUDGEMENT_REVIEW_COLUMNS,
}
ORDER = (
    "analysts",
    "sources",
    "documents",
    "annotations",
    "claims",
    "tags",
    "annotation_tags",
    "links",
    "reviews",
    # key judgements: evidence names claims without needing them (missing evidence is kept)
    "judgements",
    "judgement_evidence",
    "judgement_reviews",
    "ach_matrices",
    "ach_hypotheses",
    "ach_evidence",
    "ach_cells",
)
# The bundle format minor version each record file came in: older bundles lack it (no rows).
SINCE_MINOR = {
    "judgements": 1,
    "judgement_evidence": 1,
    "judgement_reviews": 1,
    "ach_matrices": 1,
    "ach_hypotheses": 1,
    "ach_evidence": 1,
    "ach_cells": 1,
}
# Parents a record needs, present locally or earlier in the same bundle.
REFERENCES = {
    "documents": (("source_id", "sources"),),
    "annotations": (("document_id", "documents"),),
    "claims": (("annotation_id", "annotations"),),
    "annotation_tags": (("annotation_id", "annotations"), ("tag_id", "tags")),
    "links": (("from_id", "annotations"), ("to_id", "annotations")),
    "reviews": (("annotation_id", "annotations"),),
    "judgement_evidence": (("judgement_id", "judgements"),),
    "judgement_reviews": (("judgement_id", "judgements"),),
    # an ACH row needs its matrix, not its claim: a claim never received is "missing evidence"
    "ach_hypotheses": (("matrix_id", "ach_matrices"),),
    "ach_evidence": (("matrix_id", "ach_matrices"),),
    "ach_cells": (("hypothesis_id", "ach_hypotheses"), ("matrix_id", "ach_matrices")),
}


def q(col: str) -> str:
    return f'"{col}"'


def key_sql(entity: str, alias: str) -> str:
    cols = ENTITIES[entity].key if entity in ENTITIES else ("id",)
    return " || '|' || ".join(f"{alias}.{q(c)}" for c in cols)


def key_str(entity: str, row: dict) -> str:
    cols = ENTITIES[entity].key if entity in ENTITIES else ("id",)
    return "|".join(str(row[c]) for c in cols)


# -- canonical and strict JSON ----------------------------------------------------------------
def canonical(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no floats: the bytes that are hashed and signed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class _Refused(Exception):
    """Raised inside the strict JSON loader; turned into a BundleError by the caller."""


def _pairs(pairs: list) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise _Refused(f"the key {k!r} appears twice")
        out[k] = v
    return out


def _no_float(text: str):
    raise _Refused(f"it holds a fractional number ({text[:24]}); bundles hold whole numbers only")


def _no_constant(text: str):
    raise _Refused(f"it holds {text}, which JSON does not allow")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_float=_no_float, parse_constant=_no_constant
)


def strict_loads(data: bytes | str, what: str, *, walk: bool = True) -> Any:
    """JSON that refuses duplicate keys, NaN/Infinity, floats and nesting deeper than 64.

    Records skip the depth walk (`walk=False`): their validation admits only flat values."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        value, end = _DECODER.raw_decode(text)
        if text[end:].strip():
            raise _Refused("it has text after the JSON value")
    except RecursionError:
        raise BundleError(f"{what} is nested too deeply to be read.") from None
    except _Refused as exc:
        raise BundleError(f"{what} is not acceptable: {exc}.") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"{what} is not valid JSON ({exc}).") from None
    if walk and _depth(value) > MAX_DEPTH:
        raise BundleError(f"{what} is nested more than {MAX_DEPTH} levels deep.")
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        deepest = max(deepest, d)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((c, d + 1) for c in children)
    return deepest


# -- validation of records --------------------------------------------------------------------
class Invalid(Exception):
    """A record value is not what the format allows; the message says what was expected."""


def _text(limit: int = 1_000_000, *, optional: bool = True, nonempty: bool = False):
    def check(v):
        if v is None and optional:
            return
        if not isinstance(v, str) or len(v) > limit or (nonempty and not v.strip()):
            raise Invalid("a text of the expected length")

    return check


def _integer(lo: int, hi: int, *, optional: bool = False):
    def check(v):
        if v is None and optional:
            return
        if type(v) is not int or not lo <= v <= hi:
            raise Invalid(f"a whole number from {lo} to {hi}")

    return check


def _one_of(values: Iterable, *, optional: bool = False):
    allowed = tuple(values)

    def check(v):
        if v is None and optional:
            return
        if v not in allowed:
            raise Invalid(f"one of {', '.join(map(str, allowed))}")

    return check


def _ident(*, optional: bool = False):
    def check(v):
        if v is None and optional:
            return
        if not isinstance(v, str) or not ID_RE.fullmatch(v):
            raise Invalid("an id")

    return check


def _hexsha(v):
    if not isinstance(v, str) or not HEX64.fullmatch(v):
        raise Invalid("a SHA-256 in lower-case hex")


def _colour(v):
    if v is not None and not (isinstance(v, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", v)):
        raise Invalid("a colour #rrggbb")


_STAMP = _text(64)
_WHO = _text(80)
_DELETED = _integer(0, 1)
_BIG = 256 * 2**20
_STAMPS = {"created_at": _STAMP, "created_by": _WHO}

# Per table, per column: the check its value must pass.
VALIDATORS: dict[str, dict[str, Callable]] = {
    "analysts": {
        "id": _ident(),
        "name": _text(1000, optional=False),
        "role": _one_of(ROLES),
        "public_key": _text(100),  # none for people known only from a STIX/REFI file
        "fingerprint": _text(100),
        "created_at": _STAMP,
        "hlc": _integer(0, MAX_HLC),
    },
    "sources": {
        "id": _ident(),
        "name": _text(1000, optional=False, nonempty=True),
        "kind": _text(100),
        "reliability": _one_of(scales.RELIABILITY, optional=True),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "documents": {
        "id": _ident(),
        "sha256": _hexsha,
        "title": _text(10_000, optional=False),
        "source_id": _ident(optional=True),
        "author": _text(10_000),
        "published_at": _STAMP,
        "url": _text(10_000),
        "language": _text(32),
        "mime": _text(200),
        "filename": _text(4096),
        "size": _integer(0, MAX_SIZE, optional=True),
        "text": _text(_BIG, optional=False),
        "marking": _one_of(scales.TLP),
        "reliability": _one_of(scales.RELIABILITY, optional=True),
        "deleted": _DELETED,
        "imported_at": _STAMP,
        "imported_by": _WHO,
        **_STAMPS,
    },
    "annotations": {
        "id": _ident(),
        "document_id": _ident(),
        "start": _integer(0, _BIG),
        "end": _integer(1, _BIG),
        "quote": _text(_BIG),
        "prefix": _text(10_000),
        "suffix": _text(10_000),
        "kind": _one_of(KINDS),
        "comment": _text(),
        "status": _one_of(STATUSES),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "claims": {
        "annotation_id": _ident(),
        "statement": _text(),
        "credibility": _integer(1, 6, optional=True),
        "likelihood": _one_of(scales.LIKELIHOOD_BY_KEY, optional=True),
        "confidence": _one_of(scales.CONFIDENCE, optional=True),
        "rationale": _text(),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "tags": {
        "id": _ident(),
        "name": _text(1000, optional=False, nonempty=True),
        "parent_id": _ident(optional=True),
        "colour": _colour,
        "deleted": _DELETED,
        **_STAMPS,
    },
    "annotation_tags": {
        "annotation_id": _ident(),
        "tag_id": _ident(),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "links": {
        "id": _ident(),
        "from_id": _ident(),
        "to_id": _ident(),
        "relation": _one_of(RELATIONS),
        "comment": _text(),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "reviews": {
        "id": _ident(),
        "annotation_id": _ident(),
        "reviewer_id": _ident(),
        "decision": _one_of(DECISIONS),
        "opinion": _one_of(OPINIONS, optional=True),
        "comment": _text(),
        "created_at": _STAMP,
        "hlc": _integer(0, MAX_HLC),
    },
    "judgements": {
        "id": _ident(),
        "statement": _text(10_000, optional=False, nonempty=True),
        "likelihood": _one_of(scales.LIKELIHOOD_BY_KEY),
        "confidence": _one_of(scales.CONFIDENCE),
        "marking": _one_of(scales.TLP),
        "status": _one_of(STATUSES),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "judgement_evidence": {
        "judgement_id": _ident(),
        "annotation_id": _ident(),
        "role": _one_of(EVIDENCE_ROLES),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "judgement_reviews": {
        "id": _ident(),
        "judgement_id": _ident(),
        "reviewer_id": _ident(),
        "decision": _one_of(DECISIONS),
        "opinion": _one_of(OPINIONS, optional=True),
        "comment": _text(),
        "created_at": _STAMP,
        "hlc": _integer(0, MAX_HLC),
    },
    # analysis of competing hypotheses
    "ach_matrices": {
        "id": _ident(),
        "question": _text(10_000, optional=False, nonempty=True),
        "marking": _one_of(scales.TLP),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "ach_hypotheses": {
        "id": _ident(),
        "matrix_id": _ident(),
        "text": _text(10_000, optional=False, nonempty=True),
        "position": _integer(0, MAX_HLC),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "ach_evidence": {
        "matrix_id": _ident(),
        "annotation_id": _ident(),
        "position": _integer(0, MAX_HLC),
        "deleted": _DELETED,
        **_STAMPS,
    },
    "ach_cells": {
        "hypothesis_id": _ident(),
        "annotation_id": _ident(),
        "matrix_id": _ident(),
        "rating": _one_of(ACH_RATINGS, optional=True),
        "deleted": _DELETED,
        **_STAMPS,
    },
}


def check_semantics(name: str, v: dict) -> None:
    """Rules that tie fields together (ids derived from content, spans, keys)."""
    if name == "documents" and v["id"] != document_id(v["sha256"]):
        raise Invalid("a document id derived from its sha256")
    if name == "annotations" and v["end"] <= v["start"]:
        raise Invalid("a span whose end comes after its start")
    if name == "tags":
        try:
            ok = normalise_tag(v["name"]) == v["name"] and tag_id(v["name"]) == v["id"]
        except AnnotationError:
            ok = False
        if not ok:
            raise Invalid("a tag whose id is made from its normalised name")
    if name == "links":
        try:
            ok = v["id"] == str(
                uuid.uuid5(uuid.UUID(v["from_id"]), f"{v['relation']}:{v['to_id']}")
            )
        except ValueError:
            ok = False
        if not ok or v["from_id"] == v["to_id"]:
            raise Invalid("a link id made from its two claims and relation")
    if name == "analysts":
        if v["public_key"] is None:
            # someone known by name only (from an imported file): never outranks a keyed entry
            if v["fingerprint"] is not None or v["hlc"] != 0:
                raise Invalid("an analyst without a key to have no fingerprint and clock 0")
            return
        try:
            raw = base64.b64decode(v["public_key"], validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 32 or keys.fingerprint(raw) != v["fingerprint"]:
            raise Invalid("an analyst whose fingerprint matches the public key")
