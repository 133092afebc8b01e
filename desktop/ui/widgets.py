"""Small widgets and models several dialogs share: check lists and read-only row tables."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

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
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

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
