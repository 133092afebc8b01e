"""Tools → Sources…: every source with its kind, its Admiralty reliability and how many
documents it gave; re-rate several at once and save them as one undo step, or show one
source's documents in the library."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel import scales
from desktop.core.workspace import SOURCE_KINDS, Changes, Workspace

from .operations import run_operation
from .widgets import list_table
from .worker import SerialWorker

COLUMNS = ("Source", "Kind", "Reliability", "Documents")


class SourcesDialog(QDialog):
    """Non-modal. `saved` carries the Changes; `show_documents` a source's name."""

    saved = Signal(object)  # Changes
    show_documents = Signal(str)

    def __init__(self, ws: Workspace, writer: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sourcesDialog")
        self.setWindowTitle("Sources")
        self.ws, self.writer = ws, writer
        self.job = None
        self.sources: list[dict] = []

        self.table = list_table("sourcesTable", COLUMNS)
        self.kinds: list[QComboBox] = []
        self.ratings: list[QComboBox] = []
        self.table.cellDoubleClicked.connect(lambda row, _col: self._show(row))

        self.empty = QLabel(
            "No sources yet: a document's source is set on import (front "
            "matter, metadata) or in its properties (Ctrl+I)."
        )
        self.empty.setWordWrap(True)
        self.caption = QLabel(
            "A source's reliability applies to every document it gave (unless a document has "
            "its own) and to the claims made on them. Double-click a source to list its "
            "documents in the library."
        )
        self.caption.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("sourcesProblem")
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.show_button = QPushButton("Show its documents")
        self.show_button.clicked.connect(lambda: self._show(self.table.currentRow()))
        self.buttons.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(720, 460)
        self.reload()

    def reload(self) -> None:
        """Rows from the store again (after a save, an undo, an import that named a source);
        edits not saved yet are dropped, since their rows may have moved."""
        self.sources = self.ws.sources()
        self.table.setRowCount(0)
        self.table.setRowCount(len(self.sources))
        self.kinds, self.ratings = [], []
        kinds = list(dict.fromkeys([*SOURCE_KINDS, *(s["kind"] for s in self.sources)]))
        for row, source in enumerate(self.sources):
            self.table.setItem(row, 0, QTableWidgetItem(source["name"]))
            kind = QComboBox()
            kind.setEditable(True)
            kind.addItems(kinds)
            kind.setCurrentText(source["kind"] or "")
            kind.currentTextChanged.connect(self._edited)
            self.table.setCellWidget(row, 1, kind)
            self.kinds.append(kind)
            rating = QComboBox()
            for code, words in scales.RELIABILITY.items():
                rating.addItem(f"{code} — {words}", code)
            rating.setCurrentIndex(max(rating.findData(source["reliability"]), 0))
            rating.currentIndexChanged.connect(self._edited)
            self.table.setCellWidget(row, 2, rating)
            self.ratings.append(rating)
            count = QTableWidgetItem(str(source["documents"]))
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 3, count)
        self.empty.setVisible(not self.sources)
        self._edited()

    def note_changes(self, changes: Changes) -> None:
        """The window's changes: the list follows when sources or documents changed."""
        if (changes.sources or changes.documents) and self.isVisible() and self.job is None:
            self.reload()

    def edits(self) -> dict[str, dict]:
        """What differs from the stored sources: name → {"kind"…, "reliability"…}."""
        out: dict[str, dict] = {}
        for row, source in enumerate(self.sources):
            changed = {}
            kind = self.kinds[row].currentText().strip()
            if kind != (source["kind"] or ""):
                changed["kind"] = kind
            rating = self.ratings[row].currentData()
            if rating != source["reliability"]:
                changed["reliability"] = rating
            if changed:
                out[source["name"]] = changed
        return out

    def save(self) -> None:
        edits = self.edits()
        if not edits:
            return
        self.save_button.setEnabled(False)
        self.problem.hide()
        self.job = run_operation(
            self,
            self.ws.edit_sources,
            edits,
            label="save the sources",
            worker=self.writer,
            errors="inline",
            on_success=self._saved,
            on_failure=self._refused,
        )

    def _saved(self, changes: Changes) -> None:
        self.job = None
        self.reload()
        self.saved.emit(changes)

    def _refused(self, exc: BaseException) -> None:
        self.job = None
        self.problem.setText(str(exc))
        self.problem.show()
        self._edited()

    def _edited(self, *_args: object) -> None:
        self.save_button.setEnabled(bool(self.edits()))

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.sources):
            self.show_documents.emit(self.sources[row]["name"])
