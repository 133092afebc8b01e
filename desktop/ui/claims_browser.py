"""The claims browser: every note and claim in the workspace in one sortable, filtered table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel import scales
from desktop.core.kernel.records import Annotation
from desktop.core.workspace import Changes, Workspace

from .dashboard_data import STATUS_COLOURS, STATUS_LABELS, local_time_text
from .review_queue import AnnotationIdRole, DocumentIdRole, one_line
from .widgets import PagedAnnotationsModel, configure_table, select_table_row
from .worker import Job, SerialWorker

_Display = Qt.ItemDataRole.DisplayRole
_ToolTip = Qt.ItemDataRole.ToolTipRole

FILTER_DEBOUNCE_MS = 250
# The core's order behind each column; columns without one keep the order in force.
COLUMN_ORDERS: dict[int, str] = {
    1: "document",
    3: "likelihood",
    4: "status",
    5: "analyst",
    6: "updated",
}
KINDS = (("All", ""), ("Claims", "claim"), ("Notes", "note"))


def rating_text(a: Annotation) -> str:
    """'C3 · likely · moderate' for a claim (the parts it has), 'note' for a note."""
    if a.kind != "claim":
        return "note"
    parts = [a.admiralty, scales.likelihood_label(a.likelihood), a.confidence or ""]
    return " · ".join(p for p in parts if p)


_STATUS_ICONS: dict[str, QIcon] = {}


def status_icon(status: str, size: int = 10) -> QIcon:
    """A dot in the review state's colour, readable on the light and the dark theme."""
    if status in _STATUS_ICONS:
        return _STATUS_ICONS[status]
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STATUS_COLOURS.get(status, "#A0AEC0")))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    _STATUS_ICONS[status] = QIcon(pixmap)
    return _STATUS_ICONS[status]


class ClaimsModel(PagedAnnotationsModel):
    """Every live note and claim (ws.annotation_ids), filtered and ordered by the core.

    Holds the ordered ids only and loads the annotations a page at a time as views scroll, so
    a workspace of 50 000 claims opens as fast as one of ten. Nothing is read until the first
    `refresh` (the browser asks when it is first shown).
    """

    COLUMNS = ("Claim or note", "Document", "Tags", "Rating", "Status", "Analyst", "Updated")

    def __init__(self, ws: Workspace, parent: QObject | None = None):
        super().__init__(ws, parent)
        self._filters: dict[str, str] = {}
        self._order = "updated"
        self._descending = True

    # -- what the views ask (rows, paging and flags: PagedIdsModel) ----------------------------
    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _Display) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        if role == _Display:
            return self.COLUMNS[section]
        if role == _ToolTip:
            order = COLUMN_ORDERS.get(section)
            if order == "likelihood":
                return "Sort by likelihood on the ICD 203 scale (unrated last)"
            if order is None:
                return f"{self.COLUMNS[section]} (cannot be sorted)"
        return None

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        if not index.isValid() or not (0 <= index.row() < self._loaded):
            return None
        if role == AnnotationIdRole:
            return self._ids[index.row()]
        a = self._annotation_at(index.row())
        if a is None:
            return None
        column = index.column()
        if role == _Display:
            return self._display(a, column)
        if role == DocumentIdRole:
            return a.document_id
        if role == _ToolTip:
            return self._tooltip(a, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 4:
            return status_icon(a.status)
        return None

    @staticmethod
    def _display(a: Annotation, column: int) -> str:
        if column == 0:
            return one_line(a.statement or a.quote)
        if column == 1:
            return one_line(a.document_title, 80)
        if column == 2:
            return ", ".join(a.tags)
        if column == 3:
            return rating_text(a)
        if column == 4:
            return STATUS_LABELS.get(a.status, a.status)
        if column == 5:
            return a.analyst
        if column == 6:
            return local_time_text(a.updated_at)
        return ""

    @staticmethod
    def _tooltip(a: Annotation, column: int) -> str:
        if column == 0:
            lines = [a.statement or a.quote]
            if a.statement and a.quote != a.statement:
                lines.append(f"“{one_line(a.quote, 400)}”")
            if a.comment:
                lines.append(f"Comment: {a.comment}")
            return "\n\n".join(lines)
        if column == 3:
            return a.rating or "A note (notes carry no rating)"
        if column == 6:
            return (
                f"Updated {local_time_text(a.updated_at)}\nCreated {local_time_text(a.created_at)}"
            )
        return ClaimsModel._display(a, column)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Ask the core for the ids in the column's order (the model never sorts rows itself);
        a column the core cannot sort by keeps the order in force."""
        key = COLUMN_ORDERS.get(column)
        if key is not None:
            self.set_order(key, descending=order == Qt.SortOrder.DescendingOrder)

    # -- what the browser asks -----------------------------------------------------------------
    @property
    def filters(self) -> dict[str, str]:
        return dict(self._filters)

    @property
    def order(self) -> tuple[str, bool]:
        """The core's order in force and whether it runs descending."""
        return self._order, self._descending

    @property
    def sort_column(self) -> int:
        """The column showing the order in force; -1 when none does (created, credibility)."""
        return next((c for c, key in COLUMN_ORDERS.items() if key == self._order), -1)

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    def set_filters(self, **filters: str | None) -> None:
        """kind, status, analyst (id or name), tag, likelihood, text: see ws.annotation_ids."""
        clean = {k: v for k, v in filters.items() if v}
        if clean != self._filters:
            self._filters = clean
            self._reset(self._query())

    def set_order(self, order: str, *, descending: bool = True) -> None:
        """One of the core's orders: updated, created, document, status, likelihood,
        credibility, analyst."""
        if (order, descending) != (self._order, self._descending):
            self._order, self._descending = order, descending
            self._reset(self._query(), keep=self._loaded)

    def refresh(self, ids: list[str] | None = None) -> None:
        """Ask the core again (after a change), or take IDS read elsewhere. The same rows in the
        same order are redrawn in place; anything else resets, keeping as many rows loaded."""
        ids = self._query() if ids is None else ids
        self._rows.clear()
        if ids != self._ids:
            self._reset(ids, keep=self._loaded)
        elif self._loaded:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._loaded - 1, len(self.COLUMNS) - 1)
            )

    def ids(self) -> list[str]:
        """Every matching id in order, shown yet or not."""
        return list(self._ids)

    def order_key(self) -> tuple[str, bool]:
        return self._order, self._descending

    def query_args(self) -> dict:
        """What annotation_ids is asked with (for a read in another thread)."""
        return {**self._filters, "order": self._order, "descending": self._descending}

    # -- loading ---------------------------------------------------------------------------------
    def _query(self) -> list[str]:
        return self._ws.annotation_ids(**self.query_args())

    def _reset(self, ids: list[str], keep: int = 0) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._rows.clear()
        self._loaded = min(max(keep, self.PAGE), len(self._ids))
        self.endResetModel()


class ClaimsTable(QTableView):
    """Enter or Return opens the current row (double-click does too, through `activated`).

    The statement column takes the width the others leave, but never less than FILL_MINIMUM:
    in a narrow dock the table scrolls sideways rather than squeeze the claims to a word."""

    open_requested = Signal(QModelIndex)
    FILL_MINIMUM = 280

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        header = self.horizontalHeader()
        others = sum(
            header.sectionSize(c) for c in range(1, header.count()) if not header.isSectionHidden(c)
        )
        header.resizeSection(0, max(self.FILL_MINIMUM, self.viewport().width() - others))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class ClaimsBrowser(QWidget):
    """The table of every note and claim with its filters; Enter or a double-click opens one.

    Reads nothing until it is first shown; after that, `note_changes` refreshes it at once when
    it is on screen, or the next time it is shown.
    """

    annotation_activated = Signal(str, str)  # document id, annotation id: "show me this one"

    def __init__(
        self, ws: Workspace, parent: QWidget | None = None, *, reads: SerialWorker | None = None
    ):
        super().__init__(parent)
        self.setObjectName("claimsBrowser")
        self.ws = ws
        self.reads = reads  # when given, refreshes after a change read off the GUI thread
        self.refresh_job: Job | None = None
        self.model = ClaimsModel(ws, self)
        self.stale = True
        self._everything = 0
        self._selected_id: str | None = None

        self.text_filter = QLineEdit()
        self.text_filter.setObjectName("claimsTextFilter")
        self.text_filter.setPlaceholderText("Find in statements, quotes and comments…")
        self.text_filter.setClearButtonEnabled(True)
        self.kind_filter = self._combo("claimsKindFilter", "Kind: claims, notes or both")
        for label, value in KINDS:
            self.kind_filter.addItem(label, value)
        self.status_filter = self._combo("claimsStatusFilter", "Review state")
        self.analyst_filter = self._combo("claimsAnalystFilter", "Who made it")
        self.tag_filter = self._combo("claimsTagFilter", "Tag (or any tag below it)", chars=14)
        self.likelihood_filter = self._combo(
            "claimsLikelihoodFilter", "ICD 203 likelihood", chars=14
        )
        self.likelihood_filter.addItem("Any likelihood", "")
        for term in scales.LIKELIHOOD:
            self.likelihood_filter.addItem(f"{term.label} ({term.low}–{term.high} %)", term.key)
        self.clear_button = QToolButton()
        self.clear_button.setObjectName("claimsClearFilters")
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("Show every note and claim again")
        self.clear_button.clicked.connect(self.clear_filters)
        self.caption = QLabel()
        self.caption.setObjectName("claimsCaption")

        self.table = ClaimsTable()
        header = configure_table(
            self.table,
            "claimsTable",
            self.model,
            stretch=(),
            widths=((1, 190), (2, 160), (3, 165), (4, 125), (5, 115), (6, 118)),
        )
        self.table.setShowGrid(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header.setHighlightSections(False)
        # the indicator first: enabling sorting sorts by whatever the indicator shows
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        self.table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_requested)
        self.table.activated.connect(self._open)
        self.table.open_requested.connect(self._open)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._restore_selection)
        self.model.modelReset.connect(self._update_caption)
        self.model.rowsInserted.connect(self._update_caption)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.text_filter.textChanged.connect(lambda _t: self._debounce.start())
        self.text_filter.returnPressed.connect(self.apply_filters)
        for combo in self._combos():
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())

        filters = QHBoxLayout()
        filters.setSpacing(4)
        filters.addWidget(self.text_filter, 3)
        for combo in self._combos():
            filters.addWidget(combo, 1)
        filters.addWidget(self.clear_button)
        top = QHBoxLayout()
        top.addLayout(filters, 1)
        top.addSpacing(8)
        top.addWidget(self.caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.table)
        self._update_caption()

    def _combo(self, name: str, tip: str, chars: int = 10) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setToolTip(tip)
        combo.setAccessibleName(tip)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(chars)
        return combo

    def _combos(self) -> tuple[QComboBox, ...]:
        return (
            self.kind_filter,
            self.status_filter,
            self.analyst_filter,
            self.tag_filter,
            self.likelihood_filter,
        )

    # -- reading and refreshing ------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the filter choices and the rows again, keeping the selected row when it stays."""
        self.stale = False
        self.refresh_choices()
        self._everything = self.ws.count_annotations() if self.model.filters else 0
        self.model.refresh()
        self._update_caption()

    def refresh_choices(self, choices=None) -> None:
        """The analysts, tags and review states present; a chosen value that left stays listed
        (the filter keeps holding, and says so)."""
        choices = choices if choices is not None else self.ws.annotation_choices()
        _refill(
            self.status_filter,
            "Any status",
            [(STATUS_LABELS.get(s, s), s) for s in choices.statuses],
            icon=status_icon,
        )
        _refill(self.analyst_filter, "Any analyst", list(choices.analysts))
        _refill(self.tag_filter, "Any tag", [(t, t) for t in choices.tags])

    def note_changes(self, changes: Changes | None = None) -> None:
        """After a change the window applied: refresh now if on screen, else when shown."""
        if changes is not None and not (
            changes.annotations
            or changes.reviews
            or changes.tags
            or changes.documents
            or changes.sources
        ):
            return
        if not self.isVisible():
            self.stale = True
        elif self.reads is None:
            self.refresh()
        else:
            self.refresh_in_background()

    def refresh_in_background(self) -> Job:
        """The reads of a refresh (ids, choices, the count) in the reads worker; the table
        follows when they arrive, unless the filters or the order moved on meanwhile."""
        model = self.model
        asked = (dict(model.filters), model.order_key())
        query = model.query_args()

        def read() -> tuple:
            return (
                self.ws.annotation_ids(**query),
                self.ws.annotation_choices(),
                self.ws.count_annotations() if asked[0] else 0,
            )

        job = self.reads.submit(read)
        self.refresh_job = job

        def arrived(result: tuple) -> None:
            if job is not self.refresh_job:
                return  # a later refresh is on its way
            self.refresh_job = None
            if (dict(model.filters), model.order_key()) != asked:
                return  # the analyst changed the view meanwhile; it was read then
            ids, choices, everything = result
            self.stale = False
            self.refresh_choices(choices)
            self._everything = everything
            model.refresh(ids)
            self._update_caption()

        job.finished.connect(arrived)
        return job

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self.stale:
            self.refresh()

    # -- filters ---------------------------------------------------------------------------------
    def apply_filters(self) -> None:
        self._debounce.stop()
        self.model.set_filters(
            text=self.text_filter.text().strip(),
            kind=self.kind_filter.currentData(),
            status=self.status_filter.currentData(),
            analyst=self.analyst_filter.currentData(),
            tag=self.tag_filter.currentData(),
            likelihood=self.likelihood_filter.currentData(),
        )
        if self.model.filters and not self._everything:
            self._everything = self.ws.count_annotations()
        self._update_caption()

    def clear_filters(self) -> None:
        for widget in (self.text_filter, *self._combos()):
            widget.blockSignals(True)
        self.text_filter.clear()
        for combo in self._combos():
            combo.setCurrentIndex(0)
        for widget in (self.text_filter, *self._combos()):
            widget.blockSignals(False)
        self.apply_filters()

    # -- selection and opening -------------------------------------------------------------------
    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(AnnotationIdRole) if index.isValid() else None

    def select(self, ann_id: str) -> bool:
        """Make an annotation the current row if it is loaded (it may be filtered out)."""
        row = self.model.row_of(ann_id)
        if row is None:
            return False
        select_table_row(self.table, row)
        return True

    def _open(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        ann_id = index.data(AnnotationIdRole)
        doc_id = index.data(DocumentIdRole)
        if ann_id and doc_id:
            self.annotation_activated.emit(doc_id, ann_id)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._selected_id = current.data(AnnotationIdRole)

    def _restore_selection(self) -> None:
        # a re-query resets the model: keep the analyst's place when the row is still there
        row = self.model.row_of(self._selected_id)
        if row is not None:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _sort_requested(self, column: int, _order: Qt.SortOrder) -> None:
        if column not in COLUMN_ORDERS:
            # the core has no order for this column: keep showing the order actually in force
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column, self.model.sort_order)
            header.blockSignals(False)

    def _update_caption(self, *_args: object) -> None:
        total = self.model.total()
        filtered = bool(self.model.filters)
        self.clear_button.setEnabled(filtered)
        if self.stale and not total:
            self.caption.setText("")
        elif filtered:
            self.caption.setText(f"{total} of {self._everything} claims and notes")
        else:
            self.caption.setText("1 claim or note" if total == 1 else f"{total} claims and notes")


def _refill(combo: QComboBox, any_label: str, items: list[tuple[str, str]], icon=None) -> None:
    """Refill a filter combo with its 'any' entry first, keeping the chosen value."""
    current = combo.currentData()
    values = [value for _label, value in items]
    if current and current not in values:
        items = [*items, (combo.currentText(), current)]
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(any_label, "")
    for label, value in items:
        if icon is not None:
            combo.addItem(icon(value), label, value)
        else:
            combo.addItem(label, value)
    combo.setCurrentIndex(max(combo.findData(current), 0) if current else 0)
    combo.blockSignals(False)


def open_in_window(window: QMainWindow, doc_id: str, ann_id: str) -> bool:
    """Show a note or claim in the main window: its document in the reader, its span selected
    (and its row in the annotations pane and the editor, as the window does)."""
    opener = getattr(window, "open_annotation", None)
    if callable(opener):
        return bool(opener(doc_id, ann_id))
    if not window.open_document(doc_id):
        return False
    return bool(window.select_annotation(ann_id))


def install_claims_browser(window: QMainWindow) -> QDockWidget:
    """Add the claims browser to a MainWindow: a bottom dock ("claimsBrowserDock", hidden until
    View → All claims and notes or Ctrl+Shift+L shows it) that refreshes on
    window.changes_applied. Uses window.ws, .open_document / .open_annotation,
    .select_annotation and .add_menu_action (or .menu). Idempotent; returns the dock, also kept
    as `window.claims_browser_dock` (the pane is `window.claims_browser`)."""
    existing = getattr(window, "claims_browser_dock", None)
    if existing is not None:
        return existing
    browser = ClaimsBrowser(window.ws, reads=getattr(window, "reads", None))
    dock = QDockWidget("All claims and notes", window)
    dock.setObjectName("claimsBrowserDock")
    dock.setWidget(browser)
    dock.setAllowedAreas(Qt.DockWidgetArea.AllDockWidgetAreas)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    queue = window.findChild(QDockWidget, "reviewQueueDock")
    if queue is not None:
        window.tabifyDockWidget(queue, dock)  # one bottom area for the cross-document lists
    # hidden until asked for; the window's restoreState() (after this) puts it back where the
    # analyst left it
    dock.hide()

    action = dock.toggleViewAction()
    action.setText("All &claims and notes")
    action.setShortcut(QKeySequence("Ctrl+Shift+L"))
    action.setToolTip("Every note and claim in the workspace, sorted and filtered")
    add = getattr(window, "add_menu_action", None)
    if callable(add):
        add("View", action, separator=True)
    else:
        window.menuBar().addMenu("&View").addAction(action)

    def shown(visible: bool) -> None:
        if visible:
            dock.raise_()  # its tab comes to the front when it shares the area
            browser.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    action.triggered.connect(shown)
    browser.annotation_activated.connect(lambda doc, ann: open_in_window(window, doc, ann))
    window.changes_applied.connect(browser.note_changes)
    window.claims_browser = browser
    window.claims_browser_dock = dock
    return dock
