"""A document's properties: title, source and its Admiralty reliability, the document's own
reliability, author, publication date, URL, language and TLP marking. Saved in the writer
thread as one undo step; the core checks every value and its message is shown in the form."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel import scales
from desktop.core.workspace import Changes, Workspace

from .operations import run_operation
from .worker import SerialWorker

# the form's text fields and the document field each edits
TEXT_FIELDS = (
    ("title", "Title"),
    ("author", "Author"),
    ("published_at", "Published"),
    ("url", "URL"),
    ("language", "Language"),
)


class _PropertiesForm(QDialog):
    """What both forms share: the problem line, Save/Cancel, and saving in the writer thread
    (the form stays open with the core's message if the edit is refused)."""

    saved = Signal(object)  # Changes

    def __init__(self, ws: Workspace, writer: SerialWorker, parent: QWidget | None):
        super().__init__(parent)
        self.ws, self.writer = ws, writer
        self.job = None
        self.problem = QLabel()
        self.problem.setObjectName("documentProblem")
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def _lay_out(self, *parts: QWidget | QFormLayout) -> None:
        layout = QVBoxLayout(self)
        for part in parts:
            if isinstance(part, QFormLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def changes(self) -> tuple[dict, str | None]:
        raise NotImplementedError

    def _update(self, values: dict, rating: str | None) -> Changes:
        raise NotImplementedError  # runs on the writer thread

    def save(self) -> None:
        values, rating = self.changes()
        if not values and rating is None:
            self.accept()
            return
        self.save_button.setEnabled(False)
        self.problem.hide()
        self.job = run_operation(
            self,
            self._update,
            values,
            rating,
            label="save the document's properties",
            worker=self.writer,
            errors="inline",
            on_success=self._saved,
            on_failure=self._refused,
        )

    def _saved(self, changes: Changes) -> None:
        self.saved.emit(changes)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.problem.setText(str(exc))
        self.problem.show()
        self.adjustSize()  # grow for the message rather than squeeze the rows


class DocumentPropertiesDialog(_PropertiesForm):
    """Non-modal form over one document. `saved` carries the Changes once the window applied them."""

    def __init__(
        self, ws: Workspace, writer: SerialWorker, doc_id: str, parent: QWidget | None = None
    ):
        super().__init__(ws, writer, parent)
        self.setObjectName("documentProperties")
        self.setWindowTitle("Document properties")
        self.doc_id = doc_id
        self.original = ws.document_properties(doc_id)

        self.fields: dict[str, QLineEdit] = {}
        for key, _label in TEXT_FIELDS:
            edit = QLineEdit(self.original[key] or "")
            edit.setObjectName(f"doc_{key}")
            edit.setCursorPosition(0)  # long titles show their beginning
            self.fields[key] = edit
        self.fields["published_at"].setPlaceholderText("YYYY-MM-DD")
        self.fields["language"].setPlaceholderText("en, fr, zh, pt-br… (und: not known)")
        self.fields["url"].setPlaceholderText("where it was found (optional)")

        self.source = QComboBox()
        self.source.setObjectName("doc_source")
        self.source.setEditable(True)
        self.source.addItem("")
        for s in ws.sources():
            self.source.addItem(s["name"])
        self.source.setCurrentText(self.original["source"] or "")
        self.source.lineEdit().setPlaceholderText("outlet, agency or person")
        self.source_reliability = _rating_box("doc_source_reliability", "Not rated yet")
        self._choose(self.source_reliability, self.original["source_reliability"])
        self.reliability = _rating_box("doc_reliability", "As its source")
        self._choose(self.reliability, self.original["reliability"])
        self.marking = QComboBox()
        self.marking.setObjectName("doc_marking")
        for tlp in scales.TLP:
            self.marking.addItem(f"TLP:{tlp}", tlp)
        self._choose(self.marking, self.original["marking"])
        self.marking_words = QLabel()
        self.marking_words.setWordWrap(True)
        # room for two lines, so a longer description never changes the form's height
        self.marking_words.setMinimumHeight(2 * self.marking_words.fontMetrics().lineSpacing() + 4)
        self.marking.currentIndexChanged.connect(self._describe_marking)
        self._describe_marking()
        self.source.currentTextChanged.connect(self._source_changed)
        self._source_changed(self.source.currentText())

        form = QFormLayout()
        form.addRow("Title", self.fields["title"])
        form.addRow("Source", self.source)
        form.addRow("Source reliability", self.source_reliability)
        form.addRow("Document reliability", self.reliability)
        form.addRow("Author", self.fields["author"])
        form.addRow("Published", self.fields["published_at"])
        form.addRow("URL", self.fields["url"])
        form.addRow("Language", self.fields["language"])
        form.addRow("Marking", self.marking)
        form.addRow("", self.marking_words)
        hint = QLabel(
            "A source's reliability applies to all its documents; a document's own rating "
            "overrides it for this one."
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self._lay_out(form, hint)
        self.setMinimumWidth(520)
        if ws.readonly:  # to look at, not to change
            self.setWindowTitle("Document properties (read-only)")
            for widget in (
                *self.fields.values(),
                self.source,
                self.source_reliability,
                self.reliability,
                self.marking,
            ):
                widget.setEnabled(False)
            self.save_button.hide()

    # -- reading the form --------------------------------------------------------------------
    def changes(self) -> tuple[dict, str | None]:
        """The fields that differ from the stored values, and a new source rating (or None)."""
        values: dict[str, str | None] = {}
        for key, edit in self.fields.items():
            text = edit.text().strip()
            if text != (self.original[key] or ""):
                values[key] = text
        source = " ".join(self.source.currentText().split())
        if source != (self.original["source"] or ""):
            values["source"] = source
        if self.reliability.currentData() != self.original["reliability"]:
            values["reliability"] = self.reliability.currentData() or ""
        if self.marking.currentData() != self.original["marking"]:
            values["marking"] = self.marking.currentData()
        rating = self.source_reliability.currentData()
        known = self.original["source_reliability"] if "source" not in values else None
        if source and rating and rating != known:
            return values, rating
        return values, None

    def _update(self, values: dict, rating: str | None) -> Changes:
        return self.ws.update_document(self.doc_id, source_reliability=rating, **values)

    # -- internals ---------------------------------------------------------------------------
    def _choose(self, combo: QComboBox, value: object) -> None:
        combo.setCurrentIndex(max(combo.findData(value), 0))

    def _describe_marking(self, *_args: object) -> None:
        self.marking_words.setText(scales.TLP_DESCRIPTIONS[self.marking.currentData()])

    def _source_changed(self, text: str) -> None:
        name = " ".join(text.split())
        self.source_reliability.setEnabled(bool(name))
        known = _known_rating(self.ws, name)
        if known is not None:  # another known source: show its rating, not the old one's
            self._choose(self.source_reliability, known)
        elif name != (self.original["source"] or ""):
            self._choose(self.source_reliability, None)


def _known_rating(ws: Workspace, name: str) -> str | None:
    return next((s["reliability"] for s in ws.sources() if s["name"] == name), None)


def _rating_box(name: str, empty: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.addItem(empty, None)
    for code, words in scales.RELIABILITY.items():
        box.addItem(f"{code} — {words}", code)
    return box


KEEP = "keep"  # a choice that leaves each document's own value as it is


class SharedPropertiesDialog(_PropertiesForm):
    """One edit for several documents: the marking, the source and its rating, the documents'
    own rating. Anything left at "Keep" stays as each document has it."""

    def __init__(
        self, ws: Workspace, writer: SerialWorker, doc_ids: list[str], parent: QWidget | None = None
    ):
        super().__init__(ws, writer, parent)
        self.setObjectName("sharedProperties")
        self.setWindowTitle(f"Properties of {len(doc_ids)} documents")
        self.doc_ids = list(doc_ids)
        self.marking = QComboBox()
        self.marking.setObjectName("shared_marking")
        self.marking.addItem("Keep each document's", KEEP)
        for tlp in scales.TLP:
            self.marking.addItem(f"TLP:{tlp}", tlp)
        self.source = QComboBox()
        self.source.setObjectName("shared_source")
        self.source.setEditable(True)
        self.source.addItem("")
        for s in ws.sources():
            self.source.addItem(s["name"])
        self.source.setCurrentText("")
        self.source.lineEdit().setPlaceholderText("keep each document's source")
        self.source_reliability = _rating_box("shared_source_reliability", "Keep its rating")
        self.reliability = _rating_box("shared_reliability", "As its source")
        self.reliability.insertItem(0, "Keep each document's", KEEP)
        self.reliability.setCurrentIndex(0)
        self.source.currentTextChanged.connect(self._source_changed)
        self._source_changed("")
        form = QFormLayout()
        form.addRow("Marking", self.marking)
        form.addRow("Source", self.source)
        form.addRow("Source reliability", self.source_reliability)
        form.addRow("Document reliability", self.reliability)
        intro = QLabel(
            f"The same change for the {len(doc_ids)} selected documents, as one "
            "undo step. What stays at “Keep” is left as each document has it."
        )
        intro.setWordWrap(True)
        self._lay_out(intro, form)
        self.setMinimumWidth(480)

    def changes(self) -> tuple[dict, str | None]:
        values: dict[str, str] = {}
        if self.marking.currentData() != KEEP:
            values["marking"] = self.marking.currentData()
        source = " ".join(self.source.currentText().split())
        if source:
            values["source"] = source
        if self.reliability.currentData() != KEEP:
            values["reliability"] = self.reliability.currentData() or ""
        rating = self.source_reliability.currentData() if source else None
        return values, rating

    def _update(self, values: dict, rating: str | None) -> Changes:
        return self.ws.update_documents(self.doc_ids, source_reliability=rating, **values)

    def _source_changed(self, text: str) -> None:
        name = " ".join(text.split())
        self.source_reliability.setEnabled(bool(name))
        known = _known_rating(self.ws, name)
        index = self.source_reliability.findData(known) if known else 0
        self.source_reliability.setCurrentIndex(max(index, 0))
