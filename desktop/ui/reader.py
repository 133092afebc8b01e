"""The reader: a document's TLP banner, its metadata header and its text."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPlainTextEdit,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.workspace import Document

from .labels import TLP_DESCRIPTIONS, language_name, reliability_text
from .theme import HIT_BACKGROUND, TLP_BACKGROUND, app_font, current_theme, tlp_colour


def utf16_offset(text: str, index: int) -> int:
    """Qt counts UTF-16 code units; the core counts code points (they differ beyond the BMP)."""
    prefix = text[:index]
    return index + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


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


class ReaderPane(QWidget):
    """Shows one document. An annotations pane will sit beside it and use `select_span`."""

    document_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.document: Document | None = None

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

        self.text = QPlainTextEdit()
        self.text.setObjectName("documentText")
        self.text.setReadOnly(True)
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

    def show_document(self, doc: Document) -> None:
        self.document = doc
        self.banner.set_marking(doc.marking)
        self.title.setText(doc.title or doc.filename or "(untitled)")
        self.meta.setText(_meta_html(doc))
        self.text.setExtraSelections([])
        self.text.setPlainText(doc.text or "")
        self.text.moveCursor(QTextCursor.MoveOperation.Start)
        self._stack.setCurrentIndex(1)
        self.document_shown.emit(doc.id)

    def clear(self) -> None:
        self.document = None
        self.text.clear()
        self._stack.setCurrentIndex(0)

    def select_span(self, start: int, end: int) -> None:
        """Select code points [start, end) of the shown text, scroll to them and mark them."""
        if self.document is None:
            return
        text = self.document.text or ""
        start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(utf16_offset(text, start))
        cursor.setPosition(utf16_offset(text, end), QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)
        self.text.centerCursor()
        # The selection fades when the reader loses focus; a marked span stays visible.
        mark = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        theme = current_theme()
        fmt.setBackground(QColor(HIT_BACKGROUND[theme]))
        fmt.setForeground(QColor("#000000" if theme == "light" else "#FFFFFF"))
        mark.format = fmt
        mark.cursor = cursor
        self.text.setExtraSelections([mark])

    def selected_text(self) -> str:
        # QTextCursor uses U+2029 between paragraphs; callers compare with the core's "\n".
        return self.text.textCursor().selectedText().replace("\u2029", "\n")


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
