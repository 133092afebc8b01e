"""Small widgets and models several panes share: check lists, read-only row tables and their
item flags, tables paged over ordered ids, and the set-up of a read-only table view."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QTableWidget,
)

_Display = Qt.ItemDataRole.DisplayRole


def check_list(items: list[tuple[str, str]], name: str, empty: str | None = None) -> QListWidget:
    """Checkable items (shown text, value in UserRole); a greyed line when there are none."""
    widget = QListWidget()
    widget.setObjectName(name)
    for text, value in items:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        widget.addItem(item)
    if not items and empty:
        item = QListWidgetItem(empty)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        widget.addItem(item)
    return widget


def checked_values(widget: QListWidget) -> list[str]:
    return [
        widget.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
        and widget.item(i).data(Qt.ItemDataRole.UserRole) is not None
    ]


def read_only_flags(index: QModelIndex) -> Qt.ItemFlag:
    """Item flags of a flat, read-only model: rows can be selected, not edited or expanded."""
    if not index.isValid():
        return Qt.ItemFlag.NoItemFlags
    return (
        Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
    )


def configure_table(
    view: QTableView,
    name: str,
    model: QAbstractItemModel,
    *,
    stretch: tuple[int, ...] = (0,),
    widths: tuple[tuple[int, int], ...] = (),
) -> QHeaderView:
    """Set up a read-only table that selects one whole row at a time, without row numbers or
    word wrap; its columns are resized by hand but for the `stretch` ones, which share what is
    left; `widths` are (column, pixels). Returns the horizontal header."""
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    for column, width in widths:
        header.resizeSection(column, width)
    return header


def select_table_row(view: QAbstractItemView, row: int) -> None:
    """Make `row` the view's current row, selected alone and whole, and scroll it into view."""
    index = view.model().index(row, 0)
    view.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    view.scrollTo(index)


class RowsModel(QAbstractTableModel):
    """A read-only, flat table over a list of rows; subclasses name COLUMNS and draw `data`."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return read_only_flags(index)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _Display) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _Display:
            if 0 <= section < len(self.COLUMNS):
                return self.COLUMNS[section]
        return None

    def row_at(self, index: QModelIndex):
        """The row behind a valid index, else None."""
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        return self._rows[index.row()]

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()


class PagedIdsModel(QAbstractTableModel):
    """A read-only table over ordered ids whose rows are loaded a page (PAGE rows) at a time, as
    views scroll. Subclasses fill `_ids`, count the rows shown so far in `_loaded`, and load a
    page of rows in `_load`."""

    PAGE = 100

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ids: list[str] = []
        self._loaded = 0
        self._fetching = False

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._loaded

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return read_only_flags(index)

    def canFetchMore(self, parent: QModelIndex) -> bool:
        return not parent.isValid() and not self._fetching and self._loaded < len(self._ids)

    def fetchMore(self, parent: QModelIndex) -> None:
        if parent.isValid() or self._fetching:
            return
        start, end = self._loaded, min(self._loaded + self.PAGE, len(self._ids))
        if end <= start:
            return
        self._load(self._ids[start:end])
        self._fetching = True  # views (and the model tester) ask again from inside beginInsertRows
        try:
            self.beginInsertRows(QModelIndex(), start, end - 1)
            self._loaded = end
            self.endInsertRows()
        finally:
            self._fetching = False

    def _load(self, ids: list[str]) -> None:
        raise NotImplementedError


class PagedAnnotationsModel(PagedIdsModel):
    """A PagedIdsModel whose rows are notes and claims, read a page at a time from the core
    (`ws.annotations_by_ids`) when a view first paints them; an id gone from the store reads
    as None and is not asked for again."""

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self._ws = ws
        self._rows: dict = {}  # id → Annotation, or None when gone from the store

    def _load(self, ids: list[str]) -> None:
        if not ids:
            return
        found = self._ws.annotations_by_ids(ids)
        for ann_id in ids:
            self._rows[ann_id] = found.get(ann_id)

    def total(self) -> int:
        """How many rows match, loaded or not."""
        return len(self._ids)

    def annotation(self, row: int):
        return self._annotation_at(row) if 0 <= row < self._loaded else None

    def annotation_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < self._loaded else None

    def row_of(self, ann_id: str | None) -> int | None:
        """The row of an annotation among the loaded rows; None if filtered out or not yet."""
        if ann_id is None:
            return None
        try:
            row = self._ids.index(ann_id)
        except ValueError:
            return None
        return row if row < self._loaded else None

    def _annotation_at(self, row: int):
        ann_id = self._ids[row]
        if ann_id not in self._rows:
            start = row - row % self.PAGE
            self._load([i for i in self._ids[start : start + self.PAGE] if i not in self._rows])
        return self._rows.get(ann_id)


def list_table(name: str, columns: tuple[str, ...]) -> QTableWidget:
    """A read-only table of whole rows, one selected at a time: the first column takes the
    width, the others fit their contents."""
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(columns)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return table
