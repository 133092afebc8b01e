"""The claim editor dock: statement, Admiralty and ICD 203 ratings, rationale, tags and links of
one note or claim, saved through the writer thread with errors shown inline."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QPoint, QRect, QSize, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QIcon, QKeySequence, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetItem,
)

from desktop.core.kernel import scales, tradecraft
from desktop.core.kernel.errors import AnnotationError, AssayError
from desktop.core.kernel.ids import normalise_tag
from desktop.core.kernel.records import RELATIONS, SUBMITTABLE, Annotation, Link, Review
from desktop.core.workspace import Changes, Workspace

from .annotations import STATUS_COLOURS, STATUS_WORDS, TagCatalog
from .labels import reliability_text
from .operations import Operation, error_box, run_operation
from .worker import Job, JobCancelled, SerialWorker

PICKER_DEBOUNCE_MS = 250
PICKER_LIMIT = 30
CLAIM_FIELDS = ("statement", "credibility", "likelihood", "confidence", "rationale")


# -- what a save does, run in the writer thread ------------------------------------------------
@dataclass
class NewSpan:
    """A selected span about to become a claim (not stored until Save)."""

    document_id: str
    start: int
    end: int
    quote: str
    reliability: str | None = None
    source: str | None = None


@dataclass
class PendingLink:
    to_id: str
    relation: str
    comment: str = ""
    statement: str = ""
    document: str = ""


@dataclass
class Edits:
    values: dict = field(default_factory=dict)  # statement, ratings, rationale, comment
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    add_links: list[PendingLink] = field(default_factory=list)
    remove_links: list[str] = field(default_factory=list)  # link ids
    submit: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.values or self.add_tags or self.remove_tags or self.add_links or self.remove_links
        )


@dataclass
class SaveOutcome:
    ann_id: str | None
    changes: Changes
    error: AssayError | None = None


def apply_edits(
    ws: Workspace, ann_id: str | None, new: NewSpan | None, edits: Edits
) -> SaveOutcome:
    """Carry out one Save as the core's own actions, in order, as ONE undo step: all of it is
    stored, or (when the core refuses one part) none of it, and the error comes back with the
    analyst's edits still in the form."""
    label = "Add claim" if new is not None else "Edit claim"
    try:
        with ws.batch(label) as total:
            if new is not None:
                v = edits.values
                created = ws.add_claim(
                    new.document_id,
                    new.start,
                    new.end,
                    v.get("statement") or "",
                    credibility=v.get("credibility"),
                    likelihood=v.get("likelihood"),
                    confidence=v.get("confidence"),
                    rationale=v.get("rationale") or "",
                    comment=v.get("comment") or "",
                    tags=edits.add_tags,
                )
                stored_id = created.created
            else:
                stored_id = ann_id
                if edits.values:
                    ws.edit_claim(ann_id, **edits.values)
                if edits.add_tags:
                    ws.tag_annotation(ann_id, edits.add_tags)
                if edits.remove_tags:
                    ws.untag_annotation(ann_id, edits.remove_tags)
            for link in edits.add_links:
                ws.link_claims(stored_id, link.to_id, link.relation, link.comment)
            for link_id in edits.remove_links:
                ws.unlink(link_id)
            if edits.submit:
                ws.submit(stored_id)
    except AssayError as exc:
        return SaveOutcome(ann_id, Changes(), exc)
    total.created = stored_id if new is not None else None
    total.undo_label, total.redo_label = ws.undo_label(), ws.redo_label()
    return SaveOutcome(stored_id, total)


@dataclass
class Candidate:
    """A claim the link picker offers."""

    id: str
    statement: str
    document: str
    rating: str
    analyst: str


def find_claims(
    ws: Workspace, query: str, exclude: str | None, limit: int = PICKER_LIMIT
) -> list[Candidate]:
    """Claims matching a search (or the newest, for an empty one); runs on the reader thread."""
    if query.strip():
        ids = [h.id for h in ws.search(query, limit=limit + 1, highlight=None, kinds=("claim",))]
        found = []
        for ann_id in ids:
            try:
                found.append(ws.annotation(ann_id))
            except AssayError:
                continue  # deleted since it was indexed
    else:
        found = ws.claims(limit=limit + 1)
    return [
        Candidate(a.id, a.statement or a.quote, a.document_title, a.rating, a.analyst)
        for a in found
        if a.id != exclude
    ][:limit]


# -- small widgets -------------------------------------------------------------------------------
class FlowLayout(QLayout):
    """Lays chips out left to right, wrapping onto new lines (Qt's flow layout example)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt override)
        self._items.append(item)

    def addWidget(self, widget: QWidget) -> None:  # noqa: N802 (Qt override)
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt override)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt override)
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt override)
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt override)
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt override)
        size = QSize(0, 0)
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line > 0:
                x, y, line = rect.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y()


class TagChip(QFrame):
    """A tag in its colour, with a button that removes it."""

    remove_clicked = Signal(str)

    def __init__(self, name: str, colour: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.setObjectName("tagChip")
        self.setStyleSheet(
            f"QFrame#tagChip {{ background: {colour}; border-radius: 9px; }}"
            " QFrame#tagChip QLabel { color: #1a1a1a; }"
            " QFrame#tagChip QToolButton { color: #1a1a1a; border: none; padding: 0 2px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 3, 1)
        layout.setSpacing(2)
        self.label = QLabel(name)
        self.button = QToolButton()
        self.button.setText("✕")
        self.button.setAutoRaise(True)
        self.button.setToolTip(f"Remove the tag {name}")
        self.button.setAccessibleName(f"Remove tag {name}")
        self.button.clicked.connect(lambda: self.remove_clicked.emit(self.name))
        layout.addWidget(self.label)
        layout.addWidget(self.button)


class TagEditor(QWidget):
    """Tags as chips, and a line to add more, completing existing tags (`actor/state` too)."""

    changed = Signal()
    problem = Signal(str)

    def __init__(self, catalog: TagCatalog, parent: QWidget | None = None):
        super().__init__(parent)
        self.catalog = catalog
        self._tags: list[str] = []
        self.line = QLineEdit()
        self.line.setObjectName("tagInput")
        self.line.setPlaceholderText("Add a tag: actor/state, capability/…  (Enter)")
        self.completer = QCompleter(self)
        self.completer.setModel(QStringListModel(catalog.names(), self.completer))
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(10)
        self.line.setCompleter(self.completer)
        self.completer.activated.connect(self._completed)
        self.line.returnPressed.connect(self._entered)
        catalog.changed.connect(self._catalog_changed)
        self.chips = QWidget()
        self.flow = FlowLayout(self.chips)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.chips)
        layout.addWidget(self.line)

    def tags(self) -> list[str]:
        return list(self._tags)

    def set_tags(self, names: list[str]) -> None:
        self._tags = list(dict.fromkeys(names))
        self._rebuild()

    def add(self, name: str) -> bool:
        """Add a tag typed by the analyst; a malformed name is reported, not added."""
        name = name.strip().strip(",")
        if not name:
            return False
        try:
            name = normalise_tag(name)
        except AnnotationError as exc:
            self.problem.emit(str(exc))
            return False
        if name in self._tags:
            return False
        self._tags.append(name)
        self._rebuild()
        self.changed.emit()
        return True

    def remove(self, name: str) -> None:
        if name in self._tags:
            self._tags.remove(name)
            self._rebuild()
            self.changed.emit()

    def chip_names(self) -> list[str]:
        return [self.flow.itemAt(i).widget().name for i in range(self.flow.count())]

    def _entered(self) -> None:
        popup = self.completer.popup()
        if popup is not None and popup.isVisible():
            return  # the completer's own activation adds it
        for part in self.line.text().split(","):
            self.add(part)
        self.line.clear()

    def _completed(self, text: str) -> None:
        self.add(text)
        # the completer writes the chosen text into the line after this signal
        QTimer.singleShot(0, self.line.clear)

    def _catalog_changed(self) -> None:
        self.completer.model().setStringList(self.catalog.names())
        self._rebuild()

    def _rebuild(self) -> None:
        while self.flow.count():
            item = self.flow.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for name in self._tags:
            chip = TagChip(name, self.catalog.colour(name))
            chip.remove_clicked.connect(self.remove)
            self.flow.addWidget(chip)
        self.chips.setVisible(bool(self._tags))
        self.flow.invalidate()
        self.updateGeometry()


class LinkPicker(QDialog):
    """Find a claim by search and say how this one relates to it."""

    chosen = Signal(object)  # PendingLink

    def __init__(
        self,
        ws: Workspace,
        reads: SerialWorker,
        exclude: str | None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Link to claim")
        self.setMinimumSize(560, 420)
        self._ws = ws
        self._reads = reads
        self._exclude = exclude
        self._generation = 0
        self.candidates: list[Candidate] = []
        self.running: Job | None = None

        self.query = QLineEdit()
        self.query.setObjectName("linkQuery")
        self.query.setPlaceholderText("Search claims: words of a statement, tag:actor/*, by:name")
        self.query.setClearButtonEnabled(True)
        self.status = QLabel()
        self.status.setObjectName("linkStatus")
        self.status.setWordWrap(True)
        self.results = QListWidget()
        self.results.setObjectName("linkResults")
        self.results.setWordWrap(True)
        self.results.setAlternatingRowColors(True)
        self.relation = QComboBox()
        self.relation.setObjectName("linkRelation")
        for relation in RELATIONS:
            self.relation.addItem(f"this claim {relation} the chosen one", relation)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Why (optional)")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.link_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.link_button.setText("Link")
        self.link_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.results.currentRowChanged.connect(lambda row: self.link_button.setEnabled(row >= 0))
        self.results.itemDoubleClicked.connect(lambda _item: self.accept())

        form = QFormLayout()
        form.addRow("Relation", self.relation)
        form.addRow("Comment", self.comment)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(PICKER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.search)
        self.query.textChanged.connect(lambda _t: self._debounce.start())
        self.query.returnPressed.connect(self.search)
        self.search()

    def search(self) -> None:
        self._debounce.stop()
        self._generation += 1
        generation, query = self._generation, self.query.text().strip()
        job = self._reads.submit(find_claims, self._ws, query, self._exclude)
        job.finished.connect(lambda found, g=generation: self._show(g, found))
        job.failed.connect(lambda exc, g=generation: self._failed(g, exc))
        self.running = job
        self.status.setText("Searching…")

    def _show(self, generation: int, found: list[Candidate]) -> None:
        if generation != self._generation:
            return
        self.running = None
        self.candidates = found
        self.results.clear()
        for c in found:
            item = QListWidgetItem(f"{c.statement}\n{c.document} · {c.rating} · {c.analyst}")
            item.setToolTip(c.statement)
            self.results.addItem(item)
        if not found:
            self.status.setText(
                "No claims match." if self.query.text().strip() else "No claims yet."
            )
        else:
            query = self.query.text().strip()
            self.status.setText(
                f"{len(found)} claim(s) match “{query}”" if query else "The newest claims:"
            )

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or isinstance(exc, JobCancelled):
            return
        self.running = None
        self.results.clear()
        self.candidates = []
        self.status.setText(str(exc) if isinstance(exc, AssayError) else f"Search failed: {exc!r}")

    def selected(self) -> PendingLink | None:
        row = self.results.currentRow()
        if not (0 <= row < len(self.candidates)):
            return None
        c = self.candidates[row]
        return PendingLink(
            c.id, self.relation.currentData(), self.comment.text().strip(), c.statement, c.document
        )

    def accept(self) -> None:
        link = self.selected()
        if link is None:
            return
        self.chosen.emit(link)
        super().accept()


# -- the dock ------------------------------------------------------------------------------------
def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def _text_box(lines: int, placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setPlaceholderText(placeholder)
    height = box.fontMetrics().lineSpacing() * lines + 14
    box.setFixedHeight(height)
    return box


class ClaimEditor(QDockWidget):
    """Edits one note or claim in place beside the text; nothing is stored until Save.

    Save, Submit, Delete and Make claim are operations (run_operation): the window applies
    what they changed, then `applied` says which claim to keep selected. Errors the analyst can
    act on appear in the dock itself.
    """

    applied = Signal(object, object)  # Changes (already applied), annotation id to show or None
    busy_changed = Signal(bool)
    edits_changed = Signal()  # the form's unsaved state may differ (typing, save, discard…)

    def __init__(
        self,
        ws: Workspace,
        writer: SerialWorker,
        reads: SerialWorker,
        tags: TagCatalog,
        parent: QWidget | None = None,
    ):
        super().__init__("Claim", parent)
        self.setObjectName("claimEditor")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self._ws = ws
        self._writer = writer
        self._reads = reads
        self.catalog = tags
        self.annotation: Annotation | None = None
        self.new: NewSpan | None = None
        self.links: list[Link] = []
        self.pending_links: list[PendingLink] = []
        self.removed_links: set[str] = set()
        self.review: Review | None = None
        self.picker: LinkPicker | None = None
        self.job: Operation | None = None  # the save (submit, delete…) under way
        self.last_outcome: SaveOutcome | None = None
        self._original: dict = {}
        self._loading = False
        self._target: tuple[str, object] | None = None
        self.closed_by_user = False  # then selecting a claim does not bring the dock back
        self._build()
        self.clear()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.heading = QLabel()
        self.heading.setObjectName("claimHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setWeight(font.Weight.DemiBold)
        self.heading.setFont(font)
        self.quote = QLabel()
        self.quote.setObjectName("claimQuote")
        self.quote.setWordWrap(True)
        self.quote.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.quote.setStyleSheet("QLabel#claimQuote { font-style: italic; }")
        self.owner = QLabel()
        self.owner.setObjectName("claimOwner")
        self.owner.setWordWrap(True)
        self.review_label = QLabel()
        self.review_label.setObjectName("claimReview")
        self.review_label.setWordWrap(True)
        self.review_label.setTextFormat(Qt.TextFormat.RichText)

        self.summary = QLabel()
        self.summary.setObjectName("ratingSummary")
        bold = self.summary.font()
        bold.setWeight(bold.Weight.DemiBold)
        self.summary.setFont(bold)
        self.summary.setWordWrap(True)
        self.statement = _text_box(3, "The claim in your words (default: the quoted text)")
        self.statement.setObjectName("claimStatement")
        # tradecraft advice on the statement and its ratings: a quiet line, never a refusal
        self.tradecraft = QLabel()
        self.tradecraft.setObjectName("tradecraftLine")
        self.tradecraft.setWordWrap(True)
        self.tradecraft.setStyleSheet("QLabel#tradecraftLine { color: #8a5300; font-size: 11px; }")
        self.tradecraft.hide()
        statement_box = QWidget()
        statement_layout = QVBoxLayout(statement_box)
        statement_layout.setContentsMargins(0, 0, 0, 0)
        statement_layout.setSpacing(2)
        statement_layout.addWidget(self.statement)
        statement_layout.addWidget(self.tradecraft)
        self.reliability = QLabel()
        self.reliability.setObjectName("claimReliability")
        self.reliability.setWordWrap(True)
        self.reliability_hint = QLabel()
        self.reliability_hint.setObjectName("reliabilityHint")
        self.reliability_hint.setWordWrap(True)
        self.reliability_hint.setEnabled(False)
        reliability_box = QWidget()
        rel_layout = QVBoxLayout(reliability_box)
        rel_layout.setContentsMargins(0, 0, 0, 0)
        rel_layout.setSpacing(0)
        rel_layout.addWidget(self.reliability)
        rel_layout.addWidget(self.reliability_hint)

        self.credibility = QComboBox()
        self.credibility.setObjectName("credibility")
        self.credibility.addItem("— not rated —", None)
        for value, words in scales.CREDIBILITY.items():
            self.credibility.addItem(f"{value} — {words}", value)
        self.credibility.setToolTip("Admiralty information credibility (1–6)")
        self.likelihood = QComboBox()
        self.likelihood.setObjectName("likelihood")
        self.likelihood.addItem("— not rated —", None)
        for x in scales.LIKELIHOOD:
            self.likelihood.addItem(
                _swatch(x.colour), f"{x.label} ({scales.likelihood_band(x.key)})", x.key
            )
            self.likelihood.setItemData(
                self.likelihood.count() - 1,
                f"ICD 203: {x.label} ({x.alternative})",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.likelihood.setToolTip("ICD 203 expression of likelihood")
        self.confidence = QComboBox()
        self.confidence.setObjectName("confidence")
        self.confidence.addItem("— not rated —", None)
        for value in scales.CONFIDENCE:
            self.confidence.addItem(scales.CONFIDENCE_LABEL[value], value)
        self.confidence.setToolTip(
            "ICD 203 analytic confidence: how sound the sourcing and reasoning are "
            "(kept apart from the likelihood)"
        )
        self.rationale = _text_box(3, "Why these ratings: sources, reasoning, caveats")
        self.rationale.setObjectName("claimRationale")
        self.comment = _text_box(2, "A note to yourself or the reviewer")
        self.comment.setObjectName("claimComment")
        self.tags = TagEditor(self.catalog)
        self.tags.setObjectName("claimTags")

        self.links_box = QWidget()
        self.links_layout = QVBoxLayout(self.links_box)
        self.links_layout.setContentsMargins(0, 0, 0, 0)
        self.links_layout.setSpacing(2)
        self.link_button = QPushButton("Link to claim…")
        self.link_button.setObjectName("linkButton")
        self.link_button.clicked.connect(self.open_link_picker)
        links = QWidget()
        links_outer = QVBoxLayout(links)
        links_outer.setContentsMargins(0, 0, 0, 0)
        links_outer.setSpacing(4)
        links_outer.addWidget(self.links_box)
        links_outer.addWidget(self.link_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.addRow("Rating", self.summary)
        self.form.addRow("Statement", statement_box)
        self.form.addRow("Reliability", reliability_box)
        self.form.addRow("Credibility", self.credibility)
        self.form.addRow("Likelihood", self.likelihood)
        self.form.addRow("Confidence", self.confidence)
        self.form.addRow("Rationale", self.rationale)
        self.form.addRow("Comment", self.comment)
        self.form.addRow("Tags", self.tags)
        self.form.addRow("Links", links)
        self._claim_rows = [
            self.summary,
            statement_box,
            reliability_box,
            self.credibility,
            self.likelihood,
            self.confidence,
            self.rationale,
            links,
        ]

        self.error = QLabel()
        self.error.setObjectName("claimError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(
            "QLabel#claimError { color: #b3261e; background: #fdecea; border: 1px solid #f3b7b1;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.error.hide()

        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveClaim")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(self.revert)
        self.submit_button = QPushButton("Submit for review")
        self.submit_button.setObjectName("submitClaim")
        self.submit_button.clicked.connect(self.submit)
        self.convert_button = QPushButton("Make claim")
        self.convert_button.setToolTip("Turn this note into a claim you can rate")
        self.convert_button.clicked.connect(self.make_claim)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.delete)
        # two short rows, so the dock can stay narrow beside the text
        buttons = QVBoxLayout()
        first = QHBoxLayout()
        first.addWidget(self.save_button)
        first.addWidget(self.revert_button)
        first.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(self.convert_button)
        second.addWidget(self.submit_button)
        second.addStretch(1)
        second.addWidget(self.delete_button)
        buttons.addLayout(first)
        buttons.addLayout(second)

        self.placeholder = QLabel(
            "Select a note or claim in the list, or select text in the reader and press "
            "Ctrl+Shift+C to make a claim."
        )
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.heading)
        body.addWidget(self.quote)
        body.addWidget(self.owner)
        body.addWidget(self.review_label)
        body.addLayout(self.form)
        body.addWidget(self.error)
        body.addLayout(buttons)
        body.addStretch(1)

        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(8, 6, 8, 8)
        self._inner_layout = inner_layout
        inner_layout.addWidget(self.placeholder)
        inner_layout.addWidget(self.body)
        for combo in (self.credibility, self.likelihood, self.confidence):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(14)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        scroll.setMinimumWidth(340)
        self.setWidget(scroll)

        for box in (self.statement, self.rationale, self.comment):
            box.textChanged.connect(self._edited)
        for combo in (self.credibility, self.likelihood, self.confidence):
            combo.currentIndexChanged.connect(self._edited)
        self.tags.changed.connect(self._edited)
        self.tags.problem.connect(self.show_error)
        save = QAction("Save", self)
        save.setShortcuts([QKeySequence.StandardKey.Save, QKeySequence("Ctrl+Return")])
        save.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.triggered.connect(self.save)
        self.addAction(save)
        self.save_action = save

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.closed_by_user = True
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        self.closed_by_user = False
        super().showEvent(event)

    def add_banner(self, banner: QWidget) -> None:
        """A notice above the form (kept edits to restore), shown whatever the form shows."""
        self._inner_layout.insertWidget(0, banner)

    # -- what is shown -----------------------------------------------------------------------
    def clear(self) -> None:
        self.annotation = None
        self.new = None
        self.links, self.pending_links, self.removed_links = [], [], set()
        self.review = None
        self._original = {}
        self.setWindowTitle("Claim")
        self.placeholder.show()
        self.body.hide()
        self.hide_error()

    def load(self, ann: Annotation) -> None:
        """Show a stored note or claim, with its links and last review."""
        self.annotation = ann
        self.new = None
        self.links = self._ws.links(ann.id) if ann.kind == "claim" else []
        self.pending_links, self.removed_links = [], set()
        self.review = self._ws.last_review(ann.id) if ann.status != "draft" else None
        self._fill(
            statement=ann.statement,
            credibility=ann.credibility,
            likelihood=ann.likelihood,
            confidence=ann.confidence,
            rationale=ann.rationale,
            comment=ann.comment,
            tags=list(ann.tags),
        )
        self._show_form(ann.kind, ann.quote, ann.reliability, None)
        self.hide_error()

    def start_new(self, span: NewSpan) -> None:
        """A new claim on a selected span (stored on Save)."""
        self.annotation = None
        self.new = span
        self.links, self.pending_links, self.removed_links = [], [], set()
        self.review = None
        self._fill(
            statement="",
            credibility=None,
            likelihood=None,
            confidence=None,
            rationale="",
            comment="",
            tags=[],
        )
        self._show_form("claim", span.quote, span.reliability, span.source)
        self.hide_error()
        self.show()
        self.raise_()
        self.statement.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_annotation(
        self, ann_id: str | None, *, then: Callable[[], object] | None = None
    ) -> bool:
        """Show another annotation unless the analyst keeps unsaved edits (returns False).

        If they choose to save first, `then` (default: opening it here) runs once it is saved.
        """
        if self.annotation is not None and ann_id == self.annotation.id and not self.is_dirty():
            return True
        if not self._may_leave(then or (lambda: self.open_annotation(ann_id))):
            return False
        if ann_id is None:
            self.clear()
            return True
        try:
            self.load(self._ws.annotation(ann_id))
        except AssayError:
            self.clear()
            return False
        return True

    def open_new(self, span: NewSpan, *, then: Callable[[], object] | None = None) -> bool:
        if not self._may_leave(then or (lambda: self.open_new(span))):
            return False
        self.start_new(span)
        return True

    def reload(self) -> None:
        """Read the shown annotation again (after a change the core reported)."""
        if self.annotation is None:
            return
        try:
            ann = self._ws.annotation(self.annotation.id)
        except AssayError:
            self.clear()
            return
        if self.is_dirty():
            # keep the analyst's edits; refresh what they cannot edit here
            self.annotation = ann
            self._update_header(ann.kind, ann.quote, ann.reliability, None)
            self._update_buttons()
        else:
            self.load(ann)

    def current_id(self) -> str | None:
        return self.annotation.id if self.annotation else None

    def _fill(self, **values) -> None:
        self._loading = True
        try:
            self.statement.setPlainText(values["statement"] or "")
            _choose(self.credibility, values["credibility"])
            _choose(self.likelihood, values["likelihood"])
            _choose(self.confidence, values["confidence"])
            self.rationale.setPlainText(values["rationale"] or "")
            self.comment.setPlainText(values["comment"] or "")
            self.tags.set_tags(values["tags"])
            self.tags.line.clear()
        finally:
            self._loading = False
        self._original = {**values, "tags": tuple(values["tags"])}
        self._show_links()
        self._update_summary()

    def _show_form(
        self, kind: str, quote: str, reliability: str | None, source: str | None
    ) -> None:
        self.placeholder.hide()
        self.body.show()
        for widget in self._claim_rows:
            self.form.setRowVisible(widget, kind == "claim")
        self._update_header(kind, quote, reliability, source)
        self._update_buttons()

    def _update_header(
        self, kind: str, quote: str, reliability: str | None, source: str | None
    ) -> None:
        ann = self.annotation
        word = "Claim" if kind == "claim" else "Note"
        if ann is None:
            self.heading.setText("New claim")
        else:
            self.heading.setText(f"{word} · {STATUS_WORDS.get(ann.status, ann.status)}")
        self.setWindowTitle("New claim" if ann is None else word)
        short = quote if len(quote) <= 400 else quote[:400].rstrip() + "…"
        quoted = short[:1] in "\"“'‘" and short[-1:] in "\"”'’"
        self.quote.setText(short if quoted else f"“{short}”")
        if ann is None:
            self.owner.setText(f"By {self._ws.profile.name} (you), when you save it.")
        elif self._mine(ann):
            self.owner.setText(f"By {ann.analyst} (you) · {ann.created_at[:10]}")
        else:
            self.owner.setText(
                f"By {ann.analyst} · {ann.created_at[:10]} — another analyst's {word.lower()}: "
                "only its author can change it."
            )
        self.reliability.setText(reliability_text(reliability) or "not graded")
        where = f"the source ({source})" if source else "the document's source"
        self.reliability_hint.setText(
            f"Set on {where} or the document, not per claim (Admiralty A–F)."
        )
        self._show_review()

    def _show_review(self) -> None:
        ann, review = self.annotation, self.review
        if ann is None or ann.status == "draft":
            self.review_label.hide()
            return
        colour = STATUS_COLOURS.get(ann.status, "#6b7280")
        text = f'<b style="color:{colour}">{STATUS_WORDS.get(ann.status, ann.status)}</b>'
        if review is not None and review.decision != "submit":
            said = f": “{_escape(review.comment)}”" if review.comment else ""
            text += f" — {_escape(review.reviewer)}, {review.created_at[:10]}{said}"
        elif ann.status == "submitted":
            text += " — waiting for a supervisor"
        self.review_label.setText(text)
        self.review_label.show()

    def _show_links(self) -> None:
        while self.links_layout.count():
            item = self.links_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        me = self.annotation.id if self.annotation else None
        rows: list[tuple[str, Callable[[], None], bool]] = []
        for link in self.links:
            if link.id in self.removed_links:
                continue
            other = _short(link.other_statement)
            if link.from_id == me:
                text = f"{link.relation} “{other}” ({link.other_document})"
            else:
                text = f"“{other}” ({link.other_document}) {link.relation} this claim"
            rows.append((text, lambda i=link.id: self._remove_link(i), False))
        for n, pending in enumerate(self.pending_links):
            text = f"{pending.relation} “{_short(pending.statement)}” ({pending.document})"
            rows.append((text, lambda n=n: self._drop_pending(n), True))
        for text, remove, pending in rows:
            row = QWidget()
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            label = QLabel(text + ("  (unsaved)" if pending else ""))
            label.setWordWrap(True)
            if pending:
                label.setStyleSheet("font-style: italic;")
            button = QToolButton()
            button.setText("✕")
            button.setAutoRaise(True)
            button.setToolTip("Remove this link")
            button.clicked.connect(remove)
            layout.addWidget(label, 1)
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.links_layout.addWidget(row)
        if not rows:
            none = QLabel("No links yet.")
            none.setEnabled(False)
            self.links_layout.addWidget(none)

    def link_texts(self) -> list[str]:
        out = []
        for i in range(self.links_layout.count()):
            widget = self.links_layout.itemAt(i).widget()
            label = widget.findChild(QLabel) if widget is not None else None
            if label is not None and widget is not None and widget.findChild(QToolButton):
                out.append(label.text())
        return out

    # -- editing -------------------------------------------------------------------------------
    def values(self) -> dict:
        return {
            "statement": self.statement.toPlainText().strip(),
            "credibility": self.credibility.currentData(),
            "likelihood": self.likelihood.currentData(),
            "confidence": self.confidence.currentData(),
            "rationale": self.rationale.toPlainText().strip(),
            "comment": self.comment.toPlainText().strip(),
            "tags": tuple(self.tags.tags()),
        }

    def edits(self) -> Edits:
        """What Save would change, compared with what was loaded."""
        now, was = self.values(), self._original
        kind = self.annotation.kind if self.annotation else "claim"
        fields = (*CLAIM_FIELDS, "comment") if kind == "claim" else ("comment",)
        if self.new is not None:
            values = {k: now[k] for k in fields if now[k] not in (None, "")}
        else:
            values = {k: now[k] for k in fields if now[k] != (was.get(k) or _empty(k))}
        return Edits(
            values=values,
            add_tags=[t for t in now["tags"] if t not in was.get("tags", ())],
            remove_tags=[t for t in was.get("tags", ()) if t not in now["tags"]],
            add_links=list(self.pending_links),
            remove_links=sorted(self.removed_links),
        )

    def is_dirty(self) -> bool:
        if self.annotation is None and self.new is None:
            return False
        return bool(self.edits())

    def _edited(self, *_args: object) -> None:
        if self._loading:
            return
        self._update_summary()
        self._update_buttons()
        self.edits_changed.emit()

    def unsaved_state(self) -> dict | None:
        """The form's unsaved edits, as plain data that can be kept and restored; None when
        nothing is unsaved. (Links picked but not saved are not part of it.)"""
        if not self.is_dirty():
            return None
        values = self.values()
        return {
            "annotation_id": self.annotation.id if self.annotation else None,
            "document_id": self.annotation.document_id if self.annotation else self.new.document_id,
            "new": None
            if self.new is None
            else {
                "document_id": self.new.document_id,
                "start": self.new.start,
                "end": self.new.end,
                "quote": self.new.quote,
                "reliability": self.new.reliability,
                "source": self.new.source,
            },
            "values": {**values, "tags": list(values["tags"])},
        }

    def apply_values(self, values: dict) -> None:
        """Put kept edits back into the form over what is loaded (they stay unsaved)."""
        self._loading = True
        try:
            self.statement.setPlainText(values.get("statement") or "")
            _choose(self.credibility, values.get("credibility"))
            _choose(self.likelihood, values.get("likelihood"))
            _choose(self.confidence, values.get("confidence"))
            self.rationale.setPlainText(values.get("rationale") or "")
            self.comment.setPlainText(values.get("comment") or "")
            self.tags.set_tags([t for t in values.get("tags") or [] if isinstance(t, str)])
        finally:
            self._loading = False
        self._update_summary()
        self._update_buttons()
        self.edits_changed.emit()

    def _update_summary(self) -> None:
        reliability = (
            self.annotation.reliability
            if self.annotation
            else (self.new.reliability if self.new else None)
        )
        self.summary.setText(
            scales.rating_summary(
                reliability,
                self.credibility.currentData(),
                self.likelihood.currentData(),
                self.confidence.currentData(),
            )
        )

        self._update_tradecraft()

    def findings(self) -> list[tradecraft.Finding]:
        """Tradecraft findings on the statement and likelihood as they stand in the form."""
        kind = self.annotation.kind if self.annotation else "claim"
        if kind != "claim" or (self.annotation is None and self.new is None):
            return []
        return tradecraft.check_statement(
            self.statement.toPlainText(), self.likelihood.currentData()
        )

    def _update_tradecraft(self) -> None:
        findings = self.findings()
        self.tradecraft.setText("\n".join(f"⚠ {f.message}" for f in findings))
        self.tradecraft.setToolTip(
            "Tradecraft checks (advice, they never stop a save):\n"
            + "\n".join(f"• {tradecraft.CODES[f.code]}" for f in findings)
        )
        self.tradecraft.setVisible(bool(findings))

    def _update_buttons(self) -> None:
        ann = self.annotation
        writable = not self._ws.readonly and self.job is None
        dirty = self.is_dirty()
        self.save_button.setEnabled(writable and (self.new is not None or dirty))
        self.revert_button.setEnabled(writable and dirty and self.new is None)
        mine = ann is not None and self._mine(ann)
        self.submit_button.setVisible(ann is not None)
        self.submit_button.setEnabled(writable and mine and ann.status in SUBMITTABLE)
        self.submit_button.setText("Save and submit" if dirty else "Submit for review")
        self.delete_button.setVisible(ann is not None)
        self.delete_button.setEnabled(writable and mine)
        self.convert_button.setVisible(ann is not None and ann.kind == "note")
        self.convert_button.setEnabled(writable and mine)
        self.link_button.setEnabled(not self._ws.readonly)

    def _mine(self, ann: Annotation) -> bool:
        return ann.created_by == self._ws.profile.id

    def revert(self) -> None:
        if self.annotation is not None:
            self.load(self.annotation)

    def _remove_link(self, link_id: str) -> None:
        self.removed_links.add(link_id)
        self._show_links()
        self._update_buttons()

    def _drop_pending(self, n: int) -> None:
        if 0 <= n < len(self.pending_links):
            del self.pending_links[n]
        self._show_links()
        self._update_buttons()

    def open_link_picker(self) -> LinkPicker:
        if self.picker is not None:
            self.picker.close()
        self.picker = LinkPicker(self._ws, self._reads, self.current_id(), self)
        self.picker.chosen.connect(self.add_link)
        self.picker.open()
        return self.picker

    def add_link(self, link: PendingLink) -> None:
        known = {(x.to_id, x.relation) for x in self.pending_links}
        known |= {(x.to_id, x.relation) for x in self.links if x.id not in self.removed_links}
        if (link.to_id, link.relation) not in known:
            self.pending_links.append(link)
        self._show_links()
        self._update_buttons()

    # -- errors --------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def hide_error(self) -> None:
        self.error.clear()
        self.error.hide()

    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""

    # -- actions (through the writer) ----------------------------------------------------------
    def save(self, *, submit: bool = False) -> Operation | None:
        if self.job is not None or self._ws.readonly:
            return None
        if self.annotation is None and self.new is None:
            return None
        edits = self.edits()
        edits.submit = submit
        if not edits and not submit and self.new is None:
            return None
        ann_id = self.annotation.id if self.annotation else None
        return self._store(apply_edits, self._ws, ann_id, self.new, edits)

    def submit(self) -> Operation | None:
        if self.annotation is None:
            return None
        return self.save(submit=True)

    def make_claim(self) -> Operation | None:
        ann = self.annotation
        if ann is None or ann.kind != "note" or self.job is not None:
            return None
        return self._store(_convert, self._ws, ann.id)

    def delete(self) -> Operation | None:
        ann = self.annotation
        if ann is None or self.job is not None or not self.confirm_delete(ann):
            return None
        return self._store(_delete, self._ws, ann.id)

    def confirm_delete(self, ann: Annotation) -> bool:
        """Ask before deleting (a method, so tests and callers can answer)."""
        word = "claim" if ann.kind == "claim" else "note"
        answer = QMessageBox.question(
            self,
            f"Delete {word}",
            f"Delete this {word}?\n\n“{_short(ann.statement or ann.quote, 160)}”\n\n"
            "Edit → Undo brings it back.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def ask_unsaved(self) -> str:
        """'save', 'discard' or 'cancel' when the analyst moves away from unsaved edits."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved changes",
            "This claim has changes that are not saved yet.",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(QMessageBox.StandardButton(answer), "cancel")

    def may_close(self, then: Callable[[], object]) -> bool:
        """Before the window closes: ask about unsaved edits (Save runs THEN once saved)."""
        if not self._may_leave(then):
            return False
        self.clear()  # saved or discarded: nothing is left to keep
        return True

    def _may_leave(self, then: Callable[[], object]) -> bool:
        if self.job is not None or not self.is_dirty():
            return True  # nothing unsaved (a running save finishes on its own)
        answer = self.ask_unsaved()
        if answer == "discard":
            self.edits_changed.emit()
            return True
        if answer == "save":
            job = self.save()
            if job is not None:
                job.finished.connect(
                    lambda outcome: QTimer.singleShot(0, then) if outcome.error is None else None
                )
        return False

    def _marker(self) -> tuple[str, object]:
        return ("new", id(self.new)) if self.new is not None else ("ann", self.current_id())

    def _store(self, fn: Callable, *args: object) -> Operation:
        """One save (submit, delete, make claim) as an operation; its errors show here."""
        self.hide_error()
        self._target = self._marker()
        self.job = run_operation(
            self,
            fn,
            *args,
            label="save the claim",
            worker=self._writer,
            errors="inline",
            changes=_stored,
            on_success=self._finished,
            on_failure=self._failed,
        )
        self.busy_changed.emit(True)
        self._update_buttons()
        return self.job

    def _finished(self, outcome: SaveOutcome) -> None:
        still_here = self._target == self._marker()
        self.job = None
        self._target = None
        self.last_outcome = outcome
        self.busy_changed.emit(False)
        stored = _stored(outcome) is not None
        if stored:  # the window has shown it (run_operation applied the changes)
            self.applied.emit(outcome.changes, outcome.ann_id if still_here else None)
        if still_here and stored:
            # show what is now stored (a new claim becomes the stored one)
            self.new = None
            try:
                if outcome.ann_id is None:
                    raise LookupError
                self.load(self._ws.annotation(outcome.ann_id))
            except (AssayError, LookupError):
                self.clear()
        if outcome.error is not None:
            if still_here:
                self.show_error(str(outcome.error))
            else:
                error_box(outcome.error, self.window(), "save the claim")
        self._update_buttons()
        self.edits_changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.job = None
        self._target = None
        self.busy_changed.emit(False)
        self._update_buttons()
        if isinstance(exc, AssayError):
            self.show_error(str(exc))
        elif not isinstance(exc, JobCancelled):  # run_operation shows the traceback's dialog
            self.show_error(f"Assay could not save because of an internal error: {exc!r}")


def _stored(outcome: SaveOutcome) -> Changes | None:
    """What a save stored, for the window; None when it stopped before storing anything."""
    return outcome.changes if outcome.error is None or outcome.changes else None


def _convert(ws: Workspace, ann_id: str) -> SaveOutcome:
    try:
        return SaveOutcome(ann_id, ws.convert_to_claim(ann_id))
    except AssayError as exc:
        return SaveOutcome(ann_id, Changes(), exc)


def _delete(ws: Workspace, ann_id: str) -> SaveOutcome:
    try:
        changes = ws.delete_annotation(ann_id)
    except AssayError as exc:
        return SaveOutcome(ann_id, Changes(), exc)
    return SaveOutcome(None, changes)


def _choose(combo: QComboBox, value: object) -> None:
    index = combo.findData(value) if value is not None else 0
    combo.setCurrentIndex(max(index, 0))


def _empty(key: str) -> object:
    return None if key in ("credibility", "likelihood", "confidence") else ""


def _short(text: str, limit: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _escape(text: str) -> str:
    return html.escape(text or "")
