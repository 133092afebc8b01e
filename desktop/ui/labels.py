"""Words the interface shows for markings, reliability grades and languages."""

from __future__ import annotations

from PySide6.QtCore import QLocale

from desktop.core.kernel.scales import RELIABILITY, TLP_DESCRIPTIONS

__all__ = ["RELIABILITY", "TLP_DESCRIPTIONS", "language_name", "reliability_text"]


def reliability_text(grade: str | None) -> str:
    """'B (usually reliable)', or an empty string when the source has no grade."""
    if not grade:
        return ""
    label = RELIABILITY.get(grade)
    return f"{grade} ({label})" if label else grade


def language_name(code: str | None) -> str:
    """The English name of an ISO 639 code ('zh' → 'Chinese'); the code itself if Qt has none."""
    if not code:
        return ""
    if code == "und":
        return "Undetermined"
    locale = QLocale(code)
    if locale.language() in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        return code
    return QLocale.languageToString(locale.language())
