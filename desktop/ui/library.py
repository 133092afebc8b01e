"""The library pane: filter widgets over a lazy table of the workspace's documents."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.scales import TLP
from desktop.core.workspace import Changes, Workspace

from .annotations import TagCatalog
from .labels import language_name
from .models import COLUMNS, MARKING_COLUMN, DocumentIdRole, DocumentTableModel, MarkingRole
from .theme import TLP_BACKGROUND, tlp_colour
from .widgets import select_table_row

FILTER_DEBOUNCE_MS = 150
TITLE_WIDTH = 230
COLUMN_WIDTHS = {
    "Source": 125,
    "Published": 86,
    "Language": 72,
    "Marking": 136,
    "Reliability": 74,
    "Annotations": 84,
}


class MarkingDelegate(QStyledItemDelegate):
    """The marking as a small TLP 2.0 badge (colour on black) rather than a black cell."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if not text:
            return
        font = QFont(opt.font)
        font.setWeight(QFont.Weight.DemiBold)
        font.setPointSizeF(font.pointSizeF() * 0.9)
        painter.save()
        painter.setClipRect(opt.rect)
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(text) + 10
        height = painter.fontMetrics().height() + 2
        badge = QRect(opt.rect.left() + 4, opt.rect.center().y() - height // 2 + 1, width, height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(TLP_BACKGROUND))
        colour = QColor(tlp_colour(index.data(MarkingRole)))
        painter.setPen(colour if index.data(MarkingRole) == "CLEAR" else QColor(TLP_BACKGROUND))
        painter.drawRoundedRect(badge, 3, 3)
        painter.setPen(colour)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class LibraryPane(QWidget):
    """Documents in a table the core sorts and filters; selecting one opens it."""

    document_selected = Signal(str)

    def __init__(
        self, ws: Workspace, tags: TagCatalog | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._ws = ws
        self._tags = tags or TagCatalog(ws, self)
        self.model = DocumentTableModel(ws, self)

        self.caption = QLabel("Library")
        self.caption.setObjectName("paneCaption")
        self.title_filter = QLineEdit()
        self.title_filter.setObjectName("titleFilter")
        self.title_filter.setPlaceholderText("Filter titles…")
        self.title_filter.setClearButtonEnabled(True)
        self.source_filter = QComboBox()
        self.source_filter.setObjectName("sourceFilter")
        self.language_filter = QComboBox()
        self.language_filter.setObjectName("languageFilter")
        self.marking_filter = QComboBox()
        self.marking_filter.setObjectName("markingFilter")
        for combo, chars in (
            (self.source_filter, 14),
            (self.language_filter, 11),
            (self.marking_filter, 14),
        ):
            # wide enough for "Any language" / "TLP:AMBER+STRICT"; long source names elide
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(chars)
        self.marking_filter.addItem("Any marking", "")
        for marking in TLP:
            self.marking_filter.addItem(f"TLP:{marking}", marking)
        self.tag_filter = QComboBox()
        self.tag_filter.setObjectName("tagFilter")
        self.tag_filter.setAccessibleName("Tag filter")
        self.tag_filter.setToolTip("Documents with notes or claims carrying this tag (or below it)")
        self.tag_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.tag_filter.setMinimumContentsLength(10)
        self.claims_filter = QCheckBox("Has claims")
        self.claims_filter.setObjectName("hasClaimsFilter")
        self.claims_filter.setToolTip("Only documents that carry at least one claim")
        self.refresh_choices()
        self.refresh_tags()
        self._tags.changed.connect(self.refresh_tags)

        self.table = QTableView()
        self.table.setObjectName("libraryTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Ctrl/Shift+click select several for a shared edit or removal; the current row is read
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        # the title matters most: a real width, the other columns scroll into view beside it
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, TITLE_WIDTH)
        header.setHighlightSections(False)
        for n, column in enumerate(COLUMNS):
            if column.label in COLUMN_WIDTHS:
                header.resizeSection(n, COLUMN_WIDTHS[column.label])
        # the indicator first: enabling sorting sorts by whatever the indicator shows
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        self.table.setSortingEnabled(True)
        self.table.setItemDelegateForColumn(MARKING_COLUMN, MarkingDelegate(self.table))
        header.sortIndicatorChanged.connect(self._sort_requested)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._restore_selection)
        self.model.modelReset.connect(self._update_caption)
        self.model.rowsInserted.connect(self._update_caption)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.title_filter.textChanged.connect(lambda _t: self._debounce.start())
        for combo in (
            self.source_filter,
            self.language_filter,
            self.marking_filter,
            self.tag_filter,
        ):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.claims_filter.toggled.connect(lambda _on: self.apply_filters())

        # two rows, so the library can stay narrow beside the reader and the annotations
        filters = QHBoxLayout()
        filters.setSpacing(4)
        filters.addWidget(self.title_filter, 1)
        filters.addWidget(self.source_filter)
        filters.addWidget(self.language_filter)
        annotation_filters = QHBoxLayout()
        annotation_filters.setSpacing(4)
        annotation_filters.addWidget(self.marking_filter)
        annotation_filters.addWidget(self.tag_filter, 1)
        annotation_filters.addWidget(self.claims_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addLayout(filters)
        layout.addLayout(annotation_filters)
        layout.addWidget(self.table, 1)
        self._selected_id: str | None = None
        self._update_caption()

    # -- filters ---------------------------------------------------------------------------
    def refresh_choices(self) -> None:
        """Reload the source and language lists (after an import), keeping what was chosen."""
        _refill(
            self.source_filter,
            "Any source",
            [(s["name"], s["name"]) for s in self._ws.sources() if s.get("documents")],
        )
        _refill(
            self.language_filter,
            "Any language",
            [(language_name(code), code) for code in self._ws.languages() if code],
        )

    def refresh_tags(self) -> None:
        """The tags some annotation carries (after a change named tags)."""
        _refill(self.tag_filter, "Any tag", [(name, name) for name in self._tags.used_names()])

    def show_source(self, name: str) -> None:
        """List only this source's documents (the other filters are cleared)."""
        self.title_filter.clear()
        for combo in (self.language_filter, self.marking_filter, self.tag_filter):
            combo.setCurrentIndex(0)
        self.claims_filter.setChecked(False)
        index = self.source_filter.findData(name)
        self.source_filter.setCurrentIndex(max(index, 0))
        self.apply_filters()

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.model.set_filters(
            text=self.title_filter.text().strip() or None,
            source=self.source_filter.currentData() or None,
            language=self.language_filter.currentData() or None,
            marking=self.marking_filter.currentData() or None,
            tag=self.tag_filter.currentData() or None,
            has_claims=self.claims_filter.isChecked(),
        )

    # -- changes ---------------------------------------------------------------------------
    def note_changes(self, changes: Changes) -> None:
        """The window's changes: refresh the filter choices and the rows they name."""
        if changes.sources or changes.documents:
            self.refresh_choices()
        self.model.refresh(changes.documents)
        self._update_caption()

    def select_document(self, doc_id: str, *, notify: bool = True) -> bool:
        """Select a document's row if it is loaded (it may be filtered out or not fetched).

        With notify=False the caller has already opened the document, so no second
        document_selected is sent (it would reopen it and lose the reader's selection).
        """
        row = self.model.row_of(doc_id)
        if row is None:
            return False
        if not notify:
            self._selected_id = doc_id
        select_table_row(self.table, row)
        return True

    def selected_id(self) -> str | None:
        index = self.table.selectionModel().currentIndex()
        return index.data(DocumentIdRole) if index.isValid() else None

    def selected_ids(self) -> list[str]:
        """Every selected document, in the table's order (the current one when none is)."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        ids = [self.model.index(r, 0).data(DocumentIdRole) for r in rows]
        ids = [i for i in ids if i]
        current = self.selected_id()
        return ids or ([current] if current else [])

    # -- internals -------------------------------------------------------------------------
    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        if COLUMNS[column].order is None:
            # the core cannot sort by this column yet: keep showing the order actually in force
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column, self.model.sort_order)
            header.blockSignals(False)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        doc_id = current.data(DocumentIdRole) if current.isValid() else None
        if doc_id and doc_id != self._selected_id:
            self._selected_id = doc_id
            self.document_selected.emit(doc_id)

    def _restore_selection(self) -> None:
        # a re-query resets the model; keep the analyst's place when the document is still shown
        if self._selected_id:
            row = self.model.row_of(self._selected_id)
            if row is not None:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def _update_caption(self, *_args: object) -> None:
        total = self.model.total()
        everything = self._ws.count_documents() if self.model.filters else total
        if self.model.filters:
            self.caption.setText(f"Library — {total} of {everything} documents")
        else:
            self.caption.setText(f"Library — {total} document{'s' if total != 1 else ''}")


def _refill(combo: QComboBox, any_label: str, items: list[tuple[str, str]]) -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(any_label, "")
    for label, value in items:
        combo.addItem(label, value)
    found = combo.findData(current) if current else 0
    combo.setCurrentIndex(max(found, 0))
    combo.blockSignals(False)
    if current and found < 0:
        # the chosen value vanished: the filter must follow what the combo now shows
        combo.currentIndexChanged.emit(0)
