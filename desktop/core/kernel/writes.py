"""Writes inside a transaction that more than one service (and the exchange) makes: the
owner check, tags on annotations, people known from files, sources, index refreshes."""

from __future__ import annotations

from .errors import NotFound, PermissionDenied
from .ids import name_id, normalise_tag, tag_id
from .records import Person, default_colour


def own(tx, ann_id: str) -> dict:
    """The live annotation row ANN_ID, if the analyst at the keyboard made it."""
    row = tx.fetch("annotations", (ann_id,))
    if row is None or row["deleted"]:
        raise NotFound(f"No annotation or claim with id {ann_id}.")
    if row["created_by"] != tx.actor:
        owner = tx.db.execute(
            "SELECT name FROM analysts WHERE id = ?", [row["created_by"]]
        ).fetchone()
        raise PermissionDenied(
            f"This {row['kind']} belongs to {owner[0] if owner else 'another analyst'}; "
            "only its author edits it (a supervisor responds with a review)."
        )
    return row


def ensure_tag(tx, name: str, colour: str | None = None) -> str:
    """The id of tag NAME (and its parents), made or brought back if need be."""
    name = normalise_tag(name)
    parent = None
    if "/" in name:
        parent = ensure_tag(tx, name.rsplit("/", 1)[0])
    tid = tag_id(name)
    row = tx.fetch("tags", (tid,))
    if row is None or row["deleted"]:
        tx.insert(
            "tags",
            {
                "id": tid,
                "name": name,
                "parent_id": parent,
                "colour": colour or default_colour(name),
            },
        )
        tx.changes.tags.add(tid)
    return tid


def attach_tag(tx, ann_id: str, name: str) -> str:
    tid = ensure_tag(tx, name)
    row = tx.fetch("annotation_tags", (ann_id, tid))
    if row is None:
        tx.insert("annotation_tags", {"annotation_id": ann_id, "tag_id": tid})
    elif row["deleted"]:
        tx.update("annotation_tags", (ann_id, tid), {"deleted": 0})
    tx.changes.tags.add(tid)
    return tid


def ensure_person(tx, person: Person) -> None:
    """A roster entry for someone known only from an imported file (no key; a bundle from
    their own workstation later replaces it with their signed entry). Undoable: an undo of the
    import takes the entry away again."""
    if tx.fetch("analysts", (person.id,)) is None:
        tx.insert(
            "analysts",
            {
                "id": person.id,
                "name": person.name,
                "role": person.role,
                "public_key": None,
                "fingerprint": None,
                "created_at": tx.now,
                "hlc": 0,
            },
            travelling=False,
        )


def requeue_annotations(tx, where: str, args: list) -> None:
    """Annotations carry their document's reliability in the index: refresh them."""
    for (ann_id,) in tx.db.execute(
        f"SELECT id FROM annotations WHERE deleted = 0 AND {where}", args
    ).fetchall():
        tx.queue("annotation", ann_id)
        tx.changes.annotations.add(ann_id)


def ensure_source(tx, name: str, kind: str | None = None, reliability: str | None = None) -> str:
    """The id of source NAME, made, brought back or re-rated as asked."""
    sid = name_id("source", name)
    row = tx.fetch("sources", (sid,))
    if row is None:
        vals = {
            "id": sid,
            "name": " ".join(name.split()),
            "kind": kind or "outlet",
            "reliability": reliability or "F",
        }
        tx.insert("sources", vals)
        tx.audit("add source", "source", sid, vals)
        tx.changes.sources.add(sid)
    elif (
        row["deleted"]
        or (kind and kind != row["kind"])
        or (reliability and reliability != row["reliability"])
    ):
        # a source an undo retired comes back when it is named again
        vals = {
            "kind": kind or row["kind"],
            "reliability": reliability or row["reliability"],
            "deleted": 0,
        }
        tx.update("sources", (sid,), vals)
        tx.audit("edit source", "source", sid, vals)
        tx.changes.sources.add(sid)
        if reliability and reliability != row["reliability"]:
            requeue_annotations(
                tx, "document_id IN (SELECT id FROM documents WHERE source_id = ?)", [sid]
            )
    return sid


def requeue_tagged(tx, tag_ids: list[str]) -> None:
    for tid in tag_ids:
        for (ann_id,) in tx.db.execute(
            "SELECT annotation_id FROM annotation_tags WHERE tag_id = ? AND deleted = 0", [tid]
        ).fetchall():
            tx.note("annotations", (ann_id,), {})
