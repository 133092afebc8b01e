"""Find in the open document: a bar above the reader's text with the match count, previous and
next. Matching is plain text, case-insensitive, and a space in the query matches any run of
white space (so a phrase found across a line break is found)."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

# Painting more than this many matches at once costs more than it tells; all are counted.
MAX_PAINTED = 2000


def find_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Every case-insensitive occurrence of QUERY in TEXT as code-point spans [start, end)."""
    words = query.split()
    if not words:
        return []
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


class FindBar(QWidget):
    """The field and its buttons; the reader does the finding and tells the bar the count."""

    query_changed = Signal(str)
    next_requested = Signal()
    previous_requested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("findBar")
        self.field = QLineEdit()
        self.field.setObjectName("findField")
        self.field.setPlaceholderText("Find in this document")
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(self.query_changed)
        self.field.installEventFilter(self)
        self.count = QLabel()
        self.count.setObjectName("findCount")
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("No matches  "))
        self.previous_button = _button("▲", "Previous match (Shift+Enter, Shift+F3)")
        self.previous_button.clicked.connect(self.previous_requested)
        self.next_button = _button("▼", "Next match (Enter, F3)")
        self.next_button.clicked.connect(self.next_requested)
        self.close_button = _button("✕", "Close (Esc)")
        self.close_button.clicked.connect(self.closed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 2, 10, 2)
        layout.setSpacing(4)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.close_button)
        self.hide()

    def set_count(self, current: int | None, total: int) -> None:
        """'3 of 17', 'No matches', or nothing while the field is empty."""
        if not self.field.text().strip():
            self.count.setText("")
        elif total == 0:
            self.count.setText("No matches")
        else:
            self.count.setText(f"{current} of {total}" if current else f"{total} matches")
        for button in (self.previous_button, self.next_button):
            button.setEnabled(total > 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.previous_requested.emit()
                else:
                    self.next_requested.emit()
                return True
            if key == Qt.Key.Key_Escape:
                self.closed.emit()
                return True
        return super().eventFilter(watched, event)


def _button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button
