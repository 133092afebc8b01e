"""SQL fragments more than one service needs, written once."""

from __future__ import annotations

from db.store import get_meta, row, rows, set_meta

from .ids import normalise_tag

# the store's typed reads and its meta table, for code above the kernel (which may not import db)
__all__ = [
    "get_meta",
    "row",
    "rows",
    "set_meta",
    "like_escape",
    "tag_with_children",
    "annotations_tagged",
    "in_marks",
    "ANNOTATION_SELECT",
    "DOC_SUMMARY",
]


def like_escape(text: str) -> str:
    """TEXT as a LIKE pattern that matches only itself (for use with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tag_with_children(name_column: str, tag: str) -> tuple[str, list]:
    """NAME_COLUMN is TAG or one of its children ('actor' matches 'actor/state'); a `_` or `%`
    in a tag name is a letter, not a wildcard."""
    name = normalise_tag(tag)
    return (
        f"({name_column} = ? OR {name_column} LIKE ? ESCAPE '\\')",
        [name, like_escape(name) + "/%"],
    )


def annotations_tagged(tag: str, ann_column: str = "a.id") -> tuple[str, list]:
    """ANN_COLUMN names an annotation that carries TAG or one of its children."""
    cond, args = tag_with_children("t.name", tag)
    return (
        f"{ann_column} IN (SELECT at.annotation_id FROM annotation_tags at JOIN tags t"
        f" ON t.id = at.tag_id WHERE at.deleted = 0 AND {cond})",
        args,
    )


def in_marks(items: list) -> str:
    return ",".join("?" * len(items))


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

DOC_SUMMARY = (
    "d.id, d.title, d.author, d.published_at, d.language, d.marking, d.mime, d.filename,"
    " d.size, d.imported_at, d.sha256, d.url, d.source_id, s.name AS source,"
    " coalesce(d.reliability, s.reliability) AS reliability"
)
