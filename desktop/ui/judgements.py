"""Key judgements in the GUI: the list, one judgement with its evidence and history, the form
that makes or changes one, and the Analysis menu entry that opens them."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel import scales
from desktop.core.kernel.records import Annotation, Judgement
from desktop.core.workspace import Changes, Workspace

from .operations import error_box, run_operation
from .widgets import RowsModel
from .worker import Job, SerialWorker

_Display = Qt.ItemDataRole.DisplayRole
_ToolTip = Qt.ItemDataRole.ToolTipRole
ROLE_LABEL = {"": "", "supporting": "supports", "weakening": "weakens"}
NEXT_ROLE = {"": "supporting", "supporting": "weakening", "weakening": ""}


def _status(value: str) -> str:
    return value.replace("_", " ")


class JudgementsModel(RowsModel):
    """One row per judgement: statement, ratings (in their own columns), marking, state."""

    COLUMNS = ("Judgement", "Likelihood", "Confidence", "Marking", "Status", "Evidence")

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        j: Judgement | None = self.row_at(index)
        if j is None or role not in (_Display, _ToolTip):
            return None
        if role == _ToolTip:
            return (
                (j.statement, scales.likelihood_band(j.likelihood), None, None, None)[
                    index.column()
                ]
                if index.column() < 5
                else j.summary
            )
        values = (
            j.statement,
            scales.likelihood_label(j.likelihood),
            j.confidence,
            f"TLP:{j.marking}",
            _status(j.status),
            _evidence_brief(j),
        )
        return values[index.column()]

    def judgement(self, row: int) -> Judgement | None:
        return self.row_at(self.index(row, 0))

    def row_of(self, judgement_id: str) -> int:
        return next((n for n, j in enumerate(self._rows) if j.id == judgement_id), -1)


def _evidence_brief(j: Judgement) -> str:
    """'3 claims · weakest A4 · 1 missing': the summary, short enough for a column."""
    claims = j.supporting + j.weakening
    parts = [f"{len(claims)} claim{'s' * (len(claims) != 1)}"]
    if claims:
        parts.append("weakest " + j.summary.rsplit("weakest ", 1)[-1].split(";")[0])
    if j.missing:
        parts.append(f"{len(j.missing)} missing")
    return " · ".join(parts)


def judgement_html(j: Judgement, reviews: list, history: list[dict]) -> str:
    """The judgement as the detail pane shows it: banner, statement, the likelihood and the
    confidence in separate sentences (ICD 203), its sources, missing evidence, thread, reasons."""
    fg, bg = scales.TLP_COLOURS.get(j.marking, ("#000000", "#ffffff"))
    e = html.escape
    out = [
        f'<p style="background:{bg}; color:{fg}; padding:2px"><b>&nbsp;TLP:{e(j.marking)}'
        f"&nbsp;</b></p>",
        f"<h3>{e(j.statement)}</h3>",
        f"<p>Likelihood: <b>{e(scales.likelihood_label(j.likelihood))}</b>"
        f" ({e(scales.likelihood_band(j.likelihood))}).<br>"
        f"Confidence: <b>{e(scales.CONFIDENCE_LABEL.get(j.confidence, j.confidence))}</b>.</p>",
        f"<p>{e(_status(j.status).capitalize())} · by {e(j.author)} · {e(j.summary)}</p>",
    ]
    for title, claims in (("Supporting", j.supporting), ("Weakening", j.weakening)):
        if claims:
            out.append(f"<p><b>{title}</b></p><ul>")
            out += [_claim_item(a) for a in claims]
            out.append("</ul>")
    if j.findings:  # tradecraft advice: shown, never blocking
        out.append('<p style="color:#975a16"><b>Tradecraft</b></p><ul>')
        out += [f'<li style="color:#975a16">{e(f.message)}</li>' for f in j.findings]
        out.append("</ul>")
    if j.missing:
        out.append('<p style="color:#c53030"><b>Missing evidence</b></p><ul>')
        out += [
            f'<li style="color:#c53030">claim {e(i[:8])}: not in this workspace (removed, or'
            " never received)</li>"
            for i in j.missing
        ]
        out.append("</ul>")
    if reviews:
        out.append("<p><b>Review</b></p><ul>")
        out += [
            f"<li>{e(r.created_at[:16].replace('T', ' '))} {e(r.reviewer)}: "
            f"{e(_status(r.decision))}{' — ' + e(r.comment) if r.comment else ''}</li>"
            for r in reviews
        ]
        out.append("</ul>")
    if history:
        out.append("<p><b>Changes, with reasons</b></p><ul>")
        out += [
            f"<li>{e(h['at'][:16].replace('T', ' '))} {e(h['actor'])}: "
            f"{e(h['change'].get('reason') or h['action'])}</li>"
            for h in history
        ]
        out.append("</ul>")
    return "".join(out)


def _claim_item(a: Annotation) -> str:
    e = html.escape
    title = a.document_title or a.document_id[:8]
    return f"<li><b>{e(a.admiralty)}</b> {e(a.statement or a.quote[:120])} <i>({e(title)})</i></li>"


def _load(ws: Workspace, judgement_id: str | None) -> tuple:
    """Runs on the reader thread: the list, and the chosen judgement's thread and history."""
    items = ws.judgements()
    detail = None
    if judgement_id and any(j.id == judgement_id for j in items):
        detail = (ws.judgement_reviews(judgement_id), ws.judgement_history(judgement_id))
    return items, detail


class JudgementsView(QWidget):
    """The workspace's key judgements beside the chosen one's evidence, review and reasons."""

    loaded = Signal()

    def __init__(self, ws: Workspace, writer: SerialWorker, reads: SerialWorker, parent=None):
        super().__init__(parent)
        self.setObjectName("judgementsView")
        self.ws, self.writer, self.reads = ws, writer, reads
        self.jobs: list[Job] = []
        self._generation = 0
        self._wanted: str | None = None

        self.model = JudgementsModel(self)
        self.table = QTableView()
        self.table.setObjectName("judgementsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(JudgementsModel.COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen())
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.detail = QTextBrowser()
        self.detail.setObjectName("judgementDetail")
        self.detail.setOpenLinks(False)
        self.status = QLabel()
        self.status.setObjectName("judgementsStatus")
        self.status.setEnabled(False)

        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, slot in (
            ("new", "New judgement…", self.new),
            ("edit", "Edit…", self.edit),
            ("submit", "Submit", self.submit),
            ("delete", "Delete", self.delete),
            ("approve", "Approve", lambda: self.decide("approve")),
            ("request_changes", "Request changes…", lambda: self.decide("request_changes")),
            ("reject", "Reject…", lambda: self.decide("reject")),
        ):
            b = QPushButton(text)
            b.setObjectName(f"judgement_{key}")
            b.clicked.connect(slot)
            self.buttons[key] = b
            row.addWidget(b)
            if key == "delete":
                row.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([680, 460])
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # -- reading -------------------------------------------------------------------------------
    def current(self) -> Judgement | None:
        return self.model.judgement(self.table.currentIndex().row())

    def refresh(self, select: str | None = None) -> Job:
        """Read the judgements (and the chosen one's thread) off the GUI thread."""
        self._generation += 1
        generation = self._generation
        cur = self.current()
        self._wanted = select or (cur.id if cur else self._wanted)
        self.status.setText("Reading judgements…")
        job = self.reads.submit(_load, self.ws, self._wanted)
        self.jobs.append(job)
        job.finished.connect(lambda result, j=job: self._loaded(j, generation, result))
        job.failed.connect(lambda exc, j=job: self._failed(j, exc))
        return job

    def _loaded(self, job: Job, generation: int, result: tuple) -> None:
        self.jobs.remove(job)
        if generation != self._generation:
            return
        items, detail = result
        self.table.selectionModel().blockSignals(True)
        self.model.set_rows(items)
        row = self.model.row_of(self._wanted) if self._wanted else -1
        if row < 0 and items:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        self.table.selectionModel().blockSignals(False)
        self.table.resizeRowsToContents()
        n = len(items)
        self.status.setText(
            f"{n} key judgement{'s' * (n != 1)}" if n else "No key judgements yet: make one."
        )
        chosen = self.current()
        if chosen is not None and detail is not None and chosen.id == self._wanted:
            self.detail.setHtml(judgement_html(chosen, *detail))
        elif chosen is not None:
            self._wanted = chosen.id
            self.refresh(chosen.id)
            return
        else:
            self.detail.clear()
        self._update_buttons()
        self.loaded.emit()

    def _failed(self, job: Job, exc: BaseException) -> None:
        self.jobs.remove(job)
        self.status.setText("The judgements could not be read.")
        error_box(exc, self, "read the judgements")

    def _chosen(self) -> None:
        j = self.current()
        if j is not None and j.id != self._wanted:
            self.refresh(j.id)
        self._update_buttons()

    def _update_buttons(self) -> None:
        j = self.current()
        me = self.ws.profile.id
        mine = j is not None and j.created_by == me
        writable = not self.ws.readonly
        review = (
            writable and j is not None and self.ws.is_supervisor and not mine
        ) and j.status == "submitted"
        self.buttons["new"].setEnabled(writable)
        self.buttons["edit"].setEnabled(writable and mine)
        self.buttons["delete"].setEnabled(writable and mine)
        self.buttons["submit"].setEnabled(
            writable and mine and j.status in ("draft", "changes_requested", "rejected")
        )
        for key in ("approve", "request_changes", "reject"):
            self.buttons[key].setVisible(self.ws.is_supervisor)
            self.buttons[key].setEnabled(bool(review))

    def note_changes(self, changes: Changes) -> None:
        if changes.judgements or changes.annotations or changes.documents:
            self.refresh()

    # -- actions ----------------------------------------------------------------------------
    form_opened = Signal(object)  # the JudgementForm, once the claims are read

    def new(self) -> Job:
        return self._open_form(None)

    def edit(self) -> Job | None:
        j = self.current()
        if j is None or j.created_by != self.ws.profile.id or self.ws.readonly:
            return None
        return self._open_form(j)

    def _open_form(self, j: Judgement | None) -> Job:
        """Read the claims to choose from off the GUI thread, then open the form."""
        job = self.reads.submit(self.ws.claims)
        self.jobs.append(job)

        def opened(claims: list[Annotation]) -> None:
            self.jobs.remove(job)
            form = JudgementForm(j, claims, self)
            form.accepted.connect(lambda: self._save(form))
            form.open()
            self.form_opened.emit(form)

        job.finished.connect(opened)
        job.failed.connect(lambda exc: self._failed(job, exc))
        return job

    def _save(self, form: JudgementForm):
        values = form.values()
        if form.judgement is None:
            return run_operation(
                self,
                self.ws.add_judgement,
                values.pop("statement"),
                label="record the judgement",
                on_success=lambda ch: self.refresh(ch.created),
                **values,
            )
        return run_operation(
            self,
            self.ws.edit_judgement,
            form.judgement.id,
            label="change the judgement",
            **form.edits(),
        )

    def submit(self):
        j = self.current()
        if j is not None:
            return run_operation(self, self.ws.submit_judgement, j.id, label="submit it")
        return None

    def delete(self):
        j = self.current()
        if j is not None:
            return run_operation(self, self.ws.delete_judgement, j.id, label="delete it")
        return None

    def decide(self, decision: str, comment: str | None = None):
        j = self.current()
        if j is None:
            return None
        if comment is None and decision != "approve":
            dialog = CommentDialog(decision, self)
            dialog.accepted.connect(lambda: self.decide(decision, dialog.text()))
            dialog.open()
            return dialog
        return run_operation(
            self,
            self.ws.review_judgement,
            j.id,
            decision,
            comment or "",
            label=f"{_status(decision)} the judgement",
        )


class ClaimsRoleModel(RowsModel):
    """The workspace's claims with the role each plays in the judgement being edited; a click
    (or S, W, Delete) on a row sets it."""

    COLUMNS = ("Role", "Rating", "Claim", "Document")

    def __init__(self, claims: list[Annotation], roles: dict[str, str], parent=None):
        super().__init__(parent)
        self.roles = dict(roles)
        self.set_rows(claims)

    def data(self, index: QModelIndex, role: int = _Display) -> Any:
        a: Annotation | None = self.row_at(index)
        if a is None:
            return None
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 0:
            from PySide6.QtGui import QColor

            return QColor("#2f855a" if self.roles.get(a.id) == "supporting" else "#c53030")
        if role != _Display:
            return None
        return (
            ROLE_LABEL[self.roles.get(a.id, "")],
            a.admiralty,
            a.statement or a.quote[:120],
            a.document_title,
        )[index.column()]

    def set_role(self, row: int, role: str | None = None) -> None:
        a = self.row_at(self.index(row, 0))
        if a is None:
            return
        role = NEXT_ROLE[self.roles.get(a.id, "")] if role is None else role
        if role:
            self.roles[a.id] = role
        else:
            self.roles.pop(a.id, None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, 0))


class _RoleTable(QTableView):
    def keyPressEvent(self, event) -> None:
        keys = {Qt.Key.Key_S: "supporting", Qt.Key.Key_W: "weakening", Qt.Key.Key_Delete: ""}
        role = keys.get(Qt.Key(event.key()))
        model = self.model()
        if role is not None and isinstance(model, ClaimsRoleModel):
            for index in self.selectionModel().selectedRows():
                model.set_role(index.row(), role)
            return
        super().keyPressEvent(event)


class JudgementForm(QDialog):
    """Make a judgement or change one: the statement, its likelihood and confidence (chosen
    apart), the marking, the claims it rests on, and — for a change — the reason."""

    def __init__(self, judgement: Judgement | None, claims: list[Annotation], parent=None):
        super().__init__(parent)
        self.setObjectName("judgementForm")
        self.judgement = judgement
        self.setWindowTitle("Change the judgement" if judgement else "New key judgement")
        self.resize(860, 620)
        self.statement = QPlainTextEdit()
        self.statement.setObjectName("judgementStatement")
        self.statement.setPlaceholderText("What do you judge? One sentence, no likelihood word.")
        self.statement.setFixedHeight(70)
        self.likelihood = QComboBox()
        self.likelihood.setObjectName("judgementLikelihood")
        for x in scales.LIKELIHOOD:
            self.likelihood.addItem(f"{x.label} ({x.low}–{x.high} %)", x.key)
        self.confidence = QComboBox()
        self.confidence.setObjectName("judgementConfidence")
        for c in scales.CONFIDENCE:
            self.confidence.addItem(scales.CONFIDENCE_LABEL[c], c)
        self.marking = QComboBox()
        self.marking.setObjectName("judgementMarking")
        for m in scales.TLP:
            self.marking.addItem(f"TLP:{m}", m)
        self.reason = QLineEdit()
        self.reason.setObjectName("judgementReason")
        self.reason.setPlaceholderText(
            "Why the judgement changes (required)" if judgement else "Why you judge so (optional)"
        )
        roles: dict[str, str] = {}
        if judgement is not None:
            self.statement.setPlainText(judgement.statement)
            self.likelihood.setCurrentIndex(self.likelihood.findData(judgement.likelihood))
            self.confidence.setCurrentIndex(self.confidence.findData(judgement.confidence))
            self.marking.setCurrentIndex(self.marking.findData(judgement.marking))
            roles = {a.id: "supporting" for a in judgement.supporting}
            roles.update({a.id: "weakening" for a in judgement.weakening})
        else:
            self.likelihood.setCurrentIndex(self.likelihood.findData("roughly_even"))
            self.confidence.setCurrentIndex(self.confidence.findData("moderate"))
        self.before = dict(roles)
        self.claims = ClaimsRoleModel(claims, roles, self)
        self.table = _RoleTable()
        self.table.setObjectName("judgementClaims")
        self.table.setModel(self.claims)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for c in (0, 1, 3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.clicked.connect(
            lambda index: index.column() == 0 and self.claims.set_role(index.row())
        )
        hint = QLabel(
            "Click a claim's Role (or press S, W, Delete) to make it support or weaken the "
            "judgement. Likelihood and confidence are kept apart, as ICD 203 asks."
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        form = QFormLayout()
        form.addRow("Statement:", self.statement)
        form.addRow("Likelihood:", self.likelihood)
        form.addRow("Confidence:", self.confidence)
        form.addRow("Marking:", self.marking)
        form.addRow("Reason:", self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Evidence:"))
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def values(self) -> dict:
        roles = self.claims.roles
        return {
            "statement": self.statement.toPlainText(),
            "likelihood": self.likelihood.currentData(),
            "confidence": self.confidence.currentData(),
            "marking": self.marking.currentData(),
            "supporting": [a for a, r in roles.items() if r == "supporting"],
            "weakening": [a for a, r in roles.items() if r == "weakening"],
            "reason": self.reason.text(),
        }

    def edits(self) -> dict:
        """What edit_judgement needs: only what differs from the judgement as it was."""
        j, v = self.judgement, self.values()
        out: dict = {"reason": v["reason"]}
        for key in ("statement", "likelihood", "confidence", "marking"):
            if " ".join(v[key].split()) != getattr(j, key):
                out[key] = v[key]
        roles = self.claims.roles
        out["supporting"] = [
            a for a, r in roles.items() if r == "supporting" and self.before.get(a) != r
        ]
        out["weakening"] = [
            a for a, r in roles.items() if r == "weakening" and self.before.get(a) != r
        ]
        out["remove"] = [a for a in self.before if a not in roles]
        return out


class CommentDialog(QDialog):
    """The comment a rejection or a request for changes needs."""

    def __init__(self, decision: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_status(decision).capitalize())
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("Say why (required)")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.comment)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.comment.toPlainText()


class JudgementsDialog(QDialog):
    def __init__(self, ws: Workspace, writer: SerialWorker, reads: SerialWorker, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Key judgements")
        self.resize(1180, 640)
        self.view = JudgementsView(ws, writer, reads, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)


class JudgementsUi(QObject):
    """Analysis → Key judgements… on one main window; see `install_judgements_ui`."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.dialog: JudgementsDialog | None = None
        self.action = QAction("Key &judgements…", window)
        self.action.setObjectName("judgementsAction")
        self.action.setShortcut(QKeySequence("Ctrl+Shift+J"))
        self.action.setToolTip("Statements with an ICD 203 likelihood, resting on rated claims")
        self.action.triggered.connect(self.show)
        window.add_menu_action("Analysis", self.action)
        window.subscribe(self._changes)
        switched = getattr(window, "analyst_switched", None)
        if isinstance(switched, SignalInstance):  # who may edit or decide follows the keyboard
            switched.connect(lambda _profile: self.dialog and self.dialog.view.refresh())

    def show(self) -> JudgementsDialog:
        w = self.window
        if self.dialog is None:
            reads = getattr(w, "reads", None) or SerialWorker("assay-judgements-reader", self)
            self.dialog = JudgementsDialog(w.ws, w.writer, reads, w)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.view.refresh()
        return self.dialog

    def _changes(self, changes: Changes) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.view.note_changes(changes)


def install_judgements_ui(window: QMainWindow) -> JudgementsUi:
    """Add Analysis → Key judgements… to WINDOW (once)."""
    ui = getattr(window, "judgements_ui", None)
    if ui is None:
        ui = window.judgements_ui = JudgementsUi(window)
    return ui
