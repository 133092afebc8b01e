"""File → Removed documents…: what was removed, when and by whom; Restore brings a document
back with the notes and claims removed with it (one undo step, in the writer thread)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.workspace import Changes, Workspace

from .dashboard_data import local_time_text
from .operations import run_operation
from .widgets import list_table
from .worker import SerialWorker

COLUMNS = ("Document", "Removed", "By", "Notes and claims")


class RemovedDocumentsDialog(QDialog):
    """Non-modal. `restored` carries the Changes and the document id."""

    restored = Signal(object, str)

    def __init__(self, ws: Workspace, writer: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("removedDocuments")
        self.setWindowTitle("Removed documents")
        self.ws, self.writer = ws, writer
        self.job = None
        self.table = list_table("removedTable", COLUMNS)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(lambda *_: self.restore())
        self.status = QLabel()
        self.status.setObjectName("removedStatus")
        self.status.setWordWrap(True)
        self.restore_button = QPushButton("Restore")
        self.restore_button.clicked.connect(self.restore)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        intro = QLabel(
            "A removed document keeps its file and its notes and claims until it is "
            "restored here; the restoration travels in your next bundle."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(640, 360)
        self.reload()

    def reload(self) -> None:
        self.removed = self.ws.removed_documents()
        self.table.setRowCount(len(self.removed))
        for row, r in enumerate(self.removed):
            values = (
                r["title"] or r["filename"] or r["id"],
                local_time_text(r["removed_at"]),
                r["removed_by"] or "",
                str(r["annotations"]),
            )
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        if self.removed:
            self.table.selectRow(0)  # the latest removal, ready to restore
        else:
            self.status.setText("No removed documents.")
        self._update_buttons()

    def restore(self) -> None:
        row = self.table.currentRow()
        if self.job is not None or not 0 <= row < len(self.removed):
            return
        chosen = self.removed[row]

        def done(changes: Changes) -> None:
            self.job = None
            self.reload()
            self.status.setText(
                f"Restored “{chosen['title']}” with {chosen['annotations']} note(s) and claim(s)."
            )
            self.restored.emit(changes, chosen["id"])

        def failed(exc: BaseException) -> None:
            self.job = None
            self._update_buttons()
            self.status.setText(str(exc))

        self.job = run_operation(
            self,
            self.ws.restore_document,
            chosen["id"],
            label="restore the document",
            worker=self.writer,
            errors="inline",
            on_success=done,
            on_failure=failed,
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(
            self.job is None
            and not self.ws.readonly
            and self.table.currentRow() >= 0
            and bool(self.removed)
        )
