"""STIX 2.1 import: notes Assay exported (with its property extension) come back as annotations.

A note is placed on the document whose hash its extension (or its report's external
reference) names, re-anchored by its quote; its ratings, tags and links come from the
extension. A note Assay wrote keeps its author, its id and its creation time, and its review
thread comes back: the submissions listed in its extension and the opinions that refer to it
(an opinion from another tool becomes a decision by the identity that made it: agree →
approve, disagree → reject, neutral → changes requested). The claim's state follows the
newest step of that thread.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from desktop.core.kernel.errors import StixImportError
from desktop.core.kernel.records import Person

from ..exports.stix import EXTENSION_ID, TLP_FROM_MARKING_ID
from ..kernel import scales
from ..kernel.errors import NotFound
from ..workspace import Workspace, document_id
from .common import (
    MAX_JSON_BYTES,
    ImportSummary,
    PlannedAnnotation,
    PlannedLink,
    PlannedReview,
    anchor,
    apply_plan,
    attribute,
    read_capped,
    safe_tag,
)

_SHA = re.compile(r"^[0-9a-fA-F]{64}$")


def _report_sha(report: dict) -> str | None:
    ext = _dict(_dict(report.get("extensions")).get(EXTENSION_ID))
    if isinstance(ext.get("sha256"), str) and _SHA.match(ext["sha256"]):
        return ext["sha256"].lower()
    for ref in _list(report.get("external_references")):
        if isinstance(ref, dict):
            sha = _dict(ref.get("hashes")).get("SHA-256")
            if isinstance(sha, str) and _SHA.match(sha):
                return sha.lower()
    return None


def _marking(obj: dict) -> str | None:
    found = [
        TLP_FROM_MARKING_ID[m]
        for m in _refs(obj, "object_marking_refs")
        if m in TLP_FROM_MARKING_ID
    ]
    if not found:
        return None
    return max(found, key=scales.marking_rank)


_DECISION_FROM_OPINION = {
    "strongly-agree": "approve",
    "agree": "approve",
    "neutral": "request_changes",
    "disagree": "reject",
    "strongly-disagree": "reject",
}
_PEOPLE = uuid.UUID("6f1c7c9e-2d0b-5d8e-9a51-1c0de5a55a11")  # ids for people known by STIX id only


def _person(by_id: dict, ref: object, person_id: object, name: object, role: str) -> Person | None:
    """Who made a note or an opinion: Assay's own ids when its extension names them, else the
    STIX identity (an id made from it, so the same identity is the same person each time)."""
    identity = by_id.get(ref) if isinstance(ref, str) else None
    if identity is not None and identity.get("type") != "identity":
        identity = None
    if not isinstance(name, str) or not name.strip():
        name = (identity or {}).get("name")
    roles = (identity or {}).get("roles") or []
    if isinstance(roles, list) and "supervisor" in roles:
        role = "supervisor"
    try:
        pid = str(uuid.UUID(str(person_id)))
    except ValueError:
        if identity is None:
            return None
        pid = str(uuid.uuid5(_PEOPLE, identity["id"]))
    if not isinstance(name, str) or not name.strip():
        return None
    return Person(pid, name, role).checked()


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _refs(obj: dict, key: str = "object_refs") -> list[str]:
    return [r for r in _list(obj.get(key)) if isinstance(r, str)]


def _stamp(value: object) -> str | None:
    """A STIX timestamp in the form Assay stores (microseconds, Z)."""
    if not isinstance(value, str):
        return None
    m = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$", value)
    if not m:
        return None
    return f"{m.group(1)}.{(m.group(2) or '')[:6].ljust(6, '0')}Z"


def _thread(
    note: dict, ext: dict, author: Person, opinions: list[dict], by_id: dict, summary: ImportSummary
) -> list[PlannedReview]:
    steps = []
    for sub in _list(ext.get("submissions")):
        if isinstance(sub, dict) and isinstance(sub.get("at"), str):
            steps.append(
                PlannedReview(
                    "submit",
                    author,
                    sub["at"],
                    sub.get("review_id"),
                    None,
                    str(sub.get("comment") or ""),
                )
            )
    for op in opinions:
        oext = _dict(op.get("extensions")).get(EXTENSION_ID)
        oext = oext if isinstance(oext, dict) else {}
        authors = op.get("authors") if isinstance(op.get("authors"), list) else []
        reviewer = _person(
            by_id,
            op.get("created_by_ref"),
            oext.get("reviewer_id"),
            oext.get("reviewer") or (authors[0] if authors else None),
            "supervisor",
        )
        decision = oext.get("decision") or _DECISION_FROM_OPINION.get(op.get("opinion"))
        when = _stamp(op.get("created"))
        if reviewer is None or decision is None or when is None:
            summary.reviews_not_applied += 1
            summary.skipped.append(f"{op['id']}: no reviewer, decision or time to record")
            continue
        opinion = op.get("opinion") if isinstance(op.get("opinion"), str) else None
        steps.append(
            PlannedReview(
                str(decision),
                reviewer,
                when,
                oext.get("review_id"),
                opinion,
                str(op.get("explanation") or ""),
            )
        )
    return steps


_FOREIGN_NOTES = uuid.UUID("0b7e3c52-6a0f-5d1b-8f53-2f4c8f7d9e21")  # ids for other tools' notes


def _foreign_note(
    ws: Workspace, note: dict, by_id: dict, summary: ImportSummary
) -> PlannedAnnotation | None:
    """A note another tool (OpenCTI, MISP…) made on one of our reports: it names no span, so it
    goes on the document's title line, by the identity that wrote it, with its labels as tags."""
    reports = [by_id.get(r) for r in _refs(note)]
    sha = next((_report_sha(r) for r in reports if r and r.get("type") == "report"), None)
    if not sha:
        summary.skipped.append(f"{note['id']}: it refers to no report Assay exported")
        return None
    try:
        doc = ws.document(document_id(sha))
    except NotFound:
        summary.skipped.append(
            f"{note['id']}: document {sha[:12]}… is not in this workspace; import the original "
            "file first"
        )
        return None
    authors = note.get("authors") if isinstance(note.get("authors"), list) else []
    author = _person(
        by_id, note.get("created_by_ref"), None, authors[0] if authors else None, "analyst"
    )
    text = " ".join(
        str(note.get(k) or "").strip() for k in ("abstract", "content") if note.get(k)
    ).strip()
    if author is None or not text:
        summary.skipped.append(f"{note['id']}: a note with no author or no text to keep")
        return None
    first = doc.text.split("\n", 1)[0]
    end = len(first.rstrip()) or min(len(doc.text), 80)
    tags = [t for t in (safe_tag(x) for x in _list(note.get("labels")) if isinstance(x, str)) if t]
    return PlannedAnnotation(
        key=str(uuid.uuid5(_FOREIGN_NOTES, note["id"])),
        document_id=doc.id,
        start=0,
        end=end,
        comment=text,
        tags=list(dict.fromkeys(tags)),
        author=author,
        created_at=_stamp(note.get("created")),
    )


def _keep_highest(markings: dict[str, str], doc_id: str, marking: str | None) -> None:
    if marking and (
        doc_id not in markings
        or scales.marking_rank(marking) > scales.marking_rank(markings[doc_id])
    ):
        markings[doc_id] = marking


def load_bundle(path: Path) -> dict:
    raw = read_capped(path, MAX_JSON_BYTES, StixImportError)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StixImportError(f"{path.name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "bundle":
        raise StixImportError(f'{path.name} is not a STIX bundle (no "type": "bundle").')
    objects = data.get("objects")
    if not isinstance(objects, list) or not all(
        isinstance(o, dict) and isinstance(o.get("id"), str) and isinstance(o.get("type"), str)
        for o in objects
    ):
        raise StixImportError(
            f"{path.name}: the bundle's objects are missing or malformed "
            "(each needs a type and an id)."
        )
    return data


def import_stix(ws: Workspace, path: Path | str) -> ImportSummary:
    """Import the Assay notes of a STIX 2.1 bundle onto documents already in the workspace."""
    path = Path(path)
    objects = load_bundle(path)["objects"]
    summary = ImportSummary("STIX 2.1", path)
    try:
        plans, markings, notes = _plan(ws, objects, summary)
    except (TypeError, AttributeError, ValueError, KeyError) as exc:
        # a property of an unexpected type (a number where a list or an object belongs)
        raise StixImportError(
            f"{path.name} holds an object Assay cannot read ({type(exc).__name__}: {exc}); "
            "nothing was imported."
        ) from exc
    if not notes:
        raise StixImportError(f"{path.name} holds no notes, so it has no annotations to import.")
    if not plans:
        raise StixImportError(
            f"None of the {len(notes)} note(s) in {path.name} could be "
            f"placed: {summary.skipped[0]}."
        )
    apply_plan(ws, plans, summary, StixImportError, markings)
    summary.documents_matched = sorted({p.document_id for p in plans})
    return summary


def _plan(ws: Workspace, objects: list[dict], summary: ImportSummary):
    by_id = {o["id"]: o for o in objects}
    plans: list[PlannedAnnotation] = []
    markings: dict[str, str] = {}
    texts: dict[str, str] = {}
    notes = [o for o in objects if o["type"] == "note"]
    opinions: dict[str, list[dict]] = {}
    for obj in objects:
        if obj["type"] != "opinion":
            continue
        refs = [r for r in _refs(obj) if r in by_id]
        on_notes = [r for r in refs if by_id[r]["type"] == "note"]
        for ref in on_notes:
            opinions.setdefault(ref, []).append(obj)
        if not on_notes:
            summary.reviews_not_applied += 1
            summary.skipped.append(f"{obj['id']}: an opinion on no note of this bundle")
    for note in notes:
        ext = _dict(note.get("extensions")).get(EXTENSION_ID)
        if not isinstance(ext, dict):
            plan = _foreign_note(ws, note, by_id, summary)
            if plan is not None:
                plan.reviews = _thread(
                    note, {}, plan.author, opinions.get(note["id"], []), by_id, summary
                )
                plans.append(plan)
                _keep_highest(markings, plan.document_id, _marking(note))
            continue
        sha = ext.get("document_sha256")
        if not (isinstance(sha, str) and _SHA.match(sha)):
            reports = [by_id.get(r) for r in _refs(note)]
            sha = next(
                (
                    _report_sha(r)
                    for r in reports
                    if r and r.get("type") == "report" and _report_sha(r)
                ),
                None,
            )
        if not sha:
            raise StixImportError(
                f"{note['id']}: neither the note nor its report names the document's SHA-256."
            )
        try:
            doc = ws.document(document_id(sha.lower()))
        except NotFound:
            summary.skipped.append(
                f"{note['id']}: document {sha[:12]}… is not in this "
                "workspace; import the original file first"
            )
            continue
        selector = ext.get("selector")
        if not isinstance(selector, dict) or not isinstance(selector.get("quote"), str):
            raise StixImportError(f"{note['id']}: the Assay extension has no selector.")
        if doc.id not in texts:
            texts[doc.id] = doc.text
        hint = selector.get("start") if isinstance(selector.get("start"), int) else None
        span = anchor(
            texts[doc.id],
            selector["quote"],
            str(selector.get("prefix") or ""),
            str(selector.get("suffix") or ""),
            hint,
        )
        if span is None:
            summary.skipped.append(f"{note['id']}: its quote is not in document {doc.title!r}")
            continue
        kind = ext.get("kind") if ext.get("kind") in ("note", "claim") else "note"
        key = str(ext.get("annotation_id") or note["id"])
        tags = []
        for tag in _list(ext.get("tags")):
            name = tag.get("name") if isinstance(tag, dict) else tag
            if isinstance(name, str) and safe_tag(name):
                tags.append(safe_tag(name))
        links = [
            PlannedLink(
                str(lk.get("to_annotation") or ""),
                str(lk.get("relation")),
                str(lk.get("comment") or ""),
            )
            for lk in _list(ext.get("links"))
            if isinstance(lk, dict)
        ]
        author = _person(
            by_id, note.get("created_by_ref"), ext.get("analyst_id"), ext.get("analyst"), "analyst"
        )
        plan = PlannedAnnotation(
            key=key,
            document_id=doc.id,
            start=span[0],
            end=span[1],
            kind=kind,
            comment=str(ext.get("comment") or "")
            if author
            else attribute(str(ext.get("comment") or ""), ext.get("analyst"), ws),
            statement=str(ext.get("statement") or "") if kind == "claim" else "",
            credibility=ext.get("credibility") if kind == "claim" else None,
            likelihood=ext.get("likelihood") if kind == "claim" else None,
            confidence=ext.get("confidence") if kind == "claim" else None,
            rationale=str(ext.get("rationale") or "") if kind == "claim" else "",
            tags=list(dict.fromkeys(tags)),
            links=[lk for lk in links if lk.target],
            author=author,
            created_at=ext.get("created_at") or _stamp(note.get("created")),
        )
        if author is not None:
            plan.reviews = _thread(note, ext, author, opinions.get(note["id"], []), by_id, summary)
        else:
            summary.reviews_not_applied += len(opinions.get(note["id"], []))
        plans.append(plan)
        _keep_highest(markings, doc.id, _marking(note))
    return plans, markings, notes
