"""Unsaved claim edits survive a crash: the editor's unsaved state is kept beside the store a
second after each change (ws.keep_unsaved) and dropped once saved or discarded. When a window
opens on a workspace with kept edits of the same analyst, the editor offers them back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
)

from desktop.core.kernel.errors import AssayError
from desktop.core.workspace import Workspace

from .claim_editor import ClaimEditor, NewSpan
from .dashboard_data import local_time_text

KEEP_AFTER_MS = 1000


def kept_name(profile_id: str) -> str:
    """One kept copy per analyst, so two people on one workstation never overwrite each
    other's unsaved words."""
    return "claim-editor-" + hashlib.sha1(profile_id.encode()).hexdigest()[:12]


class EditorRecovery(QObject):
    """Keeps the editor's unsaved edits on disk and offers kept ones back."""

    # the document and annotation (None: a new claim) whose edits were put back in the form
    restored = Signal(str, object)

    def __init__(self, editor: ClaimEditor, ws: Workspace, parent: QObject | None = None):
        super().__init__(parent)
        self.editor, self.ws = editor, ws
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(KEEP_AFTER_MS)
        self.timer.timeout.connect(self.keep)
        editor.edits_changed.connect(self.timer.start)
        self.pending: dict | None = None
        self.banner = self._build_banner()
        editor.add_banner(self.banner)
        self.for_analyst()

    def for_analyst(self) -> None:
        """Whose kept edits to look for and write: the analyst at the keyboard (again after
        Switch analyst: what the previous one typed is kept under their name first)."""
        if getattr(self, "profile_id", None) is not None:
            self.flush()
        self.profile_id = self.ws.profile.id
        self.name = kept_name(self.profile_id)
        kept = None if self.ws.readonly else self.ws.unsaved(self.name)
        self.pending = kept if _usable(kept, self.profile_id) else None
        self.message.setText(self._describe())
        self.restore_button.setEnabled(True)
        self.banner.setVisible(self.pending is not None)

    # -- keeping -------------------------------------------------------------------------------
    def keep(self) -> None:
        """Write the editor's unsaved state now (or drop the kept copy when nothing is unsaved).
        While older kept edits wait to be restored or discarded, they are left alone."""
        self.timer.stop()
        if self.pending is not None or self.ws.readonly:
            return
        state = self.editor.unsaved_state()
        if state is None:
            self.ws.drop_unsaved(self.name)
            return
        state["profile"] = self.profile_id
        state["kept_at"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self.ws.keep_unsaved(self.name, state)

    def flush(self) -> None:
        """At shutdown: what was typed in the last second is kept too."""
        if self.timer.isActive():
            self.keep()

    # -- offering kept edits back -------------------------------------------------------------
    def restore(self) -> bool:
        data = self.pending
        if data is None:
            return False
        if self.editor.is_dirty():
            self._say("Save or discard the claim you are editing first, then restore.")
            return False
        try:
            if data.get("annotation_id"):
                ann = self.ws.annotation(data["annotation_id"])
                self.editor.load(ann)
                doc_id = ann.document_id
            else:
                new = data["new"]
                self.ws.document(new["document_id"])  # still here?
                span = NewSpan(**{k: new.get(k) for k in NewSpan.__dataclass_fields__})
                self.editor.start_new(span)
                doc_id = span.document_id
        except (AssayError, KeyError, TypeError):
            self._say(
                "The claim or document these edits belong to is no longer in this "
                "workspace; they cannot be restored. Discard them to go on."
            )
            self.restore_button.setEnabled(False)
            return False
        self.editor.apply_values(data.get("values") or {})
        self.pending = None
        self.banner.hide()
        self.editor.show()
        self.keep()  # the restored edits are now the editor's unsaved state
        self.restored.emit(doc_id, data.get("annotation_id"))
        return True

    def discard(self) -> None:
        self.pending = None
        self.banner.hide()
        self.ws.drop_unsaved(self.name)
        self.keep()

    def _build_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("recoveryBanner")
        banner.setFrameShape(QFrame.Shape.StyledPanel)
        banner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        banner.setStyleSheet("QFrame#recoveryBanner { background: #fff4ce; color: #3d2e00; }")
        self.message = QLabel()
        self.message.setObjectName("recoveryMessage")
        self.message.setWordWrap(True)
        self.restore_button = QPushButton("Restore")
        self.restore_button.clicked.connect(self.restore)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self.discard)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.discard_button)
        layout = QVBoxLayout(banner)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        return banner

    def _describe(self) -> str:
        data = self.pending
        if data is None:
            return ""
        what = "a claim" if data.get("annotation_id") else "a new claim"
        statement = (data.get("values") or {}).get("statement") or ""
        quoted = f" (“{statement[:80]}{'…' if len(statement) > 80 else ''}”)" if statement else ""
        when = local_time_text(data["kept_at"]) if data.get("kept_at") else "before"
        return (
            f"Unsaved edits to {what}{quoted} were kept when Assay closed at {when} "
            "without saving them."
        )

    def _say(self, text: str) -> None:
        self.message.setText(f"{self._describe()}\n{text}")


def _usable(data: dict | None, profile_id: str) -> bool:
    """Kept edits of this analyst, with something to restore."""
    return (
        isinstance(data, dict)
        and data.get("profile") == profile_id
        and isinstance(data.get("values"), dict)
        and bool(data.get("annotation_id") or isinstance(data.get("new"), dict))
    )
