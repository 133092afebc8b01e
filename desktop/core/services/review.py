"""Supervisor review: submit, approve / reject / request changes, the queue, threads, history."""

from __future__ import annotations

import json
import uuid

from ..kernel import queries, writes
from ..kernel.changes import Changes
from ..kernel.errors import AnnotationError, PermissionDenied, ReviewError
from ..kernel.records import (
    DECISIONS,
    DEFAULT_OPINION,
    OPINIONS,
    STATUS_AFTER,
    SUBMITTABLE,
    Annotation,
    Person,
    QueueChoices,
    Review,
    imported_stamp,
)
from ..kernel.service import Service
from ..kernel.sql import annotations_tagged


class Reviews(Service):
    """The review workflow over a workspace's notes and claims."""

    # the time a claim was (last) submitted; older workspaces may lack the submit review
    _SUBMITTED_AT = (
        "coalesce((SELECT max(r.created_at) FROM reviews r WHERE r.annotation_id"
        " = a.id AND r.decision = 'submit'), a.updated_at)"
    )

    def submit(self, ann_id: str, comment: str = "") -> Changes:
        """Send one of my claims or notes for review (from draft or after a return)."""
        ann = queries.annotation(self.db, ann_id)
        with self._action("Submit for review") as tx:
            self._submit_one(tx, ann, comment)
        return tx.changes

    def submit_document(self, doc_id: str, comment: str = "") -> Changes:
        """Submit every draft claim of mine on a document; returns what changed."""
        mine = [
            a
            for a in queries.annotations_where(
                self.db, 'a.document_id = ? ORDER BY a.start, a."end"', [doc_id]
            )
            if a.created_by == self.profile.id and a.status in SUBMITTABLE
        ]
        if not mine:
            raise ReviewError("You have no claims on this document waiting to be submitted.")
        with self._action(f"Submit {len(mine)} for review") as tx:
            for a in mine:
                self._submit_one(tx, a, comment)
        return tx.changes

    def _submit_one(self, tx, ann: Annotation, comment: str) -> None:
        row = writes.own(tx, ann.id)
        if row["status"] not in SUBMITTABLE:
            raise ReviewError(
                f"This {row['kind']} is {row['status'].replace('_', ' ')}; only a "
                "draft or a returned one can be submitted."
            )
        self._record_review(tx, ann.id, "submit", None, comment)

    def review(
        self, ann_id: str, decision: str, comment: str = "", *, opinion: str | None = None
    ) -> Changes:
        """A supervisor's decision on a submitted claim, with a comment."""
        if decision not in DECISIONS:
            raise ReviewError(f"Decision must be one of {', '.join(DECISIONS)}.")
        if opinion is not None and opinion not in OPINIONS:
            raise ReviewError(f"Opinion must be one of {', '.join(OPINIONS)}.")
        if not self.is_supervisor:
            raise PermissionDenied("Only a supervisor reviews claims; your role is analyst.")
        ann = queries.annotation(self.db, ann_id)
        if ann.created_by == self.profile.id:
            raise PermissionDenied("Nobody reviews their own claim; ask another supervisor.")
        if ann.status != "submitted":
            raise ReviewError(
                f"This {ann.kind} is {ann.status.replace('_', ' ')}, not "
                "submitted; it can be reviewed once its author submits it."
            )
        if decision != "approve" and not comment.strip():
            raise ReviewError("Say why in a comment when you reject or request changes.")
        label = {"approve": "Approve", "reject": "Reject", "request_changes": "Request changes"}[
            decision
        ]
        with self._action(label) as tx:
            self._record_review(tx, ann.id, decision, opinion or DEFAULT_OPINION[decision], comment)
        return tx.changes

    def _record_review(
        self,
        tx,
        ann_id: str,
        decision: str,
        opinion: str | None,
        comment: str,
        *,
        imported: dict | None = None,
    ) -> None:
        rid, reviewer, at, action, extra = str(uuid.uuid4()), tx.actor, tx.now, decision, {}
        if imported is not None:
            rid, reviewer, at = imported["id"], imported["reviewer"].id, imported["at"]
            action = f"import {decision}"
            extra = {
                "file": imported["source"],
                "reviewer": imported["reviewer"].name,
                "reviewer_id": reviewer,
                "at": at,
            }
        # through the undoable path: an undo takes the review away with the state it set
        tx.insert(
            "reviews",
            {
                "id": rid,
                "annotation_id": ann_id,
                "reviewer_id": reviewer,
                "decision": decision,
                "opinion": opinion,
                "comment": comment.strip(),
                "created_at": at,
                "hlc": tx.hlc(),
            },
            travelling=False,
        )
        if imported is None:
            tx.update("annotations", (ann_id,), {"status": STATUS_AFTER[decision]})
        else:  # the newest step of the thread decides the state (an imported one may be older),
            # unless something else moved the state since its last step (an edit back to draft)
            latest = self._newest_step(tx.db, ann_id)
            status = tx.fetch("annotations", (ann_id,))["status"]
            if imported["in_step"] and status != STATUS_AFTER[latest]:
                tx.update("annotations", (ann_id,), {"status": STATUS_AFTER[latest]})
        tx.audit(
            action,
            "annotation",
            ann_id,
            {"review": rid, "opinion": opinion, "comment": comment.strip(), **extra},
        )
        tx.note("annotations", (ann_id,), {})
        tx.changes.reviews.add(rid)

    def add_imported_review(
        self,
        ann_id: str,
        decision: str,
        *,
        reviewer: Person,
        source: str,
        review_id: str | None = None,
        opinion: str | None = None,
        comment: str = "",
        created_at: str | None = None,
    ) -> Changes:
        """Record a submission or a decision made on another workstation, as its reviewer made it
        and when (a STIX opinion, a REFI-QDA review note). The claim's state follows the newest
        step of its thread. The rules still hold: only the author submits, nobody reviews their
        own claim. Returns Changes with `created` = the review id, or None when this step is
        already in the thread (same id, or same reviewer, decision and time)."""
        if decision not in (*DECISIONS, "submit"):
            raise ReviewError(f"Decision must be submit or one of {', '.join(DECISIONS)}.")
        if opinion is not None and opinion not in OPINIONS:
            raise ReviewError(f"Opinion must be one of {', '.join(OPINIONS)}.")
        if decision == "submit":
            opinion = None
        try:
            who = reviewer.checked()
        except AnnotationError as exc:
            raise ReviewError(str(exc)) from None
        ann = queries.annotation(self.db, ann_id)
        if decision == "submit" and who.id != ann.created_by:
            raise PermissionDenied(f"Only its author submits a {ann.kind}; {who.name} is not.")
        if decision != "submit" and who.id == ann.created_by:
            raise PermissionDenied(f"{who.name} cannot review their own {ann.kind}.")
        at = imported_stamp(created_at, "")
        if not at:
            raise ReviewError(
                f"A review needs the UTC time it was made, not in the future; "
                f"{created_at!r} is not one."
            )
        try:
            rid = str(uuid.UUID(str(review_id)))
        except ValueError:
            rid = str(uuid.uuid5(uuid.UUID(ann.id), f"{who.id}:{decision}:{at}"))
        # the same step: its id, or who, what and when to the second (REFI-QDA keeps seconds)
        if self.db.execute(
            "SELECT 1 FROM reviews WHERE annotation_id = ? AND (id = ? OR (reviewer_id = ? AND"
            " decision = ? AND substr(created_at, 1, 19) = ?))",
            [ann.id, rid, who.id, decision, at[:19]],
        ).fetchone():
            return Changes()
        if decision != "submit" and not self.is_supervisor:
            # a file carries no signature: a decision in it is taken on the word of whoever
            # brings it in, so only a supervisor may (signed bundles carry decisions for anyone)
            raise PermissionDenied(
                "Only a supervisor brings review decisions in from a file; "
                "a signed bundle carries them for anyone."
            )
        if self.db.execute("SELECT 1 FROM reviews WHERE id = ?", [rid]).fetchone():
            rid = str(uuid.uuid5(uuid.UUID(ann.id), f"{who.id}:{decision}:{at}"))  # id taken
        before = self._newest_step(self.db, ann.id)
        in_step = ann.status == ("draft" if before is None else STATUS_AFTER[before])
        label = "Import submission" if decision == "submit" else "Import review"
        with self._action(label) as tx:
            writes.ensure_person(tx, who)
            self._record_review(
                tx,
                ann.id,
                decision,
                opinion,
                comment,
                imported={
                    "id": rid,
                    "reviewer": who,
                    "at": at,
                    "source": str(source),
                    "in_step": in_step,
                },
            )
            tx.changes.created = rid
        return tx.changes

    @staticmethod
    def _newest_step(db, ann_id: str) -> str | None:
        row = db.execute(
            "SELECT decision FROM reviews WHERE annotation_id = ?"
            " ORDER BY created_at DESC, hlc DESC LIMIT 1",
            [ann_id],
        ).fetchone()
        return row[0] if row else None

    def reviews(self, ann_id: str) -> list[Review]:
        """The whole thread of submissions and decisions on a claim, oldest first."""
        return [
            Review(**r)
            for r in self.session.rows(
                "SELECT r.id, r.annotation_id, r.reviewer_id, coalesce(a.name, r.reviewer_id)"
                " AS reviewer, r.decision, r.opinion, r.comment, r.created_at,"
                " coalesce((SELECT json_extract(au.change, '$.file') FROM audit au"
                "  WHERE au.entity_id = r.annotation_id AND au.entity = 'annotation'"
                "  AND au.action LIKE 'import %' AND json_extract(au.change, '$.review') = r.id"
                "  LIMIT 1), '') AS imported_from"
                " FROM reviews r LEFT JOIN analysts a ON a.id = r.reviewer_id"
                " WHERE r.annotation_id = ? ORDER BY r.created_at, r.hlc, r.id",
                [ann_id],
            )
        ]

    # the time a claim was (last) submitted; older workspaces may lack the submit review

    def review_queue_ids(
        self,
        *,
        analyst: str | None = None,
        tag: str | None = None,
        document: str | None = None,
        older_than_days: int | None = None,
    ) -> list[str]:
        """Ids of the submitted claims and notes waiting for a supervisor, oldest submission
        first, filtered and sorted by SQL (lazy table models load the rows a page at a time).
        ANALYST is an id or a name; TAG also matches its children."""
        where, args = ["a.deleted = 0", "d.deleted = 0", "a.status = 'submitted'"], []
        if analyst:
            where.append(
                "(a.created_by = ? OR a.created_by IN (SELECT id FROM analysts"
                " WHERE name = ? COLLATE NOCASE))"
            )
            args += [analyst, analyst]
        if document:
            where.append("a.document_id = ?")
            args.append(document)
        if tag:
            cond, more = annotations_tagged(tag)
            where.append(cond)
            args += more
        cutoff = ""
        if older_than_days is not None:
            from datetime import UTC, datetime, timedelta

            cutoff = " WHERE submitted_at <= ?"
            args.append(
                (datetime.now(UTC) - timedelta(days=older_than_days)).strftime("%Y-%m-%dT%H:%M:%S")
            )
        # ties (one batch submitted at once) keep the newest claim first, then a fixed order
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT id FROM (SELECT a.id, a.created_at, {self._SUBMITTED_AT} AS submitted_at"
                " FROM annotations a JOIN documents d ON d.id = a.document_id"
                f" WHERE {' AND '.join(where)}){cutoff} ORDER BY submitted_at, created_at DESC, id",
                args,
            )
        ]

    def review_queue(
        self,
        *,
        analyst: str | None = None,
        tag: str | None = None,
        document: str | None = None,
        older_than_days: int | None = None,
    ) -> list[Annotation]:
        """Submitted claims and notes waiting for a supervisor, oldest first."""
        ids = self.review_queue_ids(
            analyst=analyst, tag=tag, document=document, older_than_days=older_than_days
        )
        rows = queries.annotations_by_ids(self.db, ids)
        return [rows[i] for i in ids if i in rows]

    def review_queue_choices(self) -> QueueChoices:
        """What the whole queue holds, for its filters: analysts, tags (with their parents) and
        documents, each sorted by name. Reads no claim rows."""
        live = "a.deleted = 0 AND d.deleted = 0 AND a.status = 'submitted'"
        documents = self.db.execute(
            "SELECT DISTINCT coalesce(nullif(d.title, ''), a.document_id), a.document_id"
            f" FROM annotations a JOIN documents d ON d.id = a.document_id WHERE {live}"
        ).fetchall()
        return QueueChoices(
            analysts=queries.analysts_of(self.db, live),
            tags=queries.tag_tree_of(self.db, live),
            documents=sorted(map(tuple, documents), key=lambda x: x[0].casefold()),
        )

    def last_reviews(self, ann_ids: list[str]) -> dict[str, Review]:
        """The latest supervisor decision on each of these claims, in one pass."""
        out: dict[str, Review] = {}
        for i in range(0, len(ann_ids), 500):
            chunk = ann_ids[i : i + 500]
            for r in self.session.rows(
                "SELECT r.id, r.annotation_id, r.reviewer_id, coalesce(a.name, r.reviewer_id)"
                " AS reviewer, r.decision, r.opinion, r.comment, r.created_at FROM reviews r"
                " LEFT JOIN analysts a ON a.id = r.reviewer_id WHERE r.decision != 'submit'"
                f" AND r.annotation_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY r.created_at, r.hlc, r.id",
                chunk,
            ):
                out[r["annotation_id"]] = Review(**r)  # later rows replace earlier ones
        return out

    def last_review(self, ann_id: str) -> Review | None:
        thread = [r for r in self.reviews(ann_id) if r.decision != "submit"]
        return thread[-1] if thread else None

    def history(self, ann_id: str) -> list[dict]:
        """Every audited change to a claim (with who and when), oldest first."""
        ann = queries.annotation(self.db, ann_id)
        out = []
        for r in self.session.rows(
            "SELECT au.seq, au.at, coalesce(an.name, au.actor) AS actor, au.action, au.change"
            " FROM audit au LEFT JOIN analysts an ON an.id = au.actor"
            " WHERE au.entity = 'annotation' AND au.entity_id = ? ORDER BY au.seq",
            [ann.id],
        ):
            r["change"] = json.loads(r["change"])
            out.append(r)
        return out
