"""REFI-QDA project export (.qdpx): tags as a code tree, annotations as codings, claims as notes.

The archive holds `project.qde` (validated against the REFI-QDA Project schema before anything
is written), `sources/<guid>.txt`, the normalised text every offset refers to, and each
document's original file as `sources/<guid>-original.<ext>` (named by the source's `Original`
variable, beside its `SHA-256`, `Filename` and `Type`), so a workspace that imports the project
recognises or recreates the very document. Positions count code points and `endPosition` is
the offset after the last character (exclusive), as QualCoder and NVivo read them — REFI-QDA
§10.2 says the last character itself, which those readers would show one character short.
Claims' statements and ratings, the review thread and link comments are REFI notes referenced
from the selection (NoteRef); links between claims are REFI `Link`s between selections; each
source carries its TLP marking as a variable.
"""

from __future__ import annotations

import functools
import io
import re
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from desktop import __version__
from desktop.core.kernel.errors import ExportError
from desktop.core.kernel.records import Annotation, Review

from ..kernel import scales
from ..workspace import Workspace
from .output import ExportResult, write_atomic
from .selection import ExportSet, Selection, gather

NS = "urn:QDA-XML:project:1.0"
NAMESPACE = uuid.UUID("7d0b9c52-2f7e-4a51-8a8e-62b1a9f0c3d4")
ORIGIN = f"Assay {__version__}"
CLAIM_NOTE_HEADER = "Assay claim"
REVIEW_NOTE_PREFIX = "Assay review: "
LINK_NOTE_PREFIX = "Assay link: "
VARIABLES = (
    "Marking",
    "Source",
    "Reliability",
    "Author",
    "Published",
    "URL",
    "SHA-256",
    "Filename",
    "Type",
    "Original",
)
POSITIONS = "Positions count code points, end exclusive (the offset after the last character)."
SCHEMA_NAME = "Project-mrt2019.xsd"

ET.register_namespace("", NS)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


_RGB = re.compile(r"^#[0-9A-Fa-f]{6}$")


def xsd_time(value: str | None) -> str | None:
    """An xsd:dateTime in UTC for a stored timestamp; None (attribute left out) if unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def guid(value: str) -> str:
    """A REFI GUID for one of our ids (ours are UUIDs; anything else is hashed into one)."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        return str(uuid.uuid5(NAMESPACE, f"id:{value}"))


def derived_guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def schema_path() -> Path:
    here = Path(__file__).with_name(SCHEMA_NAME)
    if here.exists():
        return here
    from ..resources import resource_path

    return resource_path("schemas", "refi-qda", SCHEMA_NAME)


@functools.lru_cache(maxsize=1)
def project_schema():
    import xmlschema

    return xmlschema.XMLSchema(str(schema_path()))


def schema_errors(root: ET.Element | bytes) -> list[str]:
    """Why ROOT (an element or the bytes of project.qde) does not validate; empty when it does."""
    source = root if isinstance(root, ET.Element) else io.BytesIO(root)
    return [f"{e.path or ''}: {e.reason}" for e in project_schema().iter_errors(source)]


def _sub(
    parent: ET.Element, tag: str, attrs: dict | None = None, text: str | None = None
) -> ET.Element:
    el = ET.SubElement(
        parent,
        _q(tag),
        {k: _xml_safe(str(v)) for k, v in (attrs or {}).items() if v not in (None, "")},
    )
    if text is not None:
        el.text = _xml_safe(text)
    return el


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Characters XML 1.0 cannot hold are dropped (imported text never has them)."""
    return _NOT_XML.sub("", text)


def _fold(key: str, value: str) -> str:
    """'Key: value', continuation lines indented two spaces (unfolded by the importer)."""
    lines = str(value).split("\n")
    return "\n".join([f"{key}: {lines[0]}", *("  " + line for line in lines[1:])])


def claim_note_text(ann: Annotation, marking: str) -> str:
    rows = [CLAIM_NOTE_HEADER, _fold("Statement", ann.statement or ann.quote)]
    code = scales.admiralty_code(ann.reliability, ann.credibility)
    rel = scales.RELIABILITY.get(ann.reliability or "F", "")
    cred = scales.CREDIBILITY.get(ann.credibility or 6, "")
    rows.append(f"Admiralty: {code} (source {rel}; information {cred})")
    if ann.credibility:
        rows.append(f"Credibility: {ann.credibility} ({scales.CREDIBILITY[ann.credibility]})")
    if ann.reliability:
        rows.append(f"Reliability: {ann.reliability} ({scales.RELIABILITY[ann.reliability]})")
    if ann.likelihood:
        rows.append(
            f"Likelihood: {scales.likelihood_label(ann.likelihood)} "
            f"({scales.likelihood_band(ann.likelihood)})"
        )
    if ann.confidence:
        rows.append(f"Confidence: {ann.confidence}")
    if ann.rationale:
        rows.append(_fold("Rationale", ann.rationale))
    rows.append(f"Status: {ann.status.replace('_', ' ')}")
    rows.append(f"Marking: TLP:{marking}")
    return "\n".join(rows)


def _review_text(review: Review) -> str:
    what = {
        "submit": "Submitted for review",
        "approve": "Approved",
        "reject": "Rejected",
        "request_changes": "Changes requested",
    }[review.decision]
    if review.opinion:
        what += f" (opinion: {review.opinion})"
    return f"{what}. {review.comment}".strip() if review.comment else f"{what}."


def original_member(doc_guid: str, filename: str | None) -> str:
    """Where a document's original file sits in the archive (under sources/)."""
    suffix = Path(filename or "").suffix.lower()
    return f"{doc_guid}-original{suffix if re.fullmatch(r'[.][a-z0-9]{1,8}', suffix) else ''}"


def build_project(
    data: ExportSet, originals: dict[str, bytes] | None = None
) -> tuple[ET.Element, dict[str, str | bytes]]:
    """The project.qde tree and the files it names (archive path → text, or the bytes of the
    ORIGINALS given by document id)."""
    originals = originals or {}
    root = ET.Element(
        _q("Project"),
        {
            "name": f"{data.workspace_name} (Assay export)",
            "origin": ORIGIN,
            "creationDateTime": data.created,
            "modifiedDateTime": data.created,
        },
    )
    if data.analysts:
        users = _sub(root, "Users")
        for person_id, person in sorted(data.analysts.items()):
            _sub(
                users,
                "User",
                {"guid": guid(person_id), "name": person.get("name") or person_id, "id": person_id},
            )
    if data.tags:
        codes = _sub(_sub(root, "CodeBook"), "Codes")
        elements: dict[str, ET.Element] = {}
        for name in sorted(data.tags):
            tag = data.tags[name]
            parent = name.rsplit("/", 1)[0] if "/" in name else None
            holder = elements.get(parent, codes) if parent else codes
            code = _sub(
                holder,
                "Code",
                {
                    "guid": guid(tag["id"]),
                    "name": name.rsplit("/", 1)[-1],
                    "isCodable": "true",
                    "color": tag.get("colour") if _RGB.match(tag.get("colour") or "") else None,
                },
            )
            _sub(code, "Description", text=f"Assay tag {name}")
            elements[name] = code  # parents sort first, so a Description precedes child codes
    variables = _sub(root, "Variables")
    var_guids = {}
    for name in VARIABLES:
        var_guids[name] = derived_guid("variable", name)
        _sub(
            variables, "Variable", {"guid": var_guids[name], "name": name, "typeOfVariable": "Text"}
        )
    files: dict[str, str | bytes] = {}
    notes: list[ET.Element] = []
    sources = _sub(root, "Sources") if data.documents else None
    for entry in data.documents:
        doc = entry.document
        doc_guid = guid(doc.id)
        files[f"sources/{doc_guid}.txt"] = doc.text
        original = None
        if doc.id in originals:
            original = original_member(doc_guid, doc.filename)
            files[f"sources/{original}"] = originals[doc.id]
        src = _sub(
            sources,
            "TextSource",
            {
                "guid": doc_guid,
                "name": doc.title,
                "plainTextPath": f"internal://{doc_guid}.txt",
                "creationDateTime": xsd_time(doc.imported_at),
            },
        )
        _sub(
            src,
            "Description",
            text=f"TLP:{doc.marking}. {doc.title}" + (f" — {doc.source}" if doc.source else ""),
        )
        for ann in entry.annotations:
            notes += _selection(src, data, ann, doc.marking)
        values = {
            "Marking": f"TLP:{doc.marking}",
            "Source": doc.source,
            "Reliability": doc.reliability,
            "Author": doc.author,
            "Published": doc.published_at,
            "URL": doc.url,
            "SHA-256": doc.sha256,
            "Filename": doc.filename,
            "Type": doc.mime,
            "Original": f"internal://{original}" if original else None,
        }
        for name in VARIABLES:
            if values[name]:
                vv = _sub(src, "VariableValue")
                _sub(vv, "VariableRef", {"targetGUID": var_guids[name]})
                _sub(vv, "TextValue", text=str(values[name]))
    link_els = []
    for lk in data.links:
        link = ET.Element(
            _q("Link"),
            {
                "guid": guid(lk.id),
                "name": lk.relation,
                "direction": "OneWay",
                "originGUID": guid(lk.from_id),
                "targetGUID": guid(lk.to_id),
            },
        )
        if lk.comment:
            nid = derived_guid("link-note", lk.id)
            _sub(link, "NoteRef", {"targetGUID": nid})
            notes.append(
                _note(
                    nid, f"{LINK_NOTE_PREFIX}{lk.relation}", lk.comment, guid(lk.created_by), None
                )
            )
        link_els.append(link)
    if notes:
        holder = _sub(root, "Notes")
        holder.extend(notes)
    if link_els:
        holder = _sub(root, "Links")
        holder.extend(link_els)
    described = data.selection.describe()
    _sub(
        root,
        "Description",
        text=(
            f"Exported by Assay from {data.workspace_name}. Highest marking: "
            f"TLP:{data.highest_marking}. Selection: {described}. Each source's TLP marking is in "
            f"its Marking variable. {POSITIONS}"
        ),
    )
    return root, files


def _note(nid: str, name: str, text: str, user: str | None, when: str | None) -> ET.Element:
    note = ET.Element(
        _q("Note"),
        {
            k: v
            for k, v in {
                "guid": nid,
                "name": _xml_safe(name),
                "creatingUser": user,
                "creationDateTime": xsd_time(when),
            }.items()
            if v
        },
    )
    _sub(note, "PlainTextContent", text=text)
    return note


def _selection(src: ET.Element, data: ExportSet, ann: Annotation, marking: str) -> list[ET.Element]:
    user = guid(ann.created_by)
    quote = " ".join(ann.quote.split())
    sel = _sub(
        src,
        "PlainTextSelection",
        {
            "guid": guid(ann.id),
            "name": quote if len(quote) <= 80 else quote[:79] + "…",
            "startPosition": ann.start,
            "endPosition": ann.end,  # exclusive, as QualCoder and NVivo read it (see POSITIONS)
            "creatingUser": user,
            "creationDateTime": xsd_time(ann.created_at),
            "modifiedDateTime": xsd_time(ann.updated_at),
        },
    )
    if ann.comment:
        _sub(sel, "Description", text=ann.comment)
    for tag in ann.tags:
        coding = _sub(
            sel,
            "Coding",
            {
                "guid": derived_guid("coding", f"{ann.id}:{tag}"),
                "creatingUser": user,
                "creationDateTime": xsd_time(ann.created_at),
            },
        )
        _sub(coding, "CodeRef", {"targetGUID": guid(data.tags.get(tag, {}).get("id") or tag)})
    notes = []
    if ann.kind == "claim":
        nid = derived_guid("claim-note", ann.id)
        short = " ".join((ann.statement or ann.quote).split())
        notes.append(
            _note(nid, f"Claim: {short[:70]}", claim_note_text(ann, marking), user, ann.updated_at)
        )
        _sub(sel, "NoteRef", {"targetGUID": nid})
    for review in data.reviews.get(ann.id, []):
        nid = derived_guid("review-note", review.id)
        verb = "submitted" if review.decision == "submit" else review.decision.replace("_", " ")
        notes.append(
            _note(
                nid,
                f"{REVIEW_NOTE_PREFIX}{verb} by {review.reviewer}",
                _review_text(review),
                guid(review.reviewer_id),
                review.created_at,
            )
        )
        _sub(sel, "NoteRef", {"targetGUID": nid})
    return notes


def build_qdpx(data: ExportSet, originals: dict[str, bytes] | None = None) -> bytes:
    """The .qdpx bytes; refuses (ExportError) a project.qde the REFI schema would reject."""
    root, files = build_project(data, originals)
    ET.indent(root)
    qde = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    errors = schema_errors(qde)
    if errors:
        raise ExportError(
            "The REFI-QDA project does not validate against the REFI schema, so "
            f"it was not written: {errors[0]}"
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde)
        for name, body in sorted(files.items()):
            # the text every offset counts in, as UTF-8; an original file as it was
            zf.writestr(name, body.encode("utf-8") if isinstance(body, str) else body)
    return buf.getvalue()


def export_refiqda(
    ws: Workspace, dest: Path | str, selection: Selection | None = None
) -> ExportResult:
    """Write the selection as a REFI-QDA project archive (.qdpx) to DEST."""
    data = gather(ws, selection)
    originals = {}
    for entry in data.documents:
        blob = ws.blob_path(entry.document.sha256)
        if blob.is_file():  # `assay check` reports a missing one; the text still goes out
            originals[entry.document.id] = blob.read_bytes()
    return ExportResult.of(write_atomic(dest, build_qdpx(data, originals)), "REFI-QDA", data)
