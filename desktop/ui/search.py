"""Search as you type: the query box, the off-thread runner and the pane of highlighted hits."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QModelIndex, QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.errors import AssayError
from desktop.core.workspace import SearchHit, Workspace

from .models import HitRole, SearchResultsModel
from .theme import HIT_BACKGROUND, current_theme
from .worker import Job, JobCancelled, SerialWorker

DEBOUNCE_MS = 250
RESULT_LIMIT = 50

_HIT_TAG = re.compile(r"<b class=\"[^\"]*\">(.*?)</b>", re.S)
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
# Fields whose values are words of the text; the rest (lang:, marking:, dates…) are filters.
_TEXT_FIELDS = {"title", "body", "quote", "statement", "comment", "source", "author"}
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")


class SearchField(QLineEdit):
    """The toolbar's query box: reports the query once typing pauses, or at once on Enter."""

    query_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("searchField")
        self.setPlaceholderText(
            "Search  (Ctrl+K)   e.g.  export controls · title:exploit · lang:zh"
        )
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(360)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_query)
        self.textChanged.connect(lambda _text: self._debounce.start())
        self.returnPressed.connect(self._emit_query)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Cancel) and self.text():
            self.clear()
            return
        super().keyPressEvent(event)

    def _emit_query(self) -> None:
        self._debounce.stop()
        self.query_changed.emit(self.text().strip())


class SearchController(QObject):
    """Runs queries on the reader thread; only the newest query's outcome reaches the GUI."""

    results_ready = Signal(str, list)  # query, hits
    query_failed = Signal(str, str)  # query, message the analyst can act on
    search_crashed = Signal(object)  # an unexpected exception, for the error dialog

    def __init__(self, ws: Workspace, reader: SerialWorker, parent: QObject | None = None):
        super().__init__(parent)
        self._ws = ws
        self._reader = reader
        self._generation = 0
        self.query = ""
        self.running: Job | None = None

    def search(self, query: str) -> None:
        self._generation += 1
        self.query = query
        if not query:
            self.running = None
            self.results_ready.emit("", [])
            return
        generation = self._generation
        job = self._reader.submit(self._run, generation, query)
        job.finished.connect(lambda hits, g=generation, q=query: self._finished(g, q, hits))
        job.failed.connect(lambda exc, g=generation, q=query: self._failed(g, q, exc))
        self.running = job

    def rerun(self) -> None:
        """After the index changed, ask again so the hits match what is stored."""
        if self.query:
            self.search(self.query)

    def _run(self, generation: int, query: str) -> list[SearchHit]:
        # Typing fast queues several queries; skip the ones already superseded.
        if generation != self._generation:
            raise JobCancelled(query)
        return self._ws.search(query, limit=RESULT_LIMIT, highlight="html")

    def _finished(self, generation: int, query: str, hits: list[SearchHit]) -> None:
        if generation == self._generation:
            self.running = None
            self.results_ready.emit(query, hits)

    def _failed(self, generation: int, query: str, exc: BaseException) -> None:
        if generation != self._generation or isinstance(exc, JobCancelled):
            return
        self.running = None
        if isinstance(exc, AssayError):
            self.query_failed.emit(query, str(exc))
        else:
            self.search_crashed.emit(exc)


class HitDelegate(QStyledItemDelegate):
    """Paints a hit as its title over its highlighted fragments (rich text)."""

    PADDING = 6

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else None
        opt.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        doc = self._document(index, opt.rect.width(), opt)
        painter.save()
        painter.translate(opt.rect.left() + self.PADDING, opt.rect.top() + self.PADDING)
        context = QAbstractTextDocumentLayout.PaintContext()
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        context.clip = QRectF(0, 0, opt.rect.width(), opt.rect.height())
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        width = option.rect.width()
        if width <= 0 and option.widget is not None:
            width = option.widget.viewport().width()
        doc = self._document(index, max(width, 200), option)
        return QSize(max(width, 200), int(doc.size().height()) + 2 * self.PADDING)

    def _document(
        self, index: QModelIndex, width: int, option: QStyleOptionViewItem
    ) -> QTextDocument:
        hit: SearchHit | None = index.data(HitRole)
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        theme = current_theme()
        fg = "#000000" if theme == "light" else "#FFFFFF"
        doc.setDefaultStyleSheet(
            f"b.hit {{ background-color: {HIT_BACKGROUND[theme]}; color: {fg}; }}"
            " .kind { color: gray; } .frag { margin-top: 2px; }"
        )
        doc.setDocumentMargin(0)
        doc.setTextWidth(max(width - 2 * self.PADDING, 50))
        doc.setHtml(hit_html(hit) if hit is not None else "")
        return doc


def hit_html(hit: SearchHit) -> str:
    """A hit as rich text; the fragments are already escaped HTML from the core's highlighter."""
    kind = "" if hit.kind == "document" else f' <span class="kind">[{html.escape(hit.kind)}]</span>'
    title = html.escape(hit.title or "(untitled)")
    fragments = " … ".join(" ".join(f.split()) for f in hit.fragments.values())
    body = f'<div class="frag">{fragments}</div>' if fragments else ""
    return f"<div><b>{title}</b>{kind}</div>{body}"


class SearchResultsPane(QWidget):
    """The list of hits under a caption that gives the count or the query's error."""

    hit_activated = Signal(object)  # SearchHit

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = SearchResultsModel(self)
        self.caption = QLabel("Search results")
        self.caption.setObjectName("paneCaption")
        self.error = QLabel()
        self.error.setObjectName("searchError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.view = QListView()
        self.view.setObjectName("searchResults")
        self.view.setModel(self.model)
        self.view.setItemDelegate(HitDelegate(self.view))
        self.view.setWordWrap(True)
        self.view.setUniformItemSizes(False)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.setAlternatingRowColors(True)
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.error)
        layout.addWidget(self.view, 1)

    def show_hits(self, query: str, hits: list[SearchHit]) -> None:
        self.error.hide()
        self.model.set_hits(hits, query)
        if not query:
            self.caption.setText("Search results")
        elif not hits:
            self.caption.setText(f"No matches for “{query}”")
        else:
            more = "+" if len(hits) >= RESULT_LIMIT else ""
            noun = "match" if len(hits) == 1 else "matches"
            self.caption.setText(f"{len(hits)}{more} {noun} for “{query}”")

    def show_error(self, query: str, message: str) -> None:
        self.model.clear()
        self.caption.setText(f"Cannot search for “{query}”")
        self.error.setText(message)
        self.error.show()

    def error_text(self) -> str:
        return self.error.text() if self.error.isVisibleTo(self) else ""

    def _activate(self, index: QModelIndex) -> None:
        hit = self.model.hit(index.row())
        if hit is not None:
            self.hit_activated.emit(hit)


def hit_terms(hit: SearchHit) -> list[str]:
    """The words the highlighter marked, as they appear in the text (stems already resolved)."""
    found: list[str] = []
    for fragment in hit.fragments.values():
        for term in _HIT_TAG.findall(fragment):
            term = html.unescape(term).strip()
            if term and term not in found:
                found.append(term)
    return found


def query_terms(query: str) -> list[str]:
    """The plain words of a query: fields, operators, quotes and wildcards stripped."""
    words: list[str] = []
    for token in re.findall(r'"[^"]*"|\S+', query):
        token = token.strip('"')
        for word in token.split():
            if word in _OPERATORS:
                continue
            field = re.match(r"^\(*([A-Za-z_]+):", word)
            if field and field.group(1).lower() not in _TEXT_FIELDS:
                continue
            word = re.sub(r"^\(*[A-Za-z_]+:", "", word).strip("()*?+-^~\"'")
            if word and word not in words:
                words.append(word)
    return words


def first_match(text: str, terms: list[str]) -> tuple[int, int] | None:
    """The earliest occurrence of any term (whole words for Latin text; longest wins ties)."""
    best: tuple[int, int] | None = None
    for term in terms:
        if not term:
            continue
        escaped = re.escape(term)
        patterns = [escaped] if _CJK.search(term) else [rf"(?<!\w){escaped}(?!\w)", escaped]
        for pattern in patterns:
            m = re.search(pattern, text, re.IGNORECASE)
            if m:
                span = (m.start(), m.end())
                if best is None or span[0] < best[0] or (span[0] == best[0] and span[1] > best[1]):
                    best = span
                break
    return best
