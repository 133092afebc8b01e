"""The reader: a document's TLP banner, its metadata header and its text with every annotation
highlighted in its tag's colour."""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QMouseEvent,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QStackedWidget,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.records import Annotation
from desktop.core.workspace import Document

from .find_bar import MAX_PAINTED, FindBar, find_spans
from .labels import TLP_DESCRIPTIONS, language_name, reliability_text
from .theme import HIT_BACKGROUND, TLP_BACKGROUND, app_font, current_theme, tlp_colour

FIND_DELAY_MS = 150
LARGE_TEXT = 500_000  # characters: from here, find waits for two letters
# Every match of the find bar, under the current one (which is marked like a search hit).
FOUND_BACKGROUND = {"light": "#fff3a3", "dark": "#5c5314"}

# Notes without a tag: a neutral blue-grey, distinct from every colour of the tag palette.
NOTE_COLOUR = "#c3ccd8"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class OffsetMap:
    """Code points (the core's offsets) ↔ UTF-16 units (Qt's), in O(log n) per conversion.

    Both are the same unless the text holds characters beyond the BMP (emoji, rare CJK), which
    take two UTF-16 units each; their code-point positions are found once, by a C-speed regex.
    """

    def __init__(self, text: str):
        self.length = len(text)
        # one UTF-16 unit per character unless some lie beyond the BMP (encoding is C-fast)
        bmp_only = text.isascii() or len(text.encode("utf-16-le")) == 2 * len(text)
        self._astral = [] if bmp_only else [m.start() for m in _ASTRAL.finditer(text)]
        self._astral_qt = [i + n for n, i in enumerate(self._astral)]

    def to_qt(self, index: int) -> int:
        return index + bisect.bisect_left(self._astral, index) if self._astral else index

    def to_core(self, position: int) -> int:
        """A Qt position to a code point; the middle of a surrogate pair rounds down."""
        if not self._astral:
            return position
        return position - bisect.bisect_left(self._astral_qt, position)


class TlpBanner(QLabel):
    """TLP 2.0 label on black, in the marking's colour, with what the marking allows."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tlpBanner")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.marking = ""

    def set_marking(self, marking: str | None) -> None:
        self.marking = (marking or "CLEAR").upper()
        colour = tlp_colour(self.marking)
        description = TLP_DESCRIPTIONS.get(self.marking, "")
        self.setText(
            f"<b>TLP:{html.escape(self.marking)}</b>&nbsp;&nbsp;&nbsp;{html.escape(description)}"
        )
        border = colour if self.marking == "CLEAR" else TLP_BACKGROUND
        self.setStyleSheet(
            f"QLabel#tlpBanner {{ background: {TLP_BACKGROUND}; color: {colour};"
            f" border: 1px solid {border}; padding: 5px 10px; }}"
        )
        self.setAccessibleName(f"Marking TLP:{self.marking}. {description}")


class DocumentText(QPlainTextEdit):
    """The document's text: read-only, selectable, copying plain text (never the highlights)."""

    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 (Qt override)
        mime = QMimeData()
        mime.setText(self.textCursor().selectedText().replace("\u2029", "\n"))
        return mime


def highlight_format(
    colour: str | None, kind: str, *, overlap: bool = False, dark: bool | None = None
) -> QTextCharFormat:
    """How an annotation looks in the text: its tag's colour behind the words; a claim is
    underlined solidly, a note with dots. Translucent, so the text stays readable in both themes
    and overlapping annotations show as a deeper shade."""
    base = QColor(colour or NOTE_COLOUR)
    if dark is None:
        dark = current_theme() == "dark"
    fill = QColor(base)
    fill.setAlpha((130 if overlap else 100) if dark else (215 if overlap else 165))
    fmt = QTextCharFormat()
    fmt.setBackground(fill)
    line = base.lighter(105) if dark else base.darker(260 if kind == "claim" else 170)
    fmt.setUnderlineColor(line)
    fmt.setUnderlineStyle(
        QTextCharFormat.UnderlineStyle.SingleUnderline
        if kind == "claim"
        else QTextCharFormat.UnderlineStyle.DotLine
    )
    return fmt


def emphasis_format(colour: str | None) -> QTextCharFormat:
    """The selected annotation: its colour at full strength, dark text, a heavy underline."""
    fmt = QTextCharFormat()
    base = QColor(colour or NOTE_COLOUR)
    fmt.setBackground(base.darker(118))
    fmt.setForeground(QColor("#000000"))
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
    fmt.setUnderlineColor(QColor("#000000"))
    fmt.setFontUnderline(True)
    return fmt


class ReaderPane(QWidget):
    """Shows one document with its annotations highlighted; reports clicks on a highlight and
    asks (signals) for a note or a claim on the selected text."""

    document_shown = Signal(str)
    annotation_clicked = Signal(str)  # annotation id, after a click inside its highlight
    note_requested = Signal()  # "Add note" from the context menu
    claim_requested = Signal()  # "Make claim…" from the context menu
    delete_requested = Signal(str)  # "Delete annotation…" from the context menu

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.document: Document | None = None
        self.offsets = OffsetMap("")
        self.annotations: dict[str, Annotation] = {}
        self.selected_annotation: str | None = None
        self.can_annotate = True
        self._starts: list[tuple[int, int, str]] = []  # (start, end, id) in reading order
        self._emphasis: list[QTextEdit.ExtraSelection] = []
        self._mark: list[QTextEdit.ExtraSelection] = []
        self._found: list[QTextEdit.ExtraSelection] = []  # matches of the find bar
        self.matches: list[tuple[int, int]] = []
        self.match = -1  # index of the current match

        self.banner = TlpBanner()
        self.title = QLabel()
        self.title.setObjectName("documentTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title_font = app_font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.35)
        title_font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(title_font)
        self.meta = QLabel()
        self.meta.setObjectName("documentMeta")
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Air-gapped machines: a URL is information, never something to open.
        self.meta.setOpenExternalLinks(False)

        self.text = DocumentText()
        self.text.setObjectName("documentText")
        self.text.setReadOnly(True)
        self.text.setUndoRedoEnabled(False)  # highlights are formats, not edits to keep
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.text.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        body_font = app_font()
        body_font.setPointSizeF(body_font.pointSizeF() * 1.1)
        self.text.setFont(body_font)
        self.text.document().setDocumentMargin(12)
        self.text.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.text.customContextMenuRequested.connect(self._context_menu)
        self.text.viewport().installEventFilter(self)
        self.text.selectionChanged.connect(self._tint_selection)
        self._tinted = False

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        header = QVBoxLayout()
        header.setContentsMargins(10, 4, 10, 4)
        header.setSpacing(4)
        header.addWidget(self.title)
        header.addWidget(self.meta)
        layout.addLayout(header)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        self.find_bar = FindBar()
        # typing waits a moment before searching: one pass per pause, not per key
        self._find_timer = QTimer(self)
        self._find_timer.setSingleShot(True)
        self._find_timer.setInterval(FIND_DELAY_MS)
        self._find_timer.timeout.connect(lambda: self._find(self.find_bar.field.text()))
        self.find_bar.query_changed.connect(lambda _text: self._find_timer.start())
        self.find_bar.next_requested.connect(lambda: self.find_step(1))
        self.find_bar.previous_requested.connect(lambda: self.find_step(-1))
        self.find_bar.closed.connect(self.close_find)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.text, 1)

        self.placeholder = QLabel(
            "Select a document in the library, or search with Ctrl+K.\n"
            "Import files with File → Import, or drop them on this window."
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)

        self._stack = QStackedWidget()
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)

    @property
    def document_id(self) -> str | None:
        return self.document.id if self.document else None

    # -- the document ----------------------------------------------------------------------
    def show_document(self, doc: Document, annotations: Iterable[Annotation] = ()) -> None:
        self.document = doc
        self.offsets = OffsetMap(doc.text or "")
        self.show_metadata(doc)
        self.annotations = {}
        self._starts = []
        self.selected_annotation = None
        self._emphasis, self._mark = [], []
        self.text.setExtraSelections([])
        self.text.setPlainText(doc.text or "")
        self.set_annotations(annotations)
        self.text.moveCursor(QTextCursor.MoveOperation.Start)
        self._stack.setCurrentIndex(1)
        self._find(self.find_bar.field.text() if self.find_bar.isVisible() else "")
        self.document_shown.emit(doc.id)

    def show_metadata(self, doc: Document) -> None:
        """The banner and header only (after a metadata edit; the text never changes)."""
        if self.document is not None and self.document.id == doc.id and not doc.text:
            doc.text = self.document.text
        self.document = doc
        self.banner.set_marking(doc.marking)
        self.title.setText(doc.title or doc.filename or "(untitled)")
        self.meta.setText(_meta_html(doc))

    def clear(self) -> None:
        self.document = None
        self.offsets = OffsetMap("")
        self.annotations = {}
        self._starts = []
        self.selected_annotation = None
        self.matches, self._found, self.match = [], [], -1
        self.find_bar.hide()
        self.text.clear()
        self._stack.setCurrentIndex(0)

    # -- highlights ------------------------------------------------------------------------
    def set_annotations(self, annotations: Iterable[Annotation]) -> None:
        """Highlight every annotation (replacing what was shown): one pass, one edit block."""
        old = list(self.annotations.values())
        self.annotations = {a.id: a for a in annotations}
        self._reindex()
        spans = [(a.start, a.end) for a in old]
        if spans:  # a freshly shown text has nothing to clear
            self._clear(min(s for s, _e in spans), max(e for _s, e in spans))
        if self.annotations:
            self._render(
                self._starts[0][0], max(a.end for a in self.annotations.values()), clear=False
            )
        self._refresh_emphasis()

    def update_annotations(self, changed: Iterable[Annotation], removed: Iterable[str]) -> None:
        """Redraw only the spans of what changed (its old and new places)."""
        dirty: list[tuple[int, int]] = []
        for ann_id in removed:
            gone = self.annotations.pop(ann_id, None)
            if gone is not None:
                dirty.append((gone.start, gone.end))
        for ann in changed:
            before = self.annotations.get(ann.id)
            if before is not None:
                dirty.append((before.start, before.end))
            self.annotations[ann.id] = ann
            dirty.append((ann.start, ann.end))
        if not dirty:
            return
        self._reindex()
        for start, end in _merge_ranges(dirty):
            self._render(start, end)
        if self.selected_annotation not in self.annotations:
            self.selected_annotation = None
        self._refresh_emphasis()

    def refresh_highlights(self) -> None:
        """Redraw everything (after a theme change)."""
        if self.document is not None:
            self._render(0, self.offsets.length)
            self._refresh_emphasis()

    def _reindex(self) -> None:
        self._starts = sorted((a.start, a.end, a.id) for a in self.annotations.values())

    def _render(self, lo: int, hi: int, *, clear: bool = True) -> None:
        """Reset [lo, hi) to plain text, then lay each covered segment's format on it.

        Neighbouring segments that look the same are joined, and each look is made once."""
        if self.document is None or hi <= lo:
            return
        to_qt = self.offsets.to_qt
        dark = current_theme() == "dark"
        looks: dict[tuple[str | None, str, bool], QTextCharFormat] = {}
        runs: list[list] = []
        for start, end, covering in self._segments(lo, hi):
            kind = "claim" if any(a.kind == "claim" for a in covering) else "note"
            look = (covering[-1].colour, kind, len(covering) > 1)
            if runs and runs[-1][1] == start and runs[-1][2] == look:
                runs[-1][1] = end
            else:
                runs.append([start, end, look])
        cursor = QTextCursor(self.text.document())
        cursor.beginEditBlock()
        if clear:
            cursor.setPosition(to_qt(lo))
            cursor.setPosition(to_qt(hi), QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(QTextCharFormat())
        for start, end, look in runs:
            fmt = looks.get(look)
            if fmt is None:
                fmt = looks[look] = highlight_format(look[0], look[1], overlap=look[2], dark=dark)
            cursor.setPosition(to_qt(start))
            cursor.setPosition(to_qt(end), QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(fmt)
        cursor.endEditBlock()

    def _clear(self, lo: int, hi: int) -> None:
        cursor = self._cursor(lo, hi)
        cursor.setCharFormat(QTextCharFormat())

    def _segments(self, lo: int, hi: int) -> list[tuple[int, int, list[Annotation]]]:
        """Split [lo, hi) where annotations begin or end; each piece lists what covers it,
        innermost (latest start, then shortest) last. One sweep: linear in the annotations."""
        touching = [self.annotations[i] for s, e, i in self._starts if s < hi and e > lo]
        if not touching:
            return []
        cuts = sorted(
            {lo, hi}
            | {a.start for a in touching if a.start > lo}
            | {a.end for a in touching if a.end < hi}
        )
        out: list[tuple[int, int, list[Annotation]]] = []
        active: list[Annotation] = []
        k = 0
        for start, end in zip(cuts, cuts[1:], strict=False):
            while k < len(touching) and touching[k].start <= start:
                active.append(touching[k])
                k += 1
            active = [a for a in active if a.end > start]
            if active:
                covering = sorted(active, key=lambda a: (a.start, -a.end))
                out.append((start, end, covering))
        return out

    def format_at(self, index: int) -> QTextCharFormat:
        """The character format the text shows at a code point (for checks and tests)."""
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(self.offsets.to_qt(index) + 1)
        return cursor.charFormat()

    def annotation_at(self, index: int) -> str | None:
        """The innermost annotation covering a code point."""
        n = bisect.bisect_right(self._starts, (index, float("inf"), ""))
        found = [(s, -e, i) for s, e, i in self._starts[:n] if s <= index < e]
        return max(found)[2] if found else None

    # -- selection ---------------------------------------------------------------------------
    def select_span(self, start: int, end: int, *, scroll: bool = True) -> None:
        """Select code points [start, end) of the shown text, scroll to them and mark them."""
        if self.document is None:
            return
        cursor = self._cursor(start, end)
        self.text.setTextCursor(cursor)
        if scroll:
            self.text.centerCursor()
        # The selection fades when the reader loses focus; a marked span stays visible.
        mark = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        theme = current_theme()
        fmt.setBackground(QColor(HIT_BACKGROUND[theme]))
        fmt.setForeground(QColor("#000000" if theme == "light" else "#FFFFFF"))
        mark.format = fmt
        mark.cursor = cursor
        self._mark = [mark]
        self.selected_annotation = None
        self._emphasis = []
        self._apply_extra()

    def select_annotation(self, ann_id: str | None, *, scroll: bool = True) -> bool:
        """Select an annotation's span and emphasise it; None clears the emphasis."""
        ann = self.annotations.get(ann_id or "")
        self.selected_annotation = ann.id if ann else None
        self._mark = []
        if ann is None:
            self._emphasis = []
            self._apply_extra()
            return False
        cursor = self._cursor(ann.start, ann.end)
        self.text.setTextCursor(cursor)
        if scroll:
            self.text.centerCursor()
        self._refresh_emphasis()
        self._tint_selection()
        return True

    def selected_span(self) -> tuple[int, int] | None:
        """The selected text as code points [start, end), without surrounding white space."""
        if self.document is None:
            return None
        cursor = self.text.textCursor()
        if not cursor.hasSelection():
            return None
        start = self.offsets.to_core(cursor.selectionStart())
        end = self.offsets.to_core(cursor.selectionEnd())
        text = self.document.text or ""
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return (start, end) if end > start else None

    def selected_text(self) -> str:
        # QTextCursor uses U+2029 between paragraphs; callers compare with the core's "\n".
        return self.text.textCursor().selectedText().replace("\u2029", "\n")

    def _cursor(self, start: int, end: int) -> QTextCursor:
        length = self.offsets.length
        start, end = max(0, min(start, length)), max(0, min(end, length))
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(self.offsets.to_qt(start))
        cursor.setPosition(self.offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _refresh_emphasis(self) -> None:
        ann = self.annotations.get(self.selected_annotation or "")
        self._emphasis = []
        if ann is not None:
            sel = QTextEdit.ExtraSelection()
            sel.format = emphasis_format(ann.colour)
            sel.cursor = self._cursor(ann.start, ann.end)
            self._emphasis = [sel]
        self._apply_extra()

    def _tint_selection(self) -> None:
        """While the text selection is the selected annotation, paint it in the annotation's
        emphasis rather than the palette's selection blue (which would hide the tag colour)."""
        ann = self.annotations.get(self.selected_annotation or "")
        cursor = self.text.textCursor()
        on_it = (
            ann is not None
            and cursor.hasSelection()
            and (
                self.offsets.to_core(cursor.selectionStart()),
                self.offsets.to_core(cursor.selectionEnd()),
            )
            == (ann.start, ann.end)
        )
        if on_it:
            fmt = emphasis_format(ann.colour)
            palette = self.text.palette()
            for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
                palette.setColor(group, QPalette.ColorRole.Highlight, fmt.background().color())
                palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#000000"))
            self.text.setPalette(palette)
            self._tinted = True
        elif self._tinted:
            self.text.setPalette(QPalette())  # back to the application's (the theme's) palette
            self._tinted = False

    def _apply_extra(self) -> None:
        self.text.setExtraSelections(self._found + self._emphasis + self._mark)

    # -- find in the document ------------------------------------------------------------------
    def open_find(self, query: str | None = None) -> bool:
        """Show the find bar (with QUERY, if given) and put the cursor in it; False when no
        document is shown."""
        if self.document is None:
            return False
        self.find_bar.show()
        if query is not None:
            self.find_bar.field.setText(query)
        if self.find_bar.field.text():
            self._find(self.find_bar.field.text())  # now, not after the typing pause
        self.find_bar.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_bar.field.selectAll()
        return True

    def close_find(self) -> None:
        self.find_bar.hide()
        self._find("")
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def find_step(self, step: int) -> None:
        """Go to the next (1) or previous (-1) match, wrapping around."""
        if self._find_timer.isActive():  # Enter straight after typing: find first
            self._find_timer.stop()
            self._find(self.find_bar.field.text())
            if step > 0:
                return  # the first match is the one to show
        if self.matches:
            self.match = (self.match + step) % len(self.matches)
            self._show_match()

    def _find(self, query: str) -> None:
        self._find_timer.stop()
        text = self.document.text if self.document is not None else ""
        if len(text or "") > LARGE_TEXT and len(query.strip()) < 2:
            # one letter over megabytes is a slow search that tells nobody anything
            self.matches, self._found, self.match, self._mark = [], [], -1, []
            self._apply_extra()
            self.find_bar.count.setText("Two letters or more" if query.strip() else "")
            return
        self.matches = find_spans(text or "", query)
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(FOUND_BACKGROUND[current_theme()]))
        self._found = []
        for start, end in self.matches[:MAX_PAINTED]:
            sel = QTextEdit.ExtraSelection()
            sel.format = fmt
            sel.cursor = self._cursor(start, end)
            self._found.append(sel)
        if not self.matches:
            self.match = -1
            self._mark = []
            self._apply_extra()
            self.find_bar.set_count(None, 0)
            return
        # the first match at or after the reading position, as browsers do
        here = self.offsets.to_core(self.text.textCursor().selectionStart())
        self.match = bisect.bisect_left(self.matches, (here, -1)) % len(self.matches)
        self._show_match()

    def _show_match(self) -> None:
        start, end = self.matches[self.match]
        self.select_span(start, end)
        self.find_bar.set_count(self.match + 1, len(self.matches))

    def extra_selection_spans(self) -> list[tuple[int, int]]:
        """The emphasised or marked spans, as code points (for checks and tests)."""
        return [
            (
                self.offsets.to_core(s.cursor.selectionStart()),
                self.offsets.to_core(s.cursor.selectionEnd()),
            )
            for s in self.text.extraSelections()
        ]

    # -- mouse and menu ----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (
            watched is self.text.viewport()
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and not self.text.textCursor().hasSelection()
        ):
            self._clicked(event.position().toPoint())
        if watched is self.text.viewport() and event.type() == QEvent.Type.ToolTip:
            tip = self.tooltip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.text.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)

    def tooltip_at(self, point: QPoint) -> str:
        """What a highlight under the pointer holds: kind, rating, statement or comment, tags,
        who and the review state (rich text; '' off every highlight)."""
        position = self.text.cursorForPosition(point).position()
        ann = self.annotations.get(self.annotation_at(self.offsets.to_core(position)) or "")
        if ann is None:
            return ""
        lines = [
            f"<b>{'Claim' if ann.kind == 'claim' else 'Note'}</b>"
            + (f" · {html.escape(ann.rating)}" if ann.rating else "")
        ]
        text = ann.statement if ann.kind == "claim" else ann.comment
        if text:
            short = text if len(text) <= 240 else text[:239] + "…"
            lines.append(html.escape(short).replace("\n", "<br>"))
        if ann.tags:
            lines.append("<i>" + html.escape(", ".join(ann.tags)) + "</i>")
        lines.append(f"{html.escape(ann.analyst or '')} · {ann.status.replace('_', ' ')}")
        return "<br>".join(lines)

    def _clicked(self, point: QPoint) -> None:
        position = self.text.cursorForPosition(point).position()
        ann_id = self.annotation_at(self.offsets.to_core(position))
        if ann_id is not None:
            self.select_annotation(ann_id, scroll=False)
            self.annotation_clicked.emit(ann_id)

    def _context_menu(self, point: QPoint) -> None:
        menu = self.context_menu(point)
        menu.exec(self.text.viewport().mapToGlobal(point))
        menu.deleteLater()

    def context_menu(self, point: QPoint) -> QMenu:
        """The text's standard menu plus the annotation actions (built apart, for tests)."""
        menu = self.text.createStandardContextMenu(point)
        has_span = self.selected_span() is not None
        first = menu.actions()[0] if menu.actions() else None
        note = QAction("Add note", menu)
        note.setShortcut("Ctrl+Shift+N")
        note.setEnabled(has_span and self.can_annotate)
        note.triggered.connect(self.note_requested)
        claim = QAction("Make claim…", menu)
        claim.setShortcut("Ctrl+Shift+C")
        claim.setEnabled(has_span and self.can_annotate)
        claim.triggered.connect(self.claim_requested)
        menu.insertAction(first, note)
        menu.insertAction(first, claim)
        position = self.offsets.to_core(self.text.cursorForPosition(point).position())
        under = self.annotation_at(position)
        if under is not None:
            kind = self.annotations[under].kind
            delete = QAction(f"Delete {kind}…", menu)
            delete.setEnabled(self.can_annotate)
            delete.triggered.connect(lambda _c=False, i=under: self.delete_requested.emit(i))
            menu.insertAction(first, delete)
        menu.insertSeparator(first)
        return menu


def _merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _meta_html(doc: Document) -> str:
    def field(label: str, value: str | None) -> str:
        return f"<b>{html.escape(label)}:</b> {html.escape(value)}" if value else ""

    source = doc.source or "unknown source"
    reliability = reliability_text(doc.reliability)
    line1 = field("Source", source + (f" — reliability {reliability}" if reliability else ""))
    language = language_name(doc.language)
    if language and language != doc.language:
        language = f"{language} ({doc.language})"
    parts = [
        field("Author", doc.author),
        field("Published", (doc.published_at or "")[:10] or None),
        field("Language", language),
        field("File", doc.filename),
    ]
    line2 = " &nbsp;·&nbsp; ".join(p for p in parts if p)
    lines = [line1, line2]
    if doc.url:
        lines.append(field("URL", doc.url))
    return "<br>".join(line for line in lines if line)
