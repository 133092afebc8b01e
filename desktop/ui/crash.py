"""Unexpected exceptions in the GUI: logged with their traceback and shown in a dialog.

The window stays open: every user action is already saved by the core when it succeeds, and
an editor's unsaved fields stay where they are, so the person decides what to do next.
"""

from __future__ import annotations

import logging
import sys
import traceback

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.logs import log_path

log = logging.getLogger("assay.gui")
_showing = False


def report_exception(exc_type, exc, tb) -> QMessageBox | None:
    """Log the exception and show it (one dialog at a time); returns the dialog if shown."""
    global _showing
    log.error("unexpected error", exc_info=(exc_type, exc, tb))
    app = QApplication.instance()
    if app is None or _showing:
        traceback.print_exception(exc_type, exc, tb)
        return None
    _showing = True
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Unexpected error",
        f"Assay hit an unexpected error: {exc}\n\nYour saved work is safe. "
        f"The details are in the log file:\n{log_path()}",
        QMessageBox.StandardButton.Ok,
    )
    box.setDetailedText("".join(traceback.format_exception(exc_type, exc, tb)))

    def closed(_result: int) -> None:
        global _showing
        _showing = False

    box.finished.connect(closed)
    # shown from the event loop, never from inside the failing call's stack
    QTimer.singleShot(0, box.open)
    return box


def install_excepthook() -> None:
    sys.excepthook = report_exception
