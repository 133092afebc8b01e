"""Frozen entry point of the `assay-desk` window.

`--quit-after MS` (used by the packaging smoke test) quits once the main window has been shown
for MS milliseconds, printing "window shown", so a built folder can be checked without a person.
"""

import multiprocessing
import sys


def _smoke(ms: int) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])

    def check() -> None:
        shown = [w for w in app.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
        if shown:
            print("window shown", shown[0].windowTitle(), flush=True)
            QTimer.singleShot(ms, app.quit)
        else:
            QTimer.singleShot(200, check)

    QTimer.singleShot(200, check)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    args = sys.argv[1:]
    if "--quit-after" in args:
        i = args.index("--quit-after")
        _smoke(int(args[i + 1]))
        del args[i : i + 2]
    from desktop.app import main

    sys.exit(main(args))
