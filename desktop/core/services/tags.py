"""Tags: the hierarchy ("actor/state"), colours, and putting them on notes and claims."""

from __future__ import annotations

import re

from ..kernel import queries, writes
from ..kernel.changes import Changes
from ..kernel.errors import AnnotationError, NotFound, PermissionDenied
from ..kernel.ids import normalise_tag, tag_id
from ..kernel.service import Service


class Tags(Service):
    """A workspace's tags."""

    def tag_annotation(self, ann_id: str, names: list[str] | tuple[str, ...]) -> Changes:
        names = [normalise_tag(n) for n in names]
        ann_id = queries.annotation(self.db, ann_id).id
        with self._action(f"Tag {', '.join(names)}") as tx:
            row = writes.own(tx, ann_id)
            for name in names:
                writes.attach_tag(tx, ann_id, name)
            tx.audit("tag", "annotation", ann_id, {"tags": names})
            tx.note("annotations", (ann_id,), row)
        return tx.changes

    def untag_annotation(self, ann_id: str, names: list[str] | tuple[str, ...]) -> Changes:
        names = [normalise_tag(n) for n in names]
        ann_id = queries.annotation(self.db, ann_id).id
        with self._action(f"Remove tag {', '.join(names)}") as tx:
            row = writes.own(tx, ann_id)
            for name in names:
                key = (ann_id, tag_id(name))
                link = tx.fetch("annotation_tags", key)
                if link and not link["deleted"]:
                    tx.update("annotation_tags", key, {"deleted": 1})
            tx.audit("untag", "annotation", ann_id, {"tags": names})
            tx.note("annotations", (ann_id,), row)
        return tx.changes

    def tags(self) -> list[dict]:
        """Every tag with its colour, parent and how many annotations carry it."""
        # counted from the tag links alone (deleting an annotation retires its links): joining
        # every annotation row took 0.4 s at 50 000 annotations, this takes milliseconds
        return self.session.rows(
            "SELECT t.id, t.name, t.parent_id, t.colour, (SELECT count(*) FROM annotation_tags at"
            " WHERE at.tag_id = t.id AND at.deleted = 0) AS uses FROM tags t"
            " WHERE t.deleted = 0 ORDER BY t.name",
        )

    def create_tag(self, name: str, colour: str | None = None) -> Changes:
        """A tag with no uses yet (a codebook's code); its parents come with it."""
        with self._action(f"Create tag {normalise_tag(name)}") as tx:
            tid = writes.ensure_tag(tx, name, colour)
            tx.audit("create tag", "tag", tid, {"name": normalise_tag(name)})
            tx.changes.created = tid
        return tx.changes

    def set_tag_colour(self, name: str, colour: str) -> Changes:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
            raise AnnotationError(f"Colour {colour!r} is not of the form #rrggbb.")
        tid = tag_id(name)
        with self._action(f"Colour tag {normalise_tag(name)}") as tx:
            tx.update("tags", (tid,), {"colour": colour})
            tx.audit("colour tag", "tag", tid, {"colour": colour})
            tx.changes.tags.add(tid)
            writes.requeue_tagged(tx, [tid])
        return tx.changes

    def rename_tag(self, old: str, new: str) -> Changes:
        """Rename a tag and its children (ids follow names, so this moves every use)."""
        return self._move_tag(old, new, f"Rename tag {normalise_tag(old)}")

    def merge_tags(self, source: str, into: str) -> Changes:
        """Move every use of SOURCE (and its children) onto INTO, then retire SOURCE."""
        return self._move_tag(source, into, f"Merge tag {normalise_tag(source)}")

    def _check_tag_users(self, tx, tag_ids: list[str], verb: str) -> None:
        """Only a supervisor changes a tag on other analysts' notes and claims."""
        if self.is_supervisor or not tag_ids:
            return
        marks = ",".join("?" * len(tag_ids))
        others = sorted(
            {
                r[0]
                for r in tx.db.execute(
                    "SELECT DISTINCT coalesce(an.name, a.created_by) FROM annotation_tags at"
                    " JOIN annotations a ON a.id = at.annotation_id LEFT JOIN analysts an"
                    " ON an.id = a.created_by WHERE at.deleted = 0 AND a.deleted = 0"
                    f" AND at.tag_id IN ({marks}) AND a.created_by != ?",
                    [*tag_ids, tx.actor],
                )
            }
        )
        if others:
            raise PermissionDenied(
                f"This tag is also on work by {', '.join(others)}; only a supervisor {verb}s "
                "a tag other analysts use."
            )

    def _move_tag(self, old: str, new: str, label: str) -> Changes:
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
                tx,
                [r["id"] for n, r in existing.items() if n == old or n.startswith(old + "/")],
                label.split()[0].lower(),
            )
            for name in sorted(n for n in existing if n == old or n.startswith(old + "/")):
                target = new + name[len(old) :]
                src = existing[name]
                dst = writes.ensure_tag(tx, target, src["colour"])
                for (ann_id,) in tx.db.execute(
                    "SELECT annotation_id FROM annotation_tags WHERE tag_id = ? AND deleted = 0",
                    [src["id"]],
                ).fetchall():
                    tx.update("annotation_tags", (ann_id, src["id"]), {"deleted": 1})
                    writes.attach_tag(tx, ann_id, target)
                    tx.note("annotation_tags", (ann_id, dst), {})
                tx.update("tags", (src["id"],), {"deleted": 1})
                tx.changes.tags.update((src["id"], dst))
            tx.audit(
                label.split()[0].lower() + " tag", "tag", tag_id(old), {"from": old, "to": new}
            )
        return tx.changes

    def delete_tag(self, name: str) -> Changes:
        """Take a tag and its children off every note and claim and retire them (one undo
        step; the annotations themselves stay)."""
        name = normalise_tag(name)
        existing = {r["name"]: r for r in self.tags()}
        if name not in existing:
            raise NotFound(f"No tag named {name!r}.")
        with self._action(f"Delete tag {name}") as tx:
            self._check_tag_users(
                tx,
                [r["id"] for n, r in existing.items() if n == name or n.startswith(name + "/")],
                "delete",
            )
            for child in sorted(n for n in existing if n == name or n.startswith(name + "/")):
                tid = existing[child]["id"]
                for (ann_id,) in tx.db.execute(
                    "SELECT annotation_id FROM annotation_tags WHERE tag_id = ? AND deleted = 0",
                    [tid],
                ).fetchall():
                    tx.update("annotation_tags", (ann_id, tid), {"deleted": 1})
                    tx.note("annotation_tags", (ann_id, tid), {})
                tx.update("tags", (tid,), {"deleted": 1})
                tx.changes.tags.add(tid)
            tx.audit("delete tag", "tag", tag_id(name), {"name": name})
        return tx.changes
