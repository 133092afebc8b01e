"""Notes and claims: marking spans, rating claims, editing and deleting them, and reading them
back filtered and sorted for the browsers."""

from __future__ import annotations

import re
import uuid

from ..kernel import queries, scales, tradecraft, writes
from ..kernel.changes import Changes
from ..kernel.errors import AnnotationError
from ..kernel.ids import free_id, normalise_tag
from ..kernel.records import (
    ANCHOR_CONTEXT,
    KINDS,
    STATUSES,
    Annotation,
    AnnotationChoices,
    Person,
    imported_stamp,
)
from ..kernel.service import Service
from ..kernel.sql import annotations_tagged


class Annotations(Service):
    """A workspace's notes and claims."""

    # -- reading ---------------------------------------------------------------------------------
    def annotation(self, ann_id: str) -> Annotation:
        return queries.annotation(self.db, ann_id)

    def annotations(self, doc_id: str) -> list[Annotation]:
        """A document's notes and claims, in reading order."""
        return queries.annotations_where(
            self.db, 'a.document_id = ? ORDER BY a.start, a."end"', [doc_id]
        )

    def annotations_by_ids(self, ids: list[str]) -> dict[str, Annotation]:
        """The live notes and claims with these ids (with their tags), keyed by id; ids that are
        gone are left out."""
        return queries.annotations_by_ids(self.db, ids)

    def tradecraft(self, ann_id: str) -> list[tradecraft.Finding]:
        """Tradecraft findings on a claim: likelihood words in its statement that disagree with
        its rated likelihood, likelihood and confidence in one sentence. Advice only; a note
        has none."""
        a = queries.annotation(self.db, ann_id)
        return tradecraft.check_statement(a.statement, a.likelihood) if a.kind == "claim" else []

    def returned_to_me(self) -> list[Annotation]:
        """My claims a supervisor sent back (changes requested or rejected), newest first."""
        return queries.annotations_where(
            self.db,
            "a.created_by = ? AND a.status IN ('changes_requested', 'rejected')"
            " ORDER BY a.updated_at DESC",
            [self.profile.id],
        )

    def claims(
        self,
        *,
        status: str | None = None,
        tag: str | None = None,
        analyst: str | None = None,
        document: str | None = None,
        likelihood: str | None = None,
        kind: str | None = "claim",
        limit: int | None = None,
    ) -> list[Annotation]:
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
            cond, more = annotations_tagged(tag)
            where.append(cond)
            args += more
        sql = " AND ".join(where) + " ORDER BY a.created_at DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return queries.annotations_where(self.db, sql, args)

    def annotation_ids(
        self,
        *,
        kind: str | None = None,
        status: str | None = None,
        analyst: str | None = None,
        tag: str | None = None,
        likelihood: str | None = None,
        text: str | None = None,
        order: str = "updated",
        descending: bool = True,
    ) -> list[str]:
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
                    f"Status must be one of {', '.join(STATUSES)}, not {status!r}."
                )
            where.append("a.status = ?")
            args.append(status)
        if analyst:
            where.append(
                "(a.created_by = ? OR a.created_by IN (SELECT id FROM analysts"
                " WHERE name = ? COLLATE NOCASE))"
            )
            args += [analyst, analyst]
        if tag:
            cond, more = annotations_tagged(tag)
            where.append(cond)
            args += more
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
                self.db.conn.create_function(
                    "assay_casefold", 1, lambda v: v.casefold() if v else "", deterministic=True
                )
                where.append(
                    "(" + " OR ".join(f"instr(assay_casefold({f}), ?) > 0" for f in fields) + ")"
                )
                args += [needle.casefold()] * len(fields)
        rank = " ".join(f"WHEN '{x.key}' THEN {n}" for n, x in enumerate(scales.LIKELIHOOD))
        step = " ".join(f"WHEN '{s}' THEN {n}" for n, s in enumerate(STATUSES))
        orders = {  # the sort keys; a key that may be missing (unrated) puts those rows last
            "updated": ["a.updated_at"],
            "created": ["a.created_at"],
            "document": [
                "coalesce(nullif(d.title, ''), a.document_id) COLLATE NOCASE",
                "a.document_id",
                "a.start",
            ],
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
        return [
            r[0]
            for r in self.db.execute(
                "SELECT a.id FROM annotations a JOIN documents d ON d.id = a.document_id"
                " LEFT JOIN claims c ON c.annotation_id = a.id AND c.deleted = 0"
                " LEFT JOIN analysts an ON an.id = a.created_by"
                f" WHERE {' AND '.join(where)} ORDER BY {', '.join(keys)}",
                args,
            )
        ]

    def annotation_choices(self) -> AnnotationChoices:
        """What the live notes and claims hold, for a browser's filters: their analysts (sorted
        by name), tags (with their parents) and review states (in workflow order). Reads no
        annotation rows into Python."""
        live = "a.deleted = 0 AND d.deleted = 0"
        present = {
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT a.status FROM annotations a JOIN documents d"
                f" ON d.id = a.document_id WHERE {live}"
            )
        }
        return AnnotationChoices(
            analysts=queries.analysts_of(self.db, live),
            tags=queries.tag_tree_of(self.db, live),
            statuses=[s for s in STATUSES if s in present],
        )

    def count_annotations(self) -> int:
        """Live notes and claims on live documents (one SQL count)."""
        return self.db.execute(
            "SELECT count(*) FROM annotations a JOIN documents d ON d.id = a.document_id"
            " WHERE a.deleted = 0 AND d.deleted = 0"
        ).fetchone()[0]

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
                [self.profile.id, *chunk],
            ).fetchone()
            notes, claims, others = notes + n, claims + c, others + o
        return notes, claims, others

    def annotation_counts(self, doc_ids: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i : i + 500]
            for doc, n in self.db.execute(
                "SELECT document_id, count(*) FROM annotations WHERE deleted = 0 AND"
                f" document_id IN ({','.join('?' * len(chunk))}) GROUP BY document_id",
                chunk,
            ):
                out[doc] = n
        return out

    # -- making and editing ----------------------------------------------------------------------

    def _span(self, doc_id: str, start: int, end: int) -> dict:
        doc = queries.document(self.db, doc_id)
        if not (0 <= start < end <= len(doc.text)):
            raise AnnotationError(
                f"The span {start}–{end} is outside the document (0–{len(doc.text)}) or empty."
            )
        return {
            "document_id": doc.id,
            "start": start,
            "end": end,
            "quote": doc.text[start:end],
            "prefix": doc.text[max(0, start - ANCHOR_CONTEXT) : start],
            "suffix": doc.text[end : end + ANCHOR_CONTEXT],
        }

    def add_note(
        self,
        doc_id: str,
        start: int,
        end: int,
        *,
        comment: str = "",
        tags: tuple[str, ...] | list[str] = (),
    ) -> Changes:
        """Mark a span with a note. Returns Changes with `created` = the annotation id."""
        return self._add_annotation(doc_id, start, end, "note", comment=comment, tags=tags)

    def add_claim(
        self,
        doc_id: str,
        start: int,
        end: int,
        statement: str = "",
        *,
        credibility: int | None = None,
        likelihood: str | None = None,
        confidence: str | None = None,
        rationale: str = "",
        comment: str = "",
        tags: tuple[str, ...] | list[str] = (),
    ) -> Changes:
        """Mark a span as a claim with its ratings. Returns Changes with `created`."""
        ratings = {
            "statement": statement.strip(),
            "credibility": scales.check_credibility(credibility),
            "likelihood": scales.check_likelihood(likelihood),
            "confidence": scales.check_confidence(confidence),
            "rationale": rationale.strip(),
        }
        return self._add_annotation(
            doc_id, start, end, "claim", comment=comment, tags=tags, claim=ratings
        )

    def add_imported(
        self,
        doc_id: str,
        start: int,
        end: int,
        kind: str,
        *,
        author: Person,
        source: str,
        ann_id: str | None = None,
        created_at: str | None = None,
        statement: str = "",
        credibility: int | None = None,
        likelihood: str | None = None,
        confidence: str | None = None,
        rationale: str = "",
        comment: str = "",
        tags: tuple[str, ...] | list[str] = (),
    ) -> Changes:
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
        origin = {
            "author": author.checked(),
            "ann_id": ann_id,
            "created_at": created_at,
            "source": source,
        }
        return self._add_annotation(
            doc_id, start, end, kind, comment=comment, tags=tags, claim=claim, origin=origin
        )

    def _add_annotation(
        self, doc_id, start, end, kind, *, comment="", tags=(), claim=None, origin=None
    ) -> Changes:
        span = self._span(doc_id, int(start), int(end))
        names = [normalise_tag(t) for t in tags]
        label = "Add claim" if kind == "claim" else "Add note"
        with self._action(label) as tx:
            row = {"id": str(uuid.uuid4())}
            if origin is not None:
                writes.ensure_person(tx, origin["author"])
                row = {
                    "id": free_id(tx.db, "annotations", origin["ann_id"]),
                    "created_by": origin["author"].id,
                    "created_at": imported_stamp(origin["created_at"], tx.now),
                }
                label = f"Import {kind}"
            ann_id = row["id"]
            tx.insert(
                "annotations",
                {**row, **span, "kind": kind, "comment": comment.strip(), "status": "draft"},
            )
            if claim is not None:
                if not claim["statement"]:
                    claim["statement"] = span["quote"][:500]
                tx.insert("claims", {"annotation_id": ann_id, **claim})
            for name in names:
                writes.attach_tag(tx, ann_id, name)
            extra = (
                {}
                if origin is None
                else {
                    "file": str(origin["source"]),
                    "author": origin["author"].name,
                    "author_id": origin["author"].id,
                }
            )
            tx.audit(
                label.lower(),
                "annotation",
                ann_id,
                {
                    "document": span["document_id"],
                    "start": span["start"],
                    "end": span["end"],
                    "kind": kind,
                    **(claim or {}),
                    "tags": names,
                    **extra,
                },
            )
            tx.note("annotations", (ann_id,), {"document_id": doc_id})
            tx.changes.created = ann_id
        return tx.changes

    def edit_claim(self, ann_id: str, **values) -> Changes:
        """Change a claim's statement, ratings, rationale or comment (its author only)."""
        allowed = {"statement", "credibility", "likelihood", "confidence", "rationale", "comment"}
        unknown = set(values) - allowed
        if unknown:
            raise AnnotationError(f"Cannot edit {', '.join(sorted(unknown))} of a claim.")
        checks = {
            "credibility": scales.check_credibility,
            "likelihood": scales.check_likelihood,
            "confidence": scales.check_confidence,
        }
        clean = {k: checks[k](v) if k in checks else (v or "").strip() for k, v in values.items()}
        ann_id = self.annotation(ann_id).id
        with self._action(
            "Edit claim" if "comment" not in clean or len(clean) > 1 else "Edit comment"
        ) as tx:
            row = writes.own(tx, ann_id)
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
            tx.note("annotations", (ann_id,), row)
        return tx.changes

    def convert_to_claim(self, ann_id: str, statement: str = "") -> Changes:
        """Turn a note into a claim (ratings can be added with edit_claim)."""
        ann_id = self.annotation(ann_id).id
        with self._action("Make claim") as tx:
            row = writes.own(tx, ann_id)
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
            tx.note("annotations", (ann_id,), row)
        return tx.changes

    def delete_annotation(self, ann_id: str) -> Changes:
        ann_id = self.annotation(ann_id).id
        with self._action("Delete annotation") as tx:
            row = writes.own(tx, ann_id)
            tx.update("annotations", (ann_id,), {"deleted": 1})
            for (tid,) in tx.db.execute(
                "SELECT tag_id FROM annotation_tags WHERE annotation_id = ? AND deleted = 0",
                [ann_id],
            ).fetchall():
                tx.update("annotation_tags", (ann_id, tid), {"deleted": 1})
            tx.audit("delete annotation", "annotation", ann_id, {})
            tx.note("annotations", (ann_id,), row)
        return tx.changes
