"""Annotations, claims, ratings, tags and links: the analyst's marks on documents."""

from __future__ import annotations

import re
import uuid
import zlib
from dataclasses import dataclass, field

from db import index as ixmod
from db import store

from .kernel import scales
from .kernel.errors import AnnotationError, NotFound, PermissionDenied

ANCHOR_CONTEXT = 32
KINDS = ("note", "claim")
STATUSES = ("draft", "submitted", "approved", "rejected", "changes_requested")
RELATIONS = ("corroborates", "contradicts", "duplicates", "refines")
_TAG_PART = re.compile(r"[^\w\-+.& ]", re.UNICODE)




def normalise_tag(name: str) -> str:
    """'Capability / Vuln Discovery ' → 'capability/vuln discovery'; refuses empty parts."""
    parts = [" ".join(p.split()).casefold() for p in str(name).split("/")]
    if not name or any(not p for p in parts):
        raise AnnotationError(f"Tag name {name!r} has an empty part; write e.g. 'actor/state'.")
    for p in parts:
        if _TAG_PART.search(p):
            raise AnnotationError(
                f"Tag name {name!r} may hold letters, digits, spaces and - + . & only.")
    return "/".join(parts)


def tag_id(name: str) -> str:
    from .workspace import name_id

    return name_id("tag", normalise_tag(name))


def default_colour(name: str) -> str:
    top = normalise_tag(name).split("/")[0]
    return scales.TAG_PALETTE[zlib.crc32(top.encode()) % len(scales.TAG_PALETTE)]


_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


@dataclass(frozen=True)
class Person:
    """Someone whose work came in from a file (not a bundle): kept as the author or reviewer of
    what they made. Recorded by name and id only; no key, so never trusted for anything."""

    id: str
    name: str
    role: str = "analyst"

    def checked(self) -> Person:
        try:
            pid = str(uuid.UUID(self.id))
        except (ValueError, AttributeError, TypeError):
            raise AnnotationError(f"{self.id!r} is not an analyst id (a UUID).") from None
        name = " ".join(str(self.name or "").split())[:200] or pid
        role = self.role if self.role in ("analyst", "supervisor") else "analyst"
        return Person(pid, name, role)


def imported_stamp(value: object, default: str) -> str:
    """A creation time carried by an imported record, if it is one Assay writes (UTC, ISO) and
    not in the future (a day's clock difference allowed); else DEFAULT."""
    from datetime import UTC, datetime, timedelta

    m = _STAMP.match(value) if isinstance(value, str) else None
    if m is None:
        return default
    # one form (microseconds), so that times compare as strings
    value = f"{value[:19]}.{(m.group(1) or '.')[1:7].ljust(6, '0')}Z"
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    return value if value <= tomorrow else default


def free_id(db, table: str, wanted: object) -> str:
    """WANTED if it is a UUID not used in TABLE yet, else a new one."""
    try:
        wanted = str(uuid.UUID(str(wanted)))
    except ValueError:
        return str(uuid.uuid4())
    taken = db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [wanted]).fetchone()
    return str(uuid.uuid4()) if taken else wanted


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
        return scales.rating_summary(self.reliability, self.credibility, self.likelihood,
                                     self.confidence)


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


def analysts_of(db, live: str) -> list[tuple[str, str]]:
    """(name, id) of who made the annotations matching LIVE (SQL over `a` and `d`), by name."""
    rows = db.execute(
        "SELECT DISTINCT coalesce(an.name, a.created_by), a.created_by FROM annotations a"
        " JOIN documents d ON d.id = a.document_id LEFT JOIN analysts an"
        f" ON an.id = a.created_by WHERE {live}").fetchall()
    return sorted(map(tuple, rows), key=lambda x: (x[0].casefold(), x[1]))


def tag_tree_of(db, live: str) -> list[str]:
    """The tags on the annotations matching LIVE, with their parents, sorted."""
    used = [r[0] for r in db.execute(
        "SELECT t.name FROM tags t WHERE EXISTS (SELECT 1 FROM annotation_tags at"
        " JOIN annotations a ON a.id = at.annotation_id JOIN documents d"
        f" ON d.id = a.document_id WHERE at.tag_id = t.id AND at.deleted = 0 AND {live})")]
    tags: set[str] = set()
    for name in used:
        parts = name.split("/")
        tags.update("/".join(parts[: n + 1]) for n in range(len(parts)))
    return sorted(tags)


ANNOTATION_SELECT = """
SELECT a.id, a.document_id, a.start, a."end", a.quote, a.prefix, a.suffix, a.kind, a.comment,
       a.status, a.created_by, a.created_at, a.updated_at,
       coalesce(an.name, a.created_by) AS analyst, d.title AS document_title,
       coalesce(c.statement, '') AS statement, c.credibility, c.likelihood, c.confidence,
       coalesce(c.rationale, '') AS rationale,
       coalesce(d.reliability, s.reliability) AS reliability
FROM annotations a
JOIN documents d ON d.id = a.document_id
LEFT JOIN claims c ON c.annotation_id = a.id AND c.deleted = 0
LEFT JOIN analysts an ON an.id = a.created_by
LEFT JOIN sources s ON s.id = d.source_id
"""


class ClaimsMixin:
    """Workspace methods for annotations and claims (mixed into Workspace)."""

    # -- reading ---------------------------------------------------------------------------------
    def _annotations_where(self, where: str, args: list) -> list[Annotation]:
        # a removed document hides its annotations, even ones a bundle brought in after; "+"
        # keeps SQLite on the ids (whole-table reads elsewhere may drive by the flag's index)
        rows = store.rows(self.db, f"{ANNOTATION_SELECT} WHERE a.deleted = 0 AND +d.deleted = 0"
                                   f" AND {where}", args)
        anns = [Annotation(**r) for r in rows]
        if anns:
            tags = self._tags_for([a.id for a in anns])
            for a in anns:
                a.tags = [name for name, _c in tags.get(a.id, [])]
                a.colour = tags[a.id][0][1] if tags.get(a.id) else None
        return anns

    def _tags_for(self, ann_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for i in range(0, len(ann_ids), 500):
            chunk = ann_ids[i : i + 500]
            for ann, name, colour in self.db.execute(
                "SELECT at.annotation_id, t.name, t.colour FROM annotation_tags at"
                " JOIN tags t ON t.id = at.tag_id"
                f" WHERE at.deleted = 0 AND at.annotation_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY t.name",
                chunk,
            ):
                out.setdefault(ann, []).append((name, colour))
        return out

    def annotation(self, ann_id: str) -> Annotation:
        found = self._annotations_where("a.id = ?", [ann_id])
        if not found:
            found = self._annotations_where("a.id LIKE ?", [ann_id + "%"]) if len(ann_id) >= 4 else []
            if len(found) != 1:
                raise NotFound(f"No annotation or claim with id {ann_id}.")
        return found[0]

    def annotations(self, doc_id: str) -> list[Annotation]:
        """A document's notes and claims, in reading order."""
        return self._annotations_where('a.document_id = ? ORDER BY a.start, a."end"', [doc_id])

    def claims(self, *, status: str | None = None, tag: str | None = None,
               analyst: str | None = None, document: str | None = None,
               likelihood: str | None = None, kind: str | None = "claim",
               limit: int | None = None) -> list[Annotation]:
        """Claims (or all annotations with kind=None) matching the filters, newest first."""
        where, args = ["1 = 1"], []
        if kind:
            where.append("a.kind = ?")
            args.append(kind)
        if status:
            where.append("a.status = ?")
            args.append(status)
        if analyst:
            where.append("(a.created_by = ? OR an.name = ? COLLATE NOCASE)")
            args += [analyst, analyst]
        if document:
            where.append("a.document_id = ?")
            args.append(document)
        if likelihood:
            where.append("c.likelihood = ?")
            args.append(scales.check_likelihood(likelihood))
        if tag:
            name = normalise_tag(tag)
            where.append(
                "a.id IN (SELECT at.annotation_id FROM annotation_tags at JOIN tags t"
                " ON t.id = at.tag_id WHERE at.deleted = 0 AND (t.name = ? OR t.name LIKE ?))")
            args += [name, name + "/%"]
        sql = " AND ".join(where) + " ORDER BY a.created_at DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self._annotations_where(sql, args)

    def annotation_ids(self, *, kind: str | None = None, status: str | None = None,
                       analyst: str | None = None, tag: str | None = None,
                       likelihood: str | None = None, text: str | None = None,
                       order: str = "updated", descending: bool = True) -> list[str]:
        """Ids of every live note and claim matching the filters, filtered and sorted by SQL
        (lazy table models load the rows a page at a time). ANALYST is an id or a name; TAG
        also matches its children; TEXT is a case-insensitive part of the statement, quote or
        comment. ORDER is one of updated, created, document, status, likelihood (by the ICD 203
        scale), credibility or analyst; unrated claims and notes come last either way, and ties
        keep a fixed order, reversed with the rest."""
        where = ["a.deleted = 0", "d.deleted = 0"]
        args: list = []
        if kind:
            if kind not in KINDS:
                raise AnnotationError(f"Kind must be one of {', '.join(KINDS)}, not {kind!r}.")
            where.append("a.kind = ?")
            args.append(kind)
        if status:
            if status not in STATUSES:
                raise AnnotationError(
                    f"Status must be one of {', '.join(STATUSES)}, not {status!r}.")
            where.append("a.status = ?")
            args.append(status)
        if analyst:
            where.append("(a.created_by = ? OR a.created_by IN (SELECT id FROM analysts"
                         " WHERE name = ? COLLATE NOCASE))")
            args += [analyst, analyst]
        if tag:
            name = normalise_tag(tag)
            where.append(
                "a.id IN (SELECT at.annotation_id FROM annotation_tags at JOIN tags t"
                " ON t.id = at.tag_id WHERE at.deleted = 0 AND (t.name = ? OR t.name LIKE ?))")
            args += [name, name + "/%"]
        if likelihood:
            where.append("c.likelihood = ?")
            args.append(scales.check_likelihood(likelihood))
        needle = (text or "").strip()
        if needle:
            fields = ("coalesce(c.statement, '')", "a.quote", "a.comment")
            if needle.isascii():  # LIKE folds ASCII case only, and is fast
                pattern = "%" + re.sub(r"([\\%_])", r"\\\1", needle) + "%"
                where.append("(" + " OR ".join(f"{f} LIKE ? ESCAPE '\\'" for f in fields) + ")")
                args += [pattern] * len(fields)
            else:  # Cyrillic, Greek, accented Latin… fold in Python
                self.db.conn.create_function("assay_casefold", 1,
                                             lambda v: v.casefold() if v else "",
                                             deterministic=True)
                where.append("(" + " OR ".join(f"instr(assay_casefold({f}), ?) > 0"
                                               for f in fields) + ")")
                args += [needle.casefold()] * len(fields)
        rank = " ".join(f"WHEN '{x.key}' THEN {n}" for n, x in enumerate(scales.LIKELIHOOD))
        step = " ".join(f"WHEN '{s}' THEN {n}" for n, s in enumerate(STATUSES))
        orders = {  # the sort keys; a key that may be missing (unrated) puts those rows last
            "updated": ["a.updated_at"],
            "created": ["a.created_at"],
            "document": ["coalesce(nullif(d.title, ''), a.document_id) COLLATE NOCASE",
                         "a.document_id", "a.start"],
            "status": [f"CASE a.status {step} ELSE {len(STATUSES)} END"],
            "likelihood": [f"CASE c.likelihood {rank} END"],
            "credibility": ["c.credibility"],
            "analyst": ["coalesce(an.name, a.created_by) COLLATE NOCASE"],
        }
        if order not in orders:
            raise AnnotationError(f"Cannot sort by {order!r}; use one of {', '.join(orders)}.")
        direction = "DESC" if descending else "ASC"
        keys = [f"{k} {direction}" for k in (*orders[order], "a.id")]
        if order in ("likelihood", "credibility"):
            keys.insert(0, f"({orders[order][0]}) IS NULL")
        return [r[0] for r in self.db.execute(
            "SELECT a.id FROM annotations a JOIN documents d ON d.id = a.document_id"
            " LEFT JOIN claims c ON c.annotation_id = a.id AND c.deleted = 0"
            " LEFT JOIN analysts an ON an.id = a.created_by"
            f" WHERE {' AND '.join(where)} ORDER BY {', '.join(keys)}", args)]

    def annotation_choices(self) -> AnnotationChoices:
        """What the live notes and claims hold, for a browser's filters: their analysts (sorted
        by name), tags (with their parents) and review states (in workflow order). Reads no
        annotation rows into Python."""
        live = "a.deleted = 0 AND d.deleted = 0"
        present = {r[0] for r in self.db.execute(
            "SELECT DISTINCT a.status FROM annotations a JOIN documents d"
            f" ON d.id = a.document_id WHERE {live}")}
        return AnnotationChoices(
            analysts=analysts_of(self.db, live),
            tags=tag_tree_of(self.db, live),
            statuses=[s for s in STATUSES if s in present],
        )

    def count_annotations(self) -> int:
        """Live notes and claims on live documents (one SQL count)."""
        return self.db.execute(
            "SELECT count(*) FROM annotations a JOIN documents d ON d.id = a.document_id"
            " WHERE a.deleted = 0 AND d.deleted = 0").fetchone()[0]

    def work_on(self, doc_ids: list[str]) -> tuple[int, int, int]:
        """(notes, claims, by others) on these documents, counted in SQL (for a question
        asked before removing many documents at once)."""
        notes = claims = others = 0
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i : i + 500]
            n, c, o = self.db.execute(
                "SELECT coalesce(sum(kind = 'note'), 0), coalesce(sum(kind = 'claim'), 0),"
                " coalesce(sum(created_by != ?), 0) FROM annotations WHERE deleted = 0"
                f" AND document_id IN ({','.join('?' * len(chunk))})",
                [self.profile.id, *chunk]).fetchone()
            notes, claims, others = notes + n, claims + c, others + o
        return notes, claims, others

    def annotation_counts(self, doc_ids: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i : i + 500]
            for doc, n in self.db.execute(
                "SELECT document_id, count(*) FROM annotations WHERE deleted = 0 AND"
                f" document_id IN ({','.join('?' * len(chunk))}) GROUP BY document_id", chunk):
                out[doc] = n
        return out

    # -- making and editing ----------------------------------------------------------------------
    def _span(self, doc_id: str, start: int, end: int) -> dict:
        doc = self.document(doc_id)
        if not (0 <= start < end <= len(doc.text)):
            raise AnnotationError(
                f"The span {start}–{end} is outside the document (0–{len(doc.text)}) or empty.")
        return {
            "document_id": doc.id,
            "start": start,
            "end": end,
            "quote": doc.text[start:end],
            "prefix": doc.text[max(0, start - ANCHOR_CONTEXT) : start],
            "suffix": doc.text[end : end + ANCHOR_CONTEXT],
        }

    def add_note(self, doc_id: str, start: int, end: int, *, comment: str = "",
                 tags: tuple[str, ...] | list[str] = ()):
        """Mark a span with a note. Returns Changes with `created` = the annotation id."""
        return self._add_annotation(doc_id, start, end, "note", comment=comment, tags=tags)

    def add_claim(self, doc_id: str, start: int, end: int, statement: str = "", *,
                  credibility: int | None = None, likelihood: str | None = None,
                  confidence: str | None = None, rationale: str = "", comment: str = "",
                  tags: tuple[str, ...] | list[str] = ()):
        """Mark a span as a claim with its ratings. Returns Changes with `created`."""
        ratings = {
            "statement": statement.strip(),
            "credibility": scales.check_credibility(credibility),
            "likelihood": scales.check_likelihood(likelihood),
            "confidence": scales.check_confidence(confidence),
            "rationale": rationale.strip(),
        }
        return self._add_annotation(doc_id, start, end, "claim", comment=comment, tags=tags,
                                    claim=ratings)

    def add_imported(self, doc_id: str, start: int, end: int, kind: str, *, author: Person,
                     source: str, ann_id: str | None = None, created_at: str | None = None,
                     statement: str = "", credibility: int | None = None,
                     likelihood: str | None = None, confidence: str | None = None,
                     rationale: str = "", comment: str = "",
                     tags: tuple[str, ...] | list[str] = ()):
        """Bring in a note or claim made elsewhere, keeping its author, creation time and (when
        it is free here) its id, so a later bundle from its workstation merges with it instead of
        duplicating it. It arrives as a draft; its reviews follow with `add_imported_review`.
        The import is audited under the active analyst's name with SOURCE (a file name)."""
        if kind not in KINDS:
            raise AnnotationError(f"Kind must be one of {', '.join(KINDS)}.")
        claim = None
        if kind == "claim":
            claim = {
                "statement": statement.strip(),
                "credibility": scales.check_credibility(credibility),
                "likelihood": scales.check_likelihood(likelihood),
                "confidence": scales.check_confidence(confidence),
                "rationale": rationale.strip(),
            }
        origin = {"author": author.checked(), "ann_id": ann_id, "created_at": created_at,
                  "source": source}
        return self._add_annotation(doc_id, start, end, kind, comment=comment, tags=tags,
                                    claim=claim, origin=origin)

    def _ensure_person(self, tx, person: Person) -> None:
        """A roster entry for someone known only from an imported file (no key; a bundle from
        their own workstation later replaces it with their signed entry)."""
        tx.db.execute(
            "INSERT OR IGNORE INTO analysts(id, name, role, public_key, fingerprint, created_at,"
            " hlc) VALUES (?,?,?,NULL,NULL,?,0)", [person.id, person.name, person.role, tx.now])

    def _add_annotation(self, doc_id, start, end, kind, *, comment="", tags=(), claim=None,
                        origin=None):
        span = self._span(doc_id, int(start), int(end))
        names = [normalise_tag(t) for t in tags]
        label = "Add claim" if kind == "claim" else "Add note"
        with self._action(label) as tx:
            row = {"id": str(uuid.uuid4())}
            if origin is not None:
                self._ensure_person(tx, origin["author"])
                row = {"id": free_id(tx.db, "annotations", origin["ann_id"]),
                       "created_by": origin["author"].id,
                       "created_at": imported_stamp(origin["created_at"], tx.now)}
                label = f"Import {kind}"
            ann_id = row["id"]
            tx.insert("annotations", {**row, **span, "kind": kind,
                                      "comment": comment.strip(), "status": "draft"})
            if claim is not None:
                if not claim["statement"]:
                    claim["statement"] = span["quote"][:500]
                tx.insert("claims", {"annotation_id": ann_id, **claim})
            for name in names:
                self._attach_tag(tx, ann_id, name)
            extra = {} if origin is None else {"file": str(origin["source"]),
                                                   "author": origin["author"].name,
                                                   "author_id": origin["author"].id}
            tx.audit(label.lower(), "annotation", ann_id,
                     {"document": span["document_id"], "start": span["start"],
                      "end": span["end"], "kind": kind, **(claim or {}), "tags": names, **extra})
            self._note_change(tx, "annotations", (ann_id,), {"document_id": doc_id})
            tx.changes.created = ann_id
        return tx.changes

    def _own(self, tx, ann_id: str) -> dict:
        row = tx.fetch("annotations", (ann_id,))
        if row is None or row["deleted"]:
            raise NotFound(f"No annotation or claim with id {ann_id}.")
        if row["created_by"] != tx.actor:
            owner = tx.db.execute("SELECT name FROM analysts WHERE id = ?",
                                  [row["created_by"]]).fetchone()
            raise PermissionDenied(
                f"This {row['kind']} belongs to {owner[0] if owner else 'another analyst'}; "
                "only its author edits it (a supervisor responds with a review).")
        return row

    def edit_claim(self, ann_id: str, **values):
        """Change a claim's statement, ratings, rationale or comment (its author only)."""
        allowed = {"statement", "credibility", "likelihood", "confidence", "rationale", "comment"}
        unknown = set(values) - allowed
        if unknown:
            raise AnnotationError(f"Cannot edit {', '.join(sorted(unknown))} of a claim.")
        checks = {"credibility": scales.check_credibility, "likelihood": scales.check_likelihood,
                  "confidence": scales.check_confidence}
        clean = {k: checks[k](v) if k in checks else (v or "").strip() for k, v in values.items()}
        ann_id = self.annotation(ann_id).id
        with self._action("Edit claim" if "comment" not in clean or len(clean) > 1
                          else "Edit comment") as tx:
            row = self._own(tx, ann_id)
            claim_vals = {k: v for k, v in clean.items() if k != "comment"}
            ann_vals = {"comment": clean["comment"]} if "comment" in clean else {}
            if row["status"] in ("submitted", "approved", "rejected") and (claim_vals or ann_vals):
                ann_vals["status"] = "draft"  # an edited judgement needs a new review
            if claim_vals:
                if row["kind"] != "claim":
                    raise AnnotationError("Only a claim has a statement and ratings.")
                tx.update("claims", (ann_id,), claim_vals)
            if ann_vals:
                tx.update("annotations", (ann_id,), ann_vals)
            tx.audit("edit claim", "annotation", ann_id, clean)
            self._note_change(tx, "annotations", (ann_id,), row)
        return tx.changes

    def convert_to_claim(self, ann_id: str, statement: str = ""):
        """Turn a note into a claim (ratings can be added with edit_claim)."""
        ann_id = self.annotation(ann_id).id
        with self._action("Make claim") as tx:
            row = self._own(tx, ann_id)
            if row["kind"] == "claim":
                return tx.changes
            tx.update("annotations", (ann_id,), {"kind": "claim"})
            existing = tx.fetch("claims", (ann_id,))
            vals = {"statement": statement.strip() or row["quote"][:500], "deleted": 0}
            if existing:
                tx.update("claims", (ann_id,), vals)
            else:
                tx.insert("claims", {"annotation_id": ann_id, **vals, "rationale": ""})
            tx.audit("make claim", "annotation", ann_id, vals)
            self._note_change(tx, "annotations", (ann_id,), row)
        return tx.changes

    def delete_annotation(self, ann_id: str):
        ann_id = self.annotation(ann_id).id
        with self._action("Delete annotation") as tx:
            row = self._own(tx, ann_id)
            tx.update("annotations", (ann_id,), {"deleted": 1})
            for (tid,) in tx.db.execute("SELECT tag_id FROM annotation_tags WHERE"
                                        " annotation_id = ? AND deleted = 0", [ann_id]).fetchall():
                tx.update("annotation_tags", (ann_id, tid), {"deleted": 1})
            tx.audit("delete annotation", "annotation", ann_id, {})
            self._note_change(tx, "annotations", (ann_id,), row)
        return tx.changes

    # -- tags ------------------------------------------------------------------------------------
    def _ensure_tag(self, tx, name: str, colour: str | None = None) -> str:
        name = normalise_tag(name)
        parent = None
        if "/" in name:
            parent = self._ensure_tag(tx, name.rsplit("/", 1)[0])
        tid = tag_id(name)
        row = tx.fetch("tags", (tid,))
        if row is None or row["deleted"]:
            tx.insert("tags", {"id": tid, "name": name, "parent_id": parent,
                               "colour": colour or default_colour(name)})
            tx.changes.tags.add(tid)
        return tid

    def _attach_tag(self, tx, ann_id: str, name: str) -> str:
        tid = self._ensure_tag(tx, name)
        row = tx.fetch("annotation_tags", (ann_id, tid))
        if row is None:
            tx.insert("annotation_tags", {"annotation_id": ann_id, "tag_id": tid})
        elif row["deleted"]:
            tx.update("annotation_tags", (ann_id, tid), {"deleted": 0})
        tx.changes.tags.add(tid)
        return tid

    def tag_annotation(self, ann_id: str, names: list[str] | tuple[str, ...]):
        names = [normalise_tag(n) for n in names]
        ann_id = self.annotation(ann_id).id
        with self._action(f"Tag {', '.join(names)}") as tx:
            row = self._own(tx, ann_id)
            for name in names:
                self._attach_tag(tx, ann_id, name)
            tx.audit("tag", "annotation", ann_id, {"tags": names})
            self._note_change(tx, "annotations", (ann_id,), row)
        return tx.changes

    def untag_annotation(self, ann_id: str, names: list[str] | tuple[str, ...]):
        names = [normalise_tag(n) for n in names]
        ann_id = self.annotation(ann_id).id
        with self._action(f"Remove tag {', '.join(names)}") as tx:
            row = self._own(tx, ann_id)
            for name in names:
                key = (ann_id, tag_id(name))
                link = tx.fetch("annotation_tags", key)
                if link and not link["deleted"]:
                    tx.update("annotation_tags", key, {"deleted": 1})
            tx.audit("untag", "annotation", ann_id, {"tags": names})
            self._note_change(tx, "annotations", (ann_id,), row)
        return tx.changes

    def tags(self) -> list[dict]:
        """Every tag with its colour, parent and how many annotations carry it."""
        # counted from the tag links alone (deleting an annotation retires its links): joining
        # every annotation row took 0.4 s at 50 000 annotations, this takes milliseconds
        return store.rows(
            self.db,
            "SELECT t.id, t.name, t.parent_id, t.colour, (SELECT count(*) FROM annotation_tags at"
            " WHERE at.tag_id = t.id AND at.deleted = 0) AS uses FROM tags t"
            " WHERE t.deleted = 0 ORDER BY t.name",
        )

    def create_tag(self, name: str, colour: str | None = None):
        with self._action(f"Create tag {normalise_tag(name)}") as tx:
            tid = self._ensure_tag(tx, name, colour)
            tx.audit("create tag", "tag", tid, {"name": normalise_tag(name)})
            tx.changes.created = tid
        return tx.changes

    def set_tag_colour(self, name: str, colour: str):
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
            raise AnnotationError(f"Colour {colour!r} is not of the form #rrggbb.")
        tid = tag_id(name)
        with self._action(f"Colour tag {normalise_tag(name)}") as tx:
            tx.update("tags", (tid,), {"colour": colour})
            tx.audit("colour tag", "tag", tid, {"colour": colour})
            tx.changes.tags.add(tid)
            self._requeue_tagged(tx, [tid])
        return tx.changes

    def rename_tag(self, old: str, new: str):
        """Rename a tag and its children (ids follow names, so this moves every use)."""
        return self._move_tag(old, new, f"Rename tag {normalise_tag(old)}")

    def merge_tags(self, source: str, into: str):
        """Move every use of SOURCE (and its children) onto INTO, then retire SOURCE."""
        return self._move_tag(source, into, f"Merge tag {normalise_tag(source)}")

    def _check_tag_users(self, tx, tag_ids: list[str], verb: str) -> None:
        """Only a supervisor changes a tag on other analysts' notes and claims."""
        if self.is_supervisor or not tag_ids:
            return
        marks = ",".join("?" * len(tag_ids))
        others = sorted({r[0] for r in tx.db.execute(
            "SELECT DISTINCT coalesce(an.name, a.created_by) FROM annotation_tags at"
            " JOIN annotations a ON a.id = at.annotation_id LEFT JOIN analysts an"
            " ON an.id = a.created_by WHERE at.deleted = 0 AND a.deleted = 0"
            f" AND at.tag_id IN ({marks}) AND a.created_by != ?", [*tag_ids, tx.actor])})
        if others:
            raise PermissionDenied(
                f"This tag is also on work by {', '.join(others)}; only a supervisor {verb}s "
                "a tag other analysts use.")

    def _move_tag(self, old: str, new: str, label: str):
        old, new = normalise_tag(old), normalise_tag(new)
        if old == new:
            raise AnnotationError("The old and new tag names are the same.")
        if new.startswith(old + "/"):
            raise AnnotationError(f"Cannot move {old!r} inside itself.")
        existing = {r["name"]: r for r in self.tags()}
        if old not in existing:
            raise NotFound(f"No tag named {old!r}.")
        with self._action(label) as tx:
            self._check_tag_users(
                tx, [r["id"] for n, r in existing.items() if n == old or n.startswith(old + "/")],
                label.split()[0].lower())
            for name in sorted(n for n in existing if n == old or n.startswith(old + "/")):
                target = new + name[len(old):]
                src = existing[name]
                dst = self._ensure_tag(tx, target, src["colour"])
                for (ann_id,) in tx.db.execute(
                        "SELECT annotation_id FROM annotation_tags WHERE tag_id = ? AND deleted = 0",
                        [src["id"]]).fetchall():
                    tx.update("annotation_tags", (ann_id, src["id"]), {"deleted": 1})
                    self._attach_tag(tx, ann_id, target)
                    self._note_change(tx, "annotation_tags", (ann_id, dst), {})
                tx.update("tags", (src["id"],), {"deleted": 1})
                tx.changes.tags.update((src["id"], dst))
            tx.audit(label.split()[0].lower() + " tag", "tag", tag_id(old), {"from": old, "to": new})
        return tx.changes

    def delete_tag(self, name: str):
        """Take a tag and its children off every note and claim and retire them (one undo
        step; the annotations themselves stay)."""
        name = normalise_tag(name)
        existing = {r["name"]: r for r in self.tags()}
        if name not in existing:
            raise NotFound(f"No tag named {name!r}.")
        with self._action(f"Delete tag {name}") as tx:
            self._check_tag_users(
                tx, [r["id"] for n, r in existing.items()
                     if n == name or n.startswith(name + "/")], "delete")
            for child in sorted(n for n in existing if n == name or n.startswith(name + "/")):
                tid = existing[child]["id"]
                for (ann_id,) in tx.db.execute(
                        "SELECT annotation_id FROM annotation_tags WHERE tag_id = ? AND deleted = 0",
                        [tid]).fetchall():
                    tx.update("annotation_tags", (ann_id, tid), {"deleted": 1})
                    self._note_change(tx, "annotation_tags", (ann_id, tid), {})
                tx.update("tags", (tid,), {"deleted": 1})
                tx.changes.tags.add(tid)
            tx.audit("delete tag", "tag", tag_id(name), {"name": name})
        return tx.changes

    def _requeue_tagged(self, tx, tag_ids: list[str]) -> None:
        for tid in tag_ids:
            for (ann_id,) in tx.db.execute(
                    "SELECT annotation_id FROM annotation_tags WHERE tag_id = ? AND deleted = 0",
                    [tid]).fetchall():
                self._note_change(tx, "annotations", (ann_id,), {})

    # -- links -----------------------------------------------------------------------------------
    def link_claims(self, from_id: str, to_id: str, relation: str, comment: str = ""):
        """Record that one claim corroborates, contradicts, duplicates or refines another."""
        if relation not in RELATIONS:
            raise AnnotationError(f"Relation must be one of {', '.join(RELATIONS)}.")
        a, b = self.annotation(from_id), self.annotation(to_id)
        if a.id == b.id:
            raise AnnotationError("A claim cannot be linked to itself.")
        if a.kind != "claim" or b.kind != "claim":
            raise AnnotationError("Links join two claims; make the notes claims first.")
        with self._action(f"Link: {relation}") as tx:
            lid = str(uuid.uuid5(uuid.UUID(a.id), f"{relation}:{b.id}"))
            row = tx.fetch("links", (lid,))
            vals = {"from_id": a.id, "to_id": b.id, "relation": relation,
                    "comment": comment.strip(), "deleted": 0}
            if row is None:
                tx.insert("links", {"id": lid, **vals})
            else:
                tx.update("links", (lid,), vals)
            tx.audit("link", "link", lid, vals)
            tx.changes.annotations.update((a.id, b.id))
            tx.changes.created = lid
        return tx.changes

    def unlink(self, link_id: str):
        with self._action("Remove link") as tx:
            row = tx.fetch("links", (link_id,))
            if row is None or row["deleted"]:
                raise NotFound(f"No link with id {link_id}.")
            tx.update("links", (link_id,), {"deleted": 1})
            tx.audit("unlink", "link", link_id, {})
            tx.changes.annotations.update((row["from_id"], row["to_id"]))
        return tx.changes

    def links(self, ann_id: str) -> list[Link]:
        """Links from and to a claim; `other_*` describe the claim at the other end."""
        out = []
        for r in store.rows(
            self.db,
            "SELECT l.id, l.from_id, l.to_id, l.relation, l.comment, l.created_by,"
            " coalesce(c.statement, a.quote) AS other_statement, d.title AS other_document"
            " FROM links l JOIN annotations a ON a.id = CASE WHEN l.from_id = ? THEN l.to_id"
            " ELSE l.from_id END LEFT JOIN claims c ON c.annotation_id = a.id"
            " JOIN documents d ON d.id = a.document_id"
            " WHERE l.deleted = 0 AND a.deleted = 0 AND (l.from_id = ? OR l.to_id = ?)"
            " ORDER BY l.created_at",
            [ann_id, ann_id, ann_id],
        ):
            out.append(Link(**r))
        return out

    # -- index -----------------------------------------------------------------------------------
    def _annotation_index_entries(self, ann_ids: list[str]) -> tuple[list[dict], list[str]]:
        upserts, deletes, found = [], [], set()
        for i in range(0, len(ann_ids), 500):
            chunk = ann_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = store.rows(
                self.db,
                f"{ANNOTATION_SELECT} WHERE a.id IN ({marks})",
                chunk,
            )
            deleted = {r[0] for r in self.db.execute(
                f"SELECT a.id FROM annotations a JOIN documents d ON d.id = a.document_id"
                f" WHERE a.id IN ({marks}) AND (a.deleted = 1 OR d.deleted = 1)", chunk)}
            tags = self._tags_for([r["id"] for r in rows])
            for r in rows:
                found.add(r["id"])
                if r["id"] in deleted:
                    deletes.append(r["id"])
                    continue
                names = [n for n, _c in tags.get(r["id"], [])]
                entry = {
                    "id": r["id"], "kind": r["kind"], "doc_id": r["document_id"],
                    "quote": r["quote"] or "", "comment": r["comment"] or "",
                    "status": r["status"],
                    "by": ",".join(dict.fromkeys(
                        x for x in [r["analyst"] or "", *(r["analyst"] or "").split(),
                                    r["created_by"]] if x)),
                    "tag": ",".join(names),
                    "reliability": (r["reliability"] or "").lower(),
                    "imported": ixmod.to_datetime(r["created_at"]),
                }
                if r["kind"] == "claim":
                    entry["statement"] = r["statement"] or ""
                    entry["credibility"] = str(r["credibility"] or "")
                    entry["likelihood"] = r["likelihood"] or ""
                    entry["confidence"] = r["confidence"] or ""
                    entry["admiralty"] = scales.admiralty_code(
                        r["reliability"], r["credibility"]).lower()
                upserts.append({k: v for k, v in entry.items() if v not in (None, "")})
        deletes += [i for i in ann_ids if i not in found]
        return upserts, deletes
