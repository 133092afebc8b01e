"""W3C Web Annotation export: one AnnotationCollection with its first (only) page embedded.

Each annotation targets the document's original bytes by hash (`urn:sha256:…`, with `via` the
URL it came from) with a TextQuoteSelector and a TextPositionSelector (code points into the
normalised text, end exclusive, as the model defines). Tags are `tagging` bodies, the comment a
`commenting` body, a claim's statement a `describing` body and its ratings an `assessing` body.
Values the W3C vocabulary has no term for (the ratings as codes, the review state, the
relation of a link) sit under keys that are absolute IRIs (`urn:assay:…`), which JSON-LD
processors keep as they are, so the context stays the plain W3C one and is never fetched.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from desktop.core.kernel.records import Annotation

from ..kernel import scales
from ..workspace import Workspace
from .output import ExportResult, write_atomic
from .selection import ExportSet, Selection, gather

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
RATINGS_KEY = "urn:assay:ratings"
RELATION_KEY = "urn:assay:relation"
MARKING_KEY = "urn:assay:marking"
NAMESPACE = uuid.UUID("0a6f1e57-5c8e-4f0e-9d0b-3b7a2c1d4e5f")


def annotation_iri(ann_id: str) -> str:
    return f"urn:uuid:{ann_id}"


def person_iri(analyst_id: str) -> str:
    return f"urn:uuid:{analyst_id}" if _is_uuid(analyst_id) else f"urn:assay:analyst:{analyst_id}"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def rating_sentences(ann: Annotation) -> str:
    """The ratings as analysts write them; confidence gets its own sentence, never the likelihood's."""
    parts = []
    if ann.reliability or ann.credibility:
        code = scales.admiralty_code(ann.reliability, ann.credibility)
        rel = scales.RELIABILITY.get(ann.reliability or "F", "")
        cred = scales.CREDIBILITY.get(ann.credibility or 6, "")
        parts.append(f"{code}: source {rel}, information {cred}.")
    if ann.likelihood:
        label = scales.likelihood_label(ann.likelihood)
        parts.append(f"{label[0].upper()}{label[1:]} ({scales.likelihood_band(ann.likelihood)}).")
    if ann.confidence:
        parts.append(f"Analytic confidence: {ann.confidence}.")
    return " ".join(parts)


def _annotation(data: ExportSet, ann: Annotation) -> dict:
    doc = data.document_of(ann)
    person = data.analysts.get(ann.created_by, {})
    bodies: list[dict] = [
        {"type": "TextualBody", "purpose": "tagging", "value": tag, "format": "text/plain"}
        for tag in ann.tags
    ]
    if ann.kind == "claim" and ann.statement:
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": "describing",
                "value": ann.statement,
                "format": "text/plain",
            }
        )
    if ann.comment:
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": ann.comment,
                "format": "text/plain",
            }
        )
    if ann.kind == "claim":
        ratings = {
            k: v
            for k, v in {
                "credibility": ann.credibility,
                "reliability": ann.reliability,
                "admiralty": scales.admiralty_code(ann.reliability, ann.credibility),
                "likelihood": ann.likelihood,
                "confidence": ann.confidence,
                "rationale": ann.rationale,
                "stix_confidence": scales.stix_confidence(ann.credibility, ann.confidence),
            }.items()
            if v not in (None, "")
        }
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": "assessing",
                "format": "text/plain",
                "value": rating_sentences(ann) or "Not rated.",
                RATINGS_KEY: ratings,
            }
        )
    for lk in data.links:
        if lk.from_id == ann.id:
            body = {
                "type": "SpecificResource",
                "purpose": "linking",
                "source": annotation_iri(lk.to_id),
                RELATION_KEY: lk.relation,
            }
            if lk.comment:
                body["urn:assay:comment"] = lk.comment
            bodies.append(body)
    target: dict = {
        "type": "SpecificResource",
        "source": f"urn:sha256:{doc.sha256}",
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": ann.quote,
                "prefix": ann.prefix,
                "suffix": ann.suffix,
            },
            {"type": "TextPositionSelector", "start": ann.start, "end": ann.end},
        ],
    }
    if doc.url:
        target["via"] = doc.url
    out = {
        "id": annotation_iri(ann.id),
        "type": "Annotation",
        "motivation": "assessing" if ann.kind == "claim" else "commenting",
        "creator": {
            "id": person_iri(ann.created_by),
            "type": "Person",
            "name": person.get("name") or ann.analyst or ann.created_by,
        },
        "created": ann.created_at,
        "modified": ann.updated_at,
        "target": target,
        MARKING_KEY: f"TLP:{doc.marking}",
        "urn:assay:kind": ann.kind,
        "urn:assay:status": ann.status,
    }
    if bodies:
        out["body"] = bodies
    return out


def build_collection(data: ExportSet) -> dict:
    items = [_annotation(data, a) for d in data.documents for a in d.annotations]
    key = ",".join(sorted(a.id for a in data.annotations)) + "|" + data.selection.describe()
    cid = f"urn:uuid:{uuid.uuid5(NAMESPACE, key)}"
    return {
        "@context": CONTEXT,
        "id": cid,
        "type": "AnnotationCollection",
        "label": f"Assay annotations from {data.workspace_name} ({data.selection.describe()})",
        "total": len(items),
        "generated": data.created,
        "generator": {"id": "urn:assay:software", "type": "Software", "name": "Assay"},
        MARKING_KEY: f"TLP:{data.highest_marking}",
        "first": {
            "id": f"{cid}#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }


def webanno_json(ws: Workspace, selection: Selection | None = None) -> str:
    return json.dumps(build_collection(gather(ws, selection)), indent=2, ensure_ascii=False)


def export_webanno(
    ws: Workspace, dest: Path | str, selection: Selection | None = None
) -> ExportResult:
    """Write the selection as a W3C Web Annotation collection (JSON-LD, UTF-8) to DEST."""
    data = gather(ws, selection)
    text = json.dumps(build_collection(data), indent=2, ensure_ascii=False)
    return ExportResult.of(write_atomic(dest, text.encode("utf-8")), "W3C Web Annotation", data)
