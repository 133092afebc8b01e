"""Links between claims: one corroborates, contradicts, duplicates or refines another."""

from __future__ import annotations

import uuid

from ..kernel import queries
from ..kernel.changes import Changes
from ..kernel.errors import AnnotationError, NotFound
from ..kernel.records import RELATIONS, Link
from ..kernel.service import Service


class Links(Service):
    """A workspace's links between claims."""

    def link_claims(self, from_id: str, to_id: str, relation: str, comment: str = "") -> Changes:
        """Record that one claim corroborates, contradicts, duplicates or refines another."""
        if relation not in RELATIONS:
            raise AnnotationError(f"Relation must be one of {', '.join(RELATIONS)}.")
        a, b = queries.annotation(self.db, from_id), queries.annotation(self.db, to_id)
        if a.id == b.id:
            raise AnnotationError("A claim cannot be linked to itself.")
        if a.kind != "claim" or b.kind != "claim":
            raise AnnotationError("Links join two claims; make the notes claims first.")
        with self._action(f"Link: {relation}") as tx:
            lid = str(uuid.uuid5(uuid.UUID(a.id), f"{relation}:{b.id}"))
            row = tx.fetch("links", (lid,))
            vals = {
                "from_id": a.id,
                "to_id": b.id,
                "relation": relation,
                "comment": comment.strip(),
                "deleted": 0,
            }
            if row is None:
                tx.insert("links", {"id": lid, **vals})
            else:
                tx.update("links", (lid,), vals)
            tx.audit("link", "link", lid, vals)
            tx.changes.annotations.update((a.id, b.id))
            tx.changes.created = lid
        return tx.changes

    def unlink(self, link_id: str) -> Changes:
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
        for r in self.session.rows(
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
