"""The review queue (supervisors) and "returned to me" (analysts): models, panes, keyboard decisions."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QKeyEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel import scales, tradecraft
from desktop.core.kernel.errors import AssayError
from desktop.core.kernel.records import Annotation, Link, QueueChoices, Review
from desktop.core.workspace import Workspace

from .dashboard_data import STATUS_COLOURS, STATUS_LABELS, age_text, local_time_text
from .operations import Operation, run_operation
from .reader import ReaderPane
from .review_thread import ThreadView
from .widgets import PagedAnnotationsModel, RowsModel, configure_table, select_table_row
from .worker import SerialWorker

AnnotationIdRole = Qt.ItemDataRole.UserRole + 40
DocumentIdRole = Qt.ItemDataRole.UserRole + 41
PendingRole = Qt.ItemDataRole.UserRole + 42
FindingsRole = Qt.ItemDataRole.UserRole + 43  # the claim's tradecraft findings

_Display = Qt.ItemDataRole.DisplayRole
_ToolTip = Qt.ItemDataRole.ToolTipRole

AGES = (
    ("Any age", None),
    ("Over 1 day", 1),
    ("Over 3 days", 3),
    ("Over a week", 7),
    ("Over 30 days", 30),
)
DECISION_VERBS = {"approve": "Approve", "reject": "Reject", "request_changes": "Request changes"}
ERROR_STYLE = "color: #D93025;"


def one_line(text: str | None, width: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def findings_of(a: Annotation) -> list[tradecraft.Finding]:
    """Tradecraft findings on a claim as loaded (pure checks: no read of the store)."""
    return tradecraft.check_statement(a.statement, a.likelihood) if a.kind == "claim" else []


def compact_rating(a: Annotation) -> str:
    """'B2 · likely' for the queue's column; the confidence is left to the claim card."""
    if a.kind != "claim":
        return "note"
    likelihood = scales.likelihood_label(a.likelihood)
    return a.admiralty + (f" · {likelihood}" if likelihood else "")


# -- the supervisor's queue ------------------------------------------------------------------------


class ReviewQueueModel(PagedAnnotationsModel):
    """Submitted claims waiting for a supervisor (ws.review_queue_ids), oldest first.

    Holds only the ordered ids; the claims themselves are loaded a page at a time when a view
    asks for them, so a queue of 13 000 opens as fast as one of ten. A refresh that only removes
    rows (a decision taken) or appends them (a new submission) is applied row by row, so the view
    keeps its selection; anything else resets.
    """

    COLUMNS = ("Claim", "Analyst", "Document", "Rating", "Waiting")
    PAGE = 100

    def __init__(self, ws: Workspace, parent: QObject | None = None):
        super().__init__(ws, parent)
        self._filters: dict[str, Any] = {}
        self._pending: set[str] = set()
        self._warning: QIcon | None = None
        # an analyst's window keeps the queue hidden: it fills when it is first shown
        self._reset(self._query() if ws.is_supervisor else [])

    # -- what the views ask (rows, paging and flags: PagedIdsModel) ----------------------------
    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _Display) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _Display:
            if 0 <= section < len(self.COLUMNS):
                return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        if not index.isValid() or not (0 <= index.row() < self._loaded):
            return None
        ann_id = self._ids[index.row()]
        pending = ann_id in self._pending
        if role == AnnotationIdRole:
            return ann_id
        if role == PendingRole:
            return pending
        a = self._annotation_at(index.row())
        if a is None:
            return None
        if role == DocumentIdRole:
            return a.document_id
        if role == Qt.ItemDataRole.FontRole and pending:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and pending:
            return QColor("#8C8C8C")
        column = index.column()
        if role == _Display:
            return self._display(a, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0 and findings_of(a):
            return self._warning_icon()
        if role == FindingsRole:
            return findings_of(a)
        if role == _ToolTip:
            if pending:
                return "Saving your decision…"
            if column == 0:
                advice = "".join(f"\n⚠ {f.message}" for f in findings_of(a))
                return f"{a.statement or a.quote}\n\n{a.document_title}" + (
                    f"\n\nTradecraft:{advice}" if advice else ""
                )
            if column == 3:
                return a.rating
            if column == 4:
                return f"Submitted {local_time_text(a.updated_at)}"
            return self._display(a, column)
        return None

    def _warning_icon(self) -> QIcon:
        if self._warning is None:
            self._warning = QApplication.style().standardIcon(
                QStyle.StandardPixmap.SP_MessageBoxWarning
            )
        return self._warning

    @staticmethod
    def _display(a: Annotation, column: int) -> str:
        if column == 0:
            return one_line(a.statement or a.quote)
        if column == 1:
            return a.analyst
        if column == 2:
            return one_line(a.document_title, 80)
        if column == 3:
            return compact_rating(a)
        if column == 4:
            return age_text(a.updated_at)
        return ""

    # -- what the queue pane asks ----------------------------------------------------------------
    @property
    def filters(self) -> dict[str, Any]:
        return dict(self._filters)

    def set_filters(self, **filters: Any) -> None:
        """analyst (id), tag, document (id), older_than_days: passed to ws.review_queue_ids."""
        clean = {k: v for k, v in filters.items() if v not in (None, "")}
        if clean != self._filters:
            self._filters = clean
            self._reset(self._query())

    def annotations(self) -> list[Annotation]:
        """Every claim in the (filtered) queue, fetched or not yet shown, in queue order. Loads
        every row: for tests and small queues, not for painting."""
        self._load([i for i in self._ids if i not in self._rows])
        return [a for i in self._ids if (a := self._rows.get(i)) is not None]

    def is_pending(self, ann_id: str) -> bool:
        return ann_id in self._pending

    def set_pending(self, ann_id: str, pending: bool) -> None:
        """Grey out a claim whose decision the writer has not saved yet."""
        if pending:
            self._pending.add(ann_id)
        else:
            self._pending.discard(ann_id)
        row = self.row_of(ann_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def refresh(self) -> None:
        """Ask the core again; apply removals and appended rows in place, else reset."""
        new_ids = self._query()
        self._pending &= set(new_ids)
        keep = set(new_ids)
        survivors = [i for i in self._ids if i in keep]
        if new_ids[: len(survivors)] != survivors:
            self._reset(new_ids)
            return
        for row in range(len(self._ids) - 1, -1, -1):
            if self._ids[row] in keep:
                continue
            if row < self._loaded:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._ids[row]
                self._loaded -= 1
                self.endRemoveRows()
            else:
                del self._ids[row]
        fully_loaded = self._loaded == len(self._ids)
        added = new_ids[len(survivors) :]
        if added:
            if fully_loaded:
                first = len(self._ids)
                self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
                self._ids.extend(added)
                self._loaded = len(self._ids)
                self.endInsertRows()
            else:
                self._ids.extend(added)
        # a claim still waiting may have been edited elsewhere: forget the loaded rows and let
        # the views ask again for the ones they show (a page or two, not the whole queue)
        self._rows.clear()
        if self._loaded:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._loaded - 1, len(self.COLUMNS) - 1)
            )

    # -- loading ---------------------------------------------------------------------------------
    def _query(self) -> list[str]:
        return self._ws.review_queue_ids(**self._filters)

    def _reset(self, ids: list[str]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._rows.clear()
        self._pending &= set(self._ids)
        self._loaded = min(self.PAGE, len(self._ids))
        self.endResetModel()


class QueueTable(QTableView):
    """The queue's table: A / R / C decide, J / K (and ↓ / ↑) move, without touching the mouse."""

    decision_requested = Signal(str)  # approve | reject | request_changes
    step_requested = Signal(int)  # +1 next, -1 previous

    KEYS = {
        Qt.Key.Key_A: "approve",
        Qt.Key.Key_R: "reject",
        Qt.Key.Key_C: "request_changes",
    }

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = not (
            event.modifiers()
            & (
                Qt.KeyboardModifier.ControlModifier
                | Qt.KeyboardModifier.AltModifier
                | Qt.KeyboardModifier.MetaModifier
            )
        )
        key = Qt.Key(event.key())
        if plain and key in self.KEYS:
            self.decision_requested.emit(self.KEYS[key])
            event.accept()
            return
        if plain and key in (Qt.Key.Key_J, Qt.Key.Key_K):
            self.step_requested.emit(1 if key == Qt.Key.Key_J else -1)
            event.accept()
            return
        super().keyPressEvent(event)


class CommentField(QLineEdit):
    """The inline comment for a rejection or a change request: Enter sends, Esc cancels."""

    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def tag_chips(names: list[str], colours: dict[str, str]) -> str:
    chips = []
    for name in names:
        colour = colours.get(name) or "#CBD5E0"
        chips.append(
            f"<span style='background:{colour}; color:#000000'>&nbsp;{html.escape(name)}&nbsp;</span>"
        )
    return " ".join(chips) if chips else "<i>none</i>"


def claim_card_html(a: Annotation, links: list[Link], tag_colours: dict[str, str]) -> str:
    """Statement, ratings (likelihood and confidence on lines of their own), tags, links."""
    status = STATUS_LABELS.get(a.status, a.status)
    colour = STATUS_COLOURS.get(a.status, "")
    parts = [
        f"<p style='font-size:large'><b>{html.escape(a.statement or a.quote)}</b></p>",
        f"<p>{html.escape(a.analyst)} · <span style='color:{colour}; font-weight:600'>"
        f"{html.escape(status)}</span> · {html.escape(local_time_text(a.updated_at))}<br>"
        f"<span style='color:gray'>{html.escape(a.document_title)}</span></p>",
    ]
    if a.kind == "claim":
        rows = [("Rating", html.escape(a.rating))]
        reliability = scales.RELIABILITY.get(a.reliability or "", "source not graded")
        credibility = scales.CREDIBILITY.get(a.credibility or 0, "not rated")
        rows.append(
            (
                "Source and information",
                f"{html.escape(a.admiralty)} — {html.escape(reliability)}; {html.escape(credibility)}",
            )
        )
        if a.likelihood:
            rows.append(
                (
                    "Likelihood",
                    f"{html.escape(scales.likelihood_label(a.likelihood))}"
                    f" ({html.escape(scales.likelihood_band(a.likelihood))})",
                )
            )
        if a.confidence:
            rows.append(("Confidence", html.escape(scales.CONFIDENCE_LABEL[a.confidence])))
    else:
        rows = [("Kind", "note")]
    advice = findings_of(a)
    if advice:
        rows.append(
            (
                "<span style='color:#8a5300'>Tradecraft</span>",
                "<br>".join(
                    f"<span style='color:#8a5300'>⚠ {html.escape(f.message)}</span>" for f in advice
                ),
            )
        )
    rows.append(("Tags", tag_chips(a.tags, tag_colours)))
    if a.rationale:
        rows.append(("Rationale", html.escape(a.rationale)))
    if a.comment:
        rows.append(("Analyst's note", html.escape(a.comment)))
    for link in links:
        direction = link.relation if link.from_id == a.id else f"{link.relation} (from)"
        rows.append(
            (
                html.escape(direction.capitalize()),
                f"“{html.escape(one_line(link.other_statement, 120))}” "
                f"<span style='color:gray'>{html.escape(link.other_document)}</span>",
            )
        )
    table = "".join(
        f"<tr><td style='padding-right:8px; color:gray' valign='top'>{label}</td>"
        f"<td>{value}</td></tr>"
        for label, value in rows
    )
    parts.append(f"<table cellspacing='2'>{table}</table>")
    return "".join(parts)


class ReviewQueuePanel(QWidget):
    """Queue, the claim in its document, its card and thread, and the decision keys.

    Decisions go to the writer thread; the claim greys out and the next one is selected at once,
    so a supervisor never waits on the store. Refusals from the core (an analyst cannot review,
    nobody reviews their own claim, a comment is needed) appear under the buttons.
    """

    decided = Signal(str, str)  # annotation id, decision — once the core recorded it
    decision_failed = Signal(str, str)  # annotation id, the message shown
    history_requested = Signal(str)  # annotation id

    def __init__(self, ws: Workspace, writer: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reviewQueuePanel")
        self.ws = ws
        self.writer = writer
        self.jobs: list[Operation] = []
        self.comment_decision: str | None = None
        self.comment_target: str | None = None
        self._tag_colours: dict[str, str] = {}
        self._shown_doc: str | None = None

        self.model = ReviewQueueModel(ws, self)
        self.analyst_filter = QComboBox()
        self.tag_filter = QComboBox()
        self.document_filter = QComboBox()
        self.age_filter = QComboBox()
        for combo, name in (
            (self.analyst_filter, "analystFilter"),
            (self.tag_filter, "tagFilter"),
            (self.document_filter, "documentFilter"),
            (self.age_filter, "ageFilter"),
        ):
            combo.setObjectName(name)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)
        for label, days in AGES:
            self.age_filter.addItem(label, days)

        self.caption = QLabel()
        self.caption.setObjectName("paneCaption")
        self.table = QueueTable()
        configure_table(
            self.table,
            "reviewQueueTable",
            self.model,
            widths=((1, 100), (2, 130), (3, 100), (4, 56)),
        )
        # The reader beside the queue names the document; the column is there for wide docks.
        self.table.setColumnHidden(2, True)
        self.keys_hint = QLabel(
            "<b>A</b> approve · <b>R</b> reject · <b>C</b> request changes · "
            "<b>J</b>/<b>K</b> or ↓/↑ next/previous"
        )
        self.keys_hint.setObjectName("keysHint")
        self.keys_hint.setEnabled(False)

        filters = QGridLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(QLabel("Analyst"), 0, 0)
        filters.addWidget(self.analyst_filter, 0, 1)
        filters.addWidget(QLabel("Tag"), 0, 2)
        filters.addWidget(self.tag_filter, 0, 3)
        filters.addWidget(QLabel("Document"), 1, 0)
        filters.addWidget(self.document_filter, 1, 1)
        filters.addWidget(QLabel("Waiting"), 1, 2)
        filters.addWidget(self.age_filter, 1, 3)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)
        queue_box = QWidget()
        queue_layout = QVBoxLayout(queue_box)
        queue_layout.setContentsMargins(6, 6, 6, 6)
        queue_layout.addWidget(self.caption)
        queue_layout.addLayout(filters)
        queue_layout.addWidget(self.table, 1)
        queue_layout.addWidget(self.keys_hint)

        self.reader = ReaderPane()
        self.reader.setObjectName("reviewReader")
        self.reader.can_annotate = (
            False  # a supervisor reviews here; annotating is the main reader's
        )
        if hasattr(self.reader, "placeholder"):
            self.reader.placeholder.setText("The selected claim is shown here in its document.")
        # Rewrapping (a resized dock) moves the text: keep the claim in view.
        self.reader.text.viewport().installEventFilter(self)
        self._sized = False

        self.card = QTextBrowser()
        self.card.setObjectName("claimCard")
        self.card.setOpenLinks(False)
        self.card.setFrameShape(QFrame.Shape.NoFrame)
        self.card.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.thread = ThreadView()
        self.thread.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        thread_caption = QLabel("Review thread")
        thread_caption.setObjectName("paneCaption")

        self.approve_button = QPushButton("&Approve  (A)")
        self.reject_button = QPushButton("&Reject…  (R)")
        self.changes_button = QPushButton("Request &changes…  (C)")
        self.history_button = QPushButton("History…")
        for button, decision in (
            (self.approve_button, "approve"),
            (self.reject_button, "reject"),
            (self.changes_button, "request_changes"),
        ):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, d=decision: self.start_decision(d))
        self.history_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history_button.clicked.connect(self._history_clicked)
        self.comment_label = QLabel()
        self.comment_label.setObjectName("commentPrompt")
        self.comment = CommentField()
        self.comment.setObjectName("decisionComment")
        self.comment.setPlaceholderText("Say why, for the analyst — Enter sends, Esc cancels")
        self.comment.returnPressed.connect(self.confirm_comment)
        self.comment.cancelled.connect(self.cancel_comment)
        self.comment_row = QWidget()
        comment_layout = QVBoxLayout(self.comment_row)
        comment_layout.setContentsMargins(0, 0, 0, 0)
        comment_layout.addWidget(self.comment_label)
        comment_layout.addWidget(self.comment)
        self.comment_row.hide()
        self.error = QLabel()
        self.error.setObjectName("reviewError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.changes_button)
        buttons.addStretch(1)
        buttons.addWidget(self.history_button)
        detail_split = QSplitter(Qt.Orientation.Vertical)
        detail_split.addWidget(self.card)
        thread_box = QWidget()
        thread_layout = QVBoxLayout(thread_box)
        thread_layout.setContentsMargins(0, 0, 0, 0)
        thread_layout.addWidget(thread_caption)
        thread_layout.addWidget(self.thread)
        detail_split.addWidget(thread_box)
        detail_split.setSizes([300, 160])
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(6, 6, 6, 6)
        detail_layout.addWidget(detail_split, 1)
        detail_layout.addLayout(buttons)
        detail_layout.addWidget(self.comment_row)
        detail_layout.addWidget(self.error)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("reviewSplitter")
        self.splitter.addWidget(queue_box)
        self.splitter.addWidget(self.reader)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.table.decision_requested.connect(self.start_decision)
        self.table.step_requested.connect(self.step)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _i: self._history_clicked())
        for combo in (self.analyst_filter, self.tag_filter, self.document_filter, self.age_filter):
            combo.activated.connect(self._apply_filters)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsRemoved.connect(self._update_caption)
        self.model.rowsInserted.connect(self._update_caption)

        self._refill_filters()
        self._update_caption()
        self.select_row(0)
        self._show_current()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # the queue a little wider than the reader and the card
            self._sized = True
            width = max(self.splitter.width(), 900)
            self.splitter.setSizes([width * 4 // 10, width * 3 // 10, width * 3 // 10])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.reader.text.viewport():
            QTimer.singleShot(0, self._keep_claim_in_view)
        return super().eventFilter(watched, event)

    def _keep_claim_in_view(self) -> None:
        text = self.reader.text
        cursor = text.textCursor()
        if not cursor.hasSelection():
            return
        start = text.textCursor()
        start.setPosition(cursor.selectionStart())
        visible = text.viewport().rect()
        if not (visible.contains(text.cursorRect(start)) and visible.contains(text.cursorRect())):
            text.centerCursor()

    # -- reading ---------------------------------------------------------------------------------
    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.annotation_id(index.row()) if index.isValid() else None

    def current_annotation(self) -> Annotation | None:
        index = self.table.currentIndex()
        return self.model.annotation(index.row()) if index.isValid() else None

    def refresh(self) -> None:
        """Ask the core again (after any change), keeping the selected claim if it is still here."""
        current = self.current_id()
        self._tag_colours = {}
        self.model.refresh()
        self._refill_filters()
        if current and self.model.row_of(current) is not None:
            self.select_row(self.model.row_of(current))
        elif not self.table.currentIndex().isValid():
            self.select_row(0)
        self._update_caption()
        self._show_current()

    def select_row(self, row: int | None) -> None:
        if row is None or not (0 <= row < self.model.rowCount()):
            return
        select_table_row(self.table, row)

    def select_annotation(self, ann_id: str) -> bool:
        row = self.model.row_of(ann_id)
        while row is None and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
            row = self.model.row_of(ann_id)
        self.select_row(row)
        return row is not None

    def step(self, delta: int) -> None:
        """Next (+1) or previous (-1) claim, fetching more rows at the end of a page."""
        row = self.table.currentIndex().row()
        target = 0 if row < 0 else row + delta
        if target >= self.model.rowCount() and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
        self.select_row(max(0, min(target, self.model.rowCount() - 1)))

    def _current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if self.comment_row.isVisible() and self.comment_target != self.current_id():
            self.cancel_comment()
        self._show_current()

    def _show_current(self) -> None:
        a = self.current_annotation()
        enabled = a is not None and not self.model.is_pending(a.id)
        for button in (self.approve_button, self.reject_button, self.changes_button):
            button.setEnabled(enabled)
        self.history_button.setEnabled(a is not None)
        if a is None:
            self.card.setHtml(
                "<p><i>No claim is waiting for review.</i></p>"
                if self.model.total() == 0
                else "<p><i>Select a claim in the queue.</i></p>"
            )
            self.thread.clear_thread()
            self.reader.clear()
            self._shown_doc = None
            return
        try:
            links = self.ws.links(a.id)
            thread = self.ws.reviews(a.id)
            if a.document_id != self._shown_doc or self.reader.document_id != a.document_id:
                self.reader.show_document(self.ws.document(a.document_id))
                self._shown_doc = a.document_id
        except AssayError as exc:
            self.show_error(str(exc))
            return
        self.reader.select_span(a.start, a.end)
        self.card.setHtml(claim_card_html(a, links, self.tag_colours()))
        self.thread.show_thread(thread)

    def tag_colours(self) -> dict[str, str]:
        if not self._tag_colours:
            self._tag_colours = {t["name"]: t["colour"] for t in self.ws.tags() if t["colour"]}
        return self._tag_colours

    # -- filters ---------------------------------------------------------------------------------
    def _refill_filters(self) -> None:
        """Offer what is in the whole queue: its analysts, tags and documents."""
        if not self.model.total() and not self.model.filters:
            choices = QueueChoices([], [], [])  # an analyst's hidden queue is not asked for
        else:
            choices = self.ws.review_queue_choices()
        _refill(self.analyst_filter, "Any analyst", choices.analysts)
        _refill(self.tag_filter, "Any tag", [(t, t) for t in choices.tags])
        _refill(
            self.document_filter,
            "Any document",
            [(one_line(t, 60), d) for t, d in choices.documents],
        )

    def _apply_filters(self, *_args: object) -> None:
        self.model.set_filters(
            analyst=self.analyst_filter.currentData(),
            tag=self.tag_filter.currentData(),
            document=self.document_filter.currentData(),
            older_than_days=self.age_filter.currentData(),
        )

    def _after_reset(self) -> None:
        self.select_row(0)
        self._update_caption()
        self._show_current()

    def _update_caption(self, *_args: object) -> None:
        n = self.model.total()
        noun = "claim" if n == 1 else "claims"
        text = f"Review queue — {n} {noun} waiting"
        if self.model.filters:
            text += " (filtered)"
        self.caption.setText(text)

    # -- deciding ----------------------------------------------------------------------------------
    def start_decision(self, decision: str) -> None:
        """Approve at once; for a rejection or change request, ask for the comment inline."""
        self.clear_error()
        a = self.current_annotation()
        if a is None:
            self.show_error("Select a claim in the queue first.")
            return
        if self.model.is_pending(a.id):
            return
        if decision == "approve":
            self.decide("approve")
            return
        self.comment_decision = decision
        self.comment_target = a.id
        verb = "Reject" if decision == "reject" else "Request changes to"
        self.comment_label.setText(
            f"<b>{verb}</b> “{html.escape(one_line(a.statement, 70))}” — why?"
        )
        self.comment.clear()
        self.comment_row.show()
        self.comment.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def confirm_comment(self) -> None:
        if self.comment_decision is None or self.comment_target is None:
            return
        text = self.comment.text().strip()
        if not text:
            self.show_error("Say why in a comment when you reject or request changes.")
            return
        decision, target = self.comment_decision, self.comment_target
        self._close_comment()
        self.decide(decision, text, ann_id=target)

    def cancel_comment(self) -> None:
        self._close_comment()
        self.clear_error()

    def _close_comment(self) -> None:
        self.comment_decision = self.comment_target = None
        self.comment.clear()
        self.comment_row.hide()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def decide(
        self, decision: str, comment: str = "", *, ann_id: str | None = None
    ) -> Operation | None:
        """Send the decision to the writer; grey the claim out and move to the next one now."""
        ann_id = ann_id or self.current_id()
        if ann_id is None or self.model.is_pending(ann_id):
            return None
        row = self.model.row_of(ann_id)
        job = run_operation(
            self,
            self.ws.review,
            ann_id,
            decision,
            comment,
            label="record the decision",
            worker=self.writer,
            errors="inline",
            on_success=lambda _changes: self._decided(job, ann_id, decision),
            on_failure=lambda exc: self._failed(job, ann_id, exc),
        )
        self.jobs.append(job)
        self.model.set_pending(ann_id, True)
        if row is not None and self.current_id() == ann_id:
            self._select_next_open(row)
        self._show_current()
        return job

    def _select_next_open(self, row: int) -> None:
        n = self.model.rowCount()
        for r in [*range(row + 1, n), *range(row - 1, -1, -1)]:
            ann_id = self.model.annotation_id(r)
            if ann_id and not self.model.is_pending(ann_id):
                self.select_row(r)
                return

    def _decided(self, job: Operation, ann_id: str, decision: str) -> None:
        """The decision is stored and the window has applied it."""
        self._forget(job)
        self.model.set_pending(ann_id, False)
        self.refresh()
        self.decided.emit(ann_id, decision)

    def _failed(self, job: Operation, ann_id: str, exc: BaseException) -> None:
        self._forget(job)
        self.model.set_pending(ann_id, False)
        self.select_annotation(ann_id)
        if isinstance(exc, AssayError):
            message = str(exc)
            self.show_error(message)
        else:  # run_operation shows it in the error dialog
            message = f"Internal error: {exc!r}"
        self.decision_failed.emit(ann_id, message)
        self._show_current()

    def _forget(self, job: Operation) -> None:
        if job in self.jobs:
            self.jobs.remove(job)

    def busy(self) -> bool:
        return bool(self.jobs)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()

    def _history_clicked(self) -> None:
        ann_id = self.current_id()
        if ann_id:
            self.history_requested.emit(ann_id)


def _refill(combo: QComboBox, any_label: str, items: list[tuple[str, Any]]) -> None:
    """Replace a filter's choices and keep the chosen one, even if it no longer occurs."""
    current = combo.currentData()
    current_text = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(any_label, None)
    for label, data in items:
        combo.addItem(label, data)
    if current is not None:
        index = combo.findData(current)
        if index < 0:
            combo.addItem(current_text, current)
            index = combo.count() - 1
        combo.setCurrentIndex(index)
    combo.blockSignals(False)


# -- returned to me --------------------------------------------------------------------------------


class ReturnedModel(RowsModel):
    """My claims a supervisor sent back (ws.returned_to_me), each with the last decision on it.

    Rows are (annotation, its last review or None)."""

    COLUMNS = ("Claim", "Status", "Supervisor's comment", "Supervisor", "Returned", "Document")

    def __init__(self, ws: Workspace, parent: QObject | None = None):
        super().__init__(parent)
        self._ws = ws
        self.refresh()

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        item = self.row_at(index)
        if item is None:
            return None
        a, review = item
        column = index.column()
        if role == AnnotationIdRole:
            return a.id
        if role == DocumentIdRole:
            return a.document_id
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return QColor(STATUS_COLOURS.get(a.status, "#808080"))
        if role == _Display:
            if column == 0:
                return one_line(a.statement or a.quote)
            if column == 1:
                return STATUS_LABELS.get(a.status, a.status)
            if column == 2:
                return one_line(review.comment if review else "")
            if column == 3:
                return review.reviewer if review else ""
            if column == 4:
                return local_time_text(review.created_at) if review else ""
            if column == 5:
                return one_line(a.document_title, 80)
        if role == _ToolTip:
            if column == 0:
                return a.statement or a.quote
            if column == 2:
                return review.comment if review else ""
            if column == 5:
                return a.document_title
        return None

    def refresh(self) -> None:
        returned = self._ws.returned_to_me()
        last = self._ws.last_reviews([a.id for a in returned])
        self.set_rows([(a, last.get(a.id)) for a in returned])

    def item(self, row: int) -> tuple[Annotation, Review | None] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, ann_id: str) -> int | None:
        return next((n for n, (a, _r) in enumerate(self._rows) if a.id == ann_id), None)


class ReturnedPane(QWidget):
    """What came back to me: each claim with the supervisor's comment; Enter or double-click opens
    it in the reader; "Submit again" sends it back once it is fixed."""

    open_annotation = Signal(str, str)  # document id, annotation id
    history_requested = Signal(str)

    def __init__(self, ws: Workspace, writer: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("returnedPane")
        self.ws = ws
        self.writer = writer
        self.jobs: list[Operation] = []
        self.model = ReturnedModel(ws, self)
        self.caption = QLabel()
        self.caption.setObjectName("paneCaption")
        self.table = QTableView()
        configure_table(
            self.table,
            "returnedTable",
            self.model,
            stretch=(0, 2),
            widths=((1, 130), (3, 130), (4, 130), (5, 200)),
        )
        self.comment = QLabel()
        self.comment.setObjectName("returnedComment")
        self.comment.setWordWrap(True)
        self.comment.setTextFormat(Qt.TextFormat.RichText)
        self.comment.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.comment.setFrameShape(QFrame.Shape.StyledPanel)
        self.comment.setBackgroundRole(QPalette.ColorRole.Base)
        self.comment.setAutoFillBackground(True)
        self.comment.setMargin(6)
        self.open_button = QPushButton("Open")
        self.history_button = QPushButton("History…")
        self.submit_button = QPushButton("Submit again")
        self.submit_button.setToolTip("Send the claim back to the review queue once it is fixed")
        self.error = QLabel()
        self.error.setObjectName("returnedError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.history_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.comment)
        layout.addLayout(buttons)
        layout.addWidget(self.error)

        # activated: Enter, or a double-click (a single click where the platform says so)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_current())
        self.model.modelReset.connect(self._after_reset)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentIndex().row()))
        self.history_button.clicked.connect(self._history_clicked)
        self.submit_button.clicked.connect(self.submit_again)
        self._after_reset()

    def current_id(self) -> str | None:
        item = self.model.item(self.table.currentIndex().row())
        return item[0].id if item else None

    def refresh(self) -> None:
        current = self.current_id()
        self.model.refresh()
        row = self.model.row_of(current) if current else None
        if row is not None:
            self.table.selectRow(row)

    def open_row(self, row: int) -> None:
        item = self.model.item(row)
        if item is not None:
            self.open_annotation.emit(item[0].document_id, item[0].id)

    def submit_again(self) -> Operation | None:
        ann_id = self.current_id()
        if ann_id is None:
            return None
        self.error.hide()
        job = run_operation(
            self,
            self.ws.submit,
            ann_id,
            label="submit the claim",
            worker=self.writer,
            errors="inline",
            on_success=lambda _changes: self._submitted(job),
            on_failure=lambda exc: self._failed(job, exc),
        )
        self.jobs.append(job)
        self.submit_button.setEnabled(False)
        return job

    def _submitted(self, job: Operation) -> None:
        """Submitted again, and the window has applied it."""
        self.jobs.remove(job)
        self.refresh()

    def _failed(self, job: Operation, exc: BaseException) -> None:
        self.jobs.remove(job)
        if isinstance(exc, AssayError):  # anything else is in run_operation's error dialog
            self.error.setText(str(exc))
            self.error.show()
        self._show_current()

    def _after_reset(self) -> None:
        n = self.model.rowCount()
        self.caption.setText(
            f"Returned to me — {n} claim{'s' if n != 1 else ''}"
            if n
            else "Returned to me — nothing came back"
        )
        if n and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self._show_current()

    def _show_current(self) -> None:
        item = self.model.item(self.table.currentIndex().row())
        for button in (self.open_button, self.history_button, self.submit_button):
            button.setEnabled(item is not None)
        if item is None:
            self.comment.setText("<i>Claims a supervisor rejects or sends back appear here.</i>")
            return
        a, review = item
        if review is None:
            self.comment.setText("<i>No comment.</i>")
            return
        status = STATUS_LABELS.get(a.status, a.status)
        self.comment.setText(
            f"<b>{html.escape(review.reviewer)}</b> ({html.escape(status)}, "
            f"{html.escape(local_time_text(review.created_at))}): "
            f"“{html.escape(review.comment or 'no comment')}”"
        )

    def _history_clicked(self) -> None:
        ann_id = self.current_id()
        if ann_id:
            self.history_requested.emit(ann_id)
