"""The annotations pane: a document's notes and claims in reading order, with ratings, tags,
review status and the supervisor's last word."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette, QTextLayout
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.errors import AnnotationError
from desktop.core.kernel.records import Annotation, Review, default_colour
from desktop.core.workspace import Workspace

from .dashboard_data import STATUS_LABELS
from .widgets import read_only_flags

AnnotationIdRole = Qt.ItemDataRole.UserRole + 20
AnnotationRole = Qt.ItemDataRole.UserRole + 21
ReviewRole = Qt.ItemDataRole.UserRole + 22

_Display = Qt.ItemDataRole.DisplayRole
_ToolTip = Qt.ItemDataRole.ToolTipRole
_Accessible = Qt.ItemDataRole.AccessibleTextRole

STATUS_WORDS = STATUS_LABELS  # the words the review panes and the dashboard use too
STATUS_COLOURS = {
    "draft": "#6b7280",
    "submitted": "#2563eb",
    "approved": "#15803d",
    "rejected": "#b91c1c",
    "changes_requested": "#c2410c",
}
# A supervisor's decision is worth showing beside the claim once one has been made.
REVIEWED = ("approved", "rejected", "changes_requested")
RETURNED = ("rejected", "changes_requested")


class TagCatalog(QObject):
    """The workspace's tags (names, colours, uses), reloaded only when a change names tags."""

    changed = Signal()

    def __init__(self, ws: Workspace, parent: QObject | None = None):
        super().__init__(parent)
        self._ws = ws
        self._tags: list[dict] = []
        self._colours: dict[str, str] = {}
        self.reload()

    def reload(self) -> None:
        self._tags = self._ws.tags()
        self._colours = {t["name"]: t["colour"] for t in self._tags if t.get("colour")}
        self.changed.emit()

    def names(self) -> list[str]:
        """Every tag, parents included (`actor` and `actor/state`), for completion."""
        return [t["name"] for t in self._tags]

    def used_names(self) -> list[str]:
        """Tags some annotation carries, with their parents (a parent filters its children)."""
        used = {t["name"] for t in self._tags if t.get("uses")}
        for name in list(used):
            parts = name.split("/")
            used.update("/".join(parts[:n]) for n in range(1, len(parts)))
        return sorted(used)

    def colour(self, name: str) -> str:
        found = self._colours.get(name)
        if found:
            return found
        try:
            return default_colour(name)
        except AnnotationError:
            return "#d0d0d0"


def _order(ann: Annotation) -> tuple[int, int, str]:
    return (ann.start, ann.end, ann.id)


class AnnotationListModel(QAbstractListModel):
    """One row per annotation id in reading order; rows change one by one as the core reports.

    The last supervisor review is read lazily, for rows that are painted and were reviewed.
    """

    def __init__(self, ws: Workspace, parent: QObject | None = None):
        super().__init__(parent)
        self._ws = ws
        self.document_id: str | None = None
        self._keys: list[tuple[int, int, str]] = []
        self._by_id: dict[str, Annotation] = {}
        self._reviews: dict[str, Review | None] = {}

    # -- what the views ask ------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._keys)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return read_only_flags(index)

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._keys)):
            return None
        ann = self._by_id[self._keys[index.row()][2]]
        if role == AnnotationIdRole:
            return ann.id
        if role == AnnotationRole:
            return ann
        if role == ReviewRole:
            return self.review(ann)
        if role in (_Display, _Accessible):
            return row_text(ann, self.review(ann) if role == _Accessible else None)
        if role == _ToolTip:
            return row_tooltip(ann)
        return None

    # -- what the pane asks ------------------------------------------------------------------
    def set_annotations(self, doc_id: str | None, annotations: Iterable[Annotation]) -> None:
        self.beginResetModel()
        self.document_id = doc_id
        self._by_id = {a.id: a for a in annotations}
        self._keys = sorted(_order(a) for a in self._by_id.values())
        self._reviews.clear()
        self.endResetModel()

    def update(self, changed: Iterable[Annotation], removed: Iterable[str]) -> None:
        """Insert, move, repaint or remove just the rows the core named."""
        for ann_id in removed:
            self._remove(ann_id)
        for ann in changed:
            self._reviews.pop(ann.id, None)
            old = self._by_id.get(ann.id)
            if old is not None and _order(old) == _order(ann):
                self._by_id[ann.id] = ann
                row = self.row_of(ann.id)
                if row is not None:
                    self.dataChanged.emit(self.index(row), self.index(row))
                continue
            if old is not None:
                self._remove(ann.id)
            key = _order(ann)
            row = bisect.bisect_left(self._keys, key)
            self.beginInsertRows(QModelIndex(), row, row)
            self._keys.insert(row, key)
            self._by_id[ann.id] = ann
            self.endInsertRows()

    def forget_reviews(self, ann_ids: Iterable[str] | None = None) -> None:
        """Reviews changed: read them again when next painted."""
        ids = list(self._by_id) if ann_ids is None else [i for i in ann_ids if i in self._by_id]
        for ann_id in ids:
            self._reviews.pop(ann_id, None)
            row = self.row_of(ann_id)
            if row is not None:
                self.dataChanged.emit(self.index(row), self.index(row))

    def row_of(self, ann_id: str) -> int | None:
        ann = self._by_id.get(ann_id)
        if ann is None:
            return None
        row = bisect.bisect_left(self._keys, _order(ann))
        return row if row < len(self._keys) and self._keys[row][2] == ann_id else None

    def annotation(self, row_or_id: int | str) -> Annotation | None:
        if isinstance(row_or_id, str):
            return self._by_id.get(row_or_id)
        return self._by_id[self._keys[row_or_id][2]] if 0 <= row_or_id < len(self._keys) else None

    def ids(self) -> list[str]:
        return [key[2] for key in self._keys]

    def review(self, ann: Annotation) -> Review | None:
        if ann.status not in REVIEWED:
            return None
        if ann.id not in self._reviews:
            self._reviews[ann.id] = self._ws.last_review(ann.id)
        return self._reviews[ann.id]

    def _remove(self, ann_id: str) -> None:
        row = self.row_of(ann_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._keys[row]
        del self._by_id[ann_id]
        self._reviews.pop(ann_id, None)
        self.endRemoveRows()


def kind_word(ann: Annotation) -> str:
    return "Claim" if ann.kind == "claim" else "Note"


def body_text(ann: Annotation) -> str:
    """What the row says: a claim's statement; a note's comment, else its quote."""
    if ann.kind == "claim":
        return ann.statement or ann.quote
    return ann.comment or f"“{ann.quote}”"


def row_text(ann: Annotation, review: Review | None = None) -> str:
    parts = [kind_word(ann)]
    if ann.rating:
        parts.append(ann.rating)
    parts.append(STATUS_WORDS.get(ann.status, ann.status))
    text = " · ".join(parts) + f": {body_text(ann)}"
    if ann.tags:
        text += f" [tags: {', '.join(ann.tags)}]"
    if review is not None and review.comment:
        text += f" — {review.reviewer}: {review.comment}"
    return text


def row_tooltip(ann: Annotation) -> str:
    lines = [f"{kind_word(ann)} by {ann.analyst or ann.created_by}"]
    if ann.rating:
        lines.append(ann.rating)
    lines.append(f"“{ann.quote}”")
    if ann.kind == "claim" and ann.comment:
        lines.append(f"Comment: {ann.comment}")
    return "\n".join(lines)


def wrap_lines(text: str, font: QFont, width: int, max_lines: int) -> list[str]:
    """Word-wrap text to at most max_lines lines of `width` pixels, eliding the last one."""
    text = " ".join(text.split())
    if not text or width <= 10:
        return [text] if text else []
    layout = QTextLayout(text, font)
    layout.beginLayout()
    lines: list[tuple[int, int]] = []
    while len(lines) < max_lines:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append((line.textStart(), line.textLength()))
    layout.endLayout()
    out = [text[s : s + n].rstrip() for s, n in lines]
    if lines and sum(lines[-1]) < len(text):
        rest = text[lines[-1][0] :]
        out[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return out


class AnnotationDelegate(QStyledItemDelegate):
    """A row as a small card: kind and rating, status, the statement, tag chips, the review."""

    PAD = 7
    GAP = 4
    TEXT_LINES = 2

    def __init__(self, tags: TagCatalog, parent: QObject | None = None):
        super().__init__(parent)
        self.tags = tags

    # -- geometry ------------------------------------------------------------------------------
    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.86)
        bold = QFont(small)
        bold.setWeight(QFont.Weight.DemiBold)
        return base, small, bold

    def _width(self, option: QStyleOptionViewItem) -> int:
        width = option.rect.width()
        if width <= 0 and option.widget is not None:
            width = option.widget.viewport().width()
        return max(width, 160) - 2 * self.PAD

    def _review_line(self, ann: Annotation, review: Review | None) -> str:
        if review is None or not (review.comment or ann.status in RETURNED):
            return ""
        said = review.comment or STATUS_WORDS.get(ann.status, ann.status)
        return f"{review.reviewer}: {said}"

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        ann: Annotation | None = index.data(AnnotationRole)
        if ann is None:
            return QSize(0, 0)
        base, small, _bold = self._fonts(option)
        width = self._width(option)
        small_h = QFontMetrics(small).height()
        lines = wrap_lines(body_text(ann), base, width, self.TEXT_LINES)
        height = 2 * self.PAD + small_h + 2 + self.GAP
        if ann.rating:
            height += small_h + 2
        height += max(1, len(lines)) * QFontMetrics(base).height()
        if ann.tags:
            height += self.GAP + small_h + 4
        if self._review_line(ann, index.data(ReviewRole)):
            height += self.GAP + small_h
        return QSize(width + 2 * self.PAD, height)

    # -- painting ------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        ann: Annotation | None = index.data(AnnotationRole)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if ann is None:
            return
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_colour = opt.palette.color(text_role)
        muted = QColor(text_colour)
        muted.setAlpha(170)
        base, small, bold = self._fonts(opt)
        rect = opt.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setClipRect(opt.rect)

        # kind and status badges, then the compact rating on a line of its own
        y = rect.top()
        small_fm = QFontMetrics(small)
        h = small_fm.height() + 2
        colour = QColor(ann.colour or "#c3ccd8")
        x = self._badge(
            painter, bold, kind_word(ann).upper(), rect.left(), y, h, colour, QColor("#1a1a1a")
        )
        status = STATUS_WORDS.get(ann.status, ann.status)
        status_w = small_fm.horizontalAdvance(status) + 12
        self._badge(
            painter,
            small,
            status,
            rect.right() - status_w + 1,
            y,
            h,
            QColor(STATUS_COLOURS.get(ann.status, "#6b7280")),
            QColor("#ffffff"),
        )
        room = rect.right() - status_w - 6 - (x + 6)
        if room > 30 and ann.analyst:
            painter.setFont(small)
            painter.setPen(muted)
            who = small_fm.elidedText(ann.analyst, Qt.TextElideMode.ElideRight, room)
            painter.drawText(QRect(x + 6, y, room, h), Qt.AlignmentFlag.AlignVCenter, who)
        y += h + self.GAP
        if ann.rating:
            painter.setFont(bold)
            painter.setPen(text_colour)
            bold_fm = QFontMetrics(bold)
            rating = bold_fm.elidedText(ann.rating, Qt.TextElideMode.ElideRight, rect.width())
            painter.drawText(
                QRect(rect.left(), y, rect.width(), h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                rating,
            )
            y += small_fm.height() + 2

        # the statement (or the note's comment or quote)
        painter.setFont(base)
        painter.setPen(text_colour)
        line_h = QFontMetrics(base).height()
        for line in wrap_lines(body_text(ann), base, rect.width(), self.TEXT_LINES) or [""]:
            painter.drawText(
                QRect(rect.left(), y, rect.width(), line_h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                line,
            )
            y += line_h

        # tag chips
        if ann.tags:
            y += self.GAP
            x = rect.left()
            for n, name in enumerate(ann.tags):
                width = small_fm.horizontalAdvance(name) + 14
                if x + width > rect.right() and n:
                    more = f"+{len(ann.tags) - n}"
                    painter.setFont(small)
                    painter.setPen(muted)
                    painter.drawText(QRect(x, y, 40, h), Qt.AlignmentFlag.AlignVCenter, more)
                    break
                x = self._badge(
                    painter, small, name, x, y, h, QColor(self.tags.colour(name)), QColor("#1a1a1a")
                )
                x += 4
            y += h + 2

        # the supervisor's last word
        said = self._review_line(ann, index.data(ReviewRole))
        if said:
            y += self.GAP
            italic = QFont(small)
            italic.setItalic(True)
            painter.setFont(italic)
            colour = QColor(STATUS_COLOURS.get(ann.status, "#6b7280"))
            painter.setPen(text_colour if selected else colour)
            line = QFontMetrics(italic).elidedText(
                "↩ " + said, Qt.TextElideMode.ElideRight, rect.width()
            )
            painter.drawText(
                QRect(rect.left(), y, rect.width(), small_fm.height()),
                Qt.AlignmentFlag.AlignVCenter,
                line,
            )
        painter.restore()

    def _badge(
        self,
        painter: QPainter,
        font: QFont,
        text: str,
        x: int,
        y: int,
        h: int,
        fill: QColor,
        ink: QColor,
    ) -> int:
        """A rounded chip; returns the x just after it."""
        fm = QFontMetrics(font)
        width = fm.horizontalAdvance(text) + 12
        chip = QRect(x, y, width, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(chip, h / 2, h / 2)
        painter.setFont(font)
        painter.setPen(ink)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
        return x + width


class AnnotationListView(QListView):
    """The list, with a hint in place of an empty list."""

    hint = ""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.hint:
            painter = QPainter(self.viewport())
            colour = self.palette().color(QPalette.ColorRole.PlaceholderText)
            painter.setPen(colour)
            painter.drawText(
                self.viewport().rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignTop
                | Qt.AlignmentFlag.AlignHCenter
                | Qt.TextFlag.TextWordWrap,
                self.hint,
            )


class AnnotationsPane(QWidget):
    """The open document's notes and claims; selecting one tells the window which."""

    annotation_selected = Signal(str)  # the analyst picked a row
    annotation_activated = Signal(str)  # double-click or Enter: edit it

    EMPTY_HINT = (
        "No notes or claims yet.\n\nSelect text in the reader, then press Ctrl+Shift+N for a "
        "note or Ctrl+Shift+C for a claim (or right-click the selection)."
    )

    def __init__(self, ws: Workspace, tags: TagCatalog, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = AnnotationListModel(ws, self)
        self.caption = QLabel("Annotations")
        self.caption.setObjectName("paneCaption")
        self.view = AnnotationListView()
        self.view.setObjectName("annotationList")
        self.view.setModel(self.model)
        self.view.setItemDelegate(AnnotationDelegate(tags, self.view))
        self.view.setUniformItemSizes(False)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(60)
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.view.setSpacing(1)
        self.view.setAlternatingRowColors(True)
        self.view.hint = ""
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        # a click on the row already current brings its span back into view
        self.view.clicked.connect(self._clicked)
        self.view.activated.connect(self._activated)
        self.view.doubleClicked.connect(self._activated)
        tags.changed.connect(self.view.viewport().update)
        self.model.modelReset.connect(self._update_caption)
        self.model.rowsInserted.connect(self._update_caption)
        self.model.rowsRemoved.connect(self._update_caption)
        self.model.dataChanged.connect(self._update_caption)
        self._quiet = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        self._update_caption()

    def show_annotations(self, doc_id: str | None, annotations: Iterable[Annotation]) -> None:
        self.view.hint = self.EMPTY_HINT if doc_id else ""
        self.model.set_annotations(doc_id, annotations)

    def update_annotations(self, changed: Iterable[Annotation], removed: Iterable[str]) -> None:
        current = self.selected_id()
        self._quiet = True
        try:
            self.model.update(changed, removed)
            if current is not None and self.model.row_of(current) is not None:
                self.select(current, notify=False)
        finally:
            self._quiet = False

    def select(self, ann_id: str | None, *, notify: bool = False) -> bool:
        """Make a row current and scroll to it; notify=False when the caller already knows."""
        row = self.model.row_of(ann_id) if ann_id else None
        selection = self.view.selectionModel()
        self._quiet = not notify
        try:
            if row is None:
                selection.clearCurrentIndex()
                selection.clearSelection()
                return False
            index = self.model.index(row)
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.view.scrollTo(index)
            return True
        finally:
            self._quiet = False

    def selected_id(self) -> str | None:
        index = self.view.selectionModel().currentIndex()
        return index.data(AnnotationIdRole) if index.isValid() else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._quiet and current.isValid():
            self.annotation_selected.emit(current.data(AnnotationIdRole))

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index == self.view.selectionModel().currentIndex():
            self.annotation_selected.emit(index.data(AnnotationIdRole))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.annotation_activated.emit(index.data(AnnotationIdRole))

    def _update_caption(self, *_args: object) -> None:
        anns = [self.model.annotation(r) for r in range(self.model.rowCount())]
        claims = sum(1 for a in anns if a is not None and a.kind == "claim")
        notes = len(anns) - claims
        if self.model.document_id is None:
            self.caption.setText("Annotations")
            return
        parts = []
        if claims:
            parts.append(f"{claims} claim{'s' if claims != 1 else ''}")
        if notes:
            parts.append(f"{notes} note{'s' if notes != 1 else ''}")
        self.caption.setText("Annotations — " + (", ".join(parts) if parts else "none"))
