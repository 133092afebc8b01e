"""Help → About facts, and unexpected errors: logged, shown, window kept."""

from __future__ import annotations

import sys

from desktop.ui.about import AboutDialog, about_facts
from desktop.ui.crash import report_exception


def test_about_names_versions_and_locations(qtbot, ws, private_profile):
    facts = dict(about_facts(ws))
    assert facts["Assay"] == "0.1.0"
    assert facts["Workspace"] == str(ws.path)
    assert facts["Schema"].startswith("m0")
    assert facts["Log file"].startswith(str(private_profile))
    assert facts["Qt"].startswith("6.")
    dialog = AboutDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.grab().save(str(private_profile / "about.png"))
    assert (private_profile / "about.png").stat().st_size > 1000


def test_unexpected_exception_is_logged_and_shown(qtbot, private_profile):
    from desktop.logs import setup_logging

    setup_logging()
    try:
        raise ZeroDivisionError("kaboom")
    except ZeroDivisionError:
        box = report_exception(*sys.exc_info())
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert "kaboom" in box.text() and "log file" in box.text()
    assert "ZeroDivisionError" in box.detailedText()
    log = private_profile / "logs" / "assay.log"
    assert "ZeroDivisionError: kaboom" in log.read_text()
    box.close()
