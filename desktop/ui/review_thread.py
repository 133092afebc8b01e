"""A claim's review thread and audited history: the thread view, the history model and dialog."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel import scales
from desktop.core.kernel.errors import AssayError
from desktop.core.kernel.records import Annotation, Review
from desktop.core.workspace import Workspace

from .dashboard_data import DECISION_COLOURS, DECISION_LABELS, STATUS_LABELS, local_time_text
from .widgets import RowsModel

_Display = Qt.ItemDataRole.DisplayRole
_ToolTip = Qt.ItemDataRole.ToolTipRole

# Fields of an audited change that say nothing to a reader (ids, offsets handled apart).
_QUIET = {"review", "document", "from", "to", "id", "author_id", "reviewer_id"}
# The order a reader wants the fields of a change in; others follow as they come.
_FIELD_ORDER = (
    "file",
    "statement",
    "credibility",
    "likelihood",
    "confidence",
    "tags",
    "rationale",
    "comment",
    "opinion",
    "kind",
)
_FIELD_LABELS = {
    "file": "from file",
    "statement": "statement",
    "credibility": "credibility",
    "likelihood": "likelihood",
    "confidence": "confidence",
    "rationale": "rationale",
    "comment": "comment",
    "opinion": "STIX opinion",
    "tags": "tags",
    "kind": "kind",
}


def thread_html(thread: list[Review]) -> str:
    """The review thread as rich text: who did what and when, each comment under its decision."""
    if not thread:
        return "<p><i>Not submitted for review yet.</i></p>"
    out = []
    for r in thread:
        colour = DECISION_COLOURS.get(r.decision, "")
        verb = DECISION_LABELS.get(r.decision, r.decision.replace("_", " "))
        head = (
            f"<b>{html.escape(r.reviewer)}</b> "
            f"<span style='color:{colour}; font-weight:600'>{html.escape(verb)}</span>"
            f" &nbsp;<span style='color:gray'>{html.escape(local_time_text(r.created_at))}</span>"
        )
        if r.opinion:
            head += f" &nbsp;<span style='color:gray'>(opinion: {html.escape(r.opinion)})</span>"
        if r.imported_from:
            head += (
                f"<br><span style='color:gray'>imported from {html.escape(r.imported_from)}</span>"
            )
        body = (
            f"<br>“{html.escape(r.comment)}”"
            if r.comment
            else ""
            if r.decision == "submit"
            else "<br><i>no comment</i>"
        )
        out.append(f"<p style='margin-bottom:8px'>{head}{body}</p>")
    return "".join(out)


def change_text(change: dict) -> str:
    """One audited change in words: 'credibility 2 (probably true); tags: actor/state'."""
    parts = []
    if "start" in change and "end" in change:
        parts.append(f"span {change['start']}–{change['end']}")
    keys = [k for k in _FIELD_ORDER if k in change] + [k for k in change if k not in _FIELD_ORDER]
    for key in keys:
        value = change[key]
        if key in _QUIET or key in ("start", "end") or value in (None, "", [], {}):
            continue
        label = _FIELD_LABELS.get(key, key.replace("_", " "))
        if key == "credibility":
            shown = f"{value} ({scales.CREDIBILITY.get(value, '?')})"
        elif key == "likelihood":
            shown = scales.likelihood_label(value) or str(value)
        elif key == "confidence":
            shown = scales.CONFIDENCE_LABEL.get(value, str(value))
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = str(value)
        if len(shown) > 140:
            shown = shown[:139] + "…"
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)


class ThreadView(QTextBrowser):
    """A claim's whole review thread, oldest first (read-only, links never opened)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reviewThread")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.thread: list[Review] = []

    def show_thread(self, thread: list[Review]) -> None:
        self.thread = list(thread)
        self.setHtml(thread_html(self.thread))

    def clear_thread(self) -> None:
        self.thread = []
        self.clear()


class HistoryModel(RowsModel):
    """Audited changes to one claim (ws.history): when, who, what action, what changed."""

    COLUMNS = ("When", "Who", "Action", "Change")

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        entry = self.row_at(index)
        if entry is None:
            return None
        column = index.column()
        if role in (_Display, _ToolTip):
            if column == 0:
                return local_time_text(entry.get("at")) if role == _Display else entry.get("at")
            if column == 1:
                return str(entry.get("actor") or "")
            if column == 2:
                return str(entry.get("action") or "").replace("_", " ")
            if column == 3:
                return change_text(entry.get("change") or {})
        return None

    def set_entries(self, entries: list[dict]) -> None:
        self.set_rows(entries)

    def entry(self, row: int) -> dict | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None


def claim_label(a: Annotation, width: int = 70) -> str:
    text = " ".join((a.statement or a.quote or "").split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"{text} — {a.analyst}"


class ClaimHistoryDialog(QDialog):
    """A claim's review thread beside every audited change to it (who, when, what)."""

    def __init__(
        self,
        ws: Workspace,
        ann_id: str | None = None,
        *,
        choices: list[Annotation] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ws = ws
        self.ann_id: str | None = None
        self.setWindowTitle("Claim history")
        self.resize(980, 620)

        self.chooser = QComboBox()
        self.chooser.setObjectName("historyChooser")
        self.chooser.setMinimumContentsLength(50)
        self.chooser.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.set_choices(choices or [], ann_id)
        self.chooser.currentIndexChanged.connect(self._chosen)

        self.header = QLabel()
        self.header.setObjectName("historyHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.thread = ThreadView()
        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        thread_box = QWidget()
        thread_layout = QVBoxLayout(thread_box)
        thread_layout.setContentsMargins(0, 0, 0, 0)
        thread_caption = QLabel("Review thread")
        thread_caption.setObjectName("paneCaption")
        thread_layout.addWidget(thread_caption)
        thread_layout.addWidget(self.thread)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_caption = QLabel("Audited changes")
        table_caption.setObjectName("paneCaption")
        table_layout.addWidget(table_caption)
        table_layout.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(thread_box)
        splitter.addWidget(table_box)
        splitter.setSizes([360, 620])

        self.form = QFormLayout()
        self.form.addRow("Claim:", self.chooser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.header)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self._show_chooser()
        if ann_id:
            self.show_claim(ann_id)
        elif self.chooser.count():
            self._chosen(self.chooser.currentIndex())
        else:
            self.header.setText("<i>No claim chosen: select one in the review queue or reader.</i>")

    def set_choices(self, choices: list[Annotation], current: str | None = None) -> None:
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for a in choices:
            self.chooser.addItem(claim_label(a), a.id)
        if current and self.chooser.findData(current) < 0:
            self.chooser.insertItem(0, current[:8], current)
        if current:
            self.chooser.setCurrentIndex(self.chooser.findData(current))
        self.chooser.blockSignals(False)
        self._show_chooser()

    def _show_chooser(self) -> None:
        if hasattr(self, "form"):
            self.form.setRowVisible(self.chooser, self.chooser.count() > 1)

    def show_claim(self, ann_id: str) -> None:
        """Load the thread and the audited changes of one claim (quick reads on this thread)."""
        try:
            a = self.ws.annotation(ann_id)
            thread = self.ws.reviews(a.id)
            history = self.ws.history(a.id)
        except AssayError as exc:
            self.ann_id = None
            self.header.setText(f"<span style='color:#D93025'>{html.escape(str(exc))}</span>")
            self.thread.clear_thread()
            self.model.set_entries([])
            return
        self.ann_id = a.id
        index = self.chooser.findData(a.id)
        if index >= 0 and index != self.chooser.currentIndex():
            self.chooser.blockSignals(True)
            self.chooser.setCurrentIndex(index)
            self.chooser.blockSignals(False)
        status = STATUS_LABELS.get(a.status, a.status)
        self.header.setText(
            f"<b>{html.escape(a.statement or a.quote)}</b><br>"
            f"{html.escape(a.analyst)} · {html.escape(a.document_title)} · "
            f"<i>{html.escape(status)}</i>"
        )
        self.setWindowTitle(f"Claim history — {claim_label(a, 50)}")
        self.thread.show_thread(thread)
        self.model.set_entries(history)

    def _chosen(self, index: int) -> None:
        ann_id = self.chooser.itemData(index)
        if ann_id:
            self.show_claim(ann_id)
