"""W3C Web Annotation import: annotations onto documents already in the workspace.

A target names its document by hash (`urn:sha256:…`, as Assay exports it) or by the URL the
document came from. The TextQuoteSelector re-anchors the annotation when the
TextPositionSelector no longer points at the quote (another tool's text, an edited copy).
Nothing is fetched: the context and any body or page given only by IRI are left alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from desktop.core.kernel.errors import WebAnnotationImportError
from desktop.core.kernel.records import RELATIONS

from ..exports.webanno import MARKING_KEY, RATINGS_KEY, RELATION_KEY
from ..kernel import scales
from ..kernel.errors import NotFound
from ..workspace import Workspace, document_id
from .common import (
    MAX_JSON_BYTES,
    ImportSummary,
    PlannedAnnotation,
    PlannedLink,
    anchor,
    apply_plan,
    attribute,
    read_capped,
    safe_tag,
)

_SHA_URN = re.compile(r"^urn:sha256:([0-9a-fA-F]{64})$")
MAX_PAGES = 1000


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _purposes(body: dict) -> set[str]:
    return {p for p in _as_list(body.get("purpose")) if isinstance(p, str)}


def annotations_in(data) -> list[dict]:
    """The annotations of a collection (embedded pages only), a page, a list or a single one."""
    if isinstance(data, list):
        return [a for a in data if isinstance(a, dict)]
    if not isinstance(data, dict):
        raise WebAnnotationImportError(
            "This is not W3C Web Annotation JSON (no object at the top level)."
        )
    types = set(_as_list(data.get("type")))
    if "Annotation" in types:
        return [data]
    if "AnnotationPage" in types:
        pages = [data]
    elif "AnnotationCollection" in types:
        first = data.get("first")
        if first is None:
            return []
        if not isinstance(first, dict):
            raise WebAnnotationImportError(
                "The collection's first page is only referenced by its address, not embedded; "
                "Assay never fetches it. Export the collection with its pages embedded."
            )
        pages = [first]
    else:
        raise WebAnnotationImportError(
            "This JSON is not a W3C Web Annotation, AnnotationPage or AnnotationCollection "
            f"(type {data.get('type')!r})."
        )
    items = []
    page = pages[0]
    for _ in range(MAX_PAGES):
        items += [a for a in _as_list(page.get("items")) if isinstance(a, dict)]
        page = page.get("next")
        if not isinstance(page, dict):
            break
    return items


def _document_for(ws: Workspace, target: dict, urls: dict[str, str]) -> str | None:
    source = target.get("source")
    candidates = []
    if isinstance(source, dict):
        candidates.append(source.get("id") or source.get("@id"))
        candidates += _as_list(source.get("via"))
    elif isinstance(source, str):
        candidates.append(source)
    candidates += _as_list(target.get("via"))
    for value in candidates:
        if not isinstance(value, str):
            continue
        m = _SHA_URN.match(value.strip())
        if m:
            doc_id = document_id(m.group(1).lower())
            try:
                return ws.document(doc_id).id
            except NotFound:
                continue
        if value in urls:
            return urls[value]
    return None


def _selectors(target: dict) -> tuple[dict | None, dict | None]:
    quote = position = None
    for sel in _as_list(target.get("selector")):
        if not isinstance(sel, dict):
            continue
        kind = sel.get("type")
        if kind == "TextQuoteSelector" and quote is None:
            quote = sel
        elif kind == "TextPositionSelector" and position is None:
            position = sel
    return quote, position


def _plan(
    ws: Workspace,
    item: dict,
    n: int,
    urls: dict[str, str],
    texts: dict[str, str],
    summary: ImportSummary,
) -> tuple[PlannedAnnotation, str | None] | None:
    key = str(item.get("id") or f"annotation #{n + 1}")
    targets = [t for t in _as_list(item.get("target")) if isinstance(t, (dict, str))]
    if not targets:
        summary.skipped.append(f"{key}: no target")
        return None
    target = next((t for t in targets if isinstance(t, dict) and t.get("selector")), targets[0])
    if isinstance(target, str):
        target = {"source": target}
    doc_id = _document_for(ws, target, urls)
    if doc_id is None:
        summary.skipped.append(
            f"{key}: its document ({target.get('source')!r}) is not in this "
            "workspace; import the document first"
        )
        return None
    if doc_id not in texts:
        texts[doc_id] = ws.document(doc_id).text
    text = texts[doc_id]
    quote, position = _selectors(target)
    span = None
    hint = position.get("start") if position else None
    hint = hint if isinstance(hint, int) and not isinstance(hint, bool) else None
    if quote and isinstance(quote.get("exact"), str):
        span = anchor(
            text,
            quote["exact"],
            str(quote.get("prefix") or ""),
            str(quote.get("suffix") or ""),
            hint,
        )
        if span is None:
            summary.skipped.append(f"{key}: its quote is not in the document any more")
            return None
    elif position:
        start, end = position.get("start"), position.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            span = (start, end)
    if span is None:
        summary.skipped.append(f"{key}: no text selector Assay can place")
        return None
    plan = PlannedAnnotation(key=key, document_id=doc_id, start=span[0], end=span[1])
    comments, claim = [], item.get("urn:assay:kind") == "claim"
    if isinstance(item.get("bodyValue"), str):
        comments.append(item["bodyValue"])
    for body in _as_list(item.get("body")):
        if not isinstance(body, dict):
            continue
        purposes, value = _purposes(body), body.get("value")
        if "linking" in purposes:
            relation, other = body.get(RELATION_KEY), body.get("source") or body.get("id")
            if relation in RELATIONS and isinstance(other, str):
                plan.links.append(
                    PlannedLink(other, relation, str(body.get("urn:assay:comment") or ""))
                )
            else:
                summary.skipped.append(f"{key}: a link without an Assay relation")
            continue
        if not isinstance(value, str):
            continue
        if "tagging" in purposes:
            tag = safe_tag(value)
            if tag:
                plan.tags.append(tag)
            else:
                summary.skipped.append(f"{key}: tag {value!r} has no usable characters")
        elif "describing" in purposes:
            plan.statement = value
            claim = True
        elif "assessing" in purposes and isinstance(body.get(RATINGS_KEY), dict):
            ratings = body[RATINGS_KEY]
            plan.credibility = ratings.get("credibility")
            plan.likelihood = ratings.get("likelihood")
            plan.confidence = ratings.get("confidence")
            plan.rationale = str(ratings.get("rationale") or "")
            claim = True
        else:  # commenting, and bodies whose purpose Assay has no field for
            comments.append(value)
    plan.kind = "claim" if claim else "note"
    creator = item.get("creator")
    creator = creator.get("name") if isinstance(creator, dict) else None
    plan.comment = attribute(
        "\n\n".join(c.strip() for c in comments if c.strip()),
        creator if isinstance(creator, str) else None,
        ws,
    )
    plan.tags = list(dict.fromkeys(plan.tags))
    marking = item.get(MARKING_KEY)
    return plan, marking if isinstance(marking, str) else None


def import_webanno(ws: Workspace, path: Path | str) -> ImportSummary:
    """Import a Web Annotation collection, page, list or single annotation (JSON-LD)."""
    path = Path(path)
    raw = read_capped(path, MAX_JSON_BYTES, WebAnnotationImportError)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebAnnotationImportError(f"{path.name} is not valid JSON: {exc}") from exc
    items = annotations_in(data)
    summary = ImportSummary("W3C Web Annotation", path)
    urls = {d["url"]: d["id"] for d in ws.list_documents() if d.get("url")}
    plans, markings, texts = [], {}, {}
    for n, item in enumerate(items):
        if not isinstance(item, dict) or "Annotation" not in _as_list(item.get("type")):
            summary.skipped.append(f"item {n + 1}: not an Annotation")
            continue
        made = _plan(ws, item, n, urls, texts, summary)
        if made is None:
            continue
        plan, marking = made
        plans.append(plan)
        if marking:
            markings[plan.document_id] = max(
                [markings.get(plan.document_id, "TLP:CLEAR"), marking], key=_rank
            )
    if items and not plans:
        raise WebAnnotationImportError(
            f"None of the {len(items)} annotation(s) in {path.name} could be placed: "
            f"{summary.skipped[0]}."
        )
    apply_plan(ws, plans, summary, WebAnnotationImportError, markings)
    summary.documents_matched = sorted({p.document_id for p in plans})
    return summary


def _rank(marking: str) -> int:
    try:
        return scales.marking_rank(marking)
    except scales.RatingError:
        return -1
