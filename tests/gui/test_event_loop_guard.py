"""The suite's guard against a test that leaves Qt's quit flag set (it broke CI once: a
forgotten 30 s safety timer called QApplication.exit() during later tests, and every
waitSignal after it timed out)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from tests.gui.conftest import clear_quit_flag, event_loops_still_run


def test_the_guard_sees_a_quit_and_can_clear_it(qapp):
    assert event_loops_still_run()
    QCoreApplication.exit(0)  # outside app.exec(): Qt keeps the flag
    assert not event_loops_still_run()
    clear_quit_flag(qapp)
    assert event_loops_still_run()
