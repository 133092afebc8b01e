"""Analysis of competing hypotheses: one matrix per question, hypotheses as columns, claims as
rows, a rating per cell; the scores row at the bottom, non-diagnostic rows dimmed, and the claims
that decide the ranking listed beside it.

Keys on the matrix: arrows move; 1–5 rate the cell CC, C, N, I, II; 0 rates it NA; Delete or
Backspace clears it. Every write goes through run_operation; the matrix is read again (and
rescored, a few milliseconds even at 30 × 500) when the window says it changed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.ach import RATING_KEYS, RATING_WORDS, Matrix, Sensitivity, sensitivity
from desktop.core.kernel.changes import Changes
from desktop.core.kernel.errors import AssayError
from desktop.core.workspace import Workspace

from .operations import run_operation
from .worker import SerialWorker

_Display = Qt.ItemDataRole.DisplayRole
RATING_COLOURS = {  # background of a rated cell: greens consistent, reds inconsistent
    "CC": "#9ae6b4",
    "C": "#c6f6d5",
    "N": "#edf2f7",
    "I": "#fed7d7",
    "II": "#fc8181",
    "NA": "#e2e8f0",
}
DIM = QColor("#a0aec0")


class MatrixModel(QAbstractTableModel):
    """Rows: the matrix's claims, then the scores row. Columns: the claim, then each hypothesis."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.matrix: Matrix | None = None

    def set_matrix(self, matrix: Matrix | None) -> None:
        self.beginResetModel()
        self.matrix = matrix
        self.endResetModel()

    # shape
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() or self.matrix is None:
            return 0
        return len(self.matrix.rows) + 1

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() or self.matrix is None:
            return 0
        return len(self.matrix.hypotheses) + 1

    def is_scores_row(self, row: int) -> bool:
        return self.matrix is not None and row == len(self.matrix.rows)

    def cell(self, index: QModelIndex):
        """(evidence row, hypothesis) under INDEX, or None off the rated cells."""
        m = self.matrix
        if m is None or not index.isValid() or index.column() == 0:
            return None
        if self.is_scores_row(index.row()):
            return None
        return m.rows[index.row()], m.hypotheses[index.column() - 1]

    def headerData(self, section: int, orientation, role=_Display) -> Any:
        m = self.matrix
        if m is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if section == 0:
                return "Claim (source · credibility)" if role == _Display else None
            h = m.hypotheses[section - 1]
            if role == _Display:
                return f"H{section}  {h.text}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{h.text}\nrank {h.rank}, weighted inconsistency {h.score:.2f}"
            return None
        if role == _Display:
            return "Σ" if self.is_scores_row(section) else str(section + 1)
        return None

    def data(self, index: QModelIndex, role=_Display) -> Any:
        m = self.matrix
        if m is None or not index.isValid():
            return None
        r, c = index.row(), index.column()
        if self.is_scores_row(r):
            if role == _Display:
                if c == 0:
                    return "Weighted inconsistency (lower is better)"
                h = m.hypotheses[c - 1]
                return f"{h.score:.2f}  (#{h.rank})"
            if role == Qt.ItemDataRole.FontRole:
                f = QFont()
                f.setBold(True)
                return f
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor("#f7fafc"))
            return None
        row = m.rows[r]
        if c == 0:
            if role == _Display:
                if row.missing:
                    return row.label
                a = row.claim
                grade = f"{a.reliability or '?'}{a.credibility or '?'}"
                return f"{row.label}  [{grade}, weight {row.weight:.2f}]"
            if role == Qt.ItemDataRole.ToolTipRole:
                if row.missing:
                    return (
                        "The claim was removed, or never reached this workstation: its ratings are "
                        "kept, and it does not count."
                    )
                tip = f"{row.claim.quote}\n{row.claim.document_title}"
                if row.non_diagnostic:
                    tip += "\nNon-diagnostic: it rates every hypothesis alike."
                return tip
            if role == Qt.ItemDataRole.FontRole and row.missing:
                f = QFont()
                f.setItalic(True)
                return f
        else:
            rating = row.cells.get(m.hypotheses[c - 1].id)
            if role == _Display:
                return rating or "·"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
            if role == Qt.ItemDataRole.ToolTipRole:
                return RATING_WORDS.get(rating or "", "not rated") + " (keys 1–5, 0 = NA)"
            if role == Qt.ItemDataRole.BackgroundRole and rating and not row.non_diagnostic:
                return QBrush(QColor(RATING_COLOURS[rating]))
        if role == Qt.ItemDataRole.ForegroundRole and (row.non_diagnostic or row.missing):
            return QBrush(DIM)
        return None


class MatrixTable(QTableView):
    """The matrix grid: digits rate the current cell, Delete clears it."""

    rate_requested = Signal(object, object, object)  # EvidenceRow, Hypothesis, rating or None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        model: MatrixModel = self.model()
        target = model.cell(self.currentIndex()) if model is not None else None
        text = event.text()
        if target is not None and text in RATING_KEYS:
            self.rate_requested.emit(*target, RATING_KEYS[text])
            return
        if target is not None and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.rate_requested.emit(*target, None)
            return
        super().keyPressEvent(event)


class AddEvidenceDialog(QDialog):
    """Pick claims by a search, a tag or a document; OK adds every claim found."""

    MODES = ("Search", "Tag", "Document")

    def __init__(self, ws: Workspace, parent=None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Add claims to the matrix")
        self.mode = QComboBox()
        self.mode.addItems(self.MODES)
        self.value = QComboBox()
        self.value.setEditable(True)
        self.value.setMinimumWidth(320)
        self.found = QListWidget()
        self.ids: list[str] = []
        find = QPushButton("Find")
        find.clicked.connect(self.find)
        self.mode.currentTextChanged.connect(self._fill_choices)
        form = QFormLayout()
        form.addRow("Pick by", self.mode)
        row = QHBoxLayout()
        row.addWidget(self.value, 1)
        row.addWidget(find)
        form.addRow("Query / tag / document", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.found, 1)
        box.addWidget(buttons)
        self._fill_choices(self.mode.currentText())

    def _fill_choices(self, mode: str) -> None:
        self.value.clear()
        if mode == "Tag":
            self.value.addItems([t["name"] for t in self.ws.tags()])
        elif mode == "Document":
            for d in self.ws.list_documents(order="title"):
                self.value.addItem(d["title"], d["id"])
        self.value.setEditText("" if mode == "Search" else self.value.currentText())

    def find(self) -> list[str]:
        mode, text = self.mode.currentText(), self.value.currentText().strip()
        self.found.clear()
        try:
            if mode == "Search":
                hits = (
                    self.ws.search(text, limit=200, highlight=None, kinds=("claim",))
                    if text
                    else []
                )
                claims = list(self.ws.annotations_by_ids([h.id for h in hits]).values())
            elif mode == "Tag":
                claims = self.ws.claims(tag=text) if text else []
            else:
                doc = self.value.currentData() or (self.ws.find_document(text).id if text else None)
                claims = self.ws.claims(document=doc) if doc else []
        except AssayError as exc:
            self.found.addItem(str(exc))
            claims = []
        self.ids = [a.id for a in claims]
        for a in claims:
            self.found.addItem(f"{a.statement or a.quote}  — {a.document_title}")
        if not claims and not self.found.count():
            self.found.addItem("No claims found.")
        self.ok.setEnabled(bool(self.ids))
        return self.ids


def _read_matrix(ws: Workspace, mid: str | None) -> tuple[Matrix | None, list[Sensitivity]]:
    """The matrix, scored, and its sensitivity (runs on the reads worker)."""
    if not mid:
        return None, []
    try:
        matrix = ws.matrix(mid)
    except AssayError:
        return None, []
    return matrix, sensitivity(matrix)


class AchDialog(QDialog):
    """The matrices of the workspace, one at a time."""

    def __init__(self, ws: Workspace, reads: SerialWorker | None = None, parent=None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.reads = reads  # the window's reads worker: the matrix is read and scored there
        self.generation = 0
        self.reading = False
        self.read_job = None
        self.setWindowTitle("Analysis of competing hypotheses")
        self.setObjectName("achDialog")
        self.resize(1200, 700)
        self.chooser = QComboBox()
        self.chooser.setMinimumWidth(420)
        self.chooser.currentIndexChanged.connect(lambda _i: self.reload())
        new = QPushButton("New matrix…")
        new.clicked.connect(lambda: self.new_matrix())
        self.add_h = QPushButton("Add hypothesis…")
        self.add_h.clicked.connect(lambda: self.add_hypothesis())
        self.add_e = QPushButton("Add claims…")
        self.add_e.clicked.connect(lambda: self.add_claims())
        top = QHBoxLayout()
        top.addWidget(QLabel("Question:"))
        top.addWidget(self.chooser, 1)
        for b in (new, self.add_h, self.add_e):
            top.addWidget(b)
        self.model = MatrixModel(self)
        self.table = MatrixTable()
        self.table.setObjectName("achMatrix")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.horizontalHeader().customContextMenuRequested.connect(self._header_menu)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.table.rate_requested.connect(self.rate)
        self.ranking = QLabel()
        self.ranking.setObjectName("achRanking")
        self.ranking.setWordWrap(True)
        self.sensitivity = QListWidget()
        self.sensitivity.setObjectName("achSensitivity")
        self.sensitivity.setWordWrap(True)
        side = QWidget()
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(0, 0, 0, 0)
        side_box.addWidget(
            QLabel("<b>Sensitivity</b> — if this claim is wrong, the ranking changes:")
        )
        side_box.addWidget(self.sensitivity, 1)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(side)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        keys = QLabel(
            "<span style='color:#4a5568'>Keys: arrows move · 1 CC · 2 C · 3 N · 4 I · 5 II · "
            "0 NA · Delete clears. Scores: I = 1, II = 2, times the claim's weight (source "
            "reliability × credibility); least inconsistent first. Dimmed rows rate every "
            "hypothesis alike (non-diagnostic).</span>"
        )
        keys.setWordWrap(True)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(split, 1)
        box.addWidget(self.ranking)
        box.addWidget(keys)
        self.sensitive: list[Sensitivity] = []
        self.fill_chooser()

    # -- reading ------------------------------------------------------------------------------------
    @property
    def matrix_id(self) -> str | None:
        return self.chooser.currentData()

    def fill_chooser(self, select: str | None = None) -> None:
        current = select or self.matrix_id
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for m in self.ws.matrices():
            self.chooser.addItem(
                f"{m['question']}  ({m['hypotheses']} hypotheses, {m['evidence']} claims)", m["id"]
            )
        found = self.chooser.findData(current) if current else -1
        self.chooser.setCurrentIndex(found if found >= 0 else 0 if self.chooser.count() else -1)
        self.chooser.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        """Read the matrix again and rescore it, on the reads worker when there is one (the
        read is ~0.1 s at 30 × 500 on a loaded machine, the scoring milliseconds:
        bench/bench_ach.py); a newer reload supersedes a read still running."""
        self.generation += 1
        generation, mid = self.generation, self.matrix_id
        if self.reads is None or not mid:
            self._show(generation, _read_matrix(self.ws, mid))
            return
        self.reading = True
        job = self.read_job = self.reads.submit(_read_matrix, self.ws, mid)  # kept till it ends
        job.finished.connect(lambda result, g=generation: self._show(g, result))
        job.failed.connect(lambda _exc, g=generation: self._show(g, (None, [])))

    def _show(self, generation: int, result) -> None:
        if generation != self.generation:
            return  # a newer read is on its way
        self.reading = False
        matrix, self.sensitive = result
        where = self.table.currentIndex()
        self.model.set_matrix(matrix)
        for b in (self.add_h, self.add_e):
            b.setEnabled(matrix is not None)
        self.sensitivity.clear()
        for s in self.sensitive:
            self.sensitivity.addItem(s.message)
        if matrix is None:
            self.ranking.setText("No matrix yet: start one with “New matrix…”.")
            return
        if not self.sensitive:
            self.sensitivity.addItem("No single claim changes which hypothesis leads.")
        names = {h.id: f"H{i + 1}" for i, h in enumerate(matrix.hypotheses)}
        order = " < ".join(f"{names[h]} ({matrix.scores[h]:.2f})" for h in matrix.ranking)
        text = f"Ranking, least inconsistent first: {order or '—'}"
        if matrix.missing:
            text += f" · {len(matrix.missing)} row(s) of missing evidence (not counted)"
        self.ranking.setText(text)
        self.table.setColumnWidth(0, 460)  # measuring 500 rows' text would cost the GUI thread
        for c in range(1, self.model.columnCount()):
            self.table.setColumnWidth(c, 170)
        if where.isValid():
            r = min(where.row(), self.model.rowCount() - 1)
            c = min(where.column(), self.model.columnCount() - 1)
            self.table.setCurrentIndex(self.model.index(r, c))

    def on_changes(self, changes: Changes) -> None:
        """From the window's fan-out: read again if the shown matrix (or its claims) moved."""
        m = self.model.matrix
        if changes.matrices:
            self.fill_chooser()
        elif m is not None and (
            changes.sources or {r.annotation_id for r in m.rows} & changes.annotations
        ):
            self.reload()

    # -- writing ------------------------------------------------------------------------------------
    def _run(self, fn, *args, label: str, on_success=None):
        return run_operation(self, fn, *args, label=label, on_success=on_success)

    def rate(self, row, hypothesis, rating) -> None:
        mid = self.matrix_id
        if mid is None:
            return
        self._run(
            self.ws.rate_cell,
            mid,
            hypothesis.id,
            row.annotation_id,
            rating,
            label="Could not rate the cell",
        )

    def new_matrix(self, question: str | None = None) -> None:
        if question is None:
            question, ok = QInputDialog.getText(self, "New matrix", "The question it answers:")
            if not ok or not question.strip():
                return
        self._run(
            self.ws.create_matrix,
            question,
            label="Could not start the matrix",
            on_success=lambda ch: self.fill_chooser(ch.created),
        )

    def add_hypothesis(self, text: str | None = None) -> None:
        mid = self.matrix_id
        if mid is None:
            return
        if text is None:
            text, ok = QInputDialog.getText(self, "Add hypothesis", "Hypothesis:")
            if not ok or not text.strip():
                return
        self._run(self.ws.add_hypothesis, mid, text, label="Could not add the hypothesis")

    def add_claims(self, ids: list[str] | None = None) -> None:
        mid = self.matrix_id
        if mid is None:
            return
        if ids is None:
            picker = AddEvidenceDialog(self.ws, self)
            if picker.exec() != QDialog.DialogCode.Accepted or not picker.ids:
                return
            ids = picker.ids
        self._run(self.ws.add_matrix_evidence, mid, ids, label="Could not add the claims")

    def _header_menu(self, pos) -> None:
        col = self.table.horizontalHeader().logicalIndexAt(pos)
        m = self.model.matrix
        if m is None or col < 1:
            return
        h = m.hypotheses[col - 1]
        menu = QMenu(self)
        edit = QAction("Edit hypothesis…", menu)
        remove = QAction("Remove hypothesis", menu)
        menu.addAction(edit)
        menu.addAction(remove)
        chosen = menu.exec(self.table.horizontalHeader().mapToGlobal(pos))
        if chosen is edit:
            text, ok = QInputDialog.getText(self, "Edit hypothesis", "Hypothesis:", text=h.text)
            if ok and text.strip():
                self._run(self.ws.edit_hypothesis, h.id, text, label="Could not edit it")
        elif chosen is remove:
            self._run(self.ws.remove_hypothesis, h.id, label="Could not remove it")

    def _row_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        m = self.model.matrix
        if m is None or not index.isValid() or self.model.is_scores_row(index.row()):
            return
        row = m.rows[index.row()]
        menu = QMenu(self)
        remove = QAction("Remove claim from the matrix", menu)
        menu.addAction(remove)
        if menu.exec(self.table.viewport().mapToGlobal(pos)) is remove:
            self._run(
                self.ws.remove_matrix_evidence,
                m.id,
                row.annotation_id,
                label="Could not remove the claim",
            )


def install_ach_ui(window) -> None:
    """Analysis → Competing hypotheses… on the main window."""
    holder: dict[str, AchDialog] = {}

    def show() -> AchDialog:
        dialog = holder.get("dialog")
        if dialog is None:
            dialog = holder["dialog"] = AchDialog(window.ws, getattr(window, "reads", None), window)
            window.subscribe(dialog.on_changes)
        else:
            dialog.fill_chooser()
        dialog.show()
        dialog.raise_()
        return dialog

    action = QAction("Competing &hypotheses…", window)
    action.setObjectName("achAction")
    action.setToolTip("Analysis of competing hypotheses: a matrix of hypotheses against claims")
    action.triggered.connect(show)
    window.add_menu_action("&Analysis", action)
    window.show_ach = show
