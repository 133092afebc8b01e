"""A guard against PySide6 6.12.0 dropping references to None, True and False on CPython < 3.12."""

from __future__ import annotations

import ctypes
import sys
import warnings

# PySide6 6.12.0 (abi3 wheel) returns None / True / False from wrapped calls without taking a
# reference, as if they were immortal, which they are only from CPython 3.12 on. On 3.11 every
# `widget.setText(...)` costs None one reference, and after a few thousand calls the
# interpreter aborts with "none_dealloc: deallocating None". Fixed by PySide6 6.11.3 or earlier,
# or by Python >= 3.12; once the project pins one of those, this guard finds nothing to do.
_IMMORTAL = 1 << 40
_applied = False


def pyside_drops_singletons() -> bool:
    """True when wrapped void calls lose a reference to None (measured, not guessed)."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(32):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 16


def keep_singletons_alive() -> bool:
    """Make None/True/False immortal (as CPython 3.12 does) when PySide6 needs it; idempotent."""
    global _applied
    if _applied or not pyside_drops_singletons():
        return _applied
    import PySide6

    warnings.warn(
        f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} drops references "
        "to None/True/False; Assay compensates, but pin PySide6 6.11.3 or use Python 3.12+.",
        RuntimeWarning,
        stacklevel=2,
    )
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object
        ctypes.c_ssize_t.from_address(id(singleton)).value += _IMMORTAL
    _applied = True
    return True
