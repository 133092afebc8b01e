"""Qt item models over the Workspace: the document library (lazy, id-backed) and search hits."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt

from desktop.core.workspace import SearchHit, Workspace

from .labels import RELIABILITY, TLP_DESCRIPTIONS, language_name
from .widgets import PagedIdsModel, read_only_flags

DocumentIdRole = Qt.ItemDataRole.UserRole + 1
MarkingRole = Qt.ItemDataRole.UserRole + 2
HitRole = Qt.ItemDataRole.UserRole + 3
FragmentsRole = Qt.ItemDataRole.UserRole + 4
KindRole = Qt.ItemDataRole.UserRole + 5

_Display = Qt.ItemDataRole.DisplayRole
_ToolTip = Qt.ItemDataRole.ToolTipRole


@dataclass(frozen=True)
class Column:
    label: str
    field: str
    order: str | None  # the core's sort key; None when the core cannot sort by it


COLUMNS = (
    Column("Title", "title", "title"),
    Column("Source", "source", "source"),
    Column("Published", "published_at", "published"),
    Column("Language", "language", "language"),
    Column("Marking", "marking", "marking"),
    Column("Reliability", "reliability", None),
    Column("Annotations", "annotations", None),
)
MARKING_COLUMN = 4
ANNOTATIONS_COLUMN = 6


class DocumentTableModel(PagedIdsModel):
    """The library: holds only ordered ids; loads summary rows a page at a time.

    The core sorts and filters (SQL), so 100 000 documents open as fast as ten.
    """

    PAGE = 200

    def __init__(self, ws: Workspace, parent: QObject | None = None):
        super().__init__(parent)
        self._ws = ws
        self._order = "published"
        self._descending = True
        self._filters: dict[str, str] = {}
        self._row_of: dict[str, int] = {}
        self._rows: dict[str, dict | None] = {}
        self._reload(keep=self.PAGE)

    # -- what the views ask (rows, paging and flags: PagedIdsModel) ------------------------
    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _Display) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            column = COLUMNS[section]
            if role == _Display:
                return column.label
            if role == _ToolTip and column.order is None:
                return f"{column.label} (cannot be sorted yet)"
        return None

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        if not index.isValid() or not (0 <= index.row() < self._loaded):
            return None
        doc_id = self._ids[index.row()]
        if role == DocumentIdRole:
            return doc_id
        row = self._summary(index.row())
        if row is None:
            return None
        column = COLUMNS[index.column()]
        value = row.get(column.field)
        if role == _Display:
            return _display(column.field, value)
        if role == _ToolTip:
            return _tooltip(column.field, value, row)
        if role == MarkingRole:
            return row.get("marking") or "CLEAR"
        if role == Qt.ItemDataRole.TextAlignmentRole and column.field == "annotations":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Ask the core for the ids in the new order (the model never sorts rows itself)."""
        if not (0 <= column < len(COLUMNS)) or COLUMNS[column].order is None:
            return
        key = COLUMNS[column].order
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._order, self._descending):
            return
        self._order, self._descending = key, descending
        self._reload(keep=max(self._loaded, self.PAGE))

    # -- what the library pane asks --------------------------------------------------------
    @property
    def sort_column(self) -> int:
        return next(i for i, c in enumerate(COLUMNS) if c.order == self._order)

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    @property
    def filters(self) -> dict[str, str]:
        return dict(self._filters)

    def total(self) -> int:
        """How many documents match the filters (loaded or not)."""
        return len(self._ids)

    def document_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < self._loaded else None

    def row_of(self, doc_id: str) -> int | None:
        """The row of a document if it is loaded; None if filtered out or not fetched yet."""
        row = self._row_of.get(doc_id)
        return row if row is not None and row < self._loaded else None

    def set_filters(self, **filters: str | bool | None) -> None:
        """text (in title), source, language, marking (the core's); tag, has_claims."""
        clean = {k: v for k, v in filters.items() if v}
        if clean == self._filters:
            return
        self._filters = clean
        self._reload(keep=self.PAGE)

    def refresh(self, changed: Iterable[str] = ()) -> None:
        """After a write: re-ask for ids; repaint only the changed rows when the set is the same."""
        ids = self._query()
        changed = set(changed)
        if ids != self._ids:
            self._reload(keep=max(self._loaded, self.PAGE), ids=ids)
            return
        for doc_id in changed:
            self._rows.pop(doc_id, None)
            row = self.row_of(doc_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # -- loading -----------------------------------------------------------------------------
    def _query(self) -> list[str]:
        filters = dict(self._filters)
        filters["has_claims"] = bool(filters.get("has_claims"))
        return self._ws.document_ids(order=self._order, descending=self._descending, **filters)

    def _reload(self, *, keep: int, ids: list[str] | None = None) -> None:
        ids = self._query() if ids is None else ids
        self.beginResetModel()
        self._ids = ids
        self._row_of = {doc_id: n for n, doc_id in enumerate(ids)}
        self._rows.clear()
        self._loaded = min(keep, len(ids))
        self._load(ids[: self._loaded])
        self.endResetModel()

    def _load(self, ids: list[str]) -> None:
        rows = self._ws.document_summaries(ids)
        counts = self._ws.annotation_counts(list(rows))
        for doc_id, row in rows.items():
            row["annotations"] = counts.get(doc_id, 0)
        self._rows.update(rows)

    def _summary(self, row: int) -> dict | None:
        doc_id = self._ids[row]
        found = self._rows.get(doc_id)
        if found is None and doc_id not in self._rows:
            start = row - row % self.PAGE
            page = [i for i in self._ids[start : start + self.PAGE] if i not in self._rows]
            self._load(page)
            found = self._rows.get(doc_id)
            if found is None:
                self._rows[doc_id] = None  # gone from the store; don't ask again on every paint
        return found


def _display(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field == "annotations":
        return str(value) if value else ""
    if field == "published_at":
        return str(value)[:10]
    if field == "language":
        return language_name(value)
    if field == "marking":
        return f"TLP:{value}"
    return str(value)


def _tooltip(field: str, value: Any, row: dict) -> str:
    if field == "marking":
        return TLP_DESCRIPTIONS.get(value or "", "")
    if field == "reliability":
        return RELIABILITY.get(value or "", "")
    if field == "language":
        return value or ""
    if field == "published_at":
        return str(value or "")
    if field == "title":
        return row.get("filename") or ""
    if field == "annotations":
        return f"{value or 0} note(s) and claim(s)"
    return "" if value is None else str(value)


class SearchResultsModel(QAbstractListModel):
    """Ranked hits of the current query; each row carries the hit and its highlighted fragments."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self.query = ""

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return read_only_flags(index)

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._hits)):
            return None
        hit = self._hits[index.row()]
        if role == _Display:
            return hit.title or "(untitled)"
        if role == _ToolTip:
            return plain_fragments(hit)
        if role == HitRole:
            return hit
        if role == DocumentIdRole:
            return hit.doc_id
        if role == KindRole:
            return hit.kind
        if role == FragmentsRole:
            return " … ".join(hit.fragments.values())
        return None

    def set_hits(self, hits: list[SearchHit], query: str = "") -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.query = query
        self.endResetModel()

    def clear(self) -> None:
        self.set_hits([], "")

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None


_TAG = re.compile(r"<[^>]+>")


def plain_fragments(hit: SearchHit) -> str:
    """The fragments without markup, one line each (tooltips, accessibility)."""
    text = " … ".join(hit.fragments.values())
    return " ".join(html.unescape(_TAG.sub("", text)).split())
