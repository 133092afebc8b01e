"""Bundle exchange in the GUI: File → Export bundle… / Import bundle…, Tools → Keys…,
Review → Conflicts…. Every call into the core runs on the window's writer thread."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desktop.core.exchange import ORDER, BundleInfo, ImportPreview
from desktop.core.kernel.errors import AssayError, BundleCancelled, BundleError
from desktop.core.kernel.records import STATUSES
from desktop.core.kernel.scales import TLP

from .operations import Operation, run_operation, running
from .widgets import check_list, checked_values
from .worker import JobCancelled

COLUMNS = ("new", "updated", "unchanged", "conflicting", "quarantined")
BUNDLE_FILTER = "Assay bundles (*.assay);;All files (*)"
KEY_FILTER = "Assay public keys (*.key.json *.json);;All files (*)"
ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, JobCancelled | BundleCancelled):
        return "Cancelled; nothing was changed."
    if isinstance(exc, AssayError):
        return str(exc)
    return f"Internal error: {exc!r}"


def _show(label: QLabel, text: str, *, error: bool = False) -> None:
    label.setText(text)
    label.setStyleSheet(ERROR_STYLE if error else OK_STYLE if text else "")
    label.setVisible(bool(text))


def _status_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(False)
    return label


def set_checked(widget: QListWidget, values: set[str]) -> None:
    for i in range(widget.count()):
        item = widget.item(i)
        on = item.data(Qt.ItemDataRole.UserRole) in values
        item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def _cell(text: Any, *, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _shown_value(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class _ExchangeDialog(QDialog):
    """A dialog whose core calls are operations of its window (errors shown in the dialog)."""

    def __init__(self, window: QMainWindow, title: str):
        super().__init__(window)
        self.window_ = window
        self.ws = window.ws
        self.setWindowTitle(title)

    def busy(self) -> bool:
        return bool(running(self))


# -- export -------------------------------------------------------------------------------------
class ExportBundleDialog(_ExchangeDialog):
    """What goes into a bundle (selection, ceiling), where it is written; then the result."""

    def __init__(self, window: QMainWindow):
        super().__init__(window, "Export bundle")
        self.setObjectName("exportBundleDialog")
        self.info: BundleInfo | None = None
        self.setMinimumWidth(760)
        ws = self.ws

        self.everything = QCheckBox("All documents")
        self.everything.setObjectName("allDocuments")
        self.everything.setChecked(True)
        docs = [(d.get("title") or d["id"], d["id"]) for d in ws.list_documents()]
        self.documents = check_list(docs, "exportDocuments")
        self.documents.setEnabled(False)
        self.everything.toggled.connect(lambda on: self.documents.setEnabled(not on))
        self.tags = check_list([(t["name"], t["name"]) for t in ws.tags()], "exportTags")
        self.analysts = check_list([(a["name"], a["id"]) for a in ws.analysts()], "exportAnalysts")
        self.statuses = check_list([(s.replace("_", " "), s) for s in STATUSES], "exportStatuses")
        for lst in (self.documents, self.tags, self.analysts, self.statuses):
            lst.setMaximumHeight(120)

        self.since_on = QCheckBox("Changed since")
        self.since = QDateEdit(QDate.currentDate().addMonths(-1))
        self.until_on = QCheckBox("until")
        self.until = QDateEdit(QDate.currentDate())
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.since_on.toggled.connect(self.since.setEnabled)
        self.until_on.toggled.connect(self.until.setEnabled)
        self.team_on = QCheckBox("Only what changed since the last bundle sent to team")
        self.team = QLineEdit()
        self.team.setObjectName("exportTeam")
        self.team.setPlaceholderText("team name, e.g. north-desk")
        self.team.setEnabled(False)
        self.team_on.toggled.connect(self.team.setEnabled)

        self.ceiling = QComboBox()
        self.ceiling.setObjectName("exportCeiling")
        for mark in TLP:
            self.ceiling.addItem(f"TLP:{mark}", mark)
        self.ceiling.setCurrentIndex(len(TLP) - 1)
        self.ceiling.setToolTip("Documents marked above this stay on this workstation")

        self.dest = QLineEdit()
        self.dest.setObjectName("exportDestination")
        self.dest.setPlaceholderText("where to write the bundle (.assay)")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_destination)

        self.status = _status_label("exportStatus")
        self.result = QPlainTextEdit()
        self.result.setObjectName("exportResult")
        self.result.setReadOnly(True)
        self.result.setVisible(False)
        self.result.setMinimumHeight(170)

        selection = QGroupBox("Selection")
        grid = QGridLayout(selection)
        grid.addWidget(self.everything, 0, 0)
        grid.addWidget(self.documents, 1, 0, 3, 1)
        grid.addWidget(QLabel("Tags"), 0, 1)
        grid.addWidget(self.tags, 1, 1)
        grid.addWidget(QLabel("Analysts"), 2, 1)
        grid.addWidget(self.analysts, 3, 1)
        grid.addWidget(QLabel("Review status"), 0, 2)
        grid.addWidget(self.statuses, 1, 2)
        dates = QHBoxLayout()
        for w in (self.since_on, self.since, self.until_on, self.until):
            dates.addWidget(w)
        dates.addStretch(1)
        grid.addLayout(dates, 4, 0, 1, 3)
        team_row = QHBoxLayout()
        team_row.addWidget(self.team_on)
        team_row.addWidget(self.team, 1)
        grid.addLayout(team_row, 5, 0, 1, 3)

        form = QFormLayout()
        form.addRow("Marking ceiling", self.ceiling)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.dest, 1)
        dest_row.addWidget(choose)
        form.addRow("Bundle file", dest_row)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(selection)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.result, 1)
        layout.addWidget(self.buttons)

    def choose_destination(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Write the bundle to", self.dest.text() or str(Path.home()), BUNDLE_FILTER
        )
        if name:
            if not name.endswith(".assay"):
                name += ".assay"
            self.dest.setText(name)

    def selection(self) -> dict[str, Any]:
        """The keyword arguments of export_bundle, as chosen on screen."""
        return {
            "documents": None if self.everything.isChecked() else checked_values(self.documents),
            "tags": checked_values(self.tags) or None,
            "analysts": checked_values(self.analysts) or None,
            "statuses": checked_values(self.statuses) or None,
            "since": self.since.date().toString("yyyy-MM-dd")
            if self.since_on.isChecked()
            else None,
            "until": self.until.date().toString("yyyy-MM-dd")
            if self.until_on.isChecked()
            else None,
            "changed_since_bundle_to": (self.team.text().strip() or None)
            if self.team_on.isChecked()
            else None,
            "ceiling": self.ceiling.currentData(),
        }

    def start(self) -> Operation | None:
        dest = self.dest.text().strip()
        if not dest:
            _show(self.status, "Choose where to write the bundle first.", error=True)
            return None
        sel = self.selection()
        if sel["documents"] == []:
            _show(self.status, "Tick at least one document, or choose all documents.", error=True)
            return None
        if self.team_on.isChecked() and not sel["changed_since_bundle_to"]:
            _show(self.status, "Type the team the bundle is for.", error=True)
            return None
        self.info = None
        self.result.setVisible(False)
        _show(self.status, "Exporting…")
        self.export_button.setEnabled(False)
        return run_operation(
            self,
            self.ws.export_bundle,
            dest,
            **sel,
            label="export the bundle",
            progress=True,
            title="Export bundle",
            verb="Exporting",
            cancellable=True,
            errors="inline",
            on_success=self._done,
            on_failure=self._failed,
        )

    def _done(self, info: BundleInfo) -> None:
        self.info = info
        self.export_button.setEnabled(True)
        _show(self.status, f"Bundle written: {info.path}")
        self.result.setPlainText(
            "\n".join([f"file       {info.path}", *info.describe()[:1], *info.describe()[2:]])
        )
        self.result.setVisible(True)

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        _show(self.status, "Not exported: " + describe_error(exc), error=True)


# -- import -------------------------------------------------------------------------------------
@dataclass
class Inspection:
    """What the writer found in a bundle: who signed it, and (when trusted) the preview."""

    path: str
    info: BundleInfo | None
    preview: ImportPreview | None
    error: BaseException | None


def inspect_bundle(ws, path: str) -> Inspection:
    """Verify, then preview; an untrusted signer still shows who signed (runs on the writer)."""
    try:
        info = ws.verify_bundle(path)
    except BundleError as exc:
        try:
            info, _manifest = ws.show_bundle(path)
        except AssayError:
            info = None
        return Inspection(path, info, None, exc)
    try:
        return Inspection(path, info, ws.preview_bundle(path), None)
    except AssayError as exc:
        return Inspection(path, info, None, exc)


class ImportBundleDialog(_ExchangeDialog):
    """Choose a bundle → verify (signer, fingerprint, counts) → preview → Apply → result log."""

    def __init__(self, window: QMainWindow):
        super().__init__(window, "Import bundle")
        self.setObjectName("importBundleDialog")
        self.setMinimumWidth(700)
        self.inspection: Inspection | None = None
        self.result = None

        self.path = QLineEdit()
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText("a .assay bundle")
        self.path.returnPressed.connect(self.check)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_file)
        self.check_button = QPushButton("Verify")
        self.check_button.setObjectName("verifyButton")
        self.check_button.clicked.connect(self.check)

        self.signer = QLabel("Choose a bundle to see who signed it and what it holds.")
        self.signer.setObjectName("importSigner")
        self.signer.setWordWrap(True)
        self.signer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = _status_label("importStatus")

        self.preview = QTableWidget(len(ORDER), len(COLUMNS))
        self.preview.setObjectName("importPreview")
        self.preview.setHorizontalHeaderLabels([c.capitalize() for c in COLUMNS])
        self.preview.setVerticalHeaderLabels([n.replace("_", " ") for n in ORDER])
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preview.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.log = QPlainTextEdit()
        self.log.setObjectName("importLog")
        self.log.setReadOnly(True)
        self.log.setVisible(False)
        self.log.setMinimumHeight(110)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = self.buttons.addButton("Apply", QDialogButtonBox.ButtonRole.ActionRole)
        self.apply_button.setObjectName("applyButton")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(QLabel("Bundle"))
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        row.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.signer)
        layout.addWidget(self.status)
        layout.addWidget(self.preview)
        layout.addWidget(self.log, 1)
        layout.addStretch(0)
        layout.addWidget(self.buttons)
        self._fill_preview(None)
        self.resize(760, self.sizeHint().height())

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import a bundle", self.path.text() or str(Path.home()), BUNDLE_FILTER
        )
        if name:
            self.path.setText(name)
            self.check()

    def check(self) -> Operation | None:
        path = self.path.text().strip()
        self.inspection = None
        self.apply_button.setEnabled(False)
        self._fill_preview(None)
        if not path:
            _show(self.status, "Choose a bundle file first.", error=True)
            return None
        _show(self.status, "Verifying…")
        self.check_button.setEnabled(False)
        return run_operation(
            self,
            inspect_bundle,
            self.ws,
            path,
            label="check the bundle",
            errors="inline",
            on_success=self._inspected,
            on_failure=self._failed,
        )

    def _inspected(self, found: Inspection) -> None:
        self.check_button.setEnabled(True)
        self.inspection = found
        info = found.info
        if info is not None:
            counts = ", ".join(f"{v} {k}" for k, v in info.counts.items() if v)
            self.signer.setText(
                f"<b>Signed by {_esc(info.signer_name)}</b> on {_esc(info.origin_name)}, "
                f"{_esc(info.created[:19].replace('T', ' '))}<br>"
                f"Key fingerprint: <tt>{_esc(info.fingerprint)}</tt><br>"
                f"Holds: {_esc(counts) or 'nothing'} ({info.size:,} bytes)"
            )
        if found.error is not None:
            text = describe_error(found.error)
            if "does not trust" in text:
                text += (
                    "\nCompare the fingerprint with its owner, then trust the key in Tools → Keys…"
                )
            _show(self.status, "Refused: " + text, error=True)
            return
        preview = found.preview
        self._fill_preview(preview)
        if preview.already_imported:
            _show(self.status, "Already imported here: importing it again changes nothing.")
        else:
            extra = f" {preview.conflicts} value(s) will conflict." if preview.conflicts else ""
            gone = preview.counts["documents"].removed if "documents" in preview.counts else 0
            if gone:
                extra += f" It removes {gone} document(s) here (the sender removed them)."
            _show(self.status, f"Signature verified. Review what will change, then Apply.{extra}")
        self.apply_button.setEnabled(not self.ws.readonly)

    def _fill_preview(self, preview: ImportPreview | None) -> None:
        for r, name in enumerate(ORDER):
            counts = preview.counts.get(name) if preview else None
            for c, col in enumerate(COLUMNS):
                value = getattr(counts, col) if counts is not None else ""
                item = _cell(value, align_right=True)
                if col == "conflicting" and value:
                    item.setForeground(Qt.GlobalColor.darkRed)
                elif col == "new" and value:
                    item.setForeground(Qt.GlobalColor.darkGreen)
                self.preview.setItem(r, c, item)

    def preview_counts(self) -> dict[str, dict[str, str]]:
        """The preview table's cells as text (for tests and screen readers)."""
        return {
            name: {col: self.preview.item(r, c).text() for c, col in enumerate(COLUMNS)}
            for r, name in enumerate(ORDER)
        }

    def apply(self) -> Operation | None:
        if self.inspection is None or self.inspection.preview is None:
            return None
        self.apply_button.setEnabled(False)
        self.check_button.setEnabled(False)
        _show(self.status, "Importing…")
        return run_operation(
            self,
            self.ws.import_bundle,
            self.inspection.path,
            label="import the bundle",
            progress=True,
            title="Import bundle",
            verb="Importing",
            cancellable=True,
            errors="inline",
            on_success=self._imported,
            on_failure=self._failed,
        )

    def _imported(self, result) -> None:
        self.result = result
        self.check_button.setEnabled(True)
        lines = list(result.log)
        if result.already_imported:
            lines.append("Already imported, nothing changed.")
            _show(self.status, "Already imported, nothing changed.")
        else:
            _show(self.status, "Imported.")
        self.log.setPlainText("\n".join(lines))
        self.log.setVisible(True)

    def _failed(self, exc: BaseException) -> None:
        self.check_button.setEnabled(True)
        self.apply_button.setEnabled(
            self.inspection is not None and self.inspection.preview is not None
        )
        _show(self.status, "Not imported: " + describe_error(exc), error=True)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- keys ---------------------------------------------------------------------------------------
class KeysDialog(_ExchangeDialog):
    """My key, the keyring (trusted / revoked), trusting a colleague's key and revoking one."""

    def __init__(self, window: QMainWindow):
        super().__init__(window, "Keys")
        self.setObjectName("keysDialog")
        self.setMinimumWidth(900)
        self.keys: list = []
        # replaceable in tests: ask before revoking
        self.confirm: Callable[[str], bool] = self._confirm

        mine = QGroupBox("My key")
        self.my_name = QLabel()
        self.my_fingerprint = QLabel()
        self.my_fingerprint.setObjectName("myFingerprint")
        self.my_fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        export = QPushButton("Export my public key…")
        export.setObjectName("exportKeyButton")
        export.clicked.connect(self.choose_export)
        mine_form = QFormLayout(mine)
        mine_form.addRow("Analyst", self.my_name)
        mine_form.addRow("Fingerprint", self.my_fingerprint)
        mine_form.addRow("", export)

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("keyringTable")
        self.table.setHorizontalHeaderLabels(["Name", "Fingerprint", "Status", "Since"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setObjectName("revokeButton")
        self.revoke_button.setEnabled(False)
        self.revoke_button.clicked.connect(self.revoke_selected)

        trust = QGroupBox("Trust a key")
        self.key_file = QLineEdit()
        self.key_file.setObjectName("trustKeyFile")
        self.key_file.setPlaceholderText("the colleague's exported public key file")
        pick = QPushButton("Choose…")
        pick.clicked.connect(self.choose_key_file)
        self.fingerprint = QLineEdit()
        self.fingerprint.setObjectName("trustFingerprint")
        self.fingerprint.setPlaceholderText(
            "the fingerprint its owner read out to you (at least 16 hex digits)"
        )
        self.trust_button = QPushButton("Trust")
        self.trust_button.setObjectName("trustButton")
        self.trust_button.clicked.connect(self.trust)
        file_row = QHBoxLayout()
        file_row.addWidget(self.key_file, 1)
        file_row.addWidget(pick)
        fp_row = QHBoxLayout()
        fp_row.addWidget(self.fingerprint, 1)
        fp_row.addWidget(self.trust_button)
        trust_form = QFormLayout(trust)
        trust_form.addRow("Key file", file_row)
        trust_form.addRow("Fingerprint", fp_row)

        self.status = _status_label("keysStatus")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        ring_row = QHBoxLayout()
        ring_row.addWidget(QLabel("Keys trusted on this workstation"), 1)
        ring_row.addWidget(self.revoke_button)
        layout = QVBoxLayout(self)
        layout.addWidget(mine)
        layout.addLayout(ring_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(trust)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        if self.ws.readonly:
            for w in (self.trust_button, self.revoke_button, trust):
                w.setEnabled(False)

    def refresh(self) -> Operation:
        return run_operation(
            self,
            lambda: (self.ws.my_key(), self.ws.keys()),
            label="list the keys",
            errors="inline",
            on_success=self._listed,
            on_failure=self._failed,
        )

    def _listed(self, found: tuple) -> None:
        me, ring = found
        self.my_name.setText(f"{me.name} ({me.role or 'analyst'})")
        self.my_fingerprint.setText(me.fingerprint)
        self.keys = ring
        self.table.setRowCount(len(ring))
        for r, k in enumerate(ring):
            status = k.status + (" (mine)" if k.mine else "")
            since = (k.revoked_at or k.trusted_at or "")[:10]
            for c, text in enumerate((k.name, k.fingerprint, status, since)):
                item = _cell(text)
                if k.revoked_at:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
        self.table.resizeColumnToContents(0)
        self._update_buttons()

    def selected_key(self):
        rows = self.table.selectionModel().selectedRows()
        return self.keys[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        k = self.selected_key()
        self.revoke_button.setEnabled(
            k is not None and not k.mine and not k.revoked_at and not self.ws.readonly
        )

    def choose_export(self) -> None:
        me = self.ws.profile
        name, _ = QFileDialog.getSaveFileName(
            self, "Export my public key", str(Path.home() / f"{me.name}.key.json"), KEY_FILTER
        )
        if name:
            self.export_key(name)

    def export_key(self, path: str) -> Operation:
        return run_operation(
            self,
            self.ws.export_public_key,
            path,
            label="export your public key",
            errors="inline",
            on_failure=self._failed,
            on_success=lambda info: _show(
                self.status,
                f"Public key written to {path}. Read its fingerprint {info.fingerprint} to the "
                "recipient over a separate channel.",
            ),
        )

    def choose_key_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "A colleague's public key", "", KEY_FILTER)
        if name:
            self.key_file.setText(name)

    def trust(self) -> Operation | None:
        path, fp = self.key_file.text().strip(), self.fingerprint.text().strip()
        if not path or not fp:
            _show(
                self.status,
                "Give the key file and the fingerprint read out by its owner.",
                error=True,
            )
            return None
        self.trust_button.setEnabled(False)

        def trusted(info) -> None:
            self.trust_button.setEnabled(True)
            self.key_file.clear()
            self.fingerprint.clear()
            _show(self.status, f"Trusted {info.name}'s key {info.fingerprint}.")
            self.refresh()

        return run_operation(
            self,
            self.ws.trust_key,
            path,
            fp,
            label="trust the key",
            errors="inline",
            on_success=trusted,
            on_failure=self._failed,
        )

    def revoke_selected(self) -> Operation | None:
        k = self.selected_key()
        if k is None or not self.confirm(
            f"Revoke {k.name}'s key {k.fingerprint}? Bundles it signed will be refused."
        ):
            return None

        def revoked(info) -> None:
            _show(self.status, f"Revoked {info.name}'s key; its bundles are refused from now on.")
            self.refresh()

        return run_operation(
            self,
            self.ws.revoke_key,
            k.fingerprint,
            label="revoke the key",
            errors="inline",
            on_success=revoked,
            on_failure=self._failed,
        )

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Revoke key", text)
        return answer == QMessageBox.StandardButton.Yes

    def _failed(self, exc: BaseException) -> None:
        self.trust_button.setEnabled(not self.ws.readonly)
        _show(self.status, describe_error(exc), error=True)


# -- conflicts ----------------------------------------------------------------------------------
class ConflictsDialog(_ExchangeDialog):
    """Unresolved merge conflicts; a supervisor keeps a side or writes a new value."""

    HEADERS = ("Item", "Field", "Local value", "Remote value", "Won", "Local by", "Remote by")

    def __init__(self, window: QMainWindow):
        super().__init__(window, "Merge conflicts")
        self.setObjectName("conflictsDialog")
        self.setMinimumWidth(860)
        self.conflicts: list = []
        names = {a["id"]: a["name"] for a in self.ws.analysts()}
        self._names = names

        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setObjectName("conflictsTable")
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.empty = QLabel("No unresolved conflicts.")
        self.empty.setObjectName("noConflicts")
        self.empty.setVisible(False)

        self.local_button = QPushButton("Keep local")
        self.local_button.setObjectName("keepLocalButton")
        self.local_button.clicked.connect(lambda: self.resolve("local"))
        self.remote_button = QPushButton("Take remote")
        self.remote_button.setObjectName("takeRemoteButton")
        self.remote_button.clicked.connect(lambda: self.resolve("remote"))
        self.value = QLineEdit()
        self.value.setObjectName("conflictValue")
        self.value.setPlaceholderText("a new value")
        self.value_button = QPushButton("Write a value")
        self.value_button.setObjectName("writeValueButton")
        self.value_button.clicked.connect(lambda: self.resolve("value"))
        self.status = _status_label("conflictsStatus")
        if not self.ws.is_supervisor:
            _show(self.status, "Only a supervisor resolves conflicts; you can look.")
            self.status.setStyleSheet("")

        row = QHBoxLayout()
        row.addWidget(self.local_button)
        row.addWidget(self.remote_button)
        row.addStretch(1)
        row.addWidget(self.value, 2)
        row.addWidget(self.value_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._update_buttons()

    def refresh(self) -> Operation:
        return run_operation(
            self,
            self.ws.conflicts,
            label="list the conflicts",
            errors="inline",
            on_success=self._listed,
            on_failure=self._failed,
        )

    def _listed(self, conflicts: list) -> None:
        self.conflicts = conflicts
        self._names = {a["id"]: a["name"] for a in self.ws.analysts()}
        self.table.setRowCount(len(conflicts))
        for r, c in enumerate(conflicts):
            item = f"{c.entity.replace('_', ' ')[:-1]}: {c.label or c.entity_id[:8]}"
            cells = (
                item,
                c.field,
                _shown_value(c.local_value),
                _shown_value(c.remote_value),
                c.winner,
                self._names.get(c.local_by, c.local_by[:8]),
                self._names.get(c.remote_by, c.remote_by[:8]),
            )
            for col, text in enumerate(cells):
                self.table.setItem(r, col, _cell(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.empty.setVisible(not conflicts)
        if conflicts and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        c = self.selected()
        enabled = c is not None and not self.ws.readonly
        for b in (self.local_button, self.remote_button, self.value_button):
            b.setEnabled(enabled)
        now = f" (now: {_shown_value(c.current_value)})" if c is not None else ""
        self.value.setPlaceholderText(f"a new value{now}")

    def _typed_value(self, c) -> Any:
        text = self.value.text().strip()
        if isinstance(c.local_value, int) or isinstance(c.remote_value, int):
            try:
                return int(text)
            except ValueError:
                return text
        return text or None

    def resolve(self, choice: str) -> Operation | None:
        c = self.selected()
        if c is None:
            return None
        value = self._typed_value(c) if choice == "value" else None
        if choice == "value" and value in (None, ""):
            _show(self.status, "Type the new value first.", error=True)
            return None

        def resolved(_changes) -> None:
            self.value.clear()
            _show(self.status, f"Resolved: {c.field} of {c.label or c.entity_id[:8]}.")
            self.refresh()

        return run_operation(
            self,
            self.ws.resolve_conflict,
            c.id,
            choice,
            value,
            label="resolve the conflict",
            errors="inline",
            on_success=resolved,
            on_failure=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        _show(self.status, describe_error(exc), error=True)


# -- the window's menus -------------------------------------------------------------------------
class ExchangeUi(QObject):
    """Owns the exchange actions and dialogs of one main window; see `install_exchange_ui`."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.export_dialog: ExportBundleDialog | None = None
        self.import_dialog: ImportBundleDialog | None = None
        self.keys_dialog: KeysDialog | None = None
        self.conflicts_dialog: ConflictsDialog | None = None

        self.export_action = QAction("E&xport bundle…", window)
        self.export_action.setToolTip("Write a signed bundle to carry to another workstation")
        self.export_action.triggered.connect(self.show_export)
        self.import_action = QAction("Import &bundle…", window)
        self.import_action.setToolTip("Verify, preview and apply a signed bundle")
        self.import_action.triggered.connect(self.show_import)
        self.import_action.setEnabled(not window.ws.readonly)
        self.keys_action = QAction("&Keys…", window)
        self.keys_action.setToolTip("My signing key and the keys this workstation trusts")
        self.keys_action.triggered.connect(self.show_keys)
        self.conflicts_action = QAction("&Conflicts…", window)
        self.conflicts_action.setToolTip("Values that lost a merge, for a supervisor to settle")
        self.conflicts_action.triggered.connect(self.show_conflicts)

        add = getattr(window, "add_menu_action", None)
        if callable(add):
            add("File", self.export_action, separator=True)
            add("File", self.import_action)
            add("Tools", self.keys_action, separator=True)
            add("Review", self.conflicts_action, separator=True)
        else:  # a plain QMainWindow
            bar = window.menuBar()
            file_menu = bar.addMenu("&File")
            file_menu.addAction(self.export_action)
            file_menu.addAction(self.import_action)
            bar.addMenu("&Tools").addAction(self.keys_action)
            bar.addMenu("&Review").addAction(self.conflicts_action)

    def _open(self, attr: str, cls: type[QDialog]) -> Any:
        dialog = getattr(self, attr)
        if dialog is None:
            dialog = cls(self.window)
            setattr(self, attr, dialog)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_export(self) -> ExportBundleDialog:
        return self._open("export_dialog", ExportBundleDialog)

    def show_import(self) -> ImportBundleDialog:
        return self._open("import_dialog", ImportBundleDialog)

    def show_keys(self) -> KeysDialog:
        dialog = self._open("keys_dialog", KeysDialog)
        dialog.refresh()
        return dialog

    def show_conflicts(self) -> ConflictsDialog:
        dialog = self._open("conflicts_dialog", ConflictsDialog)
        dialog.refresh()
        return dialog


def install_exchange_ui(window: QMainWindow) -> None:
    """Add File → Export bundle… / Import bundle…, Tools → Keys… and Review → Conflicts… to a
    MainWindow (uses window.ws; its operations run on window.writer). Idempotent; the controller is
    `window.exchange_ui`."""
    if getattr(window, "exchange_ui", None) is not None:
        return
    window.exchange_ui = ExchangeUi(window)


__all__ = [
    "ConflictsDialog",
    "ExchangeUi",
    "ExportBundleDialog",
    "ImportBundleDialog",
    "KeysDialog",
    "install_exchange_ui",
]
