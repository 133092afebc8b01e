"""Help → About: versions, where the workspace, data, profile and log live; the main shortcuts."""

from __future__ import annotations

import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop import __version__
from desktop.core.kernel.profile import default_workspace_path, profile_dir
from desktop.logs import log_path

SHORTCUTS = (
    ("Ctrl+K", "search everything"),
    ("Ctrl+F, then Enter / F3", "find in the open document; next match (Shift: previous)"),
    ("Ctrl+Shift+N", "note on the selected text"),
    ("Ctrl+Shift+C", "claim on the selected text"),
    ("Alt+Down / Alt+Up", "next / previous note or claim in the document"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo (the step is named in the Edit menu)"),
    ("Ctrl+O", "import files"),
    ("Ctrl+Shift+L", "every note and claim in one table: filter, sort, open"),
    ("Ctrl+I", "the document's properties: source and its reliability, marking, date…"),
    ("Delete", "in the library: remove the document (asks first; undo brings it back)"),
    ("A / R / C, J / K", "review queue: approve, reject, request changes; next / previous"),
)


def about_facts(ws) -> list[tuple[str, str]]:
    """The facts the About box shows, as (label, value) pairs (testable without a window)."""
    applied = ws.schema_history()
    return [
        ("Assay", __version__),
        ("Workspace", str(ws.path) + ("  (read-only)" if ws.readonly else "")),
        ("Schema", applied[-1] if applied else "none"),
        ("Analyst", f"{ws.profile.name} ({ws.profile.role})"),
        ("Profile and keys", str(profile_dir())),
        ("Default workspace", str(default_workspace_path())),
        ("Log file", str(log_path())),
        ("Python", f"{platform.python_version()} ({sys.platform})"),
        ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
    ]


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;{v}</td></tr>" for k, v in SHORTCUTS)
    return f"<table>{rows}</table>"


class AboutDialog(QDialog):
    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About Assay")
        layout = QVBoxLayout(self)
        facts = "".join(
            f"<tr><td style='color:gray'>{label}</td><td>&nbsp;{value}</td></tr>"
            for label, value in about_facts(ws)
        )
        text = QLabel(
            "<h2>Assay</h2><p>Offline analyst review workbench: documents, claims with "
            "ICD 203 and Admiralty ratings, TLP markings, supervisor review, signed bundles."
            f"</p><table>{facts}</table><h3>Shortcuts</h3>{shortcuts_html()}"
        )
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setWordWrap(True)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
