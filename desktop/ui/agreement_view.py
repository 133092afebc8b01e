"""Agreement between analysts, per document and for the whole workspace, with a per-pair table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.workspace import Workspace

from .dashboard_data import (
    AgreementSummary,
    PairFigures,
    agreement_documents,
    agreement_summary,
    format_alpha,
    format_share,
)
from .operations import error_box
from .widgets import RowsModel
from .worker import Job, SerialWorker

DocumentRole = Qt.ItemDataRole.UserRole + 50
_Display = Qt.ItemDataRole.DisplayRole
_ToolTip = Qt.ItemDataRole.ToolTipRole

ALPHA_HELP = (
    "Krippendorff's alpha over the statements both analysts marked: 1 is perfect agreement, "
    "0 no better than chance, below 0 systematic disagreement; n/a when too few statements "
    "were marked by both or all values fall in one category."
)


class PairsModel(RowsModel):
    """One row per pair of analysts: what they marked together and how alike they rated it."""

    COLUMNS = (
        ("Analysts", None),
        ("Shared documents", "Documents both annotated"),
        ("Statements", "Statements either marked (on documents both annotated)"),
        ("Marked by both", "Statements both marked: the ones alpha is computed on"),
        ("By one only", "Share of the statements only one of the two marked"),
        ("α tags", "Krippendorff's alpha (nominal) of the top-level tags"),
        ("α credibility", "Krippendorff's alpha (ordinal) of the Admiralty credibility 1–6"),
        ("α likelihood", "Krippendorff's alpha (ordinal) of the ICD 203 likelihood"),
    )

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _Display) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            label, tip = self.COLUMNS[section]
            if role == _Display:
                return label
            if role == _ToolTip:
                return tip or label
        return None

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        p = self.row_at(index)
        if p is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == _ToolTip and column >= 5:
            return ALPHA_HELP
        if role != _Display:
            return None
        return (
            f"{p.a} × {p.b}",
            str(p.shared_documents),
            str(p.units),
            str(p.shared_units),
            format_share(p.single_share),
            format_alpha(p.alpha_tags),
            format_alpha(p.alpha_credibility),
            format_alpha(p.alpha_likelihood),
        )[column]

    def set_pairs(self, pairs: list[PairFigures]) -> None:
        self.set_rows(pairs)

    def pair(self, row: int) -> PairFigures | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None


class DocumentsModel(RowsModel):
    """One row per document two or more analysts annotated, with its own agreement figures."""

    COLUMNS = (
        "Document",
        "Analysts",
        "Statements",
        "By one only",
        "α tags",
        "α credibility",
        "α likelihood",
    )

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        doc_id, title, s = row
        column = index.column()
        if role == DocumentRole:
            return doc_id
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == _ToolTip:
            return title if column == 0 else (ALPHA_HELP if column >= 4 else None)
        if role != _Display:
            return None
        return (
            title,
            ", ".join(s.analysts),
            f"{s.shared_units} of {s.units}",
            format_share(s.single_share),
            format_alpha(s.alpha_tags),
            format_alpha(s.alpha_credibility),
            format_alpha(s.alpha_likelihood),
        )[column]

    def document_id(self, row: int) -> str | None:
        return self._rows[row][0] if 0 <= row < len(self._rows) else None


def pairs_table(model: QAbstractTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


class AgreementView(QWidget):
    """Choose the whole workspace or one document; figures are computed on the reader thread."""

    summary_ready = Signal(object)  # AgreementSummary

    WORKSPACE = ""  # the chooser's data for "whole workspace"

    def __init__(self, ws: Workspace, reads: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("agreementView")
        self.ws = ws
        self.reads = reads
        self.summary: AgreementSummary | None = None
        self._generation = 0
        self.jobs: list[Job] = []

        self.chooser = QComboBox()
        self.chooser.setObjectName("agreementScope")
        self.chooser.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.chooser.setMinimumContentsLength(40)
        self.chooser.addItem("Whole workspace", self.WORKSPACE)
        self.refresh_button = QPushButton("Refresh")
        self.status = QLabel()
        self.status.setObjectName("agreementStatus")
        self.status.setEnabled(False)

        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label in (
            ("analysts", "Analysts"),
            ("documents", "Documents"),
            ("units", "Statements marked"),
            ("single", "Marked by one analyst only"),
            ("alpha_tags", "α tags (nominal)"),
            ("alpha_credibility", "α credibility (ordinal)"),
            ("alpha_likelihood", "α likelihood (ordinal)"),
        ):
            value = QLabel("…")
            value.setObjectName(f"agreement_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            if key.startswith("alpha"):
                value.setToolTip(ALPHA_HELP)
            self.values[key] = value
            form.addRow(label + ":", value)

        self.model = PairsModel(self)
        self.table = pairs_table(self.model)
        self.table.setObjectName("agreementPairs")
        self.documents = DocumentsModel(self)
        self.documents_table = pairs_table(self.documents)
        self.documents_table.setObjectName("agreementDocuments")
        self.documents_table.setToolTip("Double-click a document to see its pairs")
        self.documents_table.activated.connect(self._document_activated)
        note = QLabel(ALPHA_HELP)
        note.setWordWrap(True)
        note.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(QLabel("Agreement on:"))
        top.addWidget(self.chooser, 1)
        top.addWidget(self.refresh_button)
        pairs_caption = QLabel("Per pair of analysts")
        pairs_caption.setObjectName("paneCaption")
        self.documents_box = QWidget()
        documents_layout = QVBoxLayout(self.documents_box)
        documents_layout.setContentsMargins(0, 0, 0, 0)
        documents_caption = QLabel("Per document")
        documents_caption.setObjectName("paneCaption")
        documents_layout.addWidget(documents_caption)
        documents_layout.addWidget(self.documents_table)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addLayout(form)
        layout.addWidget(pairs_caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.documents_box, 2)
        layout.addWidget(note)

        self.chooser.currentIndexChanged.connect(lambda _i: self.refresh(documents=False))
        self.refresh_button.clicked.connect(lambda: self.refresh(documents=True))

    def scope(self) -> str | None:
        return self.chooser.currentData() or None

    def refresh(self, *, documents: bool = True) -> Job:
        """Recompute for the chosen scope (and the list of shared documents) off the GUI thread."""
        self._generation += 1
        generation = self._generation
        doc_id = self.scope()
        self.status.setText("Computing agreement…")
        self.status.show()
        job = self.reads.submit(_compute, self.ws, doc_id, documents)
        self.jobs.append(job)
        job.finished.connect(lambda result, j=job: self._computed(j, generation, result))
        job.failed.connect(lambda exc, j=job: self._failed(j, generation, exc))
        return job

    def _computed(self, job: Job, generation: int, result: tuple) -> None:
        self.jobs.remove(job)
        if generation != self._generation:
            return
        documents, summary, per_document = result
        if documents is not None:
            self._fill_documents(documents)
        self.documents_box.setVisible(per_document is not None)
        if per_document is not None:
            self.documents.set_rows(per_document)
        self.show_summary(summary)

    def _document_activated(self, index) -> None:
        found = self.chooser.findData(self.documents.document_id(index.row()))
        if found >= 0:
            self.chooser.setCurrentIndex(found)

    def _failed(self, job: Job, generation: int, exc: BaseException) -> None:
        self.jobs.remove(job)
        if generation != self._generation:
            return
        self.status.setText("Agreement could not be computed.")
        error_box(exc, self, "compute the agreement")

    def _fill_documents(self, documents: list[tuple[str, str, int]]) -> None:
        current = self.chooser.currentData()
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItem("Whole workspace", self.WORKSPACE)
        for doc_id, title, analysts in documents:
            short = title if len(title) <= 70 else title[:69] + "…"
            self.chooser.addItem(f"{short}  ({analysts} analysts)", doc_id)
        index = self.chooser.findData(current)
        self.chooser.setCurrentIndex(max(0, index))
        self.chooser.blockSignals(False)

    def show_summary(self, s: AgreementSummary) -> None:
        self.summary = s
        self.status.hide()
        v = self.values
        v["analysts"].setText(", ".join(s.analysts) or "none")
        v["documents"].setText(
            f"{s.documents} annotated, {s.shared_documents} by two or more analysts"
        )
        v["units"].setText(f"{s.units}, {s.shared_units} of them by two or more analysts")
        v["single"].setText(format_share(s.single_share))
        v["alpha_tags"].setText(format_alpha(s.alpha_tags))
        v["alpha_credibility"].setText(format_alpha(s.alpha_credibility))
        v["alpha_likelihood"].setText(format_alpha(s.alpha_likelihood))
        self.model.set_pairs(s.pairs)
        if len(s.analysts) < 2:
            self.status.setText(
                "Agreement needs two or more analysts who annotated the same documents."
            )
            self.status.show()
        self.summary_ready.emit(s)


def _compute(ws: Workspace, doc_id: str | None, documents: bool) -> tuple:
    """Runs on the reader thread: only Workspace reads, no widgets."""
    shared = agreement_documents(ws)
    per_document = None
    if doc_id is None:  # the whole workspace, and each shared document on its own
        per_document = [(d, title, agreement_summary(ws.agreement(d))) for d, title, _n in shared]
    return (shared if documents else None), agreement_summary(ws.agreement(doc_id)), per_document


class AgreementDialog(QDialog):
    def __init__(self, ws: Workspace, reads: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Agreement between analysts")
        self.resize(980, 620)
        self.view = AgreementView(ws, reads, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
