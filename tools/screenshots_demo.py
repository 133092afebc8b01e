"""Screenshots of the demo workspace's worked analysis, offscreen, into docs/screenshots/: the
supervisor's review queue and dashboard, the agreement view, and a tradecraft warning in the claim
editor, exactly as `assay demo` builds them.

    .venv/bin/python tools/screenshots_demo.py [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SIZE = (1400, 900)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="assay-demo-screenshots-"))
    # a private profile and settings: screenshots never touch the user's own
    os.environ["ASSAY_PROFILE_DIR"] = str(scratch / "profile")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.core import demo
    from desktop.core.workspace import Workspace
    from desktop.ui import theme
    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.main_window import MainWindow
    from desktop.ui.review_queue import FindingsRole
    from desktop.ui.review_ui import install_review_ui

    keep_singletons_alive()
    app = QApplication([sys.argv[0]])
    app.setFont(theme.app_font())
    theme.apply_theme(app, "light")

    def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: timed out waiting for {what}")
            QTest.qWait(20)

    def save(widget: QWidget, name: str) -> None:
        QTest.qWait(200)
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        print(f"wrote {path}")

    print("building the demo workspace…")
    demo.create_demo(scratch / "workspace", profile=demo.SAM).close()
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)

    window = MainWindow(Workspace.open(scratch / "workspace", profile=demo.SAM), settings=settings)
    install_review_ui(window)
    ui = window.review_ui
    try:
        window.resize(*SIZE)
        window.show()
        QTest.qWaitForWindowExposed(window)
        window.resizeDocks([ui.queue_dock], [560], Qt.Orientation.Vertical)
        panel = ui.queue
        panel.splitter.setSizes([560, 420, 420])
        wait_until(lambda: panel.model.total() > 0, "the review queue")
        flagged = next(
            r for r in range(panel.model.rowCount()) if panel.model.index(r, 0).data(FindingsRole)
        )
        panel.select_row(flagged)
        panel.table.setFocus()
        save(window, "demo-review-queue")

        dashboard = ui.show_dashboard()
        dashboard.resize(1400, 1060)
        wait_until(lambda: dashboard.view.figures is not None, "the dashboard")
        save(dashboard, "demo-dashboard")
        dashboard.close()

        agreement = ui.show_agreement()
        agreement.resize(1000, 640)
        wait_until(lambda: agreement.view.summary is not None, "the agreement figures")
        save(agreement, "demo-agreement")
        agreement.close()
    finally:
        window.shutdown()

    # Ben's claim that Sam sent back: its statement says "likely", its rating "unlikely"
    settings = QSettings(str(scratch / "settings-ben.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Workspace.open(scratch / "workspace", profile=demo.BEN), settings=settings)
    try:
        window.resize(*SIZE)
        window.show()
        QTest.qWaitForWindowExposed(window)
        ws = window.ws
        claim = next(a for a in ws.claims() if ws.tradecraft(a.id) and a.created_by == demo.BEN.id)
        window.open_annotation(claim.document_id, claim.id)
        wait_until(lambda: window.editor.tradecraft.isVisible(), "the tradecraft line")
        window.resizeDocks([window.editor], [760], Qt.Orientation.Vertical)
        window.resizeDocks([window.editor], [430], Qt.Orientation.Horizontal)
        save(window, "claim-editor-tradecraft")
    finally:
        window.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
