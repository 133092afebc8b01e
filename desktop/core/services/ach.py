"""Analysis of competing hypotheses: a matrix per question, hypotheses as columns, claims as rows,
a rating per cell; scored as Heuer's method does (desktop/core/kernel/ach.py holds the scoring).

Every write is one undo step. Removing a hypothesis, a row or a matrix leaves a tombstone, so a
bundle carries the removal; a row whose claim is gone stays in the matrix as "missing evidence"
with its ratings kept."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from ..kernel import queries, scales
from ..kernel.ach import (
    EvidenceRow,
    Hypothesis,
    Matrix,
    Sensitivity,
    check_rating,
    row_weight,
    scored_matrix,
    sensitivity,
)
from ..kernel.changes import Changes
from ..kernel.errors import AchError, NotFound
from ..kernel.service import Service

MAX_TEXT = 10_000


def _text(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise AchError(f"{what} cannot be empty.")
    if len(text) > MAX_TEXT:
        raise AchError(f"{what} is longer than {MAX_TEXT} characters.")
    return text


class Ach(Service):
    """A workspace's ACH matrices."""

    # -- finding things -------------------------------------------------------------------------
    def _one(self, table: str, ident: str, what: str, where: str = "deleted = 0") -> dict:
        """A live row by id, or by an unambiguous id prefix of at least four characters."""
        ident = (ident or "").strip()
        row = self.session.row(f"SELECT * FROM {table} WHERE id = ? AND {where}", [ident])
        if row is None and len(ident) >= 4:
            found = self.session.rows(
                f"SELECT * FROM {table} WHERE id LIKE ? AND {where} LIMIT 2", [ident + "%"]
            )
            row = found[0] if len(found) == 1 else None
        if row is None:
            raise NotFound(f"No {what} with id {ident!r}.")
        return row

    def _matrix_row(self, matrix_id: str) -> dict:
        return self._one("ach_matrices", matrix_id, "ACH matrix")

    def _hypothesis_row(self, hypothesis_id: str) -> dict:
        row = self._one("ach_hypotheses", hypothesis_id, "hypothesis")
        if (
            self.session.scalar("SELECT deleted FROM ach_matrices WHERE id = ?", [row["matrix_id"]])
            != 0
        ):
            raise NotFound(f"No hypothesis with id {hypothesis_id!r} (its matrix was deleted).")
        return row

    def _evidence_id(self, matrix_id: str, ann_id: str) -> str:
        """The claim id of a live row of the matrix, by id or prefix (the claim may be gone)."""
        ann_id = (ann_id or "").strip()
        found = self.session.column(
            "SELECT annotation_id FROM ach_evidence WHERE matrix_id = ? AND deleted = 0"
            " AND (annotation_id = ? OR (length(?) >= 4 AND annotation_id LIKE ?)) LIMIT 2",
            [matrix_id, ann_id, ann_id, ann_id + "%"],
        )
        if ann_id in found:
            return ann_id
        if len(found) != 1:
            raise AchError(
                f"The claim {ann_id!r} is not evidence in this matrix; add it first "
                "(`assay ach evidence add`)."
            )
        return found[0]

    # -- matrices -------------------------------------------------------------------------------
    def create_matrix(self, question: str, *, marking: str = "CLEAR") -> Changes:
        """A new, empty matrix for QUESTION (changes.created is its id)."""
        question = _text(question, "The question")
        marking = scales.check_marking(marking)
        mid = str(uuid.uuid4())
        with self._action("New ACH matrix") as tx:
            tx.insert("ach_matrices", {"id": mid, "question": question, "marking": marking})
            tx.audit("create matrix", "ach_matrix", mid, {"question": question, "marking": marking})
            tx.changes.matrices.add(mid)
            tx.changes.created = mid
        return tx.changes

    def rename_matrix(self, matrix_id: str, question: str) -> Changes:
        m = self._matrix_row(matrix_id)
        question = _text(question, "The question")
        if question == m["question"]:
            return Changes()
        with self._action("Rename ACH matrix") as tx:
            tx.update("ach_matrices", (m["id"],), {"question": question})
            tx.audit("rename matrix", "ach_matrix", m["id"], {"question": question})
            tx.changes.matrices.add(m["id"])
        return tx.changes

    def delete_matrix(self, matrix_id: str) -> Changes:
        """Remove a matrix (a tombstone: its hypotheses, rows and ratings stay in the store)."""
        m = self._matrix_row(matrix_id)
        with self._action("Delete ACH matrix") as tx:
            tx.update("ach_matrices", (m["id"],), {"deleted": 1})
            tx.audit("delete matrix", "ach_matrix", m["id"], {"question": m["question"]})
            tx.changes.matrices.add(m["id"])
        return tx.changes

    # -- hypotheses -----------------------------------------------------------------------------
    def add_hypothesis(self, matrix_id: str, text: str) -> Changes:
        """A new column (changes.created is the hypothesis id)."""
        m = self._matrix_row(matrix_id)
        text = _text(text, "A hypothesis")
        hid = str(uuid.uuid4())
        with self._action("Add hypothesis") as tx:
            pos = tx.db.execute(
                "SELECT coalesce(max(position), -1) + 1 FROM ach_hypotheses WHERE matrix_id = ?",
                [m["id"]],
            ).fetchone()[0]
            tx.insert(
                "ach_hypotheses", {"id": hid, "matrix_id": m["id"], "text": text, "position": pos}
            )
            tx.audit("add hypothesis", "ach_matrix", m["id"], {"hypothesis": hid, "text": text})
            tx.changes.matrices.add(m["id"])
            tx.changes.created = hid
        return tx.changes

    def edit_hypothesis(self, hypothesis_id: str, text: str) -> Changes:
        h = self._hypothesis_row(hypothesis_id)
        text = _text(text, "A hypothesis")
        if text == h["text"]:
            return Changes()
        with self._action("Edit hypothesis") as tx:
            tx.update("ach_hypotheses", (h["id"],), {"text": text})
            tx.audit(
                "edit hypothesis",
                "ach_matrix",
                h["matrix_id"],
                {"hypothesis": h["id"], "text": text},
            )
            tx.changes.matrices.add(h["matrix_id"])
        return tx.changes

    def remove_hypothesis(self, hypothesis_id: str) -> Changes:
        h = self._hypothesis_row(hypothesis_id)
        with self._action("Remove hypothesis") as tx:
            tx.update("ach_hypotheses", (h["id"],), {"deleted": 1})
            tx.audit("remove hypothesis", "ach_matrix", h["matrix_id"], {"hypothesis": h["id"]})
            tx.changes.matrices.add(h["matrix_id"])
        return tx.changes

    # -- evidence -------------------------------------------------------------------------------
    def add_matrix_evidence(self, matrix_id: str, ann_ids: Iterable[str]) -> Changes:
        """Add claims (by id or id prefix) as rows. Claims already in the matrix are skipped; if
        none is new, nothing changes (and no undo step is made)."""
        m = self._matrix_row(matrix_id)
        wanted: list[str] = []
        for ref in ann_ids:
            ann = queries.annotation(self.db, ref)
            if ann.kind != "claim":
                raise AchError(
                    f"{ann.id[:8]} is a note, not a claim: only claims are evidence (make it a "
                    "claim first)."
                )
            if ann.id not in wanted:
                wanted.append(ann.id)
        if not wanted:
            raise AchError("No claims given: name claims by id, tag, document or search.")
        rows = {
            r["annotation_id"]: r
            for r in self.session.rows(
                "SELECT annotation_id, deleted FROM ach_evidence WHERE matrix_id = ?", [m["id"]]
            )
        }
        new = [a for a in wanted if a not in rows or rows[a]["deleted"]]
        if not new:
            return Changes()
        label = "Add evidence" if len(new) == 1 else f"Add {len(new)} claims as evidence"
        with self._action(label) as tx:
            pos = tx.db.execute(
                "SELECT coalesce(max(position), -1) + 1 FROM ach_evidence WHERE matrix_id = ?",
                [m["id"]],
            ).fetchone()[0]
            for ann_id in new:
                if ann_id in rows:  # a row removed earlier comes back, at the end
                    tx.update("ach_evidence", (m["id"], ann_id), {"deleted": 0, "position": pos})
                else:
                    tx.insert(
                        "ach_evidence",
                        {"matrix_id": m["id"], "annotation_id": ann_id, "position": pos},
                    )
                pos += 1
            tx.audit("add evidence", "ach_matrix", m["id"], {"claims": new})
            tx.changes.matrices.add(m["id"])
        return tx.changes

    def remove_matrix_evidence(self, matrix_id: str, ann_id: str) -> Changes:
        """Take a row out of the matrix (its ratings are kept, should it come back)."""
        m = self._matrix_row(matrix_id)
        aid = self._evidence_id(m["id"], ann_id)
        with self._action("Remove evidence") as tx:
            tx.update("ach_evidence", (m["id"], aid), {"deleted": 1})
            tx.audit("remove evidence", "ach_matrix", m["id"], {"claim": aid})
            tx.changes.matrices.add(m["id"])
        return tx.changes

    # -- ratings --------------------------------------------------------------------------------
    def rate_cell(
        self, matrix_id: str, hypothesis_id: str, ann_id: str, rating: str | None
    ) -> Changes:
        """Rate how consistent the claim is with the hypothesis: CC, C, N, I, II or NA (None or
        '-' clears the cell)."""
        m = self._matrix_row(matrix_id)
        value = check_rating(rating)
        h = self._hypothesis_row(hypothesis_id)
        if h["matrix_id"] != m["id"]:
            raise AchError(
                f"The hypothesis {h['id'][:8]} belongs to another matrix; nothing was rated."
            )
        aid = self._evidence_id(m["id"], ann_id)
        if not queries.annotations_by_ids(self.db, [aid]):
            raise AchError(
                f"The claim {aid[:8]} is missing evidence (removed, or never received here): "
                "its ratings are kept but cannot be changed."
            )
        key = (h["id"], aid)
        current = self.session.row(
            "SELECT rating, deleted FROM ach_cells WHERE hypothesis_id = ? AND annotation_id = ?",
            list(key),
        )
        now = None if current is None or current["deleted"] else current["rating"]
        if now == value:
            return Changes()
        label = f"Rate {value}" if value else "Clear rating"
        with self._action(label) as tx:
            if current is None:
                tx.insert(
                    "ach_cells",
                    {
                        "hypothesis_id": h["id"],
                        "annotation_id": aid,
                        "matrix_id": m["id"],
                        "rating": value,
                    },
                )
            elif value is None:
                tx.update("ach_cells", key, {"deleted": 1})
            else:
                tx.update("ach_cells", key, {"rating": value, "deleted": 0})
            tx.audit(
                "rate",
                "ach_matrix",
                m["id"],
                {"hypothesis": h["id"], "claim": aid, "rating": value},
            )
            tx.changes.matrices.add(m["id"])
        return tx.changes

    # -- reading --------------------------------------------------------------------------------
    def matrices(self) -> list[dict]:
        """Every live matrix: id, question, marking, hypotheses, evidence and missing counts."""
        return self.session.rows(
            "SELECT m.id, m.question, m.marking, m.created_by, m.created_at, m.updated_at,"
            " (SELECT count(*) FROM ach_hypotheses h WHERE h.matrix_id = m.id AND h.deleted = 0)"
            " AS hypotheses,"
            " (SELECT count(*) FROM ach_evidence e WHERE e.matrix_id = m.id AND e.deleted = 0)"
            " AS evidence,"
            " (SELECT count(*) FROM ach_evidence e WHERE e.matrix_id = m.id AND e.deleted = 0"
            "  AND NOT EXISTS (SELECT 1 FROM annotations a JOIN documents d ON d.id ="
            "  a.document_id WHERE a.id = e.annotation_id AND a.deleted = 0 AND d.deleted = 0))"
            " AS missing"
            " FROM ach_matrices m WHERE m.deleted = 0 ORDER BY m.created_at, m.id"
        )

    def matrix(self, matrix_id: str) -> Matrix:
        """The matrix with its claims, ratings, scores, ranking and diagnosticity."""
        m = self._matrix_row(matrix_id)
        hyps = self.session.rows(
            "SELECT id, text, position FROM ach_hypotheses WHERE matrix_id = ? AND deleted = 0"
            " ORDER BY position, created_at, id",
            [m["id"]],
        )
        evidence = self.session.rows(
            "SELECT annotation_id, position FROM ach_evidence WHERE matrix_id = ? AND deleted = 0"
            " ORDER BY position, created_at, annotation_id",
            [m["id"]],
        )
        # one row per claim, its live hypotheses' ratings as a JSON object (C-speed both sides)
        cells = {
            aid: json.loads(obj)
            for aid, obj in self.db.execute(
                "SELECT annotation_id, json_group_object(hypothesis_id, rating) FROM ach_cells"
                " WHERE matrix_id = ? AND deleted = 0 AND rating IS NOT NULL"
                " GROUP BY annotation_id",
                [m["id"]],
            )
        }
        if len(hyps) < self.session.scalar(
            "SELECT count(*) FROM ach_hypotheses WHERE matrix_id = ?", [m["id"]]
        ):  # some were removed: their ratings stay in the store, out of the matrix
            live = {h["id"] for h in hyps}
            cells = {a: {h: r for h, r in c.items() if h in live} for a, c in cells.items()}
        claims = queries.annotations_by_ids(self.db, [e["annotation_id"] for e in evidence])
        rows = []
        for e in evidence:
            aid = e["annotation_id"]
            claim = claims.get(aid)
            row_cells = cells.get(aid, {})
            weight = row_weight(claim.reliability, claim.credibility) if claim else 0.0
            rows.append(EvidenceRow(aid, e["position"], claim, row_cells, weight))
        return scored_matrix(m, [Hypothesis(**h) for h in hyps], rows)

    def matrix_sensitivity(self, matrix_id: str) -> list[Sensitivity]:
        """The claims whose being wrong (left out) would change the leading hypothesis."""
        return sensitivity(self.matrix(matrix_id))
