"""Reads more than one service needs: a note or claim, a document, their tags and choices."""

from __future__ import annotations

from db.store import rows

from .errors import NotFound
from .ids import chunks
from .records import Annotation, Document
from .sql import ANNOTATION_SELECT, DOC_SUMMARY, in_marks


def tags_for(db, ann_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """(name, colour) of the live tags on each of these annotations, by name."""
    out: dict[str, list[tuple[str, str]]] = {}
    for chunk in chunks(ann_ids):
        for ann, name, colour in db.execute(
            "SELECT at.annotation_id, t.name, t.colour FROM annotation_tags at"
            " JOIN tags t ON t.id = at.tag_id"
            f" WHERE at.deleted = 0 AND at.annotation_id IN ({in_marks(chunk)}) ORDER BY t.name",
            chunk,
        ):
            out.setdefault(ann, []).append((name, colour))
    return out


def annotations_where(db, where: str, args: list) -> list[Annotation]:
    """Live notes and claims on live documents matching WHERE (SQL over a, d, c, an, s)."""
    # a removed document hides its annotations, even ones a bundle brought in after; "+"
    # keeps SQLite on the ids (whole-table reads elsewhere may drive by the flag's index)
    found = rows(
        db, f"{ANNOTATION_SELECT} WHERE a.deleted = 0 AND +d.deleted = 0 AND {where}", args
    )
    anns = [Annotation(**r) for r in found]
    if anns:
        tags = tags_for(db, [a.id for a in anns])
        for a in anns:
            a.tags = [name for name, _c in tags.get(a.id, [])]
            a.colour = tags[a.id][0][1] if tags.get(a.id) else None
    return anns


def annotation(db, ann_id: str) -> Annotation:
    """A live note or claim by id, or by an id prefix of at least four characters."""
    found = annotations_where(db, "a.id = ?", [ann_id])
    if not found:
        found = annotations_where(db, "a.id LIKE ?", [ann_id + "%"]) if len(ann_id) >= 4 else []
        if len(found) != 1:
            raise NotFound(f"No annotation or claim with id {ann_id}.")
    return found[0]


def annotations_by_ids(db, ids: list[str]) -> dict[str, Annotation]:
    """The live notes and claims with these ids (with their tags), keyed by id."""
    out: dict[str, Annotation] = {}
    for chunk in chunks(ids):
        for a in annotations_where(db, f"a.id IN ({in_marks(chunk)})", chunk):
            out[a.id] = a
    return out


def document(db, doc_id: str) -> Document:
    """A live document with its text."""
    r = rows(
        db,
        f"SELECT {DOC_SUMMARY}, d.text FROM documents d"
        " LEFT JOIN sources s ON s.id = d.source_id WHERE d.id = ? AND d.deleted = 0",
        [doc_id],
    )
    if not r:
        raise NotFound(f"No document with id {doc_id}.")
    return Document(**r[0])


def document_summaries(db, ids: list[str]) -> dict[str, dict]:
    """Summary rows (no text) for the given ids, keyed by id; removed documents have none."""
    out: dict[str, dict] = {}
    for chunk in chunks(ids):
        for r in rows(
            db,
            f"SELECT {DOC_SUMMARY} FROM documents d"
            f" LEFT JOIN sources s ON s.id = d.source_id WHERE d.id IN"
            f" ({in_marks(chunk)}) AND +d.deleted = 0",  # + : by id, never the flag
            chunk,
        ):
            out[r["id"]] = r
    return out


def analysts_of(db, live: str) -> list[tuple[str, str]]:
    """(name, id) of who made the annotations matching LIVE (SQL over `a` and `d`), by name."""
    found = db.execute(
        "SELECT DISTINCT coalesce(an.name, a.created_by), a.created_by FROM annotations a"
        " JOIN documents d ON d.id = a.document_id LEFT JOIN analysts an"
        f" ON an.id = a.created_by WHERE {live}"
    ).fetchall()
    return sorted(map(tuple, found), key=lambda x: (x[0].casefold(), x[1]))


def tag_tree_of(db, live: str) -> list[str]:
    """The tags on the annotations matching LIVE, with their parents, sorted."""
    used = [
        r[0]
        for r in db.execute(
            "SELECT t.name FROM tags t WHERE EXISTS (SELECT 1 FROM annotation_tags at"
            " JOIN annotations a ON a.id = at.annotation_id JOIN documents d"
            f" ON d.id = a.document_id WHERE at.tag_id = t.id AND at.deleted = 0 AND {live})"
        )
    ]
    tags: set[str] = set()
    for name in used:
        parts = name.split("/")
        tags.update("/".join(parts[: n + 1]) for n in range(len(parts)))
    return sorted(tags)
