"""`assay-desk` / `assay gui`: the QApplication entry point."""

from __future__ import annotations

import argparse
import sys

from desktop import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assay-desk", description="Assay: offline analyst review workbench (desktop)."
    )
    parser.add_argument("--version", action="version", version=f"assay-desk {__version__}")
    parser.add_argument(
        "--workspace",
        "-w",
        default=None,
        help="workspace folder (default: $ASSAY_WORKSPACE, else the last one opened, else the "
        "user data folder's 'workspace')",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="if the workspace does not exist, create it holding the sample documents",
    )
    parser.add_argument(
        "--read-only", action="store_true", help="open the workspace without writing to it"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Qt is imported here so `assay --help` and the CLI never pay for it.
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui import theme
    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.first_run import ensure_profile
    from desktop.ui.launcher import Launcher, startup_workspace

    keep_singletons_alive()
    from desktop.logs import setup_logging
    from desktop.ui.crash import install_excepthook

    setup_logging()
    install_excepthook()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Assay")
    app.setApplicationName("Assay")
    app.setApplicationVersion(__version__)
    app.setFont(theme.app_font())
    theme.apply_theme(app, theme.saved_theme())
    # Dialogs come and go before the window exists; only closing the window should quit.
    app.setQuitOnLastWindowClosed(False)
    path = startup_workspace(args.workspace)
    launcher = Launcher(path, demo=args.demo, readonly=args.read_only)
    # First run: who is this? Asked before the workspace opens, since it records their name;
    # the welcome screen (no workspace yet) asks it itself, next to the ways in.
    if not launcher.will_welcome() and ensure_profile() is None:
        launcher.shutdown()
        return 0
    launcher.window_opened.connect(lambda _window: app.setQuitOnLastWindowClosed(True))
    launcher.aborted.connect(app.exit)
    QTimer.singleShot(0, launcher.start)
    code = app.exec()
    launcher.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
