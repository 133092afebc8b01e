"""STIX 2.1 export: documents as reports, annotations as notes, reviews as opinions, TLP 2.0 marks.

Ids are UUIDv5 of our own ids, so exporting the same work twice gives the same STIX ids and a
consumer can de-duplicate. The selectors and native ratings ride in one property extension
(`EXTENSION_ID`) whose schema is carried as text in the bundle, so nothing is ever fetched.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import stix2

from desktop.core.kernel.records import DEFAULT_OPINION, Annotation

from ..kernel import scales
from ..workspace import Workspace
from .output import ExportResult, write_atomic
from .selection import ExportSet, Selection, gather

# TLP 2.0 marking definitions as published by OASIS (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0); the 2.1 spec's own TLP ids are TLP 1.0.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKINGS = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_FROM_MARKING_ID = {v: k for k, v in TLP2_MARKINGS.items()}

# Fixed for every Assay installation, so any workstation recognises another's exports.
EXTENSION_ID = "extension-definition--5f1d873d-14aa-5677-91ff-09a65cbf8607"
ASSAY_IDENTITY = "identity--bd2b276b-adb4-5f19-b119-756c6bf1da37"
STIX_NAMESPACE = uuid.UUID("bfd4a4c7-3f4a-590a-a574-41797a84ab1e")
EXTENSION_CREATED = "2025-01-01T00:00:00.000Z"
EXTENSION_VERSION = "1.0"

_SELECTOR = {
    "type": "object",
    "required": ["start", "end", "quote"],
    "properties": {
        "start": {
            "type": "integer",
            "minimum": 0,
            "description": "code point offset into the document's normalised text",
        },
        "end": {"type": "integer", "minimum": 1, "description": "exclusive end offset"},
        "quote": {"type": "string"},
        "prefix": {"type": "string", "description": "up to 32 characters before the quote"},
        "suffix": {"type": "string", "description": "up to 32 characters after the quote"},
    },
}
EXTENSION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Assay annotation extension 1.0",
    "description": (
        "Native Assay values on report, note and opinion objects, so that a round trip through "
        "STIX loses nothing. Ratings keep their own scales: Admiralty credibility 1-6 and source "
        "reliability A-F, ICD 203 likelihood terms and analytic confidence. The STIX confidence "
        "property is derived from them (STIX 2.1 Appendix A) and never from likelihood."
    ),
    "type": "object",
    "required": ["extension_type"],
    "properties": {"extension_type": {"const": "property-extension"}},
    "oneOf": [
        {"$ref": "#/$defs/report"},
        {"$ref": "#/$defs/note"},
        {"$ref": "#/$defs/opinion"},
        {"$ref": "#/$defs/grouping"},
    ],
    "$defs": {
        "grouping": {
            "description": "An ACH matrix: the grouping's object_refs are its claims' notes.",
            "required": ["matrix_id", "question", "marking", "hypotheses", "rows", "cells"],
            "properties": {
                "matrix_id": {"type": "string", "format": "uuid"},
                "question": {"type": "string"},
                "marking": {"enum": ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]},
                "hypotheses": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["hypothesis_id", "text", "position"],
                        "properties": {
                            "hypothesis_id": {"type": "string", "format": "uuid"},
                            "text": {"type": "string"},
                            "position": {"type": "integer"},
                            "score": {"type": "number"},
                            "rank": {"type": "integer"},
                        },
                    },
                },
                "rows": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["annotation_id", "position"],
                        "properties": {
                            "annotation_id": {"type": "string", "format": "uuid"},
                            "note_ref": {"type": "string", "pattern": "^note--"},
                            "position": {"type": "integer"},
                            "weight": {"type": "number"},
                            "non_diagnostic": {"type": "boolean"},
                        },
                    },
                },
                "cells": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["hypothesis_id", "annotation_id", "rating"],
                        "properties": {
                            "hypothesis_id": {"type": "string", "format": "uuid"},
                            "annotation_id": {"type": "string", "format": "uuid"},
                            "rating": {"enum": ["CC", "C", "N", "I", "II", "NA"]},
                        },
                    },
                },
                "ranking": {"type": "array", "items": {"type": "string", "format": "uuid"}},
            },
        },
        "report": {
            "required": ["document_id", "sha256", "marking"],
            "properties": {
                "document_id": {"type": "string", "format": "uuid"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "title": {"type": "string"},
                "marking": {"enum": list(scales.TLP)},
                "language": {"type": "string"},
                "mime": {"type": "string"},
                "filename": {"type": "string"},
                "author": {"type": "string"},
                "published_at": {"type": "string"},
                "url": {"type": "string"},
                "source": {"type": "string"},
                "source_kind": {"type": "string"},
                "reliability": {"enum": list(scales.RELIABILITY)},
            },
        },
        "note": {
            "required": ["annotation_id", "kind", "document_sha256", "selector", "status"],
            "properties": {
                "annotation_id": {"type": "string", "format": "uuid"},
                "kind": {"enum": ["note", "claim"]},
                "document_id": {"type": "string", "format": "uuid"},
                "document_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "selector": _SELECTOR,
                "statement": {"type": "string"},
                "comment": {"type": "string"},
                "rationale": {"type": "string"},
                "credibility": {"type": "integer", "minimum": 1, "maximum": 6},
                "likelihood": {"enum": [x.key for x in scales.LIKELIHOOD]},
                "confidence": {"enum": list(scales.CONFIDENCE)},
                "reliability": {"enum": list(scales.RELIABILITY)},
                "status": {
                    "enum": ["draft", "submitted", "approved", "rejected", "changes_requested"]
                },
                "tags": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}, "colour": {"type": "string"}},
                    },
                },
                "links": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["to_ref", "to_annotation", "relation"],
                        "properties": {
                            "link_id": {"type": "string"},
                            "to_ref": {"type": "string", "pattern": "^note--"},
                            "to_annotation": {"type": "string", "format": "uuid"},
                            "relation": {
                                "enum": ["corroborates", "contradicts", "duplicates", "refines"]
                            },
                            "comment": {"type": "string"},
                        },
                    },
                },
                "submissions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["review_id", "at"],
                        "properties": {
                            "review_id": {"type": "string"},
                            "at": {"type": "string"},
                            "comment": {"type": "string"},
                        },
                    },
                },
                "analyst_id": {"type": "string"},
                "analyst": {"type": "string"},
                "created_at": {"type": "string"},
                "updated_at": {"type": "string"},
            },
        },
        "opinion": {
            "required": ["review_id", "annotation_id", "decision"],
            "properties": {
                "review_id": {"type": "string"},
                "annotation_id": {"type": "string", "format": "uuid"},
                "decision": {"enum": ["approve", "reject", "request_changes"]},
                "reviewer_id": {"type": "string"},
                "reviewer": {"type": "string"},
            },
        },
    },
}

_IDENTITY_CLASS = {
    "person": "individual",
    "outlet": "organization",
    "agency": "organization",
    "vendor": "organization",
    "organisation": "organization",
    "organization": "organization",
    "group": "group",
    "system": "system",
}
_STIX_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def stix_id(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(STIX_NAMESPACE, f'{kind}:{key}')}"


def note_id(ann_id: str) -> str:
    return stix_id("note", ann_id)


def report_id(doc_id: str) -> str:
    return stix_id("report", doc_id)


def stix_time(value: str | None, fallback: str = "1970-01-01T00:00:00Z") -> str:
    """A STIX timestamp (UTC, 'Z') from what the store holds: a date, or an ISO date-time."""
    if not value:
        return fallback
    if _STIX_TIME.match(value):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return fallback
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(values: dict) -> dict:
    """Drop empty values: STIX forbids empty lists, and empty strings carry nothing."""
    return {k: v for k, v in values.items() if v not in (None, "", [], {})}


def marking_definitions() -> list[stix2.MarkingDefinition]:
    """All five TLP 2.0 marking definitions, with the ids and bodies OASIS published."""
    return [
        stix2.MarkingDefinition(
            id=mid,
            created=TLP2_CREATED,
            name=f"TLP:{name}",
            extensions={
                TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": name.lower()}
            },
        )
        for name, mid in TLP2_MARKINGS.items()
    ]


def extension_definition() -> stix2.ExtensionDefinition:
    return stix2.ExtensionDefinition(
        id=EXTENSION_ID,
        created_by_ref=ASSAY_IDENTITY,
        created=EXTENSION_CREATED,
        modified=EXTENSION_CREATED,
        name="Assay annotation",
        description=(
            "Selectors (offsets, quote, prefix, suffix) and native ratings (Admiralty, "
            "ICD 203), tags, links, review state of Assay annotations and reviews."
        ),
        schema=json.dumps(EXTENSION_SCHEMA, sort_keys=True, ensure_ascii=False),
        version=EXTENSION_VERSION,
        extension_types=["property-extension"],
        object_marking_refs=[TLP2_MARKINGS["CLEAR"]],
    )


def assay_identity() -> stix2.Identity:
    return stix2.Identity(
        id=ASSAY_IDENTITY,
        created=EXTENSION_CREATED,
        modified=EXTENSION_CREATED,
        name="Assay",
        identity_class="system",
        description="Assay, the offline analyst review workbench that produced this bundle.",
        object_marking_refs=[TLP2_MARKINGS["CLEAR"]],
    )


def _ext(values: dict) -> dict:
    return {EXTENSION_ID: {"extension_type": "property-extension", **_clean(values)}}


def _note(data: ExportSet, ann: Annotation, marking: list[str]) -> stix2.Note:
    doc = data.document_of(ann)
    names = [a for a in (data.analysts.get(ann.created_by, {}).get("name"), ann.analyst) if a]
    links = [
        _clean(
            {
                "link_id": lk.id,
                "to_ref": note_id(lk.to_id),
                "to_annotation": lk.to_id,
                "relation": lk.relation,
                "comment": lk.comment,
            }
        )
        for lk in data.links
        if lk.from_id == ann.id
    ]
    submissions = [
        _clean({"review_id": r.id, "at": r.created_at, "comment": r.comment})
        for r in data.reviews.get(ann.id, [])
        if r.decision == "submit"
    ]
    tags = [_clean({"name": t, "colour": data.tags.get(t, {}).get("colour")}) for t in ann.tags]
    if ann.kind == "claim":
        content = ann.statement or ann.quote
    else:
        content = ann.comment or ann.quote
    props = dict(
        id=note_id(ann.id),
        created=stix_time(ann.created_at),
        modified=stix_time(ann.updated_at),
        created_by_ref=stix_id("identity", f"analyst:{ann.created_by}"),
        abstract=_shorten(ann.quote, 200),
        content=content,
        authors=names[:1] or [ann.created_by],
        object_refs=[report_id(doc.id)],
        object_marking_refs=marking,
        labels=list(ann.tags) or None,
        extensions=_ext(
            {
                "annotation_id": ann.id,
                "kind": ann.kind,
                "document_id": doc.id,
                "document_sha256": doc.sha256,
                "selector": _clean(
                    {
                        "start": ann.start,
                        "end": ann.end,
                        "quote": ann.quote,
                        "prefix": ann.prefix,
                        "suffix": ann.suffix,
                    }
                ),
                "statement": ann.statement if ann.kind == "claim" else None,
                "comment": ann.comment,
                "rationale": ann.rationale,
                "credibility": ann.credibility,
                "likelihood": ann.likelihood,
                "confidence": ann.confidence,
                "reliability": ann.reliability,
                "status": ann.status,
                "tags": tags,
                "links": links,
                "submissions": submissions,
                "analyst_id": ann.created_by,
                "analyst": ann.analyst,
                "created_at": ann.created_at,
                "updated_at": ann.updated_at,
            }
        ),
    )
    if ann.kind == "claim":
        confidence = scales.stix_confidence(ann.credibility, ann.confidence)
        if confidence is not None:
            props["confidence"] = confidence
    return stix2.Note(**{k: v for k, v in props.items() if v is not None})


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _report(entry, marking: list[str], note_ids: list[str], source_ref: str | None) -> stix2.Report:
    doc = entry.document
    refs = note_ids + ([source_ref] if source_ref else [])
    description = []
    if doc.source:
        rel = (
            f", reliability {doc.reliability} ({scales.RELIABILITY[doc.reliability]})"
            if (doc.reliability in scales.RELIABILITY)
            else ""
        )
        description.append(f"Source: {doc.source}{rel}.")
    if doc.author:
        description.append(f"Author: {doc.author}.")
    opening = _shorten(doc.text.split("\n\n", 1)[0], 300)
    if opening:
        description.append(f"Opens: “{opening}”")
    external = _clean(
        {
            "source_name": "assay-document",
            "external_id": doc.sha256,
            "description": f"Original file {doc.filename or ''}".strip()
            + " (SHA-256 of its bytes)",
            "url": doc.url,
            "hashes": {"SHA-256": doc.sha256},
        }
    )
    return stix2.Report(
        id=report_id(doc.id),
        created=stix_time(doc.imported_at),
        modified=stix_time(entry.modified or doc.imported_at),
        created_by_ref=ASSAY_IDENTITY,
        name=doc.title,
        description=" ".join(description) or None,
        published=stix_time(doc.published_at, stix_time(doc.imported_at)),
        report_types=["threat-report"],
        object_refs=refs or [ASSAY_IDENTITY],
        object_marking_refs=marking,
        external_references=[external],
        lang=doc.language if doc.language and doc.language != "und" else None,
        extensions=_ext(
            {
                "document_id": doc.id,
                "sha256": doc.sha256,
                "title": doc.title,
                "marking": doc.marking,
                "language": doc.language,
                "mime": doc.mime,
                "filename": doc.filename,
                "author": doc.author,
                "published_at": doc.published_at,
                "url": doc.url,
                "source": doc.source,
                "source_kind": entry.source_kind,
                "reliability": doc.reliability,
            }
        ),
    )


def _matrix_groupings(data: ExportSet) -> list[stix2.Grouping]:
    """Each ACH matrix as a grouping of its claims' notes; hypotheses, ratings and scores ride
    in the extension (not as opinions: those are review decisions here)."""
    out = []
    for m in data.matrices:
        live = [r for r in m.rows if not r.missing]
        if not live:  # a grouping needs at least one object
            continue
        names = {h.id: f"H{i + 1}" for i, h in enumerate(m.hypotheses)}
        ranking = " < ".join(f"{names[h]} {m.scores[h]:.2f}" for h in m.ranking)
        out.append(
            stix2.Grouping(
                id=stix_id("grouping", m.id),
                created=stix_time(m.created_at),
                modified=stix_time(m.updated_at),
                name=m.question,
                description=(
                    "Analysis of competing hypotheses. "
                    + " ".join(f"{names[h.id]}: {h.text}." for h in m.hypotheses)
                    + (f" Weighted inconsistency, least first: {ranking}." if ranking else "")
                ),
                context="unspecified",
                object_refs=[note_id(r.annotation_id) for r in live],
                object_marking_refs=[TLP2_MARKINGS[m.marking]],
                extensions=_ext(
                    {
                        "matrix_id": m.id,
                        "question": m.question,
                        "marking": m.marking,
                        "hypotheses": [
                            {
                                "hypothesis_id": h.id,
                                "text": h.text,
                                "position": h.position,
                                "score": round(h.score, 4),
                                "rank": h.rank,
                            }
                            for h in m.hypotheses
                        ],
                        "rows": [
                            {
                                "annotation_id": r.annotation_id,
                                "note_ref": note_id(r.annotation_id),
                                "position": r.position,
                                "weight": round(r.weight, 4),
                                "non_diagnostic": r.non_diagnostic,
                            }
                            for r in live
                        ],
                        "cells": [
                            {"hypothesis_id": h, "annotation_id": r.annotation_id, "rating": v}
                            for r in live
                            for h, v in sorted(r.cells.items())
                        ],
                        "ranking": list(m.ranking),
                    }
                ),
            )
        )
    return out


def build_bundle(data: ExportSet) -> stix2.Bundle:
    """The STIX 2.1 bundle for an ExportSet (deterministic ids; timestamps from the store)."""
    highest = [TLP2_MARKINGS[data.highest_marking]]
    objects: list = [*marking_definitions(), assay_identity(), extension_definition()]
    for person_id, person in sorted(data.analysts.items()):
        objects.append(
            stix2.Identity(
                id=stix_id("identity", f"analyst:{person_id}"),
                created=EXTENSION_CREATED,
                modified=EXTENSION_CREATED,
                name=person.get("name") or person_id,
                identity_class="individual",
                roles=[person.get("role") or "analyst"],
                object_marking_refs=highest,
            )
        )
    sources: dict[str, str] = {}
    for entry in data.documents:
        doc = entry.document
        marking = [TLP2_MARKINGS[doc.marking]]
        if doc.source and doc.source not in sources:
            sid = stix_id("identity", f"source:{doc.source}")
            sources[doc.source] = sid
            objects.append(
                stix2.Identity(
                    id=sid,
                    created=EXTENSION_CREATED,
                    modified=EXTENSION_CREATED,
                    name=doc.source,
                    identity_class=_IDENTITY_CLASS.get(
                        (entry.source_kind or "").lower(), "organization"
                    ),
                    object_marking_refs=highest,
                )
            )
        notes = [_note(data, ann, marking) for ann in entry.annotations]
        objects.append(_report(entry, marking, [n.id for n in notes], sources.get(doc.source)))
        objects.extend(notes)
        for ann in entry.annotations:
            for review in data.reviews.get(ann.id, []):
                if review.decision == "submit":
                    continue
                reviewer = data.analysts.get(review.reviewer_id, {}).get("name") or review.reviewer
                objects.append(
                    stix2.Opinion(
                        id=stix_id("opinion", review.id),
                        created=stix_time(review.created_at),
                        modified=stix_time(review.created_at),
                        created_by_ref=stix_id("identity", f"analyst:{review.reviewer_id}"),
                        opinion=review.opinion or DEFAULT_OPINION[review.decision],
                        explanation=review.comment or None,
                        authors=[reviewer],
                        object_refs=[note_id(ann.id)],
                        object_marking_refs=marking,
                        extensions=_ext(
                            {
                                "review_id": review.id,
                                "annotation_id": ann.id,
                                "decision": review.decision,
                                "reviewer_id": review.reviewer_id,
                                "reviewer": reviewer,
                            }
                        ),
                    )
                )
    objects.extend(_matrix_groupings(data))
    ids = sorted(o.id for o in objects)
    bundle_id = f"bundle--{uuid.uuid5(STIX_NAMESPACE, 'bundle:' + ','.join(ids))}"
    return stix2.Bundle(objects=objects, id=bundle_id)


def stix_json(ws: Workspace, selection: Selection | None = None) -> str:
    return build_bundle(gather(ws, selection)).serialize(pretty=True, ensure_ascii=False)


def export_stix(
    ws: Workspace, dest: Path | str, selection: Selection | None = None
) -> ExportResult:
    """Write the selection as a STIX 2.1 bundle (JSON, UTF-8) to DEST."""
    data = gather(ws, selection)
    text = build_bundle(data).serialize(pretty=True, ensure_ascii=False)
    return ExportResult.of(write_atomic(dest, text.encode("utf-8")), "STIX 2.1", data)
