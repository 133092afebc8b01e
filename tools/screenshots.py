"""Screenshots of the main window on the demo workspace, offscreen, into docs/screenshots/."""

from __future__ import annotations

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
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="assay-screenshots-"))
    # A private profile and settings: screenshots never touch the user's own.
    os.environ["ASSAY_PROFILE_DIR"] = str(scratch / "profile")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop.core.demo import create_demo
    from desktop.ui import theme
    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.main_window import MainWindow

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

    def settle() -> None:
        QTest.qWait(150)

    def save(window: MainWindow, name: str) -> None:
        settle()
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / name
        if not window.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        print(f"wrote {path.relative_to(ROOT)}")

    print("building the demo workspace…")
    ws = create_demo(scratch / "workspace")
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ws, settings=settings)
    try:
        window.resize(*SIZE)
        window.show()
        QTest.qWaitForWindowExposed(window)

        def open_titled(fragment: str) -> str:
            doc_id = next(d["id"] for d in ws.list_documents() if fragment in d["title"])
            window.library.select_document(doc_id)
            wait_until(lambda: window.reader.document_id == doc_id, f"document {fragment!r}")
            return doc_id

        def search(query: str) -> None:
            window.search_field.setText(query)
            wait_until(
                lambda: window.results.model.query == query and window.results.model.rowCount(),
                f"hits for {query!r}",
            )
            window.open_hit(window.results.model.hit(0))

        open_titled("Interim Assessment")
        save(window, "main-light.png")

        window.set_theme("dark")
        open_titled("ODIS flash briefing")
        save(window, "main-dark.png")
        window.set_theme("light")

        search("export controls")
        save(window, "search.png")

        search("出口管制")
        zh = next(
            d for d in ws.list_documents(language="zh") if d["id"] == window.reader.document_id
        )
        print(f"chinese document: {zh['title']}")
        save(window, "chinese.png")
    finally:
        window.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
